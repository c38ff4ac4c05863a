// WebSocket conformance, written from RFC 6455: hand-built frames over raw TCP
// (no WebSocket library), one table of cases {name, frames, expect}. Framing
// and lengths, masking, reserved bits and opcodes, fragmentation, ping/pong,
// UTF-8, close codes, message sizes, binary frames; then malformed handshakes.
// After every case a fresh, well-behaved connection must still be served: run
// against the ASan build, a crash or a leak fails the suite (the daemon must
// also exit cleanly at the end).
//
// Where libwebsockets 4.1.6 decides and departs from the RFC, the case pins
// what happens and says so in its name ("lws 4.1.6"); docs/protocol.md,
// "WebSocket framing", lists these.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, rawWs, rawHttp, wsFrame, closePayload, handshakeRequest, sleep,
} from './lib.mjs';

const LIMIT = 100000; // --max-message: not a multiple of lws's 64 KiB read buffer

let d;
before(async () => { d = await startDaemon({ args: ['--max-message', String(LIMIT)] }); });
after(async () => { if (d) await d.close(); });

// --- building blocks ---------------------------------------------------------

const TEXT = 0x1;
const BIN = 0x2;
const CONT = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

/** A request the daemon answers on any connection (unauthenticated): the reply carries id. */
const req = (id) => JSON.stringify({ id, op: 'auth.whoami', args: {} });
/** The same request as bytes, its id holding exactly these (UTF-8) bytes. */
const reqBytes = (idBytes) => Buffer.concat([Buffer.from('{"id":"'), Buffer.from(idBytes), Buffer.from('","op":"auth.whoami","args":{}}')]);
const bytes = (...b) => Buffer.from(b);
/** A request padded with spaces to exactly n bytes. */
function reqOfSize(id, n) {
  const base = req(id);
  return base.slice(0, -1) + ' '.repeat(n - base.length) + '}';
}
/** Cuts a buffer into pieces at the given offsets. */
function cut(buf, ...at) {
  const out = [];
  let prev = 0;
  for (const a of [...at, buf.length]) { out.push(buf.subarray(prev, a)); prev = a; }
  return out;
}
/** A message as a first frame and continuation frames, one per piece. */
function fragments(opcode, pieces, opts = {}) {
  return pieces.map((p, i) => wsFrame(i === 0 ? opcode : CONT, p, { ...opts, fin: i === pieces.length - 1 }));
}

// Expectations:
//   {replies: [ids]}   a reply to each id, in order; the connection stays open and in step
//   {pongs: [payload]} a pong for each payload, in order; then as for replies
//   {somePong: [payload]} at least one pong, each with one of these payloads
//   {close: code}      the daemon sends a close frame with this code (null: an empty one)
//   {fail: true}       the daemon ends the connection; a close frame, if any, says 1002
//   silent: [ids]      with close or fail: no reply came to these ids (nothing ran)
// Options: write (see sendFrames); first: a request id sent and answered
// before the frames; before: ids whose replies must come before the daemon's
// own close (1003, 1007, 1009: the queue is written first; when lws fails a
// connection itself, replies still queued are lost, which RFC 6455 allows).
const replies = (...ids) => ({ replies: ids });
const closeWith = (code, silent = []) => ({ close: code, silent });
const PROTOCOL_ERROR = closeWith(1002);

const J = (id) => wsFrame(TEXT, req(id));

const cases = [];
const add = (name, frames, expect, opts = {}) => cases.push({ name, frames, expect, ...opts });

