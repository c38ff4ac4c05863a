// Faults during writes: the disk fills up, and SQLite's memory allocations
// fail. Either way a write gets a clear error and no acknowledgement and
// changes nothing a member can read (no message, ballot, MOU version, update
// or invitation, no event), or it succeeds completely; the daemon never
// crashes and keeps serving reads; once the fault is gone, the failed writes
// go through when retried with their key, exactly once; the database passes
// PRAGMA integrity_check and the MOU repository git fsck.
//
// Disk full needs a small tmpfs (mount, as root): without permission to mount
// the test is skipped, saying so. Failing allocations need the test build
// (make SANITIZE=address,undefined, which defines RT_FAULTS; see
// storage/faults.c): RT_FAIL_ALLOC=n, and SIGUSR2 arms and disarms; ten
// rounds with n from 3 to 2500 make the failures land early in requests,
// deep inside statements and at their COMMIT.
//
// Failing row reads (RT_FAIL_STEP=n, same build and signal): list reads
// answer `internal`, never a list cut short, and a client catching up with
// `since` gets every event or is closed (1011) and catches up again.
//
// Known and reported, not fixed here (storage/db.c): a ROLLBACK that fails
// for want of memory leaves the transaction open and wedges the daemon until
// a restart. The test then restarts it, goes on checking, and reports TODO.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startDaemon, makeCoalition, sleep, sqlite, dbPath, unique, collectUntilSeq,
} from './lib.mjs';

