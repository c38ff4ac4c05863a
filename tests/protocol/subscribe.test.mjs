// coalition.subscribe {since}: replay of exactly the missed events, in order,
// then live events; seq strictly increases per coalition, across restarts.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, makeCoalition, addMember, collectUntilSeq, assertStrictlyIncreasing, sleep, ADMIN_EMAIL, ADMIN_PASSWORD,
  dbPath, sqlite,
} from './lib.mjs';

let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: 'subs',
    members: [
      { key: 'mia', roles: ['provider'], organization: 'Mia Home' },
      { key: 'noah', roles: ['design_team'], organization: 'Noah Agency' },
    ],
  });
});

after(async () => {
  if (d) await d.close();
});

/** Signs in a new connection of mia (a provider) by resuming her session. */
async function miaConnection() {
  const c = await d.connect();
  await c.call('auth.resume', { token: co.members.mia.token });
  return c;
}

function strip(e) {
  return { event: e.event, coalition: e.coalition, seq: e.seq, data: e.data };
}

/** Subscribes with since and returns {seq, events} with every replayed event. */
async function replay(c, since) {
  const from = c.events.length;
  const args = { coalition: 'subs' };
  if (since !== undefined) args.since = since;
  const r = await c.call('coalition.subscribe', args);
  assert.ok(Number.isInteger(r.seq), `subscribe reply seq: ${JSON.stringify(r)}`);
  const target = since !== undefined && r.seq > since ? r.seq : undefined;
  const events = await collectUntilSeq(c, 'subs', target, { from });
  return { seq: r.seq, events };
}

test('coalition.subscribe returns the latest seq and live events arrive with the envelope', async () => {
  const c = await miaConnection();
  const { seq } = await replay(c, undefined);
  assert.ok(seq >= 1, `a coalition with members has events already, seq ${seq}`);
  // A role change is a live event.
  await co.admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team', 'hub'] });
  const ev = await c.waitEvent((e) => e.event === 'member.updated');
  assert.equal(ev.coalition, 'subs');
  assert.ok(Number.isInteger(ev.seq) && ev.seq > seq, `live seq ${ev.seq} after subscribe seq ${seq}`);
  assert.equal(ev.data.member.id, co.members.noah.id);
  assert.equal(ev.data.member.name, co.members.noah.name);
  assert.deepEqual([...ev.data.member.roles].sort(), ['design_team', 'hub']);
  assert.equal(ev.data.member.organization, 'Noah Agency');
  assert.equal(ev.id, undefined, 'an event is not a reply');
  assert.equal(ev.ok, undefined, 'an event is not a reply');
  // A new member joining is a live event.
  const newcomer = await addMember(d, co, { key: 'olive', roles: ['parent'] });
  const joined = await c.waitEvent((e) => e.event === 'member.joined' && e.data?.member?.id === newcomer.id);
  assert.ok(joined.seq > ev.seq);
  assert.equal(joined.data.member.name, newcomer.name);
  assert.deepEqual(joined.data.member.roles, ['parent']);
  assertStrictlyIncreasing(c.events, 'live events');
  c.close();
});

test('events reach every subscribed connection, including the actor\'s own', async () => {
  const c1 = await miaConnection();
  const c2 = await miaConnection();
  const admin = await d.admin();
  for (const c of [c1, c2, admin]) await c.call('coalition.subscribe', { coalition: 'subs' });
  const r = await admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team'] });
  assert.equal(r.member.id, co.members.noah.id);
  const pred = (e) => e.event === 'member.updated' && e.data.member.id === co.members.noah.id;
  const [e1, e2, e3] = await Promise.all([c1.waitEvent(pred), c2.waitEvent(pred), admin.waitEvent(pred)]);
  assert.equal(e1.seq, e2.seq);
  assert.equal(e1.seq, e3.seq);
  assert.deepEqual(e1.data, e2.data);
  for (const c of [c1, c2, admin]) c.close();
});

test('an unsubscribed connection gets no events', async () => {
  const quiet = await miaConnection();
  await co.admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team', 'observer'] });
  await sleep(400);
  assert.deepEqual(quiet.events, []);
  quiet.close();
});