// --- framing and lengths (RFC 6455 section 5.2) -----------------------------
add('7-bit length: a short text frame', [J(1)], replies(1));
add('7-bit length: 125 bytes', [wsFrame(TEXT, reqOfSize(1, 125))], replies(1));
add('16-bit length: 126 bytes', [wsFrame(TEXT, reqOfSize(1, 126))], replies(1));
add('16-bit length: 65,535 bytes', [wsFrame(TEXT, reqOfSize(1, 65535))], replies(1));
add('64-bit length: 65,536 bytes', [wsFrame(TEXT, reqOfSize(1, 65536))], replies(1));
add('64-bit length: 99,999 bytes', [wsFrame(TEXT, reqOfSize(1, 99999))], replies(1));
add('a 16-bit length for a short payload (not minimal) is tolerated', [wsFrame(TEXT, req(1), { lenBytes: 2 })], replies(1));
add('a 64-bit length for a short payload (not minimal) is tolerated', [wsFrame(TEXT, req(1), { lenBytes: 8 })], replies(1));
add('a 64-bit length with its most significant bit set fails the connection', [wsFrame(TEXT, req(1), { len: 2 ** 63 })], { fail: true, silent: [1] });
add('an all-zero masking key is a valid key', [wsFrame(TEXT, req(1), { maskKey: bytes(0, 0, 0, 0) })], replies(1));
add('each frame may use its own masking key', [wsFrame(TEXT, req(1), { maskKey: bytes(1, 2, 3, 4) }), wsFrame(TEXT, req(2), { maskKey: bytes(0xff, 0xfe, 0x80, 0x7f) })], replies(1, 2));
add('lws 4.1.6 accepts an unmasked client frame (RFC 6455 5.1 says fail it: known gap)', [wsFrame(TEXT, req(1), { mask: false })], replies(1));
add('two messages in one TCP segment', [Buffer.concat([J(1), J(2)])], replies(1, 2));
add('a frame sent one byte at a time', [J(1)], replies(1), { write: 'bytes' });
add('a 70,000-byte frame in uneven TCP writes', cut(wsFrame(TEXT, reqOfSize(1, 70000)), 1, 3, 9, 65530, 65541), replies(1), { write: 'each' });
add('an empty text message gets bad_request (null id)', [wsFrame(TEXT, '')], replies(null));
add('ten messages back to back are answered in order', Array.from({ length: 10 }, (_, i) => J(i + 1)), replies(...Array.from({ length: 10 }, (_, i) => i + 1)));

// --- reserved bits (section 5.2: no extension is negotiated) ----------------
for (const [bits, rsv] of [['RSV1', 4], ['RSV2', 2], ['RSV3', 1], ['RSV1+RSV2+RSV3', 7], ['RSV1+RSV3', 5]]) {
  add(`${bits} set on a text frame: 1002, the request does not run`, [wsFrame(TEXT, req(1), { rsv })], closeWith(1002, [1]));
}
add('RSV1 on a binary frame: 1002', [wsFrame(BIN, 'x', { rsv: 4 })], PROTOCOL_ERROR);
add('RSV2 on a ping: 1002, no pong', [wsFrame(PING, 'p', { rsv: 2 })], PROTOCOL_ERROR);
add('RSV3 on a close frame: 1002', [wsFrame(CLOSE, closePayload(1000), { rsv: 1 })], PROTOCOL_ERROR);
add('RSV1 on a continuation frame: 1002', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(CONT, '"op":"auth.whoami","args":{}}', { rsv: 4 })], closeWith(1002, [1]));
add('RSV bits on a frame after a good message: 1002', [wsFrame(TEXT, req(2), { rsv: 4 })], closeWith(1002, [2]), { first: 1 });

// --- opcodes (section 5.2: 3-7 and B-F are reserved) --------------------------
for (const op of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
  add(`reserved opcode 0x${op.toString(16)}: 1002`, [wsFrame(op, req(1))], closeWith(1002, [1]));
}
add('reserved opcode 0x3 without FIN: 1002', [wsFrame(3, 'x', { fin: false })], PROTOCOL_ERROR);
add('reserved opcode 0xb empty: 1002', [wsFrame(0xb, '')], PROTOCOL_ERROR);
add('reserved opcode after a good message: 1002', [wsFrame(5, 'x')], closeWith(1002), { first: 1 });

