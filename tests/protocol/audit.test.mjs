// The audit hash chain: audit.list and audit.verify (conveners), and a row
// tampered with in the database behind the daemon's back is reported.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, assertError, makeCoalition, addMember, dbPath, sqlite, unique,
} from './lib.mjs';

let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: 'auditco',
    members: [
      { key: 'pia', roles: ['provider'], organization: 'Pia Place' },
      { key: 'dtm', roles: ['design_team'] },
    ],
  });
  await co.admin.call('member.set_roles', { coalition: 'auditco', member: co.members.pia.id, roles: ['provider', 'hub'] });
});

after(async () => {
  if (d) await d.close();
});

async function listAll(c, coalition) {
  const out = [];
  let after;
  for (let i = 0; i < 100; i++) {
    const args = { coalition };
    if (after !== undefined) args.after = after;
    const r = await c.call('audit.list', args);
    assert.ok(Array.isArray(r.entries), JSON.stringify(r));
    assert.equal(typeof r.more, 'boolean', JSON.stringify(r));
    out.push(...r.entries);
    if (!r.more || r.entries.length === 0) break;
    after = r.entries[r.entries.length - 1].seq;
  }
  return out;
}

test('audit.list gives a hash chain of every change, and audit.verify says ok', async () => {
  const entries = await listAll(co.admin, 'auditco');
  // invites (2), joins (2) and one role change at least.
  assert.ok(entries.length >= 5, JSON.stringify(entries));
  for (const e of entries) {
    assert.ok(Number.isInteger(e.seq), JSON.stringify(e));
    assert.equal(typeof e.type, 'string');
    assert.ok(e.actor === null || Number.isInteger(e.actor) || typeof e.actor === 'object', JSON.stringify(e));
    assert.equal(typeof e.at, 'string');
    assert.ok(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(e.at), `at is RFC 3339 UTC: ${e.at}`);
    assert.equal(typeof e.hash, 'string');
    assert.ok(e.hash.length >= 32);
    assert.equal(typeof e.prev, 'string');
  }
  for (let i = 1; i < entries.length; i++) {
    assert.ok(entries[i].seq > entries[i - 1].seq, 'seq increases');
    assert.equal(entries[i].prev, entries[i - 1].hash, `entry ${entries[i].seq}: prev must be the hash of entry ${entries[i - 1].seq}`);
  }
  assert.equal(new Set(entries.map((e) => e.hash)).size, entries.length, 'hashes are distinct');
  const types = entries.map((e) => e.type);
  assert.ok(types.includes('member.joined'), JSON.stringify(types));
  assert.ok(types.includes('member.updated'), JSON.stringify(types));

  const v = await co.admin.call('audit.verify', { coalition: 'auditco' });
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.entries, entries.length, JSON.stringify(v));
  assert.equal(v.head, entries[entries.length - 1].hash, 'head is the hash of the last entry');
  assert.equal(v.bad_seq, undefined);
});

test('audit.list pages with after and limit', async () => {
  const all = await listAll(co.admin, 'auditco');
  const p1 = await co.admin.call('audit.list', { coalition: 'auditco', limit: 2 });
  assert.equal(p1.entries.length, 2);
  assert.equal(p1.more, true);
  assert.deepEqual(p1.entries, all.slice(0, 2));
  const p2 = await co.admin.call('audit.list', { coalition: 'auditco', after: p1.entries[1].seq, limit: 2 });
  assert.deepEqual(p2.entries, all.slice(2, 4));
  const last = await co.admin.call('audit.list', { coalition: 'auditco', after: all[all.length - 1].seq });
  assert.deepEqual(last.entries, []);
  assert.equal(last.more, false);
});

test('audit.list and audit.verify need a convener', async () => {
  for (const key of ['pia', 'dtm']) {
    const c = co.members[key].client;
    assertError(await c.request('audit.list', { coalition: 'auditco' }), 'forbidden', { what: `audit.list by ${key}` });
    assertError(await c.request('audit.verify', { coalition: 'auditco' }), 'forbidden', { what: `audit.verify by ${key}` });
  }
  const outsider = await makeCoalition(d, { slug: unique('aud').toLowerCase(), members: [{ key: 'o', roles: ['convener'] }] });
  const c = outsider.members.o.client;
  const r = await c.request('audit.verify', { coalition: 'auditco' });
  assert.equal(r.ok, false);
  assert.ok(['not_found', 'forbidden'].includes(r.error.code), JSON.stringify(r));
});

test('a failed request adds no audit entry', async () => {
  const before = await co.admin.call('audit.verify', { coalition: 'auditco' });
  await co.members.pia.client.request('member.invite', { coalition: 'auditco', email: 'no@test.example', name: 'No', roles: ['provider'] });
  await co.admin.request('member.set_roles', { coalition: 'auditco', member: 999999, roles: ['provider'] });
  await co.admin.request('member.invite', { coalition: 'auditco', email: 'bad@test.example', name: 'Bad', roles: ['emperor'] });
  const afterV = await co.admin.call('audit.verify', { coalition: 'auditco' });
  assert.equal(afterV.entries, before.entries);
  assert.equal(afterV.head, before.head);
});

/** The slug's coalition id in the database. */
async function coalitionId(db, slug) {
  const out = await sqlite(db, `SELECT id FROM coalitions WHERE slug = '${slug}';`);
  const id = Number(out.trim());
  assert.ok(Number.isInteger(id) && id > 0, `coalition ${slug} not in the database: ${out}`);
  return id;
}

