-- 003: decisions, their ballots, and what a passing decision adopted.
-- Secret ballots (docs/protocol.md, "Secret ballots"): a ballot row
-- of a secret decision holds no member id, no organization and no time; it is
-- keyed by a hash of the voter's receipt, so rows are stored in random order.
-- Who has voted is kept apart, as keyed hashes, with no link to any ballot.

CREATE TABLE decisions (
  id                INTEGER PRIMARY KEY,
  coalition_id      INTEGER NOT NULL REFERENCES coalitions(id),
  created_by        INTEGER NOT NULL REFERENCES members(id),
  title             TEXT NOT NULL,
  body              TEXT NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('proposal','choice','approval','ranked','consent')),
  options           TEXT NOT NULL DEFAULT '[]',          -- JSON array of strings
  eligible_roles    INTEGER NOT NULL,                    -- role bit set
  closes_at         TEXT NOT NULL,
  quorum            INTEGER NOT NULL DEFAULT 0 CHECK (quorum BETWEEN 0 AND 100),
  threshold         TEXT NOT NULL CHECK (threshold IN ('majority','two_thirds','unanimous','no_blocks')),
  secret            INTEGER NOT NULL DEFAULT 0,
  results           TEXT NOT NULL DEFAULT 'live' CHECK (results IN ('live','after_close')),
  per_organization  INTEGER NOT NULL DEFAULT 0,
  mou_id            INTEGER,
  mou_commit        TEXT,
  status            TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
  created_at        TEXT NOT NULL,
  closed_at         TEXT,
  closed_by         INTEGER REFERENCES members(id),      -- NULL when closed by its timer
  outcome_statement TEXT,
  tally             TEXT                                 -- the final tally (JSON), frozen at the close
);
CREATE INDEX decisions_coalition ON decisions(coalition_id, id);
CREATE INDEX decisions_due ON decisions(status, closes_at);

-- ballot_id = BLAKE2b("rt.ballot" || receipt). Open decisions: member_id and
-- unit (the organization or member a per-organization ballot stands for) are
-- set and NULL for secret ones; owner = keyed hash binding a secret ballot to
-- its voter, computable only with the receipt.
CREATE TABLE decision_ballots (
  decision_id  INTEGER NOT NULL REFERENCES decisions(id),
  ballot_id    BLOB NOT NULL,
  member_id    INTEGER REFERENCES members(id),
  unit         TEXT,
  organization TEXT,
  owner        BLOB,
  choice       TEXT NOT NULL,                           -- JSON, as validated
  reason       TEXT,
  cast_at      TEXT,                                    -- NULL for secret ballots
  CHECK ((member_id IS NULL) = (owner IS NOT NULL)),
  PRIMARY KEY (decision_id, ballot_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX decision_ballots_unit ON decision_ballots(decision_id, unit) WHERE unit IS NOT NULL;

-- Secret decisions: who (or which organization) has voted, as
-- BLAKE2b(key = decision_secret, decision || unit). No time, no ballot link.
CREATE TABLE decision_voters (
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  tag         BLOB NOT NULL,
  PRIMARY KEY (decision_id, tag)
) WITHOUT ROWID;

-- Ballots replaced by a later ballot of the same voter, so that their receipt
-- verifies as "replaced" for that voter and for nobody else. The ballot_id
-- column holds a tag bound to the voter, not the ballot's id: for a secret
-- ballot its owner tag (computable only with the receipt, never stored), for
-- an open one a hash keyed by the ballot id over the decision and the voter
-- (daemon/decisions.c, replaced_tag). No receipt is stored here.
CREATE TABLE decision_replaced (
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  ballot_id   BLOB NOT NULL,
  PRIMARY KEY (decision_id, ballot_id)
) WITHOUT ROWID;

-- Idempotency of secret ballot casts: the first reply, sealed (XChaCha20) under
-- a key derived from the database secret, the member, the decision and the
-- client's key; found by a tag derived the same way. The generic idempotency
-- table would otherwise hold the receipt next to the member id.
CREATE TABLE decision_idem (
  decision_id INTEGER NOT NULL REFERENCES decisions(id),
  tag         BLOB NOT NULL,
  sealed      BLOB NOT NULL,
  PRIMARY KEY (decision_id, tag)
) WITHOUT ROWID;

-- The per-database secret of the keyed hashes above (one row, made on first use).
CREATE TABLE decision_secret (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL
);

-- MOU commits adopted by a passing decision (the MOU area may read this).
CREATE TABLE decision_adoptions (
  decision_id  INTEGER PRIMARY KEY REFERENCES decisions(id),
  coalition_id INTEGER NOT NULL REFERENCES coalitions(id),
  mou_id       INTEGER NOT NULL,
  mou_commit   TEXT NOT NULL,
  adopted_at   TEXT NOT NULL
);
CREATE INDEX decision_adoptions_mou ON decision_adoptions(mou_id);