test('since replays exactly the missed events, in order, then live ones', async () => {
  // A witness stays subscribed and sees everything live.
  const witness = await miaConnection();
  const { seq: s0 } = await replay(witness, undefined);

  // Mia goes away at s0.
  const m1 = await miaConnection();
  const { seq: s1 } = await replay(m1, undefined);
  assert.equal(s1, s0);
  m1.close();
  await m1.closed;

  // Changes while she is away.
  const noah = co.members.noah;
  await co.admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team', 'funder'] });
  const extra = await addMember(d, co, { key: 'pat', roles: ['observer'], organization: 'Pat Org' });
  await co.admin.call('member.set_roles', { coalition: 'subs', member: extra.id, roles: ['observer', 'parent'], organization: 'Pat Org 2' });
  await co.admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team'] });
  const live = await witness.waitEvents((e) => e.coalition === 'subs' && e.seq > s0, 4);
  await sleep(200);
  const missed = witness.events.filter((e) => e.coalition === 'subs' && e.seq > s0).map(strip);
  assert.ok(missed.length >= 4, JSON.stringify(missed));
  assert.ok(live.length >= 4);

  // She comes back with since = s0.
  const m2 = await miaConnection();
  const { seq: s2, events } = await replay(m2, s0);
  assert.equal(s2, missed[missed.length - 1].seq, 'subscribe reply seq is the latest seq');
  assert.deepEqual(events.map(strip), missed, 'replay must be exactly the missed events, in order');
  assertStrictlyIncreasing(events, 'replayed events');
  // Other event types (invitations, say) may be interleaved; the member events are these.
  assert.deepEqual(
    events.filter((e) => e.event.startsWith('member.')).map((e) => e.event),
    ['member.updated', 'member.joined', 'member.updated', 'member.updated'],
  );

  // Then live events follow on the same connection, without repeats.
  await co.admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team', 'hub'] });
  const next = await m2.waitEvent((e) => e.seq > s2);
  assert.equal(next.event, 'member.updated');
  await sleep(200);
  assertStrictlyIncreasing(m2.events, 'replay then live');
  const seqs = m2.events.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no event delivered twice');
  witness.close();
  m2.close();
});

test('since 0 replays the whole history; since k gives its suffix', async () => {
  const c = await miaConnection();
  const all = await replay(c, 0);
  assert.ok(all.events.length >= 3, JSON.stringify(all.events));
  assertStrictlyIncreasing(all.events, 'since 0');
  assert.equal(all.events[all.events.length - 1].seq, all.seq);
  assert.ok(all.events.some((e) => e.event === 'member.joined' && e.data.member.id === co.members.mia.id));
  for (const e of all.events) {
    assert.equal(e.coalition, 'subs');
    assert.equal(typeof e.event, 'string');
    assert.ok(e.data && typeof e.data === 'object');
  }
  const mid = all.events[Math.floor(all.events.length / 2)].seq;
  const c2 = await miaConnection();
  const part = await replay(c2, mid);
  assert.deepEqual(part.events.map(strip), all.events.filter((e) => e.seq > mid).map(strip));
  // since = latest: nothing to replay.
  const c3 = await miaConnection();
  const none = await replay(c3, all.seq);
  assert.deepEqual(none.events, []);
  for (const x of [c, c2, c3]) x.close();
});

test('since replays across a daemon restart, and seq keeps increasing after it', async () => {
  const witness = await miaConnection();
  const { seq: s0 } = await replay(witness, undefined);
  const noah = co.members.noah;
  await co.admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team', 'provider'] });
  await co.admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team'] });
  const q = await addMember(d, co, { key: 'quinn', roles: ['funder'] });
  await witness.waitEvent((e) => e.event === 'member.joined' && e.data?.member?.id === q.id);
  await sleep(200);
  const missed = witness.events.filter((e) => e.seq > s0).map(strip);
  assert.deepEqual(
    missed.filter((e) => e.event.startsWith('member.')).map((e) => e.event),
    ['member.updated', 'member.updated', 'member.joined'],
  );

  await d.restart();

  // Tokens survive a restart.
  const m = await miaConnection();
  const { seq, events } = await replay(m, s0);
  assert.equal(seq, missed[missed.length - 1].seq);
  assert.deepEqual(events.map(strip), missed, 'replay after restart must equal what was seen live before it');

  // New events after the restart continue the sequence.
  const admin = await d.admin();
  await admin.call('member.set_roles', { coalition: 'subs', member: q.id, roles: ['funder', 'observer'] });
  const next = await m.waitEvent((e) => e.seq > seq);
  assert.ok(next.seq > seq, `seq after restart ${next.seq} must exceed ${seq}`);
  assertStrictlyIncreasing(m.events, 'across restart');
  co.admin = admin;
  m.close();
});

test('seq strictly increases under concurrent writers', async () => {
  const watcher = await miaConnection();
  const { seq: s0 } = await replay(watcher, undefined);
  const a1 = await d.admin();
  const a2 = await d.admin();
  const noah = co.members.noah;
  const writes = [];
  for (let i = 0; i < 10; i++) {
    const c = i % 2 ? a1 : a2;
    writes.push(c.call('member.set_roles', {
      coalition: 'subs', member: noah.id, roles: i % 3 ? ['design_team'] : ['design_team', 'observer'],
    }));
  }
  await Promise.all(writes);
  const evs = await watcher.waitEvents((e) => e.seq > s0, 10);
  assertStrictlyIncreasing(evs, 'concurrent writes');
  const c2 = await miaConnection();
  const rep = await replay(c2, s0);
  assert.deepEqual(rep.events.map(strip), evs.map(strip));
  for (const x of [watcher, a1, a2, c2]) x.close();
});

