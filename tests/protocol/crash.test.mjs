// Crash safety: clients post messages, cast ballots and save MOUs while the
// daemon is killed again and again, at the named crash points of the test
// build (CRASH_AT=site:n, see daemon/rt.h) and at seeded random moments.
// After every restart the clients retry what was in flight with the same
// `key`. The test checks:
//   - after each kill, every write in flight is either wholly there (row,
//     event, stored reply) or wholly absent: nothing is half there;
//   - at the end, every acknowledged write is there exactly once, with what
//     its acknowledgement said;
//   - PRAGMA integrity_check is ok, the audit chain verifies, the event log
//     has no hole, `git fsck` is clean, and git and the database agree on
//     every MOU's head and history.
//
// make test runs the short form (12 kills); make torture sets RT_TORTURE=1
// (240 kills). RT_SEED changes the random schedule; a failure prints it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  startDaemon, makeCoalition, sqlite, dbPath, sleep, sleepUnref, unique, idemTag, idemOpen,
} from './lib.mjs';

const TORTURE = !!process.env.RT_TORTURE;
const SEED = Number(process.env.RT_SEED ?? 20261123);
const KILLS = TORTURE ? 240 : 12;
const VOTERS = 4;
const DECISIONS = 6;

// Where the daemon kills itself, and how many passes to allow before.
const SITES = [
  ['batch.request', 60], // mid group commit: some requests run, none committed
  ['batch.commit', 20],  // every request of the batch run, COMMIT not yet
  ['batch.committed', 20], // committed, no reply sent
  ['mou.git', 4],        // the MOU's git commit made, its row not yet
  ['git.ref', 4],        // the commit object written, the branch not moved
];

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const count = async (db, sql) => Number((await sqlite(db, sql)).trim());

