// Secret ballots with results after the close leave no trace that counts
// them or names their voters before the close (issue 22 item 6):
// - /metrics has no per-op counter of ballot.cast;
// - a subscribed member who does not vote sees no gap in the event seq for
//   others' ballots (events to one member take no shared seq), while the
//   voter still gets theirs live and in a replay;
// - the audit hash of a private entry cannot be tested against guessed
//   recipients and payloads (it is salted with a secret per-row nonce), and
//   the chain still verifies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startDaemon, makeCoalition, dbPath, sqlite } from './lib.mjs';

let d;
let co;
const SLUG = 'ballotpriv';

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: SLUG,
    members: [
      { key: 'v1', roles: ['provider'] },
      { key: 'v2', roles: ['provider'] },
      { key: 'v3', roles: ['provider'] },
      { key: 'x', roles: ['parent'] }, // not eligible: never votes
    ],
  });
});

after(async () => {
  if (d) await d.close();
});

function inSeconds(s) {
  return new Date(Date.now() + s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function secretDecision() {
  const r = await co.admin.call('decision.create', {
    coalition: SLUG, title: `Secret ${Date.now()}`, body: 'Vote', kind: 'proposal',
    eligible_roles: ['provider'], closes_at: inSeconds(3600), secret: true, results: 'after_close',
  });
  return r.decision;
}

/** A fresh connection of a member, subscribed (live only, or from since). */
async function watcher(client, args = {}) {
  const c = await d.connect();
  await c.call('auth.resume', { token: client.token });
  await c.call('coalition.subscribe', { coalition: SLUG, ...args });
  return c;
}

/** The counters of /metrics that count requests or events, as a Map
 * name{labels} -> value (histogram buckets and sums aside: they count
 * transactions of every kind). */
async function requestCounters() {
  const res = await fetch(`${d.base}/metrics`);
  assert.equal(res.status, 200);
  const out = new Map();
  for (const line of (await res.text()).split('\n')) {
    const m = /^(roundtable_requests_total\{[^}]*\}|roundtable_events_fanned_out_total) (\d+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

test('/metrics: casting secret ballots moves no counter that counts them', async () => {
  const dec = await secretDecision();
  const x = co.members.x.client;
  // The voters follow the coalition, as the web client does.
  const ws = await Promise.all(['v1', 'v2', 'v3'].map((k) => watcher(co.members[k].client)));
  const before = await requestCounters();
  const N = 3;
  // Another member's unrelated activity in between, as on a real server.
  await x.call('decision.list', { coalition: SLUG });
  for (const k of ['v1', 'v2', 'v3']) {
    await co.members[k].client.call('ballot.cast', { decision: dec.id, choice: 'agree' });
    await x.call('decision.get', { decision: dec.id });
  }
  for (const w of ws) await w.waitEvent((e) => e.event === 'ballot.cast' && e.data.decision === dec.id);
  const afterC = await requestCounters();
  for (const w of ws) w.close();
  for (const [labels, n] of afterC) {
    assert.ok(!/op="ballot\.cast"|op="decision\.verify"/.test(labels), `a per-op ballot counter: ${labels} ${n}`);
    const delta = n - (before.get(labels) ?? 0);
    assert.notEqual(delta, N, `${labels} moved by exactly the number of ballots`);
  }
});

test('a subscribed non-voter sees no seq gap for secret ballots; the voter gets theirs live and replayed', async () => {
  const dec = await secretDecision();
  const x = co.members.x.client;
  const wx = await watcher(x);
  const wv = await watcher(co.members.v1.client);

  const t1 = await x.call('thread.create', { coalition: SLUG, title: 'Before the ballots', body: 'a' });
  // thread.create sends thread.created then message.created: e1 is the last.
  const e1 = await wx.waitEvent((e) => e.event === 'message.created' && e.data.message.thread === t1.thread.id);
  const fromX = wx.events.indexOf(e1);

  for (const k of ['v1', 'v2', 'v3']) await co.members[k].client.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  const own = await wv.waitEvent((e) => e.event === 'ballot.cast' && e.data.decision === dec.id);

  // A visible write after the ballots: its seq is the next one, so nothing
  // was numbered in between for the ballots.
  const t2 = await x.call('thread.create', { coalition: SLUG, title: 'After the ballots', body: 'b' });
  const e2 = await wx.waitEvent((e) => e.event === 'thread.created' && e.data.thread.id === t2.thread.id);
  assert.equal(e2.seq, e1.seq + 1, `three ballots left a gap: ${e1.seq} then ${e2.seq}`);
  const e3 = await wx.waitEvent((e) => e.event === 'message.created' && e.data.message.thread === t2.thread.id);
  assert.deepEqual(wx.events.slice(fromX).map((e) => e.seq), [e1.seq, e2.seq, e3.seq], 'the non-voter saw only the threads');
  const { seq: latest } = await x.call('coalition.subscribe', { coalition: SLUG });
  assert.equal(latest, e3.seq, 'the subscribe reply gives the last seq the members see');

  // The voter's own event carries its own number, not the shared seq.
  assert.equal(own.seq, undefined, JSON.stringify(own));
  assert.ok(Number.isInteger(own.private) && own.private >= 1, JSON.stringify(own));
  await wv.waitEvent((e) => e.event === 'message.created' && e.data.message.thread === t2.thread.id);
  const voterLive = wv.events.filter((e) => e.coalition === SLUG);
  assert.deepEqual(voterLive.map((e) => e.event),
    ['thread.created', 'message.created', 'ballot.cast', 'thread.created', 'message.created']);

  // Replay from the seq before the ballots: the voter gets their ballot.cast
  // in its place; with since_private they do not get it twice.
  const r1 = await watcher(co.members.v1.client, { since: e1.seq });
  await r1.call('decision.get', { decision: dec.id }); // the replay came before this reply
  assert.deepEqual(r1.events.filter((e) => e.coalition === SLUG).map((e) => [e.event, e.seq, e.private]),
    [['ballot.cast', undefined, own.private], ['thread.created', e2.seq, undefined], ['message.created', e3.seq, undefined]]);
  const again = await co.members.v1.client.call('coalition.subscribe', { coalition: SLUG });
  assert.equal(again.private, own.private, 'the reply gives the voter their last private number');
  assert.equal(again.seq, e3.seq);
  const r2 = await watcher(co.members.v1.client, { since: e1.seq, since_private: own.private });
  await r2.call('decision.get', { decision: dec.id });
  assert.deepEqual(r2.events.filter((e) => e.coalition === SLUG).map((e) => [e.event, e.seq]),
    [['thread.created', e2.seq], ['message.created', e3.seq]]);
  // The non-voter's replay: the second thread only.
  const r3 = await watcher(x, { since: e1.seq });
  await r3.call('decision.get', { decision: dec.id });
  assert.deepEqual(r3.events.filter((e) => e.coalition === SLUG).map((e) => [e.event, e.seq]),
    [['thread.created', e2.seq], ['message.created', e3.seq]]);
  for (const c of [wx, wv, r1, r2, r3]) c.close();
});

// The audit hash before schema 010, for every row (docs/protocol.md, Audit).
function u64(v) {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}
function oldHash(prevHex, seq, type, audience, member, actor, at, payload, nonceHex = null) {
  const h = crypto.createHash('sha256');
  h.update(Buffer.from(prevHex, 'hex'));
  h.update(u64(seq));
  h.update(Buffer.from(`${type}\0`));
  h.update(u64(audience));
  h.update(u64(member));
  h.update(u64(actor ?? 0));
  h.update(Buffer.from(`${at}\0`));
  h.update(Buffer.from(`${payload}\0`));
  if (nonceHex) h.update(Buffer.from(nonceHex, 'hex')); // rows from schema 010 on
  return h.digest('hex');
}
/** The payload text of an event frame as the daemon wrote it. */
function rawPayload(raw) {
  const text = raw.data.toString();
  return text.slice(text.indexOf('"data":') + 7, -1);
}

test('audit.list: a private entry\'s hash cannot be tested against guessed voters and payloads; the chain verifies', async () => {
  const dec = await secretDecision();
  const wx = await watcher(co.members.x.client);
  const voters = {};
  const payloads = new Set([
    JSON.stringify({ decision: dec.id, voter: null, replaced: false }),
    JSON.stringify({ decision: dec.id, voter: null, replaced: true }),
  ]);
  for (const k of ['v1', 'v2']) {
    const w = await watcher(co.members[k].client);
    await co.members[k].client.call('ballot.cast', { decision: dec.id, choice: 'agree' });
    const ev = await w.waitEvent((e) => e.event === 'ballot.cast' && e.data.decision === dec.id);
    const raw = w.rawMessages.find((m) => { try { return JSON.parse(m.data.toString()).event === 'ballot.cast'; } catch { return false; } });
    payloads.add(rawPayload(raw)); // the exact text: the best guess there is
    voters[k] = ev;
    w.close();
  }
  // A shared event checks that the formula above is the daemon's.
  const t = await co.members.x.client.call('thread.create', { coalition: SLUG, title: 'Control', body: 'c' });
  const ctl = await wx.waitEvent((e) => e.event === 'thread.created' && e.data.thread.id === t.thread.id);
  const ctlRaw = wx.rawMessages.find((m) => m.data.toString().includes(`"seq":${ctl.seq},`));

  const entries = [];
  for (let after = 0; ;) {
    const r = await co.admin.call('audit.list', { coalition: SLUG, after, limit: 1000 });
    entries.push(...r.entries);
    if (!r.more) break;
    after = r.entries[r.entries.length - 1].seq;
  }
  const ctlEntry = entries.find((e) => (e.event_seq ?? e.seq) === ctl.seq && e.type === 'thread.created');
  assert.ok(ctlEntry, 'the control entry is listed');
  assert.equal(oldHash(ctlEntry.prev, ctlEntry.seq, ctlEntry.type, 0, 0, ctlEntry.actor, ctlEntry.at, rawPayload(ctlRaw)),
    ctlEntry.hash, 'the test computes the audit hash as the daemon does for a shared entry');

  // Every member id there is (ids are small integers): the admin, the members.
  const top = Math.max(...Object.values(co.members).map((m) => m.id)) + 5;
  const ids = Array.from({ length: top }, (_, i) => i + 1);
  const ballotEntries = entries.filter((e) => e.type === 'ballot.cast');
  assert.ok(ballotEntries.length >= 2);
  for (const e of entries) assert.ok(!('nonce' in e), 'audit.list never shows a nonce');
  for (const e of ballotEntries) {
    for (const id of ids) {
      for (const audience of [0, 1, 2]) {
        for (const p of payloads) {
          assert.notEqual(oldHash(e.prev, e.seq, e.type, audience, id, e.actor, e.at, p), e.hash,
            `audit entry ${e.seq} at ${e.at}: the guess of member ${id} matches: the voter is known`);
        }
      }
    }
  }
  const v = await co.admin.call('audit.verify', { coalition: SLUG });
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.entries, entries.length);
  wx.close();
});

test('a private entry without a nonce (made before schema 010) verifies with the old formula; a removed nonce is reported', async () => {
  const dec = await secretDecision();
  await co.members.v3.client.call('ballot.cast', { decision: dec.id, choice: 'agree' });
  await co.admin.call('thread.create', { coalition: SLUG, title: 'After', body: 'd' });
  const db = dbPath(d.dataDir);
  const cid = Number((await sqlite(db, `SELECT id FROM coalitions WHERE slug = '${SLUG}';`)).trim());
  const rows = JSON.parse(await sqlite(db, `SELECT seq, type, audience, IFNULL(audience_member, 0) AS member,
    IFNULL(actor, 0) AS actor, at, payload, lower(hex(nonce)) AS nonce, lower(hex(prev)) AS prev, lower(hex(hash)) AS hash
    FROM events WHERE coalition_id = ${cid} ORDER BY seq;`, { args: ['-json'] }));
  const hashOf = (prev, r, nonce) => oldHash(prev, r.seq, r.type, r.audience, r.member, r.actor, r.at, r.payload, nonce);
  for (const r of rows) assert.equal(hashOf(r.prev, r, r.nonce || null), r.hash, `row ${r.seq} hashes as documented`);
  const i = rows.findLastIndex((r) => r.type === 'ballot.cast');
  const p = rows[i];
  assert.equal(p.nonce.length, 64, 'a private row has a 32-byte nonce');

  // Removing the nonce (to make the hash testable again) breaks the chain.
  await sqlite(db, `UPDATE events SET nonce = NULL WHERE coalition_id = ${cid} AND seq = ${p.seq};`);
  const bad = await co.admin.call('audit.verify', { coalition: SLUG });
  assert.equal(bad.ok, false);
  assert.equal(bad.bad_seq, p.seq);

  // A row as schema 009 wrote it: no nonce, the old formula; the rest of the
  // chain rehashed from it. audit.verify accepts it.
  let prev = p.prev;
  const sql = [];
  for (const r of rows.slice(i)) {
    const nonce = r === p ? null : (r.nonce || null);
    const hash = hashOf(prev, r, nonce);
    sql.push(`UPDATE events SET prev = X'${prev}', hash = X'${hash}' WHERE coalition_id = ${cid} AND seq = ${r.seq};`);
    prev = hash;
  }
  await sqlite(db, `BEGIN; ${sql.join(' ')} COMMIT;`);
  const ok = await co.admin.call('audit.verify', { coalition: SLUG });
  assert.equal(ok.ok, true, JSON.stringify(ok));
  assert.equal(ok.head, prev);
});