// --- fragmentation (section 5.4) ---------------------------------------------
const R = req(1);
add('a message in two fragments', fragments(TEXT, cut(Buffer.from(R), 8)), replies(1));
add('a message in three fragments', fragments(TEXT, cut(Buffer.from(R), 5, 20)), replies(1));
add('a message in one-byte fragments', fragments(TEXT, cut(Buffer.from(R), ...Array.from({ length: R.length - 1 }, (_, i) => i + 1))), replies(1));
add('an empty first fragment', fragments(TEXT, [Buffer.alloc(0), Buffer.from(R)]), replies(1));
add('an empty last fragment', fragments(TEXT, [Buffer.from(R), Buffer.alloc(0)]), replies(1));
add('a message of empty fragments only gets bad_request', fragments(TEXT, [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)]), replies(null));
add('fragments each in their own TCP write', fragments(TEXT, cut(Buffer.from(R), 4, 12, 30)), replies(1), { write: 'each' });
add('two fragmented messages in a row', [...fragments(TEXT, cut(Buffer.from(req(1)), 9)), ...fragments(TEXT, cut(Buffer.from(req(2)), 3, 17))], replies(1, 2));
add('a continuation frame with no message started (FIN): 1002', [wsFrame(CONT, R)], closeWith(1002, [1]));
add('a continuation frame with no message started (no FIN): 1002', [wsFrame(CONT, R, { fin: false })], closeWith(1002, [1]));
add('a continuation after a complete message: 1002', [wsFrame(CONT, 'x')], closeWith(1002), { first: 1 });
add('a new text frame inside a fragmented message: 1002', [wsFrame(TEXT, '{"id":1,', { fin: false }), J(2)], closeWith(1002, [1, 2]));
add('a new binary frame inside a fragmented message: 1002', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(BIN, 'x')], closeWith(1002, [1]));
add('a ping between fragments is answered; the message completes', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(PING, 'mid'), wsFrame(CONT, '"op":"auth.whoami","args":{}}')], { pongs: ['mid'], replies: [1] });
add('a pong between fragments is ignored; the message completes', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(PONG, 'x'), wsFrame(CONT, '"op":"auth.whoami","args":{}}')], replies(1));
add('pings between several fragments', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(PING, 'a'), wsFrame(CONT, '"op":"auth', { fin: false }), wsFrame(PING, 'b'), wsFrame(CONT, '.whoami","args":{}}')], { pongs: ['a', 'b'], replies: [1] }, { write: 'lockstep' });
add('a close between fragments ends the connection (echoed 1000)', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(CLOSE, closePayload(1000))], closeWith(1000, [1]));
add('a fragmented ping: 1002', [wsFrame(PING, 'a', { fin: false }), wsFrame(CONT, 'b')], PROTOCOL_ERROR);
add('a fragmented pong: 1002', [wsFrame(PONG, 'a', { fin: false }), wsFrame(CONT, 'b')], PROTOCOL_ERROR);
add('a fragmented close: 1002', [wsFrame(CLOSE, closePayload(1000), { fin: false }), wsFrame(CONT, '')], PROTOCOL_ERROR);
add('a fragmented ping inside a fragmented message: 1002', [wsFrame(TEXT, '{"id":1,', { fin: false }), wsFrame(PING, 'a', { fin: false })], closeWith(1002, [1]));

// --- ping and pong (sections 5.5.2, 5.5.3) ----------------------------------
add('an empty ping gets an empty pong', [wsFrame(PING, '')], { pongs: [''] });
add('a ping gets a pong with the same payload', [wsFrame(PING, 'hello')], { pongs: ['hello'] });
add('a 125-byte ping (the most a control frame holds) gets it all back', [wsFrame(PING, Buffer.alloc(125, 0x7a))], { pongs: [Buffer.alloc(125, 0x7a)] });
add('a ping payload is bytes, not text: non-UTF-8 comes back as is', [wsFrame(PING, bytes(0xff, 0x00, 0xc0, 0x80))], { pongs: [bytes(0xff, 0x00, 0xc0, 0x80)] });
add('a ping and a request in one segment: pong and reply', [Buffer.concat([wsFrame(PING, 'p'), J(1)])], { pongs: ['p'], replies: [1] });
add('ten pings, one at a time, get ten pongs', Array.from({ length: 10 }, (_, i) => wsFrame(PING, `ping ${i}`)), { pongs: Array.from({ length: 10 }, (_, i) => `ping ${i}`) }, { write: 'lockstep' });
// RFC 6455 5.5.3 lets an endpoint answer only one of pings not answered yet (lws 4.1.6 answers the first).
add('two pings in one segment: a pong for one of them', [Buffer.concat([wsFrame(PING, 'one'), wsFrame(PING, 'two')])], { somePong: ['one', 'two'] });
add('a 126-byte ping fails the connection (lws 4.1.6: without a close frame)', [wsFrame(PING, Buffer.alloc(126, 0x61))], { fail: true });
add('a ping with a 64-bit length fails the connection', [wsFrame(PING, 'x', { lenBytes: 8 })], { fail: true });
add('a 126-byte pong fails the connection', [wsFrame(PONG, Buffer.alloc(126, 0x61))], { fail: true });
add('a 126-byte close frame fails the connection', [wsFrame(CLOSE, closePayload(1000, 'x'.repeat(124)))], { fail: true });
add('an unsolicited empty pong is ignored', [wsFrame(PONG, ''), J(1)], replies(1));
add('an unsolicited pong with a payload is ignored', [wsFrame(PONG, 'unasked'), J(1)], replies(1));
add('unsolicited pongs between requests are ignored', [J(1), wsFrame(PONG, 'a'), J(2), wsFrame(PONG, Buffer.alloc(125)), J(3)], replies(1, 2, 3));

