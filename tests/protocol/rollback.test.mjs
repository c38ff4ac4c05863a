// roundtable rollback: undoing a schema upgrade. A data directory of the
// first schema is opened by this binary (it migrates, keeping
// roundtable.db.pre-vN.bak), written to, the daemon killed (its -wal left
// behind), then rolled back: the backup is the database again, the current
// files are kept aside, the output names the writes discarded, and the left
// -wal cannot replay on top of the restored file. Refused while serving.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, startDaemon, makeCoalition, run, addUser, dbPath, sqlite,
} from './lib.mjs';

const daemons = [];
after(async () => { for (const d of daemons) await d.kill().catch(() => {}); });

const latest = fs.readdirSync(path.join(REPO_ROOT, 'storage', 'schema')).filter((f) => f.endsWith('.sql')).length;

/** A data directory of the first schema: coalition 'old' with one event (seq 1). */
async function firstSchemaDir() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-rollback-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const first = fs.readFileSync(path.join(REPO_ROOT, 'storage', 'schema', '001-foundation.sql'), 'utf8');
  await sqlite(dbPath(data), `\n${first}\nPRAGMA user_version = 1;\n` +
    "INSERT INTO coalitions(id, slug, name, description, created_at) VALUES (1, 'old', 'Old Alliance', '', '2025-01-01T00:00:00Z');\n" +
    "INSERT INTO events(coalition_id, seq, type, at, payload, prev, hash) VALUES (1, 1, 'coalition.created', '2025-01-01T00:00:00Z', '{}', x'', x'00');");
  return data;
}

test('rollback installs the pre-upgrade copy, keeps the current files aside and names what it discards', async () => {
  assert.ok(latest > 1, 'needs more than one schema');
  const data = await firstSchemaDir();
  const db = dbPath(data);
  // this binary opens it: migrates, keeping a copy
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const bak = `${db}.pre-v${latest}.bak`;
  assert.ok(fs.existsSync(bak), 'a copy was kept before migrating');
  // writes after the upgrade: two events of 'old' (by hand), a new coalition through the daemon
  await sqlite(db, "INSERT INTO events(coalition_id, seq, type, at, payload, prev, hash) VALUES " +
    "(1, 2, 'x.test', '2026-01-01T00:00:00Z', '{}', x'', x'01'), (1, 3, 'x.test', '2026-01-01T00:00:00Z', '{}', x'', x'02');");
  const d = await startDaemon({ dataDir: data, admin: false });
  daemons.push(d);
  const co = await makeCoalition(d, { slug: 'fresh' });
  await co.admin.call('member.invite', { coalition: 'fresh', email: 'late@test.example', name: 'Late', roles: ['observer'] });
  const freshEvents = Number((await sqlite(db, "SELECT COUNT(*) FROM events e JOIN coalitions c ON c.id = e.coalition_id WHERE c.slug = 'fresh'")).trim());
  assert.ok(freshEvents >= 2, `events of fresh: ${freshEvents}`);

  // refused while the daemon serves the directory, nothing touched
  const refused = await run(['rollback', '--data', data]);
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /already serving/);
  assert.deepEqual(fs.readdirSync(data).filter((f) => f.includes('rolled-back')), []);
  assert.equal(Number((await sqlite(db, 'PRAGMA user_version')).trim()), latest);

  // a crash: the -wal stays next to the database
  d.proc.kill('SIGKILL');
  await d.proc.exited;
  d.proc = null;
  assert.ok(fs.existsSync(`${db}-wal`), 'the killed daemon left its -wal');

  const r = await run(['rollback', '--data', data]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`pre-v${latest}\\.bak \\(schema 1\\)`));
  assert.match(r.stdout, /coalition old: 2 event\(s\) \(audit entries\) after seq 1, up to seq 3/);
  assert.match(r.stdout, new RegExp(`coalition fresh: created after the backup; discarded with its ${freshEvents} event`));
  assert.match(r.stdout, new RegExp(`discarded: ${freshEvents + 2} event`));
  assert.match(r.stdout, /git: .*reconcile/);

  // the backup is in place, nothing of the old WAL next to it, the old set kept whole
  assert.ok(!fs.existsSync(`${db}-wal`) && !fs.existsSync(`${db}-shm`), 'no -wal or -shm next to the restored database');
  assert.ok(fs.existsSync(bak), 'the .bak is kept too');
  assert.ok(!fs.existsSync(`${bak}-wal`) && !fs.existsSync(`${bak}-shm`), 'reading the .bak made no files next to it');
  const aside = fs.readdirSync(data).filter((f) => /^roundtable\.db\.rolled-back-\d{8}T\d{6}Z$/.test(f));
  assert.equal(aside.length, 1, fs.readdirSync(data).join(' '));
  assert.ok(fs.existsSync(path.join(data, `${aside[0]}-wal`)), 'the -wal was moved with its database');
  assert.equal((await sqlite(db, 'PRAGMA user_version')).trim(), '1', 'the restored database is of the first schema');
  assert.equal((await sqlite(db, "SELECT group_concat(slug) FROM coalitions")).trim(), 'old');
  assert.equal((await sqlite(db, 'SELECT MAX(seq) FROM events WHERE coalition_id = 1')).trim(), '1');
  // what was discarded is still there, WAL included, under the rolled-back name
  const kept = path.join(data, aside[0]);
  assert.equal((await sqlite(kept, "SELECT COUNT(*) FROM coalitions WHERE slug = 'fresh'")).trim(), '1');
  assert.equal((await sqlite(kept, 'PRAGMA user_version')).trim(), String(latest));

  // this binary can open the restored directory again (it migrates again)
  const d2 = await startDaemon({ dataDir: data, admin: false });
  daemons.push(d2);
  await d2.stop();
});

test('rollback: bad usage exits 2; no backup or no backup of that schema exits 1, changing nothing', async () => {
  assert.equal((await run(['rollback'])).code, 2);
  assert.equal((await run(['rollback', '--data', '/tmp', '--to-version', 'x'])).code, 2);
  assert.equal((await run(['rollback', '--data', '/tmp', '--bogus'])).code, 2);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-rollback-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const none = await run(['rollback', '--data', data]);
  assert.equal(none.code, 1, none.stdout + none.stderr);
  assert.match(none.stderr, /no roundtable\.db\.pre-vN\.bak/);

  const old = await firstSchemaDir();
  await addUser(old, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const wrong = await run(['rollback', '--data', old, '--to-version', '5']);
  assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
  assert.equal((await sqlite(dbPath(old), 'PRAGMA user_version')).trim(), String(latest));
  const right = await run(['rollback', '--data', old, '--to-version', '1']);
  assert.equal(right.code, 0, right.stdout + right.stderr);
  assert.equal((await sqlite(dbPath(old), 'PRAGMA user_version')).trim(), '1');
});