const FUTURE = new Date(Date.now() + 30 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');

// A coalition with one of everything a member writes to, and two writers:
// the convener (admin) and Ana, a provider.
async function world(d) {
  const co = await makeCoalition(d, { members: [{ key: 'ana', roles: ['provider'], organization: 'Ana Care' }] });
  const conv = co.admin;
  const ana = co.members.ana.client;
  const { thread } = await ana.call('thread.create', { coalition: co.slug, title: 'Plans', body: 'First message.' });
  const { decision } = await conv.call('decision.create', {
    coalition: co.slug, title: 'Adopt the plan', body: 'Shall we?', kind: 'proposal',
    eligible_roles: ['provider'], closes_at: FUTURE,
  });
  await ana.call('ballot.cast', { decision: decision.id, choice: 'agree' });
  const { mou, commit } = await conv.call('mou.create', {
    coalition: co.slug, title: 'Shared services', body: '# MOU\n\nVersion 0.\n\nThe end.\n',
  });
  const { milestone } = await conv.call('milestone.create', { coalition: co.slug, title: 'Enrollment', body: 'Full rooms.' });
  // A closed RFQ in which the convener evaluates but declared a conflict of
  // interest with the one respondent: their score must never be taken.
  const { rfq } = await conv.call('rfq.create', {
    coalition: co.slug, title: 'Hub', body: 'Answer.', closes_at: FUTURE,
    questions: [{ section: 'A', text: 'Why?' }], criteria: [{ name: 'Fit', description: 'Fit', weight: 1, max: 5 }],
  });
  await conv.call('rfq.publish', { rfq: rfq.id });
  const { respondent, respondent_token: token } = await conv.call('respondent.invite', { rfq: rfq.id, organization: 'Hub Co', email: 'hub@faults.test' });
  await ana.call('response.submit', { respondent_token: token, answers: [{ question: rfq.questions[0].id, body: 'Because.' }], final: true });
  await conv.call('rfq.close', { rfq: rfq.id });
  await conv.call('evaluator.assign', { rfq: rfq.id, member: conv.member.id, group: 'design_team' });
  await conv.call('coi.declare', { rfq: rfq.id, respondent: respondent.id, reason: 'My sister runs it.' });
  const recused = { rfq: rfq.id, respondent: respondent.id, criterion: rfq.criteria[0].id };
  return { d, co, conv, ana, thread: thread.id, decision: decision.id, mou: mou.id, head: commit, milestone: milestone.id, recused };
}

// After a restart: fresh connections with the same sessions.
async function reconnect(w) {
  for (const who of ['conv', 'ana']) {
    const c = await w.d.connect();
    await c.call('auth.resume', { token: w[who].token });
    c.token = w[who].token;
    w[who] = c;
  }
}

// Everything the writes below could change, as the members read it.
async function readState(w) {
  const messages = [];
  let before;
  for (;;) {
    const page = await w.ana.call('thread.get', { thread: w.thread, limit: 200, ...(before ? { before } : {}) });
    messages.unshift(...page.messages.map((m) => m.body));
    if (!page.more) break;
    before = page.messages[0].id;
  }
  const dec = await w.ana.call('decision.get', { decision: w.decision });
  const mou = await w.conv.call('mou.get', { mou: w.mou });
  const history = await w.conv.call('mou.history', { mou: w.mou });
  const ms = await w.conv.call('milestone.get', { milestone: w.milestone });
  const invites = await w.conv.call('invite.list', { coalition: w.co.slug });
  const { seq } = await w.conv.call('coalition.subscribe', { coalition: w.co.slug });
  const audit = await w.conv.call('audit.verify', { coalition: w.co.slug });
  const scores = await w.conv.call('score.list', { rfq: w.recused.rfq });
  return {
    scores: scores.scores.length,
    messages,
    ballot: dec.me.ballot ? dec.me.ballot.choice : null,
    mouHead: mou.commit,
    mouBody: mou.body,
    mouVersions: history.commits.map((c) => c.commit),
    notes: ms.updates.map((u) => u.note),
    invites: invites.invites.map((i) => i.email).sort(),
    seq,
    auditOk: audit.ok,
  };
}

const count = (list, x) => list.filter((y) => y === x).length;

// One round of writes, each with its own key: [{what, client, op, args, key, reply}].
function plannedWrites(w, tag, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({ what: 'message', who: 'ana', op: 'message.post', args: { thread: w.thread, body: `${tag} message ${i}` } });
    out.push({ what: 'ballot', who: 'ana', op: 'ballot.cast', args: { decision: w.decision, choice: i % 2 ? 'agree' : 'disagree' } });
    out.push({ what: 'mou', who: 'conv', op: 'mou.save', args: { mou: w.mou, body: `# MOU\n\n${tag} version ${i}.\n\nThe end.\n` } });
    out.push({ what: 'note', who: 'conv', op: 'milestone.update', args: { milestone: w.milestone, note: `${tag} note ${i}` } });
    out.push({ what: 'invite', who: 'conv', op: 'member.invite', args: { coalition: w.co.slug, email: `${tag}-${i}@faults.test`, name: `Guest ${i}`, roles: ['observer'] } });
    out.push({ what: 'recused', who: 'conv', op: 'score.submit', args: { ...w.recused, score: 1 + (i % 5) }, refused: true });
  }
  for (const x of out) x.key = unique(`${tag}-${x.what}-`);
  return out;
}

// Sends one planned write (mou.save on the head the writer last saw) and
// keeps its reply in x.reply; a replay (a retry of a write that succeeded)
// leaves x.reply and the known head alone and returns the replayed reply.
async function send(w, x, { replay = false } = {}) {
  const args = x.op === 'mou.save' ? { ...x.args, base: w.head } : x.args;
  const reply = await w[x.who].request(x.op, args, { key: x.key, timeoutMs: 30000 });
  if (replay) return reply;
  x.reply = reply;
  if (reply.ok && x.op === 'mou.save') w.head = reply.data.commit;
  return reply;
}

// The state after some writes of `writes` succeeded, from the state before.
function expected(before, writes) {
  const e = structuredClone(before);
  for (const x of writes) {
    if (!x.reply.ok) continue;
    if (x.what === 'message') e.messages.push(x.args.body);
    if (x.what === 'ballot') e.ballot = x.args.choice;
    if (x.what === 'mou') { e.mouHead = x.reply.data.commit; e.mouBody = x.args.body; e.mouVersions.unshift(x.reply.data.commit); }
    if (x.what === 'note') e.notes.push(x.args.note);
    if (x.what === 'invite') e.invites = [...e.invites, x.args.email].sort();
  }
  return e;
}

