-- Idempotency records no longer hold a reply in clear (it could carry an
-- invitation or respondent token): the key is stored as a tag and the op and
-- reply sealed under a key derived from the client's key (storage/store_idem.h).
-- Records made before this version are dropped: a retry of a write made before
-- the upgrade is answered as a new request.
DROP TABLE idempotency;
CREATE TABLE idempotency (
  member_id  INTEGER NOT NULL,
  tag        BLOB NOT NULL,
  sealed     BLOB NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (member_id, tag)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency(created_at);
