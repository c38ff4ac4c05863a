// Writes from outside the daemon (issue: operations, item 3). operations.md
// adds users with `roundtable user add` while the daemon runs, and an
// administrator may use a sqlite3 shell. A statement left running held a read
// snapshot across turns; once another process had written, every write of the
// daemon failed (SQLITE_BUSY_SNAPSHOT, "database is locked") until a restart.
// Here both kinds of outside write land while members write, and afterwards
// every write still succeeds and the new user signs in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startDaemon, makeCoalition, addUser, unique, sqlite, dbPath, http,
} from './lib.mjs';

let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, { slug: 'out', members: [{ key: 'conv', roles: ['convener'] }] });
});

after(async () => {
  if (d) await d.close();
});

/** Invites in a loop until stopped; returns every reply. */
function writer(client, stop) {
  const replies = [];
  const done = (async () => {
    while (!stop.now) {
      replies.push(await client.request('member.invite',
        { coalition: 'out', email: `${unique('w')}@test.example`, name: 'Load', roles: ['observer'] }));
    }
  })();
  return { replies, done };
}

/** Reads that each leave nothing running: the kinds of read a page makes. */
async function reads(client) {
  await client.call('coalition.get', { coalition: 'out' });
  await client.call('invite.list', { coalition: 'out' });
  await client.call('auth.whoami', {});
  await client.call('audit.list', { coalition: 'out' });
}

test('user add and a sqlite3 shell write while members write: the daemon keeps writing', async () => {
  const conv = co.members.conv.client;
  const stop = { now: false };
  const w = writer(conv, stop);
  await reads(conv);
  const email = `${unique('late')}@test.example`;
  await addUser(d.dataDir, { email, name: 'Late Arrival', password: 'late-arrival-pass' });
  await reads(conv);
  // the shell waits for the daemon's write lock as an administrator's would (.timeout)
  await sqlite(dbPath(d.dataDir), "UPDATE coalitions SET description = 'changed by the shell' WHERE slug = 'out'",
    { args: ['-cmd', '.timeout 10000'] });
  await reads(conv);
  // Writes after both outside writes, each acknowledged after it.
  const after = [];
  for (let i = 0; i < 10; i++) {
    after.push(await conv.request('member.invite',
      { coalition: 'out', email: `${unique('a')}@test.example`, name: 'After', roles: ['observer'] }));
  }
  stop.now = true;
  await w.done;
  const failed = [...w.replies, ...after].filter((r) => !r.ok);
  assert.deepEqual(failed, [], 'no write failed');
  const c = await d.connect();
  const me = await c.call('auth.login', { email, password: 'late-arrival-pass' });
  assert.equal(me.member.email, email);
  const g = await conv.call('coalition.get', { coalition: 'out' });
  assert.equal(g.coalition.description, 'changed by the shell');
  const h = await http(d.base, '/healthz');
  assert.equal(h.status, 200);
  c.close();
});