test('every acknowledged write survives kills at every crash point, exactly once', { timeout: TORTURE ? 1800000 : 300000 }, async (t) => {
  const rand = mulberry32(SEED);
  const d = await startDaemon();
  t.after(() => d.kill());
  const db = dbPath(d.dataDir);
  const co = await makeCoalition(d, {
    members: Array.from({ length: VOTERS }, (_, i) => ({ key: `v${i}`, roles: ['provider'], organization: `Org ${i}` })),
  });
  const { thread } = await co.admin.call('thread.create', { coalition: co.slug, title: 'Crash', body: 'Posts land here.' });
  const decisions = [];
  for (let i = 0; i < DECISIONS; i++) {
    const { decision } = await co.admin.call('decision.create', {
      coalition: co.slug, title: `Proposal ${i}`, body: 'Vote.', kind: 'proposal',
      eligible_roles: ['provider'], closes_at: new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 19) + 'Z',
    });
    decisions.push(decision.id);
  }
  const voters = [];
  for (let i = 0; i < VOTERS; i++) {
    const m = co.members[`v${i}`];
    const text = `# MOU of voter ${i}\n`;
    const made = await m.client.call('mou.create', { coalition: co.slug, title: `MOU ${i}`, body: text, parties: [`Org ${i}`] });
    voters.push({
      i, id: m.id, token: m.token, c: null, action: null, seq: 0, attempts: 0,
      mou: made.mou.id, mouText: text, mouHead: made.commit,
      posts: [], ballots: new Map(), saves: [], errors: [],
    });
  }

  const CHOICES = ['agree', 'abstain', 'disagree'];
  function nextAction(v) {
    const key = `${unique('k')}-${v.i}-${v.seq++}`;
    const r = rand();
    if (r < 0.45) return { kind: 'post', key, op: 'message.post', args: { thread: thread.id, body: `crash ${key}` } };
    if (r < 0.75) {
      const decision = decisions[Math.floor(rand() * DECISIONS)];
      const choice = CHOICES[Math.floor(rand() * CHOICES.length)];
      return { kind: 'ballot', key, op: 'ballot.cast', args: { decision, choice } };
    }
    const body = `${v.mouText}- line ${key}\n`;
    return { kind: 'save', key, op: 'mou.save', args: { mou: v.mou, base: v.mouHead, body } };
  }

  function acknowledged(v, a, data) {
    if (a.kind === 'post') v.posts.push(a.key);
    if (a.kind === 'ballot') v.ballots.set(a.args.decision, a.args.choice);
    if (a.kind === 'save') {
      v.mouText = a.args.body;
      v.mouHead = data.commit;
      v.saves.push(a.key);
    }
  }

  // One voter's stream of writes, one at a time, until its connection dies.
  async function work(v) {
    for (;;) {
      if (!v.action) v.action = nextAction(v);
      const a = v.action;
      let reply;
      try {
        reply = await v.c.request(a.op, a.args, { key: a.key, timeoutMs: 20000 });
      } catch {
        return; // the daemon died: the action stays in flight
      }
      if (!reply.ok) v.errors.push(`${a.op} ${a.key}: ${JSON.stringify(reply.error)}`);
      else acknowledged(v, a, reply.data);
      v.action = null;
    }
  }

  // A write in flight at a kill is wholly there or wholly absent.
  async function assertAtomic(v) {
    const a = v.action;
    if (!a) return;
    const idem = await count(db, `SELECT count(*) FROM idempotency WHERE member_id = ${v.id} AND hex(tag) = '${idemTag(v.id, a.key)}'`);
    assert.ok(idem <= 1, `${a.key}: ${idem} stored replies`);
    if (a.kind === 'post') {
      const rows = await count(db, `SELECT count(*) FROM messages WHERE body = ${q(a.args.body)}`);
      const evs = await count(db, `SELECT count(*) FROM events WHERE type = 'message.created' AND instr(payload, ${q(a.key)}) > 0`);
      assert.deepEqual([rows, evs, idem].map(Boolean), [!!rows, !!rows, !!rows], `${a.key}: message ${rows}, event ${evs}, reply ${idem}`);
      assert.ok(rows <= 1 && evs <= 1, `${a.key}: message ${rows} times, event ${evs} times`);
    }
    if (a.kind === 'ballot' && idem) {
      const choice = await sqlite(db, `SELECT choice FROM decision_ballots WHERE decision_id = ${a.args.decision} AND member_id = ${v.id}`);
      assert.equal(JSON.parse(choice), a.args.choice, `${a.key}: the stored reply without its ballot`);
    }
    if (a.kind === 'save' && idem) {
      const { reply } = idemOpen(v.id, a.key,
        await sqlite(db, `SELECT hex(sealed) FROM idempotency WHERE member_id = ${v.id} AND hex(tag) = '${idemTag(v.id, a.key)}'`));
      const head = (await sqlite(db, `SELECT head FROM mous WHERE id = ${v.mou}`)).trim();
      assert.equal(head, reply.commit, `${a.key}: the stored reply names a head the MOU does not have`);
    }
  }

  function git(...args) {
    const repo = path.join(d.dataDir, 'git', `${co.slug}.git`);
    const r = spawnSync('git', ['--git-dir', repo, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  // git and the database name the same head and history for every MOU.
  async function assertGitAgrees() {
    for (const v of voters) {
      const file = `mou-${v.mou}.md`;
      const log = git('log', '--format=%H', 'refs/heads/main', '--', file).trim().split('\n');
      const head = (await sqlite(db, `SELECT head FROM mous WHERE id = ${v.mou}`)).trim();
      assert.equal(head, log[0], `MOU ${v.mou}: database head ${head}, git ${log[0]}`);
      const versions = (await sqlite(db, `SELECT commit_id FROM mou_versions WHERE mou_id = ${v.mou}`)).trim().split('\n');
      assert.deepEqual(new Set(versions), new Set(log), `MOU ${v.mou}: versions in the database and commits in git differ`);
    }
  }

  const kills = { site: 0, random: 0, unreached: 0 };
  for (let k = 0; k < KILLS; k++) {
    const crashSite = k % 2 === 0;
    let env = {};
    if (crashSite) {
      const [site, most] = SITES[(k / 2) % SITES.length];
      env = { CRASH_AT: `${site}:${1 + Math.floor(rand() * most)}` };
    }
    await d.respawn({ env });
    for (const v of voters) await assertAtomic(v);
    await assertGitAgrees();
    // The crash point may be reached while the voters sign in already.
    const running = voters.map(async (v) => {
      try {
        v.c = await d.connect();
        await v.c.call('auth.resume', { token: v.token });
      } catch {
        return;
      }
      await work(v);
    });
    if (crashSite) {
      const died = await Promise.race([d.proc.exited, sleepUnref(4000).then(() => null)]);
      if (died) {
        assert.equal(died.signal, 'SIGKILL', `the daemon died otherwise than at its crash point\n${d.logs()}`);
        kills.site++;
      } else {
        kills.unreached++; // too few passes in 4 s: a random kill then
      }
    } else {
      await sleep(30 + Math.floor(rand() * 600));
      kills.random++;
    }
    if (d.proc.exitCode === null && d.proc.signalCode === null) {
      d.proc.kill('SIGKILL');
      await d.proc.exited;
    }
    await Promise.all(running);
    for (const v of voters) v.c?.terminate();
    if (TORTURE && (k + 1) % 40 === 0) console.log(`# ${k + 1} kills so far`);
  }
  await d.respawn({ env: {} });

  // Retry what is still in flight, then check everything.
  for (const v of voters) await assertAtomic(v);
  for (const v of voters) {
    v.c = await d.connect();
    await v.c.call('auth.resume', { token: v.token });
    if (v.action) {
      const a = v.action;
      const reply = await v.c.request(a.op, a.args, { key: a.key });
      if (!reply.ok) v.errors.push(`${a.op} ${a.key}: ${JSON.stringify(reply.error)}`);
      else acknowledged(v, a, reply.data);
      v.action = null;
    }
  }
  const acked = voters.reduce((n, v) => n + v.posts.length + v.saves.length + v.ballots.size, 0);
  t.diagnostic(`seed ${SEED}: ${kills.site} kills at crash points, ${kills.random + kills.unreached} at random moments; ${acked} acknowledged writes checked`);
  for (const v of voters) assert.deepEqual(v.errors, [], `voter ${v.i} got errors (seed ${SEED})`);

  // One query per kind, not one per write: the long form checks thousands.
  const copies = new Map((await sqlite(db, "SELECT body, count(*) FROM messages WHERE body LIKE 'crash %' GROUP BY body"))
    .trim().split('\n').filter(Boolean).map((line) => { const [body, n] = line.split('|'); return [body, Number(n)]; }));
  const ballots = new Map();
  for (const line of (await sqlite(db, 'SELECT decision_id, member_id, choice FROM decision_ballots')).trim().split('\n')) {
    const [decision, member, choice] = line.split('|');
    const k = `${decision}/${member}`;
    ballots.set(k, [...(ballots.get(k) ?? []), JSON.parse(choice)]);
  }
  for (const v of voters) {
    for (const key of v.posts) assert.equal(copies.get(`crash ${key}`), 1, `post ${key} (seed ${SEED})`);
    for (const [decision, choice] of v.ballots) {
      assert.deepEqual(ballots.get(`${decision}/${v.id}`), [choice], `ballot of voter ${v.i} on ${decision} (seed ${SEED})`);
    }
    const got = await v.c.call('mou.get', { mou: v.mou });
    assert.equal(got.body, v.mouText, `MOU ${v.mou} text (seed ${SEED})`);
    assert.equal(got.head, v.mouHead, `MOU ${v.mou} head (seed ${SEED})`);
  }
  assert.equal((await sqlite(db, 'PRAGMA integrity_check')).trim(), 'ok');
  const verified = await (await d.admin()).call('audit.verify', { coalition: co.slug });
  assert.equal(verified.ok, true, `audit chain: ${JSON.stringify(verified)}`);
  const cid = (await sqlite(db, `SELECT id FROM coalitions WHERE slug = ${q(co.slug)}`)).trim();
  assert.equal(await count(db, `SELECT max(seq) - count(*) FROM events WHERE coalition_id = ${cid}`), 0, 'the event log has a hole');
  git('fsck', '--full', '--strict');
  await assertGitAgrees();
  await d.close();
});
