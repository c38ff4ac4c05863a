-- 006: MOUs. The text and its versions live in git (<data>/git/<slug>.git, one
-- file mou-<id>.md per MOU, see storage/gitstore.c); these rows name the
-- commits. The commit is always written before the row that names it, and
-- start-up reconciles any commit that has no row (daemon/mou.c, mou_start).
-- Commit ids are 40 lowercase hex characters.

CREATE TABLE mous (
  id           INTEGER PRIMARY KEY,
  coalition_id INTEGER NOT NULL REFERENCES coalitions(id),
  title        TEXT NOT NULL,
  parties      TEXT NOT NULL DEFAULT '[]',  -- JSON array of organization names
  head         TEXT NOT NULL DEFAULT '',    -- the newest commit that changed mou-<id>.md
  created_by   INTEGER REFERENCES members(id),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX mous_coalition ON mous(coalition_id);

-- Every commit that changed an MOU, with the member who made it (NULL when
-- recovered at start-up from a commit whose author email is unknown).
CREATE TABLE mou_versions (
  mou_id    INTEGER NOT NULL REFERENCES mous(id),
  commit_id TEXT NOT NULL,
  member_id INTEGER REFERENCES members(id),
  at        TEXT NOT NULL,
  PRIMARY KEY (mou_id, commit_id)
) WITHOUT ROWID;

-- A party organization's signature, bound to one exact commit. A later edit
-- leaves it on that commit; the party may sign the new head again.
CREATE TABLE mou_signatures (
  mou_id       INTEGER NOT NULL REFERENCES mous(id),
  organization TEXT NOT NULL,
  commit_id    TEXT NOT NULL,
  member_id    INTEGER NOT NULL REFERENCES members(id),
  at           TEXT NOT NULL,
  PRIMARY KEY (mou_id, organization, commit_id)
);  -- rowid kept: signatures are listed in the order they were made
