// Secrets at rest (issue: tokens stored in clear). Every kind of write that
// hands out or takes a secret is sent with an idempotency key, the way the web
// client sends every write; then the raw bytes of the database, its WAL, the
// backup files and a `sqlite3 .dump` are searched for every secret seen on the
// wire: invitation and respondent tokens, session tokens, passwords. None may
// be there in clear. A retry with the same key still gets its first reply.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  startDaemon, makeCoalition, unique, sqlite, dbPath, run, idemTag, idemOpen,
} from './lib.mjs';

let d;
let co;
const secrets = new Map(); // secret -> what it is

function keep(what, value) {
  assert.equal(typeof value, 'string', `${what} should be a string`);
  assert.ok(value.length >= 8, `${what} too short to search for`);
  secrets.set(value, what);
}

/** Every file of the data directory, read whole (db, -wal, -shm, backups). */
function dataFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...dataFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function findSecrets(files, extra = '') {
  const found = [];
  for (const [s, what] of secrets) {
    for (const f of files) {
      if (fs.readFileSync(f).includes(Buffer.from(s))) found.push(`${what} in ${f}`);
    }
    if (extra.includes(s)) found.push(`${what} in the SQL dump`);
  }
  return found;
}

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    slug: 'vault',
    members: [{ key: 'conv', roles: ['convener', 'design_team'], organization: 'Conv Org' }],
  });
});

after(async () => {
  if (d) await d.close();
});

test('no token, session id or password is stored in clear after writes sent with keys', async () => {
  const conv = co.members.conv.client;
  keep('the convener password', co.members.conv.password);
  keep('the convener session', co.members.conv.token);

  // An invitation, sent with a key, then accepted with a key.
  const inviteKey = unique('k-invite');
  const inv = await conv.request('member.invite', {
    coalition: 'vault', email: `${unique('new')}@test.example`, name: 'New Member', roles: ['provider'],
  }, { key: inviteKey });
  assert.equal(inv.ok, true, JSON.stringify(inv));
  keep('an invitation token', inv.data.invite_token);
  const password = `pw-${unique('accept')}-secret`;
  keep('a chosen password', password);
  const fresh = await d.connect();
  const acc = await fresh.request('auth.accept_invite', { invite_token: inv.data.invite_token, password },
    { key: unique('k-accept') });
  assert.equal(acc.ok, true, JSON.stringify(acc));
  keep('the new session', acc.data.token);

  // A sign-in with a key.
  const other = await d.connect();
  const login = await other.request('auth.login', { email: co.members.conv.email, password: co.members.conv.password },
    { key: unique('k-login') });
  assert.equal(login.ok, true, JSON.stringify(login));
  keep('a sign-in session', login.data.token);

  // A respondent link of an RFQ, sent with a key.
  const closes = new Date(Date.now() + 3600e3).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const rfq = (await conv.call('rfq.create', {
    coalition: 'vault', title: 'Hub RFQ', body: 'Apply', closes_at: closes,
    questions: [{ section: 'One', text: 'Why?' }],
    criteria: [{ name: 'Fit', description: 'Fits', weight: 1, max: 5 }],
  })).rfq;
  await conv.call('rfq.publish', { rfq: rfq.id });
  const respKey = unique('k-resp');
  const resp = await conv.request('respondent.invite',
    { rfq: rfq.id, organization: 'Hub Candidate', email: `${unique('r')}@resp.example` }, { key: respKey });
  assert.equal(resp.ok, true, JSON.stringify(resp));
  keep('a respondent token', resp.data.respondent_token);

  // Retries with the same keys still get the first replies, secrets included.
  const again = await conv.request('member.invite', {
    coalition: 'vault', email: 'ignored@test.example', name: 'Ignored', roles: ['provider'],
  }, { key: inviteKey });
  assert.equal(again.data.invite_token, inv.data.invite_token, 'a retry gets the first reply');
  const respAgain = await conv.request('respondent.invite',
    { rfq: rfq.id, organization: 'Ignored', email: 'ignored@resp.example' }, { key: respKey });
  assert.equal(respAgain.data.respondent_token, resp.data.respondent_token);
  // The record opens with the client's key, and only with it.
  const convId = co.members.conv.id;
  const sealed = await sqlite(dbPath(d.dataDir),
    `SELECT hex(sealed) FROM idempotency WHERE member_id = ${convId} AND hex(tag) = '${idemTag(convId, inviteKey)}'`);
  const opened = idemOpen(convId, inviteKey, sealed);
  assert.equal(opened.op, 'member.invite');
  assert.equal(opened.reply.invite_token, inv.data.invite_token);
  assert.throws(() => idemOpen(convId, `${inviteKey}x`, sealed), 'another key does not open it');

  // A backup holds none either.
  const backup = path.join(d.root, `backup-${unique('b')}`);
  const b = await run(['backup', '--data', d.dataDir, '--to', backup]);
  assert.equal(b.code, 0, b.stderr);

  const dump = await sqlite(dbPath(d.dataDir), '.dump');
  const files = [...dataFiles(d.dataDir), ...dataFiles(backup)];
  assert.ok(files.some((f) => f.endsWith('roundtable.db')));
  assert.deepEqual(findSecrets(files, dump), []);
  fresh.close();
  other.close();
});

test('idempotency records expire after 30 days: an old key is a new request', async () => {
  const key = unique('k-old');
  const args = { coalition: 'vault', email: `${unique('late')}@test.example`, name: 'Late Member', roles: ['provider'] };
  const first = await co.admin.request('member.invite', args, { key });
  assert.equal(first.ok, true, JSON.stringify(first));
  await d.stop();
  await sqlite(dbPath(d.dataDir), "UPDATE idempotency SET created_at = '2000-01-01T00:00:00Z'");
  await d.restart();
  const admin = await d.admin();
  // The first keyed write after a start expires what is past its time.
  const trigger = await admin.request('member.invite',
    { ...args, email: `${unique('other')}@test.example` }, { key: unique('k-new') });
  assert.equal(trigger.ok, true, JSON.stringify(trigger));
  const again = await admin.request('member.invite', { ...args, email: `${unique('again')}@test.example` }, { key });
  assert.equal(again.ok, true, JSON.stringify(again));
  assert.notEqual(again.data.invite_token, first.data.invite_token, 'the expired key ran as a new request');
  assert.equal(await sqlite(dbPath(d.dataDir), "SELECT count(*) FROM idempotency WHERE created_at < '2001'"), '0\n');
  admin.close();
});
