-- 008: search scoped to each coalition, with bounded cost.
--
-- The full-text index is rebuilt with the "rt_coalition" tokenizer
-- (storage/fts_scope.c): every token is stored with its coalition's id in
-- front, so a search reads only its own coalition's part of the index (no
-- term, and no prefix expansion, ever touches another coalition's words).
-- The text it indexes is "<coalition id> 0x1f <body>", given by the view
-- messages_fts_src (external content: the body itself stays in messages).
-- prefix='18 19': prefix indexes for 2- and 3-letter prefixes (16 characters
-- of scope + 2 or 3), so the short prefixes people type are one lookup, not
-- an expansion over every word that starts with them. messages_fts_terms
-- lists the terms, to count what a longer prefix would expand to.
DROP TRIGGER messages_fts_ai;
DROP TRIGGER messages_fts_ad;
DROP TRIGGER messages_fts_au;
DROP TABLE messages_fts;

CREATE VIEW messages_fts_src(id, body) AS
  SELECT m.id, t.coalition_id || char(31) || m.body FROM messages m JOIN threads t ON t.id = m.thread_id;

CREATE VIRTUAL TABLE messages_fts USING fts5(
  body, content='messages_fts_src', content_rowid='id',
  tokenize='rt_coalition unicode61 remove_diacritics 2', prefix='18 19'
);
CREATE VIRTUAL TABLE messages_fts_terms USING fts5vocab(messages_fts, row);

CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, body)
  VALUES (new.id, (SELECT coalition_id FROM threads WHERE id = new.thread_id) || char(31) || new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body)
  VALUES ('delete', old.id, (SELECT coalition_id FROM threads WHERE id = old.thread_id) || char(31) || old.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body)
  VALUES ('delete', old.id, (SELECT coalition_id FROM threads WHERE id = old.thread_id) || char(31) || old.body);
  INSERT INTO messages_fts(rowid, body)
  VALUES (new.id, (SELECT coalition_id FROM threads WHERE id = new.thread_id) || char(31) || new.body);
END;

INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
