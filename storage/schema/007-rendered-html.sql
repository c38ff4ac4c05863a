-- 007: markdown is rendered once, when its text is written, and the HTML kept
-- beside it: reads never run the renderer (issue 15). rt_markdown(text) is
-- the daemon's renderer (daemon/render.c) registered as an SQL function on
-- every connection before the migrations run (storage/db.c), so the rows
-- written before this migration are rendered here, once, at the upgrade;
-- every later write sets the HTML in the same statement as its source.
-- An MOU's text lives in git, one version per commit: mou_html keeps the
-- rendering of each version, written with the version's row (mou.create,
-- mou.save, the start-up reconciliation); versions saved before this
-- migration are rendered at the next start-up (daemon/mou.c, mou_start).

ALTER TABLE decisions ADD COLUMN html TEXT;
ALTER TABLE decisions ADD COLUMN outcome_statement_html TEXT;
UPDATE decisions SET html = rt_markdown(body),
                     outcome_statement_html = rt_markdown(outcome_statement);

ALTER TABLE milestones ADD COLUMN html TEXT;
UPDATE milestones SET html = rt_markdown(body);
ALTER TABLE milestone_updates ADD COLUMN html TEXT;
UPDATE milestone_updates SET html = rt_markdown(note);

ALTER TABLE rfqs ADD COLUMN html TEXT;
UPDATE rfqs SET html = rt_markdown(body);
ALTER TABLE rfq_addenda ADD COLUMN html TEXT;
UPDATE rfq_addenda SET html = rt_markdown(text);
ALTER TABLE rfq_answers ADD COLUMN html TEXT;
UPDATE rfq_answers SET html = rt_markdown(body);
ALTER TABLE rfq_clarifications ADD COLUMN question_html TEXT;
ALTER TABLE rfq_clarifications ADD COLUMN answer_html TEXT;
UPDATE rfq_clarifications SET question_html = rt_markdown(question),
                              answer_html = rt_markdown(answer);

CREATE TABLE mou_html (
  mou_id    INTEGER NOT NULL REFERENCES mous(id),
  commit_id TEXT NOT NULL,
  html      TEXT NOT NULL,
  PRIMARY KEY (mou_id, commit_id)
) WITHOUT ROWID;
