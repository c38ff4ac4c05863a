-- 005: hub selection RFQs: the request itself, its questions and weighted
-- criteria, addenda published after it went out, the invited respondents
-- (outside organizations without accounts, known by the SHA-256 of their
-- secret link token), their answers, clarifications, evaluators with their
-- stakeholder group, conflict-of-interest declarations, scores and the hubs
-- selected. Times are RFC 3339 UTC text, so they compare as strings.

CREATE TABLE rfqs (
  id           INTEGER PRIMARY KEY,
  coalition_id INTEGER NOT NULL REFERENCES coalitions(id),
  title        TEXT NOT NULL,
  body         TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'draft'
               CHECK (status IN ('draft', 'published', 'closed', 'decided')),
  closes_at    TEXT NOT NULL,
  created_by   INTEGER NOT NULL REFERENCES members(id),
  created_at   TEXT NOT NULL,
  published_at TEXT,
  closed_at    TEXT,
  decided_at   TEXT,
  decision_note TEXT
);
CREATE INDEX rfqs_coalition ON rfqs(coalition_id);
CREATE INDEX rfqs_due ON rfqs(status, closes_at);

-- A question added by an addendum names it (addendum_id); NULL: in the original.
CREATE TABLE rfq_addenda (
  id          INTEGER PRIMARY KEY,
  rfq_id      INTEGER NOT NULL REFERENCES rfqs(id),
  text        TEXT NOT NULL,
  created_by  INTEGER NOT NULL REFERENCES members(id),
  created_at  TEXT NOT NULL
);
CREATE INDEX rfq_addenda_rfq ON rfq_addenda(rfq_id);

CREATE TABLE rfq_questions (
  id          INTEGER PRIMARY KEY,
  rfq_id      INTEGER NOT NULL REFERENCES rfqs(id),
  position    INTEGER NOT NULL,
  section     TEXT NOT NULL,
  text        TEXT NOT NULL,
  addendum_id INTEGER REFERENCES rfq_addenda(id)
);
CREATE INDEX rfq_questions_rfq ON rfq_questions(rfq_id, position);

CREATE TABLE rfq_criteria (
  id          INTEGER PRIMARY KEY,
  rfq_id      INTEGER NOT NULL REFERENCES rfqs(id),
  position    INTEGER NOT NULL,
  name        TEXT NOT NULL,
  description TEXT NOT NULL,
  weight      REAL NOT NULL CHECK (weight > 0),
  max         INTEGER NOT NULL CHECK (max >= 1)
);
CREATE INDEX rfq_criteria_rfq ON rfq_criteria(rfq_id, position);

-- Only the SHA-256 of the respondent's secret link token is stored.
-- final_at: the respondent submitted as final; the answers are frozen.
CREATE TABLE rfq_respondents (
  id           INTEGER PRIMARY KEY,
  rfq_id       INTEGER NOT NULL REFERENCES rfqs(id),
  organization TEXT NOT NULL,
  email        TEXT NOT NULL,
  token_hash   BLOB NOT NULL UNIQUE,
  invited_by   INTEGER NOT NULL REFERENCES members(id),
  invited_at   TEXT NOT NULL,
  final_at     TEXT,
  selected     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rfq_respondents_rfq ON rfq_respondents(rfq_id);

CREATE TABLE rfq_answers (
  respondent_id INTEGER NOT NULL REFERENCES rfq_respondents(id),
  question_id   INTEGER NOT NULL REFERENCES rfq_questions(id),
  body          TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (respondent_id, question_id)
) WITHOUT ROWID;

-- Who asked is kept for the record, never shown with the published answer.
CREATE TABLE rfq_clarifications (
  id            INTEGER PRIMARY KEY,
  rfq_id        INTEGER NOT NULL REFERENCES rfqs(id),
  respondent_id INTEGER NOT NULL REFERENCES rfq_respondents(id),
  question      TEXT NOT NULL,
  asked_at      TEXT NOT NULL,
  answer        TEXT,
  answered_by   INTEGER REFERENCES members(id),
  answered_at   TEXT
);
CREATE INDEX rfq_clarifications_rfq ON rfq_clarifications(rfq_id);

-- grp: design_team, funder or provider (the stakeholder group the evaluator weighs in).
CREATE TABLE rfq_evaluators (
  rfq_id      INTEGER NOT NULL REFERENCES rfqs(id),
  member_id   INTEGER NOT NULL REFERENCES members(id),
  grp         TEXT NOT NULL CHECK (grp IN ('design_team', 'funder', 'provider')),
  assigned_by INTEGER NOT NULL REFERENCES members(id),
  assigned_at TEXT NOT NULL,
  PRIMARY KEY (rfq_id, member_id)
) WITHOUT ROWID;

CREATE TABLE rfq_coi (
  rfq_id        INTEGER NOT NULL REFERENCES rfqs(id),
  member_id     INTEGER NOT NULL REFERENCES members(id),
  respondent_id INTEGER NOT NULL REFERENCES rfq_respondents(id),
  reason        TEXT NOT NULL,
  declared_at   TEXT NOT NULL,
  PRIMARY KEY (rfq_id, member_id, respondent_id)
) WITHOUT ROWID;

CREATE TABLE rfq_scores (
  rfq_id        INTEGER NOT NULL REFERENCES rfqs(id),
  member_id     INTEGER NOT NULL REFERENCES members(id),
  respondent_id INTEGER NOT NULL REFERENCES rfq_respondents(id),
  criterion_id  INTEGER NOT NULL REFERENCES rfq_criteria(id),
  score         INTEGER NOT NULL,
  comment       TEXT,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (rfq_id, member_id, respondent_id, criterion_id)
) WITHOUT ROWID;
