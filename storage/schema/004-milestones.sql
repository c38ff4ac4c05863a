-- 004: milestones a coalition follows (and its funders watch), their updates
-- kept as history, their links to the decisions, MOUs and threads that serve
-- them, and which attention notices their owners already had.
-- Times are RFC 3339 UTC text, so they compare as text.

-- status: not_started, on_track, at_risk, achieved. A milestone has a metric
-- when metric_name is not NULL (then metric_baseline and metric_target are
-- set and differ); value is the latest value reported (NULL: none yet).
CREATE TABLE milestones (
  id              INTEGER PRIMARY KEY,
  coalition_id    INTEGER NOT NULL REFERENCES coalitions(id),
  title           TEXT NOT NULL,
  body            TEXT NOT NULL,
  category        TEXT,
  due             TEXT,
  owner_id        INTEGER REFERENCES members(id),
  status          TEXT NOT NULL DEFAULT 'not_started'
                  CHECK (status IN ('not_started', 'on_track', 'at_risk', 'achieved')),
  metric_name     TEXT,
  metric_unit     TEXT,
  metric_baseline REAL,
  metric_target   REAL,
  value           REAL,
  created_by      INTEGER NOT NULL REFERENCES members(id),
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE INDEX milestones_coalition ON milestones(coalition_id);

-- One row per milestone.update: the note (markdown), and the status and the
-- value it set (NULL: not changed by this update).
CREATE TABLE milestone_updates (
  id              INTEGER PRIMARY KEY,
  milestone_id    INTEGER NOT NULL REFERENCES milestones(id),
  author_id       INTEGER REFERENCES members(id),
  status          TEXT,
  previous_status TEXT NOT NULL,
  value           REAL,
  note            TEXT NOT NULL,
  at              TEXT NOT NULL
);
CREATE INDEX milestone_updates_milestone ON milestone_updates(milestone_id, at);

-- Links to what serves a milestone. kind names the other area's table
-- (decision: decisions, mou: mous, thread: threads); target_id is that row's
-- id. No foreign key: those areas' tables may not exist in every build.
CREATE TABLE milestone_links (
  milestone_id  INTEGER NOT NULL REFERENCES milestones(id),
  coalition_id  INTEGER NOT NULL REFERENCES coalitions(id),
  kind          TEXT NOT NULL CHECK (kind IN ('decision', 'mou', 'thread')),
  target_id     INTEGER NOT NULL,
  created_by    INTEGER NOT NULL REFERENCES members(id),
  created_at    TEXT NOT NULL,
  PRIMARY KEY (milestone_id, kind, target_id)
) WITHOUT ROWID;
CREATE INDEX milestone_links_target ON milestone_links(coalition_id, kind, target_id);

-- The attention notices sent: one row per milestone and condition while the
-- condition lasts (removed when it clears, so a recurrence is noticed again).
CREATE TABLE milestone_attention (
  milestone_id  INTEGER NOT NULL REFERENCES milestones(id),
  condition     TEXT NOT NULL CHECK (condition IN ('overdue', 'at_risk')),
  notified_at   TEXT NOT NULL,
  PRIMARY KEY (milestone_id, condition)
) WITHOUT ROWID;
