-- 001: members, coalitions, sessions, invitations, the event log (which is also
-- the audit chain) and idempotency keys. Times are RFC 3339 UTC text.

CREATE TABLE members (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name        TEXT NOT NULL,
  pw_hash     TEXT NOT NULL,
  is_admin    INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);

CREATE TABLE coalitions (
  id          INTEGER PRIMARY KEY,
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  last_seq    INTEGER NOT NULL DEFAULT 0,
  created_at  TEXT NOT NULL
);

-- roles is a bit set: convener 1, design_team 2, provider 4, funder 8, hub 16,
-- parent 32, observer 64 (daemon/roles.h).
CREATE TABLE memberships (
  coalition_id INTEGER NOT NULL REFERENCES coalitions(id),
  member_id    INTEGER NOT NULL REFERENCES members(id),
  roles        INTEGER NOT NULL,
  organization TEXT,
  joined_at    TEXT NOT NULL,
  PRIMARY KEY (coalition_id, member_id)
);
CREATE INDEX memberships_member ON memberships(member_id);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
  token_hash  BLOB PRIMARY KEY,
  member_id   INTEGER NOT NULL REFERENCES members(id),
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_member ON sessions(member_id);

CREATE TABLE invites (
  id           INTEGER PRIMARY KEY,
  coalition_id INTEGER NOT NULL REFERENCES coalitions(id),
  email        TEXT NOT NULL COLLATE NOCASE,
  name         TEXT NOT NULL,
  roles        INTEGER NOT NULL,
  organization TEXT,
  token_hash   BLOB NOT NULL UNIQUE,
  invited_by   INTEGER NOT NULL REFERENCES members(id),
  created_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  accepted_at  TEXT,
  accepted_by  INTEGER REFERENCES members(id)
);
CREATE INDEX invites_coalition ON invites(coalition_id);

-- One row per change of a coalition: the live event, its replay after a
-- reconnect, and the audit trail. hash = SHA-256 over prev and the row's fields
-- (storage/store_events.c), so any edited or removed row breaks the chain.
-- audience: 0 everyone, 1 conveners, 2 one member (audience_member).
-- actor is NULL where naming the member would break anonymity or ballot secrecy.
CREATE TABLE events (
  coalition_id    INTEGER NOT NULL REFERENCES coalitions(id),
  seq             INTEGER NOT NULL,
  type            TEXT NOT NULL,
  audience        INTEGER NOT NULL DEFAULT 0,
  audience_member INTEGER,
  actor           INTEGER,
  at              TEXT NOT NULL,
  payload         TEXT NOT NULL,
  prev            BLOB NOT NULL,
  hash            BLOB NOT NULL,
  PRIMARY KEY (coalition_id, seq)
) WITHOUT ROWID;

-- A mutating request's first reply, by member and client-chosen key.
CREATE TABLE idempotency (
  member_id  INTEGER NOT NULL,
  key        TEXT NOT NULL,
  op         TEXT NOT NULL,
  reply      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (member_id, key)
) WITHOUT ROWID;
