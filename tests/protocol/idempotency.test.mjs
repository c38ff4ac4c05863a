// Idempotency keys: a retry with the same key by the same member returns the
// first reply and changes nothing, also after a reconnect and a restart;
// keys of different members are independent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, assertError, makeCoalition, unique, sleep, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './lib.mjs';

let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: 'idem',
    members: [
      { key: 'conv', roles: ['convener'], organization: 'Conv Org' },
      { key: 'pro', roles: ['provider'], organization: 'Pro Org' },
    ],
  });
});

after(async () => {
  if (d) await d.close();
});

/** The latest seq of the coalition, by subscribing on a fresh connection. */
async function latestSeq(slug = 'idem') {
  const c = await d.admin();
  const r = await c.call('coalition.subscribe', { coalition: slug });
  c.close();
  return r.seq;
}

async function auditCount(slug = 'idem') {
  const c = await d.admin();
  const v = await c.call('audit.verify', { coalition: slug });
  c.close();
  assert.equal(v.ok, true);
  return v.entries;
}

async function invitesFor(email) {
  const c = await d.admin();
  const l = await c.call('invite.list', { coalition: 'idem' });
  c.close();
  return l.invites.filter((i) => i.email === email);
}

test('member.invite twice with the same key: same reply, one invitation', async () => {
  const key = unique('inv-key');
  const email = `${unique('once')}@test.example`;
  const args = { coalition: 'idem', email, name: 'Once Only', roles: ['funder'] };
  const r1 = await co.admin.request('member.invite', args, { key });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  const seq1 = await latestSeq();
  const audit1 = await auditCount();
  const r2 = await co.admin.request('member.invite', args, { key });
  assert.equal(r2.ok, true, JSON.stringify(r2));
  assert.deepEqual(r2.data, r1.data, 'the retry returns the first reply');
  assert.equal(await latestSeq(), seq1, 'the retry adds no event');
  assert.equal(await auditCount(), audit1, 'the retry adds no audit entry');
  assert.equal((await invitesFor(email)).length, 1);
  // The one invite token works.
  const c = await d.connect();
  const acc = await c.call('auth.accept_invite', { invite_token: r1.data.invite_token, password: 'once-password-1' });
  assert.equal(acc.member.email, email);
  c.close();
});

test('without a key, the same invite twice makes two invitations (keys matter)', async () => {
  const email = `${unique('twice')}@test.example`;
  const args = { coalition: 'idem', email, name: 'Twice', roles: ['observer'] };
  const r1 = await co.admin.call('member.invite', args);
  const r2 = await co.admin.call('member.invite', args);
  assert.notEqual(r1.invite_token, r2.invite_token);
  assert.equal((await invitesFor(email)).length, 2);
});

test('member.set_roles retried with the same key emits one event only', async () => {
  const watcher = await d.admin();
  const { seq: s0 } = await watcher.call('coalition.subscribe', { coalition: 'idem' });
  const key = unique('roles-key');
  const args = { coalition: 'idem', member: co.members.pro.id, roles: ['provider', 'hub'] };
  const r1 = await co.admin.request('member.set_roles', args, { key });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  // Someone else changes the roles in between; the retry must not undo that.
  await co.members.conv.client.call('member.set_roles', { coalition: 'idem', member: co.members.pro.id, roles: ['provider'] });
  const r2 = await co.admin.request('member.set_roles', args, { key });
  assert.deepEqual(r2.data, r1.data);
  assert.equal(r2.ok, true);
  await sleep(400);
  const evs = watcher.events.filter((e) => e.seq > s0);
  assert.equal(evs.length, 2, `two changes, two events: ${JSON.stringify(evs)}`);
  const g = await co.admin.call('coalition.get', { coalition: 'idem' });
  assert.deepEqual(g.members.find((m) => m.id === co.members.pro.id).roles, ['provider'], 'the retry changed nothing');
  watcher.close();
});

test('coalition.create retried with the same key returns the first reply, not conflict', async () => {
  const key = unique('create-key');
  const slug = unique('idc').toLowerCase();
  const r1 = await co.admin.request('coalition.create', { slug, name: 'Idem Create' }, { key });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  const r2 = await co.admin.request('coalition.create', { slug, name: 'Idem Create' }, { key });
  assert.equal(r2.ok, true, `a retry must return the first reply: ${JSON.stringify(r2)}`);
  assert.deepEqual(r2.data, r1.data);
  // Without the key it is a conflict.
  assertError(await co.admin.request('coalition.create', { slug, name: 'Idem Create' }), 'conflict', { what: 'create again without key' });
  const l = await co.admin.call('coalition.list', {});
  assert.equal(l.coalitions.filter((x) => x.slug === slug).length, 1);
});