// --- UTF-8 (section 8.1): invalid text fails the connection with 1007 -------
const badUtf8 = {
  'a lone continuation byte 0x80': bytes(0x80),
  'a lone continuation byte 0xbf': bytes(0xbf),
  'overlong NUL (c0 80)': bytes(0xc0, 0x80),
  'overlong 2-byte (c1 bf)': bytes(0xc1, 0xbf),
  'overlong 3-byte (e0 80 80)': bytes(0xe0, 0x80, 0x80),
  'overlong 3-byte (e0 9f bf)': bytes(0xe0, 0x9f, 0xbf),
  'overlong 4-byte (f0 80 80 80)': bytes(0xf0, 0x80, 0x80, 0x80),
  'overlong 4-byte (f0 8f bf bf)': bytes(0xf0, 0x8f, 0xbf, 0xbf),
  'a high surrogate (ed a0 80)': bytes(0xed, 0xa0, 0x80),
  'a low surrogate (ed bf bf)': bytes(0xed, 0xbf, 0xbf),
  'a surrogate pair, CESU-8 style': bytes(0xed, 0xa0, 0xbd, 0xed, 0xb2, 0xa9),
  'past U+10FFFF (f4 90 80 80)': bytes(0xf4, 0x90, 0x80, 0x80),
  'byte f5': bytes(0xf5, 0x80, 0x80, 0x80),
  'byte f8 (old 5-byte form)': bytes(0xf8, 0x88, 0x80, 0x80, 0x80),
  'byte fc (old 6-byte form)': bytes(0xfc, 0x84, 0x80, 0x80, 0x80, 0x80),
  'byte fe': bytes(0xfe),
  'byte ff': bytes(0xff),
  'a 2-byte character cut short': bytes(0xc3),
  'a 3-byte character cut short': bytes(0xe2, 0x82),
  'a 4-byte character cut short': bytes(0xf0, 0x9f, 0x98),
  'an ASCII byte where a continuation belongs': bytes(0xc3, 0x41),
  'a bad second byte of three': bytes(0xe2, 0x41, 0x82),
  'a bad third byte of four': bytes(0xf0, 0x9f, 0x41, 0x80),
};
for (const [what, b] of Object.entries(badUtf8)) {
  add(`invalid UTF-8, ${what}: 1007`, [wsFrame(TEXT, reqBytes(b))], closeWith(1007));
}
add('invalid UTF-8 after 70,000 valid bytes: 1007', [wsFrame(TEXT, Buffer.concat([Buffer.from('"' + 'é'.repeat(35000)), bytes(0xff), Buffer.from('"')]))], closeWith(1007));
const euro = bytes(0xe2, 0x82, 0xac);
const smile = bytes(0xf0, 0x9f, 0x98, 0x80);
add('valid: a 3-byte character split over two fragments (1|2)', fragments(TEXT, cut(reqBytes(euro), 8)), { replies: ['€'] });
add('valid: a 3-byte character split over two fragments (2|1)', fragments(TEXT, cut(reqBytes(euro), 9)), { replies: ['€'] });
add('valid: a 4-byte character split over four fragments', fragments(TEXT, cut(reqBytes(smile), 8, 9, 10)), { replies: ['😀'] });
add('valid: characters at the edges of every range', [wsFrame(TEXT, reqBytes(Buffer.from('\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff}')))], { replies: ['\u0080\u07ff\u0800\ud7ff\ue000\uffff\u{10000}\u{10ffff}'] });
add('valid: the noncharacters U+FFFE and U+FFFF are UTF-8', [wsFrame(TEXT, reqBytes(Buffer.from('\ufffe\uffff')))], { replies: ['\ufffe\uffff'] });
add('invalid: a character cut at a fragment, continued by ASCII: 1007', fragments(TEXT, [Buffer.concat([Buffer.from('{"id":"'), bytes(0xe2, 0x82)]), Buffer.from('A","op":"auth.whoami","args":{}}')]), closeWith(1007));
add('invalid: a character cut at the last fragment: 1007', fragments(TEXT, [Buffer.concat([Buffer.from('"ab'), bytes(0xf0, 0x9f)]), bytes(0x98)]), closeWith(1007));
add('invalid: 0xff alone in the second fragment: 1007', fragments(TEXT, ['"abc', bytes(0xff), '"']), closeWith(1007));
add('invalid: a surrogate split over fragments: 1007', fragments(TEXT, [Buffer.concat([Buffer.from('"'), bytes(0xed)]), Buffer.concat([bytes(0xa0, 0x80), Buffer.from('"')])]), closeWith(1007));
add('a good message and invalid UTF-8 in one segment: the reply, then 1007', [J(1), wsFrame(TEXT, reqBytes(bytes(0xff)))], closeWith(1007), { before: [1] });
add('fail fast: invalid first fragment, nothing more sent: 1007 all the same', [wsFrame(TEXT, Buffer.concat([Buffer.from('{"id":"'), bytes(0xc0, 0xaf)]), { fin: false })], closeWith(1007));