test('subscribing twice to the same coalition does not double the events', async () => {
  const c = await miaConnection();
  await c.call('coalition.subscribe', { coalition: 'subs' });
  const r2 = await c.call('coalition.subscribe', { coalition: 'subs' });
  const admin = await d.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team', 'hub'] });
  await c.waitEvent((e) => e.seq > r2.seq);
  await sleep(300);
  const fresh = c.events.filter((e) => e.seq > r2.seq);
  assert.equal(fresh.length, 1, `one change, one event: ${JSON.stringify(fresh)}`);
  c.close();
  admin.close();
});

test('events for conveners only (invitations) never reach a provider, live or replayed', async () => {
  const prov = await miaConnection(); // mia is a provider
  const { seq: s0 } = await replay(prov, undefined);
  const conv = await d.admin();
  await conv.call('coalition.subscribe', { coalition: 'subs' });
  const email = `hidden-${Date.now()}@test.example`;
  await conv.call('member.invite', { coalition: 'subs', email, name: 'Hidden Invitee', roles: ['observer'] });
  // The convener sees something about the invitation ...
  const seen = await conv.waitEvent((e) => JSON.stringify(e.data).includes(email));
  assert.ok(seen.seq > s0);
  // ... and a later public event reaches the provider, so events are flowing.
  await conv.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team', 'observer'] });
  const pub = await prov.waitEvent((e) => e.event === 'member.updated' && e.seq > seen.seq);
  await sleep(200);
  assert.ok(!prov.messages.some((m) => JSON.stringify(m).includes(email)), 'a provider received the invitation (email) event');
  assert.ok(!prov.events.some((e) => e.seq === seen.seq), 'a provider received a conveners-only event');
  // Replay hides it too, leaving a gap.
  const p2 = await miaConnection();
  const rep = await replay(p2, s0);
  assert.ok(!rep.events.some((e) => e.seq === seen.seq || JSON.stringify(e).includes(email)), JSON.stringify(rep.events));
  assert.ok(rep.events.some((e) => e.seq === pub.seq));
  // The convener's replay has it.
  const c2 = await d.admin();
  const crep = await replay(c2, s0);
  assert.ok(crep.events.some((e) => e.seq === seen.seq));
  for (const x of [prov, conv, p2, c2]) x.close();
});

test('a convener demoted while subscribed stops receiving conveners-only events', async () => {
  const noah = co.members.noah;
  const admin = await d.admin();
  await admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team', 'convener'] });
  const n = await d.connect();
  await n.call('auth.resume', { token: noah.token });
  const { seq: s0 } = await n.call('coalition.subscribe', { coalition: 'subs' });
  const e1 = `conv-visible-${Date.now()}@test.example`;
  await admin.call('member.invite', { coalition: 'subs', email: e1, name: 'Visible', roles: ['observer'] });
  await n.waitEvent((e) => JSON.stringify(e.data).includes(e1));
  // Demoted: from now on, invitations are none of noah's business.
  await admin.call('member.set_roles', { coalition: 'subs', member: noah.id, roles: ['design_team'] });
  await n.waitEvent((e) => e.event === 'member.updated' && e.data.member.id === noah.id && !e.data.member.roles.includes('convener'));
  const e2 = `conv-hidden-${Date.now()}@test.example`;
  await admin.call('member.invite', { coalition: 'subs', email: e2, name: 'Hidden', roles: ['observer'] });
  await admin.call('member.set_roles', { coalition: 'subs', member: co.members.mia.id, roles: ['provider'] });
  await n.waitEvent((e) => e.event === 'member.updated' && e.data.member.id === co.members.mia.id);
  await sleep(200);
  assert.ok(!n.messages.some((m) => JSON.stringify(m).includes(e2)), 'a demoted member still receives conveners-only events');
  assert.ok(n.events.every((e) => e.seq > s0));
  n.close();
  admin.close();
});

