-- 007: markdown is rendered once, when its text is written, and the HTML kept
-- beside it: reads never run the renderer (issue 15). rt_markdown(text) is
-- the daemon's renderer (daemon/render.c) registered as an SQL function on
-- every connection (storage/db.c). Rows written before this migration are
-- rendered once, right after it, by render_backfill (storage/db.c), which
-- renders any row still without HTML at each start; every later write sets
-- the HTML in the same statement as its source.
-- An MOU's text lives in git, one version per commit: mou_html keeps the
-- rendering of each version, written with the version's row (mou.create,
-- mou.save, the start-up reconciliation); versions saved before this
-- migration are rendered at the next start-up (daemon/mou.c, mou_start).

ALTER TABLE decisions ADD COLUMN html TEXT;
ALTER TABLE decisions ADD COLUMN outcome_statement_html TEXT;

ALTER TABLE milestones ADD COLUMN html TEXT;
ALTER TABLE milestone_updates ADD COLUMN html TEXT;

ALTER TABLE rfqs ADD COLUMN html TEXT;
ALTER TABLE rfq_addenda ADD COLUMN html TEXT;
ALTER TABLE rfq_answers ADD COLUMN html TEXT;
ALTER TABLE rfq_clarifications ADD COLUMN question_html TEXT;
ALTER TABLE rfq_clarifications ADD COLUMN answer_html TEXT;

CREATE TABLE mou_html (
  mou_id    INTEGER NOT NULL REFERENCES mous(id),
  commit_id TEXT NOT NULL,
  html      TEXT NOT NULL,
  PRIMARY KEY (mou_id, commit_id)
) WITHOUT ROWID;