// --- close frames (sections 5.5.1, 7.4) -------------------------------------
for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
  add(`close ${code} is echoed`, [wsFrame(CLOSE, closePayload(code))], closeWith(code));
}
// 1012-1014 were registered after RFC 6455; lws 4.1.6 (and Autobahn) treat them as reserved.
for (const code of [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
  add(`close with the invalid code ${code}: 1002`, [wsFrame(CLOSE, closePayload(code))], PROTOCOL_ERROR);
}
add('an empty close frame gets an empty close frame', [wsFrame(CLOSE, '')], closeWith(null));
add('a close payload of one byte: 1002', [wsFrame(CLOSE, bytes(0x03))], PROTOCOL_ERROR);
add('a close reason in UTF-8 is fine: echoed', [wsFrame(CLOSE, closePayload(1000, 'au revoir ☺'))], closeWith(1000));
add('a close reason of 123 bytes (the most) is fine', [wsFrame(CLOSE, closePayload(1000, 'r'.repeat(123)))], closeWith(1000));
add('a close reason with invalid UTF-8: 1007', [wsFrame(CLOSE, closePayload(1000, bytes(0x61, 0xff)))], closeWith(1007));
add('a close reason with an overlong form: 1007', [wsFrame(CLOSE, closePayload(1001, bytes(0xc0, 0x80)))], closeWith(1007));
add('a close reason cut inside a character: 1007', [wsFrame(CLOSE, closePayload(1000, bytes(0xe2, 0x82)))], closeWith(1007));
add('a request after the close frame is not answered', [wsFrame(CLOSE, closePayload(1000)), J(1)], closeWith(1000, [1]));

// --- sizes: --max-message is LIMIT bytes --------------------------------------
add('a message of exactly the limit, one frame', [wsFrame(TEXT, reqOfSize(1, LIMIT))], replies(1));
add('a message of exactly the limit, seven fragments', fragments(TEXT, cut(Buffer.from(reqOfSize(1, LIMIT)), 10, 20000, 40000, 65536, 65537, 99999)), replies(1));
add('one byte over the limit, one frame: 1009', [wsFrame(TEXT, reqOfSize(1, LIMIT + 1))], closeWith(1009, [1]));
add('one byte over the limit in the last fragment: 1009', fragments(TEXT, cut(Buffer.from(reqOfSize(1, LIMIT + 1)), LIMIT)), closeWith(1009, [1]));
add('twice the limit in ten fragments: 1009', fragments(TEXT, cut(Buffer.from(reqOfSize(1, 2 * LIMIT)), ...Array.from({ length: 9 }, (_, i) => (i + 1) * 20000))), closeWith(1009, [1]), { write: 'each' });
add('a frame announcing 1 TiB, 140,000 bytes sent: 1009', [wsFrame(TEXT, Buffer.alloc(140000, 0x20), { len: 2 ** 40 })], closeWith(1009));
add('an oversized message, then more frames: 1009, nothing else answered', [wsFrame(TEXT, reqOfSize(1, LIMIT + 10)), J(2)], closeWith(1009, [1, 2]));
add('a good message and an oversized one in one segment: the reply, then 1009', [J(1), wsFrame(TEXT, reqOfSize(2, LIMIT + 1))], closeWith(1009, [2]), { before: [1] });
add('an oversized message of multi-byte text split mid-character: 1009', fragments(TEXT, cut(Buffer.from('"' + '€'.repeat(40000) + '"'), 50000, 100001)), closeWith(1009));

// --- binary messages: the protocol is JSON text (docs/protocol.md) ---------
add('a binary message: 1003, it does not run', [wsFrame(BIN, req(1))], closeWith(1003, [1]));
add('an empty binary message: 1003', [wsFrame(BIN, '')], closeWith(1003));
add('a fragmented binary message: 1003', fragments(BIN, cut(Buffer.from(req(1)), 5, 10)), closeWith(1003, [1]));
add('a binary message larger than the limit: 1003', fragments(BIN, cut(Buffer.alloc(LIMIT + 5000, 0x41), 60000)), closeWith(1003));
add('a binary message after a good one: answered, then 1003', [J(1), wsFrame(BIN, bytes(1, 2, 3))], closeWith(1003), { before: [1] });

// --- the runner ----------------------------------------------------------------

/**
 * Sends a case's frames as its write mode says: 'one' TCP write (default),
 * 'each' frame in its own write, 'bytes' one byte per write, or 'lockstep':
 * each in its own write, waiting for the pong of each ping before going on.
 */
async function sendFrames(w, frames, mode = 'one') {
  if (mode === 'one') { w.send(Buffer.concat(frames)); return; }
  if (mode === 'each' || mode === 'lockstep') {
    for (const f of frames) {
      const pongs = w.frames.filter((x) => x.opcode === PONG).length;
      w.send(f);
      if (mode === 'lockstep' && (f[0] & 0x0f) === PING) await w.waitFrame(() => w.frames.filter((x) => x.opcode === PONG).length > pongs, 5000);
      else await sleep(5);
    }
    return;
  }
  for (const b of Buffer.concat(frames)) { w.send(Buffer.from([b])); await sleep(1); }
}

const textReplies = (w) => w.frames.filter((f) => f.opcode === TEXT).map((f) => JSON.parse(f.text));

/** A fresh, well-behaved connection is served: a request gets its reply. */
async function assertServes(what) {
  const w = await rawWs(d.port);
  w.send(J('fresh'));
  const f = await w.waitFrame((x) => x.opcode === TEXT, 5000).catch((e) => { throw new Error(`${what}: ${e.message}\n${d.logs()}`); });
  assert.equal(JSON.parse(f.text).id, 'fresh', `${what}: a fresh connection is answered`);
  w.end();
}

async function runCase(c) {
  const w = await rawWs(d.port);
  try {
    if (c.first !== undefined) {
      w.send(J(c.first));
      await w.waitFrame((f) => f.opcode === TEXT, 5000);
    }
    await sendFrames(w, c.frames, c.write);
    const e = c.expect;
    if (e.pongs) {
      for (let i = 0; i < e.pongs.length; i++) {
        const want = Buffer.isBuffer(e.pongs[i]) ? e.pongs[i] : Buffer.from(e.pongs[i]);
        const pongs = () => w.frames.filter((f) => f.opcode === PONG);
        await w.waitFrame(() => pongs().length > i, 5000);
        assert.deepEqual(pongs()[i].payload, want, `pong ${i} carries the ping's payload`);
      }
    }
    if (e.somePong) {
      await w.waitFrame((f) => f.opcode === PONG, 5000);
      await sleep(100);
      for (const f of w.frames.filter((x) => x.opcode === PONG)) assert.ok(e.somePong.includes(f.text), `pong payload ${f.text}`);
      w.send(J('after'));
      await w.waitFrame((f) => f.opcode === TEXT, 5000);
    }
    if (e.replies) {
      await w.waitFrame(() => textReplies(w).length >= e.replies.length, 5000);
      assert.deepEqual(textReplies(w).map((m) => m.id), e.replies, 'one reply per request, in order');
      // Still open and in step: one more request is answered.
      w.send(J('after'));
      await w.waitFrame(() => textReplies(w).some((m) => m.id === 'after'), 5000);
      assert.equal(w.close, null, 'no close frame');
    }
    if ('close' in e) {
      const f = await w.waitFrame((x) => x.opcode === CLOSE, 5000);
      if (e.close === null) assert.equal(f.payload.length, 0, 'an empty close frame');
      else assert.equal(w.close.code, e.close, `close code (reason "${w.close.reason}")`);
      assert.ok(f.payload.length <= 125, 'a close frame holds at most 125 bytes');
      if (f.payload.length > 2) assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(f.payload.subarray(2)), 'the reason is UTF-8');
    }
    if (e.fail) {
      const r = await w.waitClose(6000);
      assert.equal(r.tcp, true, 'the daemon ends the connection');
      assert.ok(r.code === null || r.code === 1002, `a close frame, if any, says 1002 (got ${r.code})`);
    }
    const got = textReplies(w).map((m) => m.id);
    for (const id of e.silent ?? []) assert.ok(!got.includes(id), `no reply to request ${id}: it must not run (got ${JSON.stringify(got)})`);
    if (c.before) assert.deepEqual(got, c.before, 'the good messages before were answered, before the close');
  } finally {
    w.end();
  }
}