for (const how of ['auth.login', 'auth.resume', 'auth.accept_invite']) {
  test(`signing in as someone else (${how}) on a connection drops the old member's subscriptions`, async () => {
    const c = await miaConnection();
    await c.call('coalition.subscribe', { coalition: 'subs' });
    // Someone outside the coalition signs in on the same connection.
    const other = await makeCoalition(d, { slug: `other-${Date.now().toString(36)}`, members: [{ key: 'z', roles: ['provider'] }] });
    const z = other.members.z;
    let who;
    if (how === 'auth.login') {
      who = await c.call('auth.login', { email: z.email, password: z.password });
    } else if (how === 'auth.resume') {
      who = await c.call('auth.resume', { token: z.token });
    } else {
      const inv = await other.admin.call('member.invite', { coalition: other.slug, email: `fresh-${Date.now()}@test.example`, name: 'Fresh', roles: ['observer'] });
      who = await c.call('auth.accept_invite', { invite_token: inv.invite_token, password: 'fresh-password-1' });
    }
    const from = c.events.length;
    const admin = await d.admin();
    await admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team', 'hub'] });
    await admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team'] });
    await sleep(500);
    assert.deepEqual(c.events.slice(from).filter((e) => e.coalition === 'subs'), [],
      `after ${how} as member ${who.member.id} (not in subs) the connection still receives subs events`);
    const r = await c.request('coalition.get', { coalition: 'subs' });
    assert.equal(r.ok, false);
    c.close();
    admin.close();
  });
}

test('a long absence (over 5,000 missed events) still replays every one of them', { timeout: 120000 }, async () => {
  // Making 5,200 changes through the protocol takes most of a minute (one
  // fsync each), so the history is grown with the sqlite3 CLI while the daemon
  // is stopped: copies of a real member.updated event, appended with their own
  // seq (replay does not check hashes; audit.verify is not used here).
  const slug = `long-${Date.now().toString(36)}`;
  const big = await makeCoalition(d, { slug, members: [{ key: 'w', roles: ['provider'] }] });
  await big.admin.call('member.set_roles', { coalition: slug, member: big.members.w.id, roles: ['provider', 'hub'] });
  const { seq: s0 } = await big.admin.call('coalition.subscribe', { coalition: slug });
  const N = 5200;
  await d.stop();
  const db = dbPath(d.dataDir);
  const cid = Number((await sqlite(db, `SELECT id FROM coalitions WHERE slug = '${slug}';`)).trim());
  await sqlite(db, `
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
    INSERT INTO events (coalition_id, seq, type, audience, audience_member, actor, at, payload, prev, hash, wire_seq)
      SELECT ${cid}, (SELECT last_seq FROM coalitions WHERE id = ${cid}) + i, e.type, e.audience, e.audience_member, e.actor, e.at, e.payload, randomblob(32), randomblob(32), ${s0} + i
      FROM n, (SELECT * FROM events WHERE coalition_id = ${cid} AND wire_seq = ${s0}) AS e;
    UPDATE coalitions SET last_seq = last_seq + ${N}, wire_seq = ${s0 + N} WHERE id = ${cid};`);
  await d.restart();
  co.admin = await d.admin();
  const c = await d.admin();
  const got = new Map();
  let since = s0;
  let last;
  for (let round = 0; round < 5; round++) {
    const from = c.events.length;
    const r = await c.call('coalition.subscribe', { coalition: slug, since });
    last = r.seq;
    // Wait for the replay to settle.
    let n = -1;
    while (n !== c.events.length) {
      n = c.events.length;
      await sleep(400);
    }
    const evs = c.events.slice(from).filter((e) => e.coalition === slug);
    assertStrictlyIncreasing(evs, `replay round ${round}`);
    for (const e of evs) got.set(e.seq, e);
    if (!r.more) break; // a daemon that pages says so with `more`
    since = evs[evs.length - 1].seq;
  }
  const missing = [];
  for (let s = s0 + 1; s <= last; s++) if (!got.has(s)) missing.push(s);
  assert.equal(last - s0, N, `latest seq ${last} after ${N} appended events from ${s0}`);
  assert.equal(missing.length, 0,
    `after ${N} missed events, ${missing.length} were never replayed (first missing seq ${missing[0]}, last ${missing[missing.length - 1]}) and the reply gave no way to ask for them`);
  c.close();
});

test('subscribing again with since = the latest seq replays nothing twice', async () => {
  const c = await miaConnection();
  const first = await c.call('coalition.subscribe', { coalition: 'subs', since: 0 });
  await collectUntilSeq(c, 'subs', first.seq);
  const count = c.events.length;
  const again = await c.call('coalition.subscribe', { coalition: 'subs', since: first.seq });
  assert.equal(again.seq, first.seq);
  await sleep(400);
  assert.equal(c.events.length, count, `no event came twice: ${JSON.stringify(c.events.slice(count).map(strip))}`);
  // and live events still arrive, once
  await co.admin.call('member.set_roles', { coalition: 'subs', member: co.members.noah.id, roles: ['design_team'] });
  const live = await collectUntilSeq(c, 'subs', first.seq + 1, { from: count });
  assert.equal(live.length, 1, JSON.stringify(live.map(strip)));
  c.close();
});
