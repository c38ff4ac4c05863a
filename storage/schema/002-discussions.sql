-- 002: discussions. Threads of a coalition, their messages (with replies,
-- edits, tombstones and anonymous authors), each member's read marker per
-- thread, and a full-text index of the message bodies (FTS5).

-- The per-database key of the anonymous authors' tags (HMAC-SHA-256 of the
-- message id and the author's member id). Made once, by this migration.
CREATE TABLE discussion_key (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  secret BLOB NOT NULL
);
INSERT INTO discussion_key(id, secret) VALUES (1, randomblob(32));

CREATE TABLE threads (
  id              INTEGER PRIMARY KEY,
  coalition_id    INTEGER NOT NULL REFERENCES coalitions(id),
  title           TEXT NOT NULL,
  created_by      INTEGER NOT NULL REFERENCES members(id),
  allow_anonymous INTEGER NOT NULL DEFAULT 1,
  message_count   INTEGER NOT NULL DEFAULT 0, -- messages not deleted
  last_message_at TEXT,
  created_at      TEXT NOT NULL
);
CREATE INDEX threads_coalition ON threads(coalition_id, last_message_at);

-- author_id is NULL on an anonymous message: its author is known only by
-- anon_tag = HMAC-SHA-256(discussion_key.secret, "rt-anon-v1" || id || member),
-- which lets the author edit or delete it. A deleted message keeps its row
-- (a tombstone: body and html empty, anon_tag NULL) so replies keep their place.
CREATE TABLE messages (
  id         INTEGER PRIMARY KEY,
  thread_id  INTEGER NOT NULL REFERENCES threads(id),
  author_id  INTEGER REFERENCES members(id),
  anonymous  INTEGER NOT NULL DEFAULT 0,
  anon_tag   BLOB,
  reply_to   INTEGER REFERENCES messages(id),
  body       TEXT NOT NULL,
  html       TEXT NOT NULL,
  created_at TEXT NOT NULL,
  edited_at  TEXT,
  deleted    INTEGER NOT NULL DEFAULT 0,
  deleted_at TEXT,
  CHECK (anonymous IN (0, 1) AND (anonymous = 0 OR author_id IS NULL))
);
-- Pages of a thread are ranges of this index (keyset pagination by id).
CREATE INDEX messages_thread ON messages(thread_id, id);

-- Earlier versions of edited messages: each row is a body (and its rendered
-- html, so reading the history never renders) that was current from `at`
-- until the next version. Emptied when the message is deleted.
CREATE TABLE message_versions (
  message_id INTEGER NOT NULL REFERENCES messages(id),
  version    INTEGER NOT NULL,
  body       TEXT NOT NULL,
  html       TEXT NOT NULL,
  at         TEXT NOT NULL,
  PRIMARY KEY (message_id, version)
) WITHOUT ROWID;

-- Each member's read marker per thread: every message with id <= upto is read.
CREATE TABLE thread_reads (
  thread_id INTEGER NOT NULL REFERENCES threads(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  upto      INTEGER NOT NULL,
  PRIMARY KEY (thread_id, member_id)
) WITHOUT ROWID;

-- Full-text index of the bodies, kept in step with messages by the triggers
-- (external content: the text itself stays in messages). A tombstone's empty
-- body leaves nothing to find.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
