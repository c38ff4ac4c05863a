// Backups taken while MOUs are being saved (issue: operations, item 1). The
// git copy used to take objects first and refs last, so a save landing in
// between left a branch naming a commit the copy did not have, and the
// restored directory could not start. Every backup here is restored, checked
// with `git fsck --strict`, and started; and a backup whose repository lost
// an object is refused by `restore`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startDaemon, makeCoalition, run, unique } from './lib.mjs';

const ROUNDS = 20;
let d;
let co;
let mou;

before(async () => {
  d = await startDaemon();
  co = await makeCoalition(d, { slug: 'bk', members: [{ key: 'conv', roles: ['convener'], organization: 'Hub Org' }] });
  mou = await co.members.conv.client.call('mou.create',
    { coalition: 'bk', title: 'Shared services', body: '# MOU\n\nVersion 0.\n', parties: ['Hub Org', 'Sunrise'] });
});

after(async () => {
  if (d) await d.close();
});

function fsck(repo) {
  const r = spawnSync('git', ['fsck', '--strict', '--no-dangling'], { cwd: repo, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

test(`${ROUNDS} backups taken during a stream of MOU saves all restore, pass git fsck and start`, async () => {
  const conv = co.members.conv.client;
  let stop = false;
  let base = mou.commit;
  let saves = 0;
  const writer = (async () => {
    while (!stop) {
      const s = await conv.call('mou.save', { mou: mou.mou.id, base, body: `# MOU\n\nVersion ${saves + 1}.\n` });
      base = s.commit;
      saves++;
    }
  })();
  const backups = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const dest = path.join(d.root, `backup-${i}`);
      const res = await run(['backup', '--data', d.dataDir, '--to', dest]);
      assert.equal(res.code, 0, res.stderr);
      backups.push(dest);
    }
  } finally {
    stop = true;
    await writer;
  }
  assert.ok(saves >= ROUNDS, `saves ran beside the backups (${saves})`);

  for (const [i, dest] of backups.entries()) {
    const repo = path.join(dest, 'git', 'bk.git');
    const f = fsck(repo);
    assert.ok(f.ok, `backup ${i}: git fsck --strict\n${f.out}`);
    const restored = path.join(d.root, `restored-${i}`);
    const rr = await run(['restore', '--from', dest, '--data', restored]);
    assert.equal(rr.code, 0, `backup ${i}: ${rr.stderr}`);
    const d2 = await startDaemon({ dataDir: restored, admin: false });
    try {
      const admin = await d2.connect();
      await admin.call('auth.login', { email: co.members.conv.email, password: co.members.conv.password });
      const g = await admin.call('mou.get', { mou: mou.mou.id });
      assert.match(g.body ?? g.mou?.body ?? JSON.stringify(g), /Version \d+/, `backup ${i}: the MOU reads`);
    } finally {
      await d2.stop();
    }
  }
});

test('restore refuses a backup whose MOU repository lost an object, and leaves nothing behind', async () => {
  const dest = path.join(d.root, `backup-${unique('broken')}`);
  const res = await run(['backup', '--data', d.dataDir, '--to', dest]);
  assert.equal(res.code, 0, res.stderr);
  // Delete the tip commit's object from the copy.
  const repo = path.join(dest, 'git', 'bk.git');
  const tip = fs.readFileSync(path.join(repo, 'packed-refs'), 'utf8')
    .split('\n').find((l) => l.endsWith(' refs/heads/main') || / refs\/heads\//.test(l)).split(' ')[0];
  const loose = path.join(repo, 'objects', tip.slice(0, 2), tip.slice(2));
  assert.ok(fs.existsSync(loose), 'the tip is a loose object');
  fs.rmSync(loose);
  const restored = path.join(d.root, unique('refused'));
  const rr = await run(['restore', '--from', dest, '--data', restored]);
  assert.equal(rr.code, 1, rr.stderr);
  assert.match(rr.stderr, /bk\.git is broken/);
  assert.equal(fs.existsSync(restored), false, 'the refused restore left no data directory');
});