test('the same key after a reconnect (new session) returns the first reply', async () => {
  const key = unique('reconnect-key');
  const email = `${unique('rc')}@test.example`;
  const args = { coalition: 'idem', email, name: 'Reconnect', roles: ['parent'] };
  const c1 = await d.admin();
  const r1 = await c1.request('member.invite', args, { key });
  assert.equal(r1.ok, true);
  c1.terminate(); // the connection drops before the client saw the reply, say
  await c1.closed;
  const c2 = await d.connect();
  await c2.call('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const seq = await latestSeq();
  const r2 = await c2.request('member.invite', args, { key });
  assert.deepEqual(r2.data, r1.data);
  assert.equal(await latestSeq(), seq);
  assert.equal((await invitesFor(email)).length, 1);
  c2.close();
});

test('the same key after a daemon restart returns the first reply', async () => {
  const key = unique('restart-key');
  const email = `${unique('rs')}@test.example`;
  const args = { coalition: 'idem', email, name: 'Restart', roles: ['observer'] };
  const c1 = await d.admin();
  const r1 = await c1.request('member.invite', args, { key });
  assert.equal(r1.ok, true);
  const seq = await latestSeq();
  await d.restart();
  const c2 = await d.admin();
  const r2 = await c2.request('member.invite', args, { key });
  assert.equal(r2.ok, true, JSON.stringify(r2));
  assert.deepEqual(r2.data, r1.data);
  assert.equal(await latestSeq(), seq);
  assert.equal((await invitesFor(email)).length, 1);
  co.admin = c2;
  // Sessions of the members survive the restart too.
  for (const key2 of ['conv', 'pro']) {
    const c = await d.connect();
    await c.call('auth.resume', { token: co.members[key2].token });
    co.members[key2].client = c;
  }
});

test('different members using the same key are independent', async () => {
  const key = 'shared-key-1';
  const e1 = `${unique('m1')}@test.example`;
  const e2 = `${unique('m2')}@test.example`;
  const r1 = await co.admin.request('member.invite', { coalition: 'idem', email: e1, name: 'By Admin', roles: ['observer'] }, { key });
  const r2 = await co.members.conv.client.request('member.invite', { coalition: 'idem', email: e2, name: 'By Conv', roles: ['observer'] }, { key });
  assert.equal(r1.ok, true, JSON.stringify(r1));
  assert.equal(r2.ok, true, JSON.stringify(r2));
  assert.notEqual(r1.data.invite_token, r2.data.invite_token);
  assert.equal(r2.data.invite.email, e2);
  assert.equal((await invitesFor(e1)).length, 1);
  assert.equal((await invitesFor(e2)).length, 1);
});

test('a key used by a member cannot be replayed by another member to read the first reply', async () => {
  const key = unique('private-key');
  const r1 = await co.admin.request('member.invite', {
    coalition: 'idem', email: `${unique('pv')}@test.example`, name: 'Private', roles: ['observer'],
  }, { key });
  assert.equal(r1.ok, true);
  // The provider may not invite; the same key must not hand them the admin's reply.
  const r2 = await co.members.pro.client.request('member.invite', {
    coalition: 'idem', email: `${unique('pv2')}@test.example`, name: 'Private 2', roles: ['observer'],
  }, { key });
  assertError(r2, 'forbidden', { what: 'provider reusing the admin key' });
  assert.ok(!JSON.stringify(r2).includes(r1.data.invite_token));
});

test('concurrent retries with one key on two connections make one change', async () => {
  const key = unique('race-key');
  const email = `${unique('race')}@test.example`;
  const args = { coalition: 'idem', email, name: 'Race', roles: ['observer'] };
  const c1 = await d.admin();
  const c2 = await d.admin();
  const [r1, r2] = await Promise.all([
    c1.request('member.invite', args, { key }),
    c2.request('member.invite', args, { key }),
  ]);
  assert.equal(r1.ok, true, JSON.stringify(r1));
  assert.equal(r2.ok, true, JSON.stringify(r2));
  assert.deepEqual(r1.data, r2.data);
  assert.equal((await invitesFor(email)).length, 1);
  c1.close();
  c2.close();
});

test('a key that is not a string is refused', async () => {
  const r = await co.admin.requestRaw(JSON.stringify({
    id: 501, op: 'member.invite', key: 42,
    args: { coalition: 'idem', email: `${unique('k')}@test.example`, name: 'K', roles: ['observer'] },
  }), 501);
  assertError(r, 'bad_request', { id: 501, what: 'numeric key' });
});

test('a request that failed does not use up its key: a corrected retry goes through', async () => {
  const key = unique('fail-key');
  const email = `${unique('fk')}@test.example`;
  const bad = await co.admin.request('member.invite', { coalition: 'idem', email, name: 'Fixed', roles: ['emperor'] }, { key });
  assertError(bad, 'bad_request', { field: 'roles', what: 'invalid role with key' });
  const good = await co.admin.request('member.invite', { coalition: 'idem', email, name: 'Fixed', roles: ['observer'] }, { key });
  assert.equal(good.ok, true, `a failed request must change nothing, its key included: ${JSON.stringify(good)}`);
  assert.equal((await invitesFor(email)).length, 1);
  const again = await co.admin.request('member.invite', { coalition: 'idem', email, name: 'Fixed', roles: ['observer'] }, { key });
  assert.deepEqual(again.data, good.data);
});
