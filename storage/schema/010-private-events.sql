-- 010: events addressed to one member (audience 2) leave no trace others can
-- count or test (issue 22 item 6).
--
-- wire_seq is the seq subscribers see. Events for everyone or for conveners
-- take the coalition's next wire_seq (coalitions.wire_seq); an event for one
-- member takes none: it stores the wire_seq of the next shared event (the
-- last one + 1), which places it in a replay, and pseq, its number among that
-- member's own events of the coalition. So nobody else sees a gap.
-- Rows before 010 keep wire_seq = seq (their old private rows did take one).
--
-- nonce: 32 random bytes on private rows from 010 on, hashed into the row's
-- audit hash (a row with a nonce uses the v2 formula, rows without one the
-- old formula, so existing chains still verify). audit.list never shows it,
-- so the hash of a private entry cannot be tested against guessed
-- recipients and payloads.
ALTER TABLE events ADD COLUMN wire_seq INTEGER;
ALTER TABLE events ADD COLUMN pseq INTEGER;
ALTER TABLE events ADD COLUMN nonce BLOB;
UPDATE events SET wire_seq = seq;
CREATE INDEX events_wire ON events(coalition_id, wire_seq);
CREATE INDEX events_private ON events(coalition_id, audience_member, pseq) WHERE pseq IS NOT NULL;

ALTER TABLE coalitions ADD COLUMN wire_seq INTEGER NOT NULL DEFAULT 0;
UPDATE coalitions SET wire_seq = last_seq;
