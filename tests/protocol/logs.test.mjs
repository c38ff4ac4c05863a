// The daemon's log: every line it writes while serving has one format, UTC
// time, level, message (and the client's address where there is one):
// schema upgrades and database errors from storage/ (through its log sink,
// storage/log.h), refused origins, lws' own lines. Lines of the test build's
// fault injection ("faults: ...") are instrumentation, not the daemon's log.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, Client, startDaemon, makeCoalition, addUser, dbPath, sqlite, sleep,
} from './lib.mjs';

const daemons = [];
after(async () => { for (const d of daemons) await d.kill().catch(() => {}); });

const LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z (error|warn|info) \S/;

/** Waits for a line matching re in the daemon's output from offset from. */
async function waitLine(d, re, from = 0) {
  for (let i = 0; i < 200; i++) {
    if (re.test(d.output.slice(from))) return;
    await sleep(25);
  }
  throw new Error(`the daemon did not log ${re}\n${d.logs()}`);
}

/** Sends sig and waits for a line matching re in the daemon's output. */
async function signal(d, sig, re) {
  const from = d.output.length;
  d.proc.kill(sig);
  await waitLine(d, re, from);
}

test('every line the daemon writes has the time in UTC and a level: upgrade, refused origin, database error', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-logs-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const first = fs.readFileSync(path.join(REPO_ROOT, 'storage', 'schema', '001-foundation.sql'), 'utf8');
  await sqlite(dbPath(data), `\n${first}\nPRAGMA user_version = 1;\n`);

  // the daemon upgrades the database at its start
  const d = await startDaemon({ dataDir: data, admin: false, env: { RT_FAIL_STEP: '1' } });
  daemons.push(d);
  assert.match(d.output, /Z info upgrading the database from schema 1 to \d+/);

  // a refused origin: one line, with the client's address
  const c = new Client(d.url);
  await assert.rejects(c.connect({ origin: 'http://evil.test' }), (e) => e.status === 403);
  await waitLine(d, /evil\.test/);
  const probe = new Client(d.url); // a round trip after it: nothing more about it was logged by then
  await probe.connect();
  probe.close();
  const refused = d.output.split('\n').filter((l) => l.includes('evil.test'));
  assert.equal(refused.length, 1, d.logs());
  assert.match(refused[0], /Z warn refused a WebSocket upgrade from origin http:\/\/evil\.test from 127\.0\.0\.1$/);

  // a database error (a failing row read: the test build's fault injection)
  await d.stop();
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  await d.restart();
  if (!/faults: ready/.test(d.output)) {
    t.diagnostic('no database error: the daemon was built without RT_FAULTS (make SANITIZE=address,undefined)');
  } else {
    const co = await makeCoalition(d);
    await signal(d, 'SIGUSR2', /faults: armed/);
    const r = await co.admin.request('audit.list', { coalition: co.slug });
    await signal(d, 'SIGUSR2', /faults: disarmed/);
    assert.equal(r.error?.code, 'internal', JSON.stringify(r));
    assert.match(d.output, /Z error sql read error: /);
  }
  await d.stop();

  const lines = d.output.split('\n')
    .filter((l) => l !== '' && !l.startsWith('$ ') && !l.startsWith('faults: '));
  const bad = lines.filter((l) => !LINE.test(l));
  assert.deepEqual(bad, [], `lines not in the log format:\n${bad.join('\n')}`);
});
