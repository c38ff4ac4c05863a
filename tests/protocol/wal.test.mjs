// The WAL is checkpointed while the daemon runs (issue 22 item 3): no cached
// statement keeps a read transaction open between requests, checkpoints run
// on their own thread, and the WAL file stays bounded while 10,000 messages
// are written; a deleted anonymous message's author tag is gone from both
// roundtable.db and roundtable.db-wal afterwards (secure_delete, WAL
// truncated when it starts over). Figures are never timed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startDaemon, makeCoalition, sqlite, dbPath } from './lib.mjs';

const MESSAGES = 10000;
const WAL_BOUND = 16 * 1024 * 1024;
let d;
let co;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, {
    members: [
      { key: 'ana', roles: ['provider'] },
      { key: 'dee', roles: ['provider'] },
      { key: 'tom', roles: ['design_team'] },
      { key: 'hub', roles: ['hub'] },
    ],
  });
});

after(async () => { if (d) await d.close(); });

const size = (file) => { try { return fs.statSync(file).size; } catch { return 0; } };

test('the WAL stays bounded over 10,000 messages and a deleted message leaves no trace in the files', async () => {
  const db = dbPath(d.dataDir);
  const writers = Object.values(co.members).map((m) => m.client);
  const ana = co.members.ana.client;
  const { thread } = await ana.call('thread.create', { coalition: co.slug, title: 'Load', body: 'Opening words' });

  // Reads of every kind on the way, as members do: each used to leave a
  // cached statement stepping, holding its read transaction (and the WAL).
  const { mou } = await co.members.hub.client.call('mou.create', { coalition: co.slug, title: 'Shared', body: 'Terms' });
  await ana.call('mou.get', { mou: mou.id });
  await ana.call('mou.list', { coalition: co.slug });

  const { message: anon } = await ana.call('message.post', { thread: thread.id, body: 'Only I know', anonymous: true });
  const tag = (await sqlite(db, `SELECT hex(anon_tag) FROM messages WHERE id = ${anon.id}`)).trim();
  assert.match(tag, /^[0-9A-F]{64}$/);
  const tagBytes = Buffer.from(tag, 'hex');
  const found = () => [db, `${db}-wal`].filter((f) => fs.existsSync(f) && fs.readFileSync(f).includes(tagBytes));
  assert.deepEqual(found(), [db + '-wal'], 'the tag is in the WAL before the deletion (the search works)');
  await ana.call('message.delete', { message: anon.id });

  const body = 'Our enrollment numbers for the spring term, with the waiting list by age group. '.repeat(3);
  let written = 0;
  let maxWal = 0;
  while (written < MESSAGES) {
    const round = [];
    for (const w of writers)
      for (let i = 0; i < 50 && written < MESSAGES; i++, written++)
        round.push(w.call('message.post', { thread: thread.id, body: `${written}: ${body}` }));
    await Promise.all(round);
    maxWal = Math.max(maxWal, size(`${db}-wal`));
    assert.ok(maxWal < WAL_BOUND, `after ${written} messages the WAL is ${maxWal} bytes (bound ${WAL_BOUND})`);
  }
  // The statement the mou read above used stays idle: another read of it
  // after all these commits answers as usual.
  await ana.call('mou.get', { mou: mou.id });
  const dbSize = size(db);
  console.log(`# ${MESSAGES} messages: largest WAL ${maxWal} bytes, database ${dbSize} bytes`);
  assert.ok(dbSize > 4 * WAL_BOUND / 16, 'the messages reached the database file (checkpointed)');
  assert.deepEqual(found(), [], 'the deleted message\'s tag is in neither file');
});