// The parts of the state that must match exactly (seq: only that it moved as
// far as the successful writes' events; audit: ok).
function assertState(got, want, what) {
  assert.deepEqual(got.messages, want.messages, `${what}: the messages`);
  assert.equal(got.ballot, want.ballot, `${what}: Ana's ballot`);
  assert.equal(got.mouHead, want.mouHead, `${what}: the MOU's head`);
  assert.equal(got.mouBody, want.mouBody, `${what}: the MOU's text`);
  assert.deepEqual(got.mouVersions, want.mouVersions, `${what}: the MOU's versions`);
  assert.deepEqual([...got.notes].sort(), [...want.notes].sort(), `${what}: the milestone's notes`);
  assert.deepEqual(got.invites, want.invites, `${what}: the invitations`);
  assert.equal(got.auditOk, true, `${what}: the audit chain verifies`);
  assert.equal(got.scores, 0, `${what}: no score of a recused evaluator`);
}

async function assertClean(d) {
  const check = (await sqlite(dbPath(d.dataDir), 'PRAGMA integrity_check;')).trim();
  assert.equal(check, 'ok', 'PRAGMA integrity_check');
  const gitDir = path.join(d.dataDir, 'git');
  for (const repo of fs.existsSync(gitDir) ? fs.readdirSync(gitDir) : []) {
    const r = spawnSync('git', ['--git-dir', path.join(gitDir, repo), 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `git fsck ${repo}: ${r.stdout}${r.stderr}`);
  }
}

// --- disk full ------------------------------------------------------------------

function fillDisk(dir) {
  const file = path.join(dir, 'fill');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 20, 0x61);
  let size = chunk.length;
  try {
    for (;;) {
      try {
        fs.writeSync(fd, chunk, 0, size);
      } catch (e) {
        if (e.code !== 'ENOSPC') throw e;
        if (size === 1) break;
        size = Math.max(1, size >> 4);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

test('disk full: writes fail cleanly, reads go on, and after space is freed the writes go through once', async (t) => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-diskfull-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) {
    fs.rmdirSync(mnt);
    t.skip(`disk full not tested: mounting a 6 MiB tmpfs was not permitted (${(m.stderr || m.error?.message || '').trim()}); run as root`);
    return;
  }
  let d;
  try {
    d = await startDaemon({ dataDir: path.join(mnt, 'data') });
    const w = await world(d);
    const watcher = await d.connect();
    await watcher.call('auth.resume', { token: w.conv.token });
    const before = await readState(w);
    await watcher.call('coalition.subscribe', { coalition: w.co.slug });
    const fill = fillDisk(mnt);

    const writes = plannedWrites(w, 'full', 1).filter((x) => ['message', 'ballot', 'mou', 'note'].includes(x.what));
    for (const x of writes) {
      const r = await send(w, x);
      assert.equal(r.ok, false, `${x.op} on a full disk must fail, got ${JSON.stringify(r)}`);
      assert.equal(r.error.code, 'internal', `${x.op}: ${JSON.stringify(r.error)}`);
      assert.match(r.error.message, /\w{4,}/, 'a message a person can read');
    }
    // Nothing changed, nobody was told of a change, and reads still work.
    assertState(await readState(w), before, 'on a full disk');
    assert.equal((await readState(w)).seq, before.seq, 'no event was recorded');
    await sleep(200);
    assert.deepEqual(watcher.events.filter((e) => e.coalition === w.co.slug), [], 'no event was sent');
    // /healthz says the writes fail (a load balancer or systemd can act on it)
    const health = await fetch(`${d.base}/healthz`);
    assert.equal(health.status, 503, 'unhealthy while writes fail');

    // Space again: the same requests, with the same keys, go through once.
    fs.unlinkSync(fill);
    for (const x of writes) {
      const r = await send(w, x);
      assert.equal(r.ok, true, `${x.op} after freeing space: ${JSON.stringify(r)}`);
    }
    for (const x of writes) {
      const again = await send(w, x, { replay: true });
      assert.deepEqual(again, { ...x.reply, id: again.id }, `${x.op}: a retry with the key replays the first reply`);
    }
    assert.equal((await fetch(`${d.base}/healthz`)).status, 200, 'healthy again once a write went through');
    const after = await readState(w);
    assertState(after, expected(before, writes), 'after freeing space');
    assert.equal(count(after.messages, 'full message 0'), 1, 'the message is there once');
    await d.stop();
    await assertClean(d);
  } finally {
    if (d) await d.kill();
    spawnSync('umount', ['-l', mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});

// --- failing allocations --------------------------------------------------------------

async function signal(d, sig, line) {
  const from = d.output.length;
  d.proc.kill(sig);
  for (let i = 0; i < 200; i++) {
    const seen = d.output.slice(from).match(line);
    if (seen) return seen;
    await sleep(25);
  }
  throw new Error(`the daemon did not answer ${sig} with ${line}\n${d.logs()}`);
}

// One round at RT_FAIL_ALLOC=n: writes while armed, then the checks and the
// retries once disarmed. Resolves {failed, writes, ok, wedged}.
async function allocationRound(t, d, w, n) {
  const from = d.output.length;
  const before = await readState(w);
  const writes = plannedWrites(w, `n${n}`, 6);
  await signal(d, 'SIGUSR2', /faults: armed/);
  for (const x of writes) await send(w, x);
  // Reads while failing: a clear answer either way, never a hang.
  const read = await w.ana.request('thread.get', { thread: w.thread, limit: 5 }, { timeoutMs: 30000 });
  assert.ok(read.ok || read.error.code === 'internal', JSON.stringify(read));
  const [, failed] = await signal(d, 'SIGUSR2', /faults: disarmed \((\d+) of \d+ allocations failed\)/);
  const refusedOk = writes.filter((x) => x.refused && x.reply.ok);
  assert.deepEqual(refusedOk.map((x) => x.op), [], `n=${n}: a recused evaluator's score was taken`);
  const normal = writes.filter((x) => !x.refused);
  const ok = normal.filter((x) => x.reply.ok).length;
  t.diagnostic(`n=${n}: ${ok} of ${normal.length} writes succeeded, ${failed} allocations failed; ${writes.length - normal.length} scores of a recused evaluator refused`);

  // Known bug (storage/db.c, reported, not fixed here): a ROLLBACK that fails
  // for want of memory leaves the transaction open, and every later request
  // fails ("the database is unavailable") until a restart. When it happens:
  // restart, go on checking, and mark the test TODO. Remove once db_rollback
  // retries and db_begin rolls back a transaction left open.
  let wedged = false;
  const probe = await w.ana.request('thread.get', { thread: w.thread, limit: 1 });
  if (!probe.ok && /cannot start a transaction within a transaction/.test(d.output.slice(from))) {
    wedged = true;
    await d.restart({ env: { RT_FAIL_ALLOC: String(n) } });
    await reconnect(w);
  }

  // Out of memory is the server's trouble: `internal`, never a misleading
  // not_found or conflict about the member's own request.
  const wrong = writes.filter((x) => !x.reply.ok && x.reply.error.code !== (x.refused && x.reply.error.code === 'forbidden' ? 'forbidden' : 'internal'));
  assert.deepEqual(wrong.map((x) => `${x.op}: ${JSON.stringify(x.reply.error)}`), [], `n=${n}: errors other than internal`);
  // Exactly the acknowledged writes are there: no half write.
  assertState(await readState(w), expected(before, writes), `after round n=${n}`);

  // Disarmed, everything works: the failed writes go through with their
  // key, the acknowledged ones replay their first reply.
  for (const x of writes) {
    if (x.refused) {
      const r = await send(w, x, { replay: true });
      assert.equal(r.ok ? 'ok' : r.error.code, 'forbidden', `${x.op} of a recused evaluator after disarming`);
    } else if (x.reply.ok) {
      const again = await send(w, x, { replay: true });
      assert.deepEqual(again, { ...x.reply, id: again.id }, `${x.op}: the retry replays the first reply`);
    } else {
      const r = await send(w, x);
      assert.equal(r.ok, true, `${x.op} retried after disarming: ${JSON.stringify(r)}`);
      x.retried = true;
    }
  }
  const after = await readState(w);
  for (const x of writes.filter((y) => y.what === 'message')) {
    assert.equal(count(after.messages, x.args.body), 1, `${x.args.body} is there exactly once`);
  }
  for (const x of writes.filter((y) => y.what === 'note')) {
    assert.equal(count(after.notes, x.args.note), 1, `${x.args.note} is there exactly once`);
  }
  for (const x of writes.filter((y) => y.what === 'invite')) {
    assert.equal(count(after.invites, x.args.email), 1, `${x.args.email} is invited exactly once`);
  }
  // The text is the last save made: the last retried one, else the last one.
  const saves = writes.filter((y) => y.what === 'mou');
  const last = saves.filter((y) => y.retried).at(-1) || saves.at(-1);
  assert.equal(after.mouBody, last.args.body, 'the last save is the MOU text');
  assert.equal(after.auditOk, true, 'the audit chain verifies');
  return { failed: Number(failed), writes: normal.length, ok, wedged };
}

test('failing SQLite allocations: every write fails cleanly or succeeds fully, and nothing breaks', async (t) => {
  // Every n-th allocation fails while armed: small n fail early in a request,
  // larger ones deep inside statements and commits.
  const rounds = [3, 23, 61, 101, 160, 251, 400, 641, 1000, 2500];
  const d = await startDaemon({ env: { RT_FAIL_ALLOC: String(rounds[0]) } });
  try {
    if (!/faults: ready/.test(d.output)) {
      t.skip('failing allocations not tested: the daemon was built without RT_FAULTS (make SANITIZE=address,undefined)');
      return;
    }
    const w = await world(d);
    const total = { failed: 0, writes: 0, ok: 0, wedged: [] };
    for (const n of rounds) {
      if (n !== rounds[0]) {
        await d.restart({ env: { RT_FAIL_ALLOC: String(n) } });
        await reconnect(w);
      }
      const r = await allocationRound(t, d, w, n).catch((e) => {
        e.message += `\n${d.logs()}`;
        throw e;
      });
      total.failed += r.failed;
      total.writes += r.writes;
      total.ok += r.ok;
      if (r.wedged) total.wedged.push(n);
    }
    t.diagnostic(`${total.writes} writes under failing allocations: ${total.ok} succeeded, ${total.writes - total.ok} failed cleanly; ${total.failed} allocations failed`);
    assert.ok(total.failed > 0, 'allocations did fail');
    assert.ok(total.writes - total.ok > 0, 'some writes did fail');
    if (total.wedged.length) {
      t.todo(`storage/db.c: a failed ROLLBACK left the transaction open and the daemon refused every request until restarted (n=${total.wedged.join(', ')})`);
    }
    await d.stop();
    await assertClean(d);
  } finally {
    await d.kill();
  }
});

// --- failing row reads -------------------------------------------------------------

// Every n-th row read of a list fails while armed (RT_FAIL_STEP, test build),
// as a disk read error would midway through a list. A list read then
// answers `internal`, never a list cut short; a client catching up with
// `since` gets every event it missed, or its connection is closed (1011)
// after a prefix of them and it catches up with `since` again. It never
// silently misses events while it believes it caught up.
test('failing row reads: a list read is internal, never short; a replay delivers every event or closes', async (t) => {
  const EVERY = 7;
  const d = await startDaemon({ env: { RT_FAIL_STEP: String(EVERY) } });
  try {
    if (!/faults: ready/.test(d.output)) {
      t.skip('failing row reads not tested: the daemon was built without RT_FAULTS (make SANITIZE=address,undefined)');
      return;
    }
    const co = await makeCoalition(d);
    const conv = co.admin;
    // More than EVERY rows in each list read below: at least one read fails.
    const invited = [];
    for (let i = 0; i < 3 * EVERY; i++) {
      const email = `rows-${i}@faults.test`;
      await conv.call('member.invite', { coalition: co.slug, email, name: `Guest ${i}`, roles: ['observer'] });
      invited.push(email);
    }
    const full = {
      invites: (await conv.call('invite.list', { coalition: co.slug })).invites.length,
      audit: (await conv.call('audit.list', { coalition: co.slug })).entries.length,
    };
    assert.ok(full.invites >= 3 * EVERY && full.audit >= 3 * EVERY, JSON.stringify(full));
    // Every event, read while nothing fails.
    const ref = await d.connect();
    await ref.call('auth.resume', { token: conv.token });
    const { seq: last } = await ref.call('coalition.subscribe', { coalition: co.slug, since: 0 });
    const all = await collectUntilSeq(ref, co.slug, last, { quietMs: 0 });
    const allSeqs = all.map((e) => e.seq);
    assert.equal(allSeqs.at(-1), last);

    await signal(d, 'SIGUSR2', /faults: armed/);
    const lists = [];
    for (let i = 0; i < 4; i++) {
      lists.push(['invite.list', await conv.request('invite.list', { coalition: co.slug })]);
      lists.push(['audit.list', await conv.request('audit.list', { coalition: co.slug })]);
    }
    // A member catching up from the start, while reads fail.
    const watcher = await d.connect();
    await watcher.call('auth.resume', { token: conv.token });
    let sub;
    for (let i = 0; i < 2 * EVERY && !(sub && sub.ok); i++) {
      sub = await watcher.request('coalition.subscribe', { coalition: co.slug, since: 0 });
      if (!sub.ok) assert.equal(sub.error.code, 'internal', JSON.stringify(sub));
    }
    assert.ok(sub.ok, `coalition.subscribe never succeeded: ${JSON.stringify(sub)}`);
    await signal(d, 'SIGUSR2', /faults: disarmed/);

    for (const [op, reply] of lists) {
      assert.equal(reply.ok, false, `${op} while row reads fail must not answer a list (got ${JSON.stringify(reply).slice(0, 200)})`);
      assert.equal(reply.error.code, 'internal', `${op}: ${JSON.stringify(reply.error)}`);
    }
    // Either the watcher has every event, or it is closed (1011) after a
    // prefix of them. A round trip first: its reply comes after whatever
    // the replay queued.
    await watcher.request('auth.whoami', {}, { timeoutMs: 10000 }).catch(() => {});
    const got = () => watcher.events.filter((e) => e.coalition === co.slug).map((e) => e.seq);
    if (watcher.closeInfo || got().length !== allSeqs.length) {
      const { code } = await watcher.waitClose(10000).catch((e) => {
        throw new Error(`${e.message}: the watcher has ${got().length} of ${allSeqs.length} events and believes it caught up`);
      });
      assert.equal(code, 1011, 'closed as an internal error');
      const prefix = got();
      assert.deepEqual(prefix, allSeqs.slice(0, prefix.length), 'the events before the close are a prefix, in order');
      // The client comes back with since: the rest, exactly.
      const again = await d.connect();
      await again.call('auth.resume', { token: conv.token });
      const since = prefix.length ? prefix.at(-1) : 0;
      await again.call('coalition.subscribe', { coalition: co.slug, since });
      const rest = since < last ? (await collectUntilSeq(again, co.slug, last, { quietMs: 0 })).map((e) => e.seq) : [];
      assert.deepEqual([...prefix, ...rest], allSeqs, 'with since, every event exactly once');
      t.diagnostic(`the replay failed after ${prefix.length} of ${allSeqs.length} events and closed; since caught up`);
    } else {
      assert.deepEqual(got(), allSeqs, 'an open subscription has every event');
    }
    // Once the reads work, the lists are whole again.
    assert.equal((await conv.call('invite.list', { coalition: co.slug })).invites.length, full.invites);
    assert.equal((await conv.call('audit.list', { coalition: co.slug })).entries.length, full.audit);
    await d.stop();
  } finally {
    await d.kill();
  }
});