for (const c of cases) {
  test(c.name, async () => {
    await runCase(c);
    await assertServes(`after "${c.name}"`);
  });
}

test('the table holds at least 100 frame cases', () => {
  assert.ok(cases.length >= 100, `${cases.length} cases`);
});

// --- handshakes (section 4.2.1): an HTTP error or a close, never a crash ---------

const H = (o) => handshakeRequest(d.port, o);
// expect: a status; 'closed' (no answer); or [status, 'closed'] when either is fine
const handshakes = [
  ['a good handshake', () => H(), 101],
  ['Upgrade: WebSocket in another case is fine (RFC 7230: case-insensitive)', () => H({ headers: { Upgrade: 'WebSocket', Connection: 'upgrade' } }), 101],
  ['Connection: keep-alive, Upgrade is fine', () => H({ headers: { Connection: 'keep-alive, Upgrade' } }), 101],
  ['a query string on /ws is fine', () => H({ path: '/ws?x=1' }), 101],
  ['Upgrade: foo', () => H({ headers: { Upgrade: 'foo' } }), 403],
  ['Upgrade: h2c (lws 4.1.6 closes)', () => H({ headers: { Upgrade: 'h2c' } }), [400, 403, 'closed']],
  ['no Upgrade header: GET /ws is answered 426', () => H({ headers: { Upgrade: null } }), 426],
  ['no Sec-WebSocket-Key', () => H({ headers: { 'Sec-WebSocket-Key': null } }), 400],
  ['an empty Sec-WebSocket-Key', () => H({ headers: { 'Sec-WebSocket-Key': '' } }), 400],
  ['a Sec-WebSocket-Key that is not 16 bytes', () => H({ headers: { 'Sec-WebSocket-Key': 'short' } }), 400],
  ['a Sec-WebSocket-Key of 24 characters that is not base64', () => H({ headers: { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25j!!==' } }), 400],
  ['a Sec-WebSocket-Key without its padding', () => H({ headers: { 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQAA' } }), 400],
  ['a Sec-WebSocket-Key of 300 bytes', () => H({ headers: { 'Sec-WebSocket-Key': 'A'.repeat(300) } }), 400],
  ['two Sec-WebSocket-Key headers', () => H().replace('\r\n\r\n', '\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n'), 400],
  ['Sec-WebSocket-Version: 12', () => H({ headers: { 'Sec-WebSocket-Version': '12' } }), 426],
  ['Sec-WebSocket-Version: 8', () => H({ headers: { 'Sec-WebSocket-Version': '8' } }), 426],
  ['Sec-WebSocket-Version: 14', () => H({ headers: { 'Sec-WebSocket-Version': '14' } }), 426],
  ['Sec-WebSocket-Version: abc', () => H({ headers: { 'Sec-WebSocket-Version': 'abc' } }), 426],
  ['no Sec-WebSocket-Version', () => H({ headers: { 'Sec-WebSocket-Version': null } }), 426],
  ['a subprotocol the daemon does not speak (lws 4.1.6 closes)', () => H({ headers: { 'Sec-WebSocket-Protocol': 'chat' } }), [400, 'closed']],
  ['no Connection header (lws 4.1.6 closes)', () => H({ headers: { Connection: null } }), [400, 'closed']],
  ['Connection: keep-alive without Upgrade (lws 4.1.6 closes)', () => H({ headers: { Connection: 'keep-alive' } }), [400, 'closed']],
  ['no Host header', () => H({ headers: { Host: null } }), [400, 'closed']],
  ['a 10 KB header (over the 4 KB header space)', () => H({ headers: { 'X-Big': 'a'.repeat(10000) } }), [431, 400, 'closed']],
  ['500 headers', () => H({ headers: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`X-H${i}`, 'v'])) }), [431, 400, 'closed']],
  ['a 64 KB request line', () => H({ path: `/ws?${'a'.repeat(65536)}` }), [414, 400, 'closed']],
  ['a request line of garbage', () => 'GARBAGE\r\n\r\n', [400, 403, 'closed']],
  ['binary garbage (a TLS ClientHello)', () => '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03' + '\x00'.repeat(40), [400, 403, 'closed']],
  ['only line feeds', () => '\n\n\n\n', [400, 403, 'closed']],
  ['a POST upgrade with a body', () => `${H({ requestLine: 'POST /ws HTTP/1.1', headers: { 'Content-Length': '5' } })}hello`, 400],
  ['a PUT upgrade', () => H({ requestLine: 'PUT /ws HTTP/1.1' }), 400],
  ['an OPTIONS upgrade', () => H({ requestLine: 'OPTIONS /ws HTTP/1.1' }), 400],
  ['an absurd Content-Length on the upgrade', () => H({ headers: { 'Content-Length': '99999999999999999999' } }), 400],
  ['a negative Content-Length on the upgrade', () => H({ headers: { 'Content-Length': '-1' } }), 400],
  ['Transfer-Encoding: chunked on the upgrade', () => H({ headers: { 'Transfer-Encoding': 'chunked' } }), 400],
  ['an absurd Content-Length on POST /api/session', () => 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n{}', [400, 413, 'closed']],
  ['a negative Content-Length on POST /api/session', () => 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}', [400, 413, 'closed']],
  ['an upgrade to another path', () => H({ path: '/nope' }), 404],
  ['an upgrade to /', () => H({ path: '/' }), 404],
  ['an upgrade to /ws/', () => H({ path: '/ws/' }), 404],
  ['an upgrade to /api/session', () => H({ path: '/api/session' }), 404],
  ['HTTP/1.0 (lws 4.1.6 does not tell it apart: accepted)', () => H({ requestLine: 'GET /ws HTTP/1.0' }), 101],
  ['a foreign Origin', () => H({ headers: { Origin: 'http://evil.example' } }), 403],
];

for (const [name, make, want] of handshakes) {
  test(`handshake: ${name}`, async () => {
    const r = await rawHttp(d.port, make(), { timeoutMs: 5000 });
    const got = r.status ?? 'closed';
    const allowed = Array.isArray(want) ? want : [want];
    assert.ok(allowed.includes(got), `answered ${got} (${JSON.stringify(r.head.split('\r\n')[0])}), want ${allowed.join(' or ')}`);
    // RFC 6455 4.2.2: a refused version is answered with the version spoken.
    if (got === 426) assert.match(r.head, /\r\nsec-websocket-version: 13\r?$/im, 'a 426 names version 13');
    await assertServes(`after handshake "${name}"`);
  });
}

test('handshake: the 101 answer carries the accept hash and the subprotocol', async () => {
  const w = await rawWs(d.port);
  // RFC 6455 section 1.3: the key of its example gives this accept value.
  assert.match(w.head, /\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/i);
  assert.match(w.head, /\r\nsec-websocket-protocol: roundtable\.v1/i);
  w.end();
});

test('handshake: sent one byte at a time, with frames right behind it', async () => {
  const { default: net } = await import('node:net');
  const sock = net.connect(d.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  let got = Buffer.alloc(0);
  sock.on('data', (x) => { got = Buffer.concat([got, x]); });
  for (const b of Buffer.from(H())) { sock.write(Buffer.from([b])); await sleep(1); }
  sock.write(J(7)); // right after the handshake, before the 101 is read
  const deadline = Date.now() + 5000;
  while (!got.includes('"id":7') && Date.now() < deadline) await sleep(20);
  sock.destroy();
  assert.match(got.toString('latin1'), /^HTTP\/1\.1 101/);
  assert.ok(got.includes('"id":7'), 'the frame right behind the handshake is answered');
});

test('handshake: a half-sent handshake, then a hang-up, harms nothing', async () => {
  const { default: net } = await import('node:net');
  for (let i = 0; i < 20; i++) {
    const sock = net.connect(d.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    sock.write(H().slice(0, 10 + i * 7));
    sock.destroy();
  }
  await assertServes('after 20 half-sent handshakes');
});