/** A fresh coalition with a few entries, its entries and the database path. */
async function chainToTamper() {
  const admin = await d.admin();
  const slug = unique('tamper').toLowerCase();
  const c = await makeCoalition(d, {
    slug, admin,
    members: [
      { key: 'x', roles: ['provider'], name: 'Tamper Target', organization: 'Target Org' },
      { key: 'y', roles: ['funder'] },
    ],
  });
  await admin.call('member.set_roles', { coalition: slug, member: c.members.x.id, roles: ['provider', 'observer'] });
  await admin.call('member.set_roles', { coalition: slug, member: c.members.y.id, roles: ['funder', 'observer'] });
  const entries = await listAll(admin, slug);
  const v = await admin.call('audit.verify', { coalition: slug });
  assert.equal(v.ok, true, JSON.stringify(v));
  return { slug, entries, db: dbPath(d.dataDir) };
}

async function verifyAfterRestart(slug) {
  await d.restart();
  const admin = await d.admin();
  co.admin = await d.admin();
  const v = await admin.call('audit.verify', { coalition: slug });
  admin.close();
  return v;
}

test('audit.verify reports a row whose payload was edited in the database', async () => {
  const { slug, db } = await chainToTamper();
  await d.stop();
  const cid = await coalitionId(db, slug);
  const seqOut = await sqlite(db,
    `SELECT seq FROM events WHERE coalition_id = ${cid} AND payload LIKE '%Tamper Target%' ORDER BY seq LIMIT 1;`);
  const target = { seq: Number(seqOut.trim()) };
  assert.ok(target.seq > 0, `no event names the member: ${seqOut}`);
  const changed = await sqlite(db,
    `UPDATE events SET payload = replace(payload, 'Tamper Target', 'Mallory Forged') WHERE coalition_id = ${cid} AND seq = ${target.seq}; SELECT changes();`);
  assert.equal(changed.trim(), '1', 'the tamper must hit one row');
  const check = await sqlite(db, `SELECT payload FROM events WHERE coalition_id = ${cid} AND seq = ${target.seq};`);
  assert.ok(check.includes('Mallory Forged'), `payload not changed: ${check}`);
  const v = await verifyAfterRestart(slug);
  assert.equal(v.ok, false, `tampered payload not reported: ${JSON.stringify(v)}`);
  assert.equal(v.bad_seq, target.seq, JSON.stringify(v));
  // Other coalitions are still fine.
  const a = await d.admin();
  const good = await a.call('audit.verify', { coalition: 'auditco' });
  assert.equal(good.ok, true, JSON.stringify(good));
  a.close();
});

test('audit.verify reports a row whose type, actor or time was edited', async () => {
  for (const [col, expr] of [['type', "'member.forged'"], ['at', "'2001-01-01T00:00:00Z'"], ['actor', 'NULL']]) {
    const { slug, entries, db } = await chainToTamper();
    const target = entries[entries.length - 2];
    if (col === 'actor' && target.actor === null) continue;
    await d.stop();
    const cid = await coalitionId(db, slug);
    const changed = await sqlite(db,
      `UPDATE events SET ${col} = ${expr} WHERE coalition_id = ${cid} AND seq = ${target.seq}; SELECT changes();`);
    assert.equal(changed.trim(), '1');
    const v = await verifyAfterRestart(slug);
    assert.equal(v.ok, false, `tampered ${col} not reported: ${JSON.stringify(v)}`);
    assert.equal(v.bad_seq, target.seq, `${col}: ${JSON.stringify(v)}`);
  }
});

test('audit.verify reports a row whose stored hash was rewritten', async () => {
  const { slug, entries, db } = await chainToTamper();
  const target = entries[1];
  await d.stop();
  const cid = await coalitionId(db, slug);
  await sqlite(db, `UPDATE events SET hash = randomblob(32) WHERE coalition_id = ${cid} AND seq = ${target.seq};`);
  const v = await verifyAfterRestart(slug);
  assert.equal(v.ok, false, JSON.stringify(v));
  assert.ok(v.bad_seq === target.seq || v.bad_seq === entries[2].seq, `bad_seq ${v.bad_seq}, tampered ${target.seq}`);
});

test('audit.verify reports a removed row', async () => {
  const { slug, entries, db } = await chainToTamper();
  const target = entries[2];
  await d.stop();
  const cid = await coalitionId(db, slug);
  await sqlite(db, `DELETE FROM events WHERE coalition_id = ${cid} AND seq = ${target.seq}; SELECT changes();`);
  const v = await verifyAfterRestart(slug);
  assert.equal(v.ok, false, `removed row not reported: ${JSON.stringify(v)}`);
  assert.ok(v.bad_seq === target.seq || v.bad_seq === entries[3].seq, `bad_seq ${v.bad_seq}, removed ${target.seq}`);
});

test('audit.verify reports the last row removed (truncated chain)', async () => {
  const { slug, entries, db } = await chainToTamper();
  const last = entries[entries.length - 1];
  await d.stop();
  const cid = await coalitionId(db, slug);
  await sqlite(db, `DELETE FROM events WHERE coalition_id = ${cid} AND seq = ${last.seq};`);
  const v = await verifyAfterRestart(slug);
  assert.equal(v.ok, false, `a truncated chain must not verify: ${JSON.stringify(v)}`);
  assert.equal(v.bad_seq, last.seq, JSON.stringify(v));
});

test('the chain survives restarts and keeps growing correctly', async () => {
  await d.restart();
  const admin = await d.admin();
  await addMember(d, { slug: 'auditco', admin }, { key: 'later', roles: ['observer'] });
  const entries = await listAll(admin, 'auditco');
  for (let i = 1; i < entries.length; i++) assert.equal(entries[i].prev, entries[i - 1].hash);
  const v = await admin.call('audit.verify', { coalition: 'auditco' });
  assert.equal(v.ok, true, JSON.stringify(v));
  assert.equal(v.entries, entries.length);
  admin.close();
});
