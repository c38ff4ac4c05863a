// Hostile load against the demo coalition: while floods of half-open
// connections, a client pipelining requests it never reads, deeply nested and
// oversized JSON, invalid UTF-8 and a password brute force go on, a
// legitimate member (Tom, a provider) casts a ballot on the open proposal and
// it completes within a second every time. A client that pipelines requests
// without reading is slowed down (back-pressure), not served at everyone
// else's expense. Sign-in brute force: no more
// password checks than the rate limits allow, whatever the concurrency, and
// never more than two argon2 hashes at once (each takes 64 MiB: the peak
// resident memory shows how many ran together).
//
// A subscriber that stops reading its events is fanout.test.mjs; the frame
// rules are ws-conformance.test.mjs. Run against the ASan build, the daemon
// must also shut down cleanly at the end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import {
  startDaemon, run, rawWs as openRaw, wsFrame, handshakeRequest, sleep,
} from './lib.mjs';

const DEMO_PASSWORD = 'roundtable-demo';
const VOTE_MS = 1000;
const HASH_MIB = 64; // crypto_pwhash MEMLIMIT_INTERACTIVE

let d;
let tom; // the legitimate voter, signed in before any attack
let decision; // the demo's open proposal
let graceToken; // a member whose client misbehaves
let votes = 0;
const voteTimes = [];

// Every socket opened here is closed in after(), even when a test fails.
const sockets = new Set();
async function rawWs(port, opts) {
  const w = await openRaw(port, opts);
  sockets.add(w.sock);
  return w;
}
/** A TCP connection that sends `text` and then stalls. */
function stalledConnection(text) {
  const s = net.connect(d.port, '127.0.0.1');
  sockets.add(s);
  return new Promise((resolve, reject) => {
    s.on('error', (e) => reject(new Error(`a stalled connection failed: ${e.message}`)));
    s.on('connect', () => { s.write(text); resolve(s); });
  });
}
// A hang anywhere fails its test instead of holding the suite.
const T = { timeout: 180000 };

before(async () => {
  d = await startDaemon({
    admin: false,
    setup: async (dir) => {
      const r = await run(['demo', '--data', dir], { timeoutMs: 120000 });
      if (r.code !== 0) throw new Error(`demo failed: ${r.stderr}`);
    },
  });
  tom = await d.login('tom@demo.test', DEMO_PASSWORD);
  const { decisions } = await tom.call('decision.list', { coalition: 'valley' });
  decision = decisions.find((x) => x.kind === 'proposal' && x.status === 'open');
  assert.ok(decision, `the demo has an open proposal: ${JSON.stringify(decisions.map((x) => [x.id, x.kind, x.status]))}`);
  const grace = await d.login('grace@demo.test', DEMO_PASSWORD);
  graceToken = grace.token;
  grace.close();
});

after(async () => {
  for (const s of sockets) s.destroy();
  if (!d) return;
  if (voteTimes.length) {
    const sorted = [...voteTimes].sort((a, b) => a - b);
    console.log(`# ${voteTimes.length} ballots under attack: median ${sorted[sorted.length >> 1]} ms, max ${sorted[sorted.length - 1]} ms`);
  }
  await d.close();
});

/** Tom casts a ballot (replacing his last one); asserts it is accepted within VOTE_MS. */
async function vote(what) {
  const choice = ['agree', 'abstain', 'disagree'][votes++ % 3];
  const t0 = performance.now();
  const r = await tom.request('ballot.cast', { decision: decision.id, choice }, { timeoutMs: 30000 });
  const ms = Math.round(performance.now() - t0);
  voteTimes.push(ms);
  assert.equal(r.ok, true, `${what}: the ballot is accepted: ${JSON.stringify(r)}`);
  assert.equal(typeof r.data.receipt, 'string');
  assert.ok(ms < VOTE_MS, `${what}: the ballot took ${ms} ms (limit ${VOTE_MS})`);
  return choice;
}

/** Casts a ballot every 150 ms until stop() resolves; rejects on the first slow or failed one. */
async function voteWhile(what, stop) {
  let done = false;
  stop.then(() => { done = true; }, () => { done = true; });
  const from = voteTimes.length;
  let n = 0;
  try {
    do {
      await vote(`${what}, ballot ${++n}`);
      await sleep(150);
    } while (!done);
  } finally {
    console.log(`# ${what}: ${voteTimes.length - from} ballots, slowest ${Math.max(...voteTimes.slice(from))} ms`);
  }
  await stop;
  return n;
}

function procStatus(key) {
  const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(fs.readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'));
  return Number(m[1]);
}
const openFds = () => fs.readdirSync(`/proc/${d.proc.pid}/fd`).length;

async function metric(name) {
  const text = await (await fetch(`${d.base}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** A raw connection signed in with a token (auth.resume: no password hash). */
async function resumed(token) {
  const w = await rawWs(d.port);
  w.send(wsFrame(1, JSON.stringify({ id: 'resume', op: 'auth.resume', args: { token } })));
  const f = await w.waitFrame((x) => x.opcode === 1 && x.text.includes('"resume"'));
  assert.equal(JSON.parse(f.text).ok, true, f.text);
  return w;
}

test('a ballot completes within a second on a quiet daemon', T, async () => {
  await vote('quiet');
});

test('500 half-open connections stalled mid-handshake: ballots go through; the daemon drops them itself', T, async () => {
  const fdsBefore = openFds();
  const partial = handshakeRequest(d.port).slice(0, 40); // "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:..." and no more
  const opened = await Promise.all(Array.from({ length: 500 }, () => stalledConnection(partial)));
  const t0 = Date.now();
  const dropped = opened.map((s) => new Promise((resolve) => {
    if (s.destroyed) resolve(Date.now() - t0);
    else s.on('close', () => resolve(Date.now() - t0));
  }));
  await sleep(300);
  assert.ok(openFds() >= fdsBefore + 450, `the daemon holds the stalled connections (${openFds()} fds, ${fdsBefore} before)`);
  for (let i = 0; i < 3; i++) await vote(`500 stalled handshakes, ballot ${i + 1}`);
  const w = await rawWs(d.port); // a new connection is still accepted and served
  w.send(wsFrame(1, JSON.stringify({ id: 1, op: 'auth.whoami', args: {} })));
  await w.waitFrame((f) => f.opcode === 1);
  w.end();
  // libwebsockets times out a handshake that does not complete (10 s here).
  const deadline = sleep(30000).then(() => 'timeout');
  const all = await Promise.race([Promise.all(dropped), deadline]);
  assert.notEqual(all, 'timeout', 'the daemon closes stalled handshakes within 30 s');
  console.log(`# 500 stalled handshakes dropped by the daemon after ${Math.min(...all)} to ${Math.max(...all)} ms`);
  const fdsDeadline = Date.now() + 5000;
  while (openFds() > fdsBefore + 5 && Date.now() < fdsDeadline) await sleep(100);
  assert.ok(openFds() <= fdsBefore + 5, `the daemon let go of them (${openFds()} fds, ${fdsBefore} before)`);
});

test('a client pipelining 12,000 requests without reading the replies: back-pressure, ballots still go through', T, async () => {
  // The ops of decisions share one label (a ballot.cast counter would count
  // secret ballots); the ballots cast meanwhile are a few dozen of them.
  const handled = () => metric('roundtable_requests_total\\{op="decisions",outcome="ok"\\}');
  const before = await handled();
  const w = await resumed(graceToken);
  try {
    w.sock.pause(); // reads nothing for now: the replies fill the socket buffers
    const N = 12000;
    const one = (i) => wsFrame(1, JSON.stringify({ id: i, op: 'decision.list', args: { coalition: 'valley' } }));
    const flood = (async () => {
      for (let i = 0; i < N; i += 200) {
        w.send(Buffer.concat(Array.from({ length: 200 }, (_, k) => one(i + k))));
        await sleep(5);
      }
      await sleep(2000);
    })();
    await voteWhile('pipelining flood', flood);
    // The daemon stopped reading once the replies could not be written.
    const stalled = await handled() - before;
    assert.ok(stalled < N / 2, `the daemon handled ${stalled} of ${N} requests while the client read nothing`);
    // Reading again, the client gets every reply, in order: nothing was dropped.
    w.sock.resume();
    const deadline = Date.now() + 120000;
    while (w.frames.length < N + 1 && !w.tcpClosed && Date.now() < deadline) await sleep(100);
    const ids = w.frames.slice(1).map((f) => JSON.parse(f.text).id);
    assert.deepEqual(ids, Array.from({ length: N }, (_, i) => i), 'every reply, in order');
    await vote('after the pipelining flood');
  } finally {
    w.end();
  }
});

/** Connections each sending messages; resolves with every reply and close code seen. */
async function bombard(nConns, messages, { token } = {}) {
  const ws = await Promise.all(Array.from({ length: nConns }, () => (token ? resumed(token) : rawWs(d.port))));
  for (const w of ws) for (const m of messages) w.send(m);
  const out = [];
  for (const w of ws) {
    const wantReplies = messages.length;
    const deadline = Date.now() + 30000;
    while (!w.close && !w.tcpClosed && w.frames.filter((f) => f.opcode === 1 && !f.text.includes('"resume"')).length < wantReplies && Date.now() < deadline) {
      await sleep(20);
    }
    out.push({ replies: w.frames.filter((f) => f.opcode === 1 && !f.text.includes('"resume"')).map((f) => JSON.parse(f.text)), close: w.close?.code ?? null });
    w.end();
  }
  return out;
}

test('deeply nested and oversized JSON: bad_request or 1009, nothing else; ballots still go through', T, async () => {
  const nestedArrays = '['.repeat(100000);
  const nestedObjects = `${'{"a":'.repeat(40000)}1${'}'.repeat(40000)}`;
  const nestedArgs = `{"id":5,"op":"decision.get","args":{"decision":${'['.repeat(50000)}${']'.repeat(50000)}}}`;
  const hugeString = JSON.stringify({ id: 6, op: 'message.post', args: { thread: 1, body: 'x'.repeat(250000) } });
  const manyKeys = JSON.stringify({ id: 7, op: 'decision.get', args: Object.fromEntries(Array.from({ length: 15000 }, (_, i) => [`k${i}`, i])) }); // ~200 KB
  const frames = [nestedArrays, nestedObjects, nestedArgs, hugeString, manyKeys].map((t) => wsFrame(1, t));
  const attack = (async () => {
    const results = await Promise.all([bombard(8, frames, { token: graceToken }), bombard(8, [wsFrame(1, nestedArrays), wsFrame(1, nestedObjects)])]);
    return results.flat();
  })();
  await voteWhile('nested JSON', attack);
  for (const r of await attack) {
    assert.equal(r.close, null, `no connection closed: ${JSON.stringify(r.replies.map((x) => x.error?.code))}`);
    for (const rep of r.replies) {
      assert.equal(rep.ok, false, `refused: ${JSON.stringify(rep).slice(0, 200)}`);
      assert.ok(['bad_request', 'too_large', 'unauthenticated'].includes(rep.error.code), JSON.stringify(rep.error));
    }
  }
  const tooBig = await bombard(6, [wsFrame(1, `{"id":8,"op":"auth.whoami","args":{"x":"${'y'.repeat(300 * 1024)}"}}`)]);
  await vote('after oversized messages');
  for (const r of tooBig) assert.equal(r.close, 1009, 'a message over 256 KiB closes with 1009');
});

test('invalid UTF-8 and broken frames from 60 connections: 1007 and 1002; ballots still go through', T, async () => {
  const bad = [
    [wsFrame(1, Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x7d]))],
    [wsFrame(1, Buffer.from('{"id":"'), { fin: false }), wsFrame(0, Buffer.from([0xed, 0xa0, 0x80, 0x22, 0x7d]))],
    [wsFrame(1, Buffer.concat([Buffer.from(`"${'é'.repeat(30000)}`), Buffer.from([0xff])]))],
    [wsFrame(1, 'x', { rsv: 4 })],
    [wsFrame(7, 'x')],
    [wsFrame(0, 'orphan continuation')],
  ];
  const attack = (async () => {
    const ws = await Promise.all(Array.from({ length: 60 }, () => rawWs(d.port)));
    ws.forEach((w, i) => w.send(Buffer.concat(bad[i % bad.length])));
    const codes = await Promise.all(ws.map(async (w) => {
      const f = await w.waitFrame((x) => x.opcode === 8, 10000);
      w.end();
      return f.payload.readUInt16BE(0);
    }));
    return codes;
  })();
  await voteWhile('invalid UTF-8', attack);
  const codes = await attack;
  codes.forEach((code, i) => assert.equal(code, i % bad.length < 3 ? 1007 : 1002, `connection ${i}`));
});

test('sign-in brute force: limits hold under concurrency, at most two hashes at once, ballots go through', T, async () => {
  const pid = d.proc.pid;
  const threadsBefore = procStatus('Threads');
  let resetPeak = true;
  try { fs.writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { resetPeak = false; }
  const rssBefore = procStatus('VmRSS');
  let peak = rssBefore;
  let maxThreads = threadsBefore;
  const sampler = setInterval(() => { // cleared in finally: a live interval would hold the test process
    try { peak = Math.max(peak, procStatus('VmRSS')); maxThreads = Math.max(maxThreads, procStatus('Threads')); } catch { /* gone */ }
  }, 20);
  try {
    const failuresBefore = await metric('roundtable_login_failures_total');

    const attempt = async (email, password) => {
      const w = await rawWs(d.port);
      w.send(wsFrame(1, JSON.stringify({ id: 1, op: 'auth.login', args: { email, password } })));
      const f = await w.waitFrame((x) => x.opcode === 1, 60000);
      w.end();
      return JSON.parse(f.text);
    };
    // One account, 40 guesses at once; then 40 unknown accounts at once (spraying).
    const attack = (async () => {
      const one = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt('ana@demo.test', `guess-${i}`)));
      const spray = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(`nobody${i}@demo.test`, 'roundtable-demo')));
      return { one, spray };
    })();
    await voteWhile('brute force', attack);
    const { one, spray } = await attack;
    const count = (rs, code) => rs.filter((r) => r.error?.code === code).length;
    for (const r of [...one, ...spray]) {
      assert.equal(r.ok, false, 'no guess signs in');
      assert.ok(['unauthenticated', 'rate_limited'].includes(r.error.code), JSON.stringify(r.error));
    }
    // Each unauthenticated answer is one password hash the attacker got
    // checked. Guesses beyond the limits wait in line while others are
    // checked, then are refused: exactly the limits, never more.
    assert.equal(count(one, 'unauthenticated'), 5, 'exactly 5 guesses checked for one account');
    const checked = count(one, 'unauthenticated') + count(spray, 'unauthenticated');
    assert.equal(checked, 20, 'exactly 20 guesses checked from one address');
    assert.equal(await metric('roundtable_login_failures_total') - failuresBefore, checked, 'failed sign-ins counted');

    if (resetPeak) peak = Math.max(peak, procStatus('VmHWM'));
    const grewMiB = (peak - rssBefore) / 1024;
    assert.ok(grewMiB < 2.5 * HASH_MIB, `peak memory grew by ${grewMiB.toFixed(0)} MiB: more than two ${HASH_MIB} MiB hashes ran at once`);
    assert.ok(maxThreads <= threadsBefore, `no thread was started for hashing (${maxThreads} > ${threadsBefore})`);
    console.log(`# brute force: ${checked} guesses checked of 80, peak memory +${grewMiB.toFixed(0)} MiB, threads ${maxThreads}`);

    // The right password is refused too now, and the browser endpoint agrees.
    const right = await attempt('ana@demo.test', DEMO_PASSWORD);
    assert.equal(right.error?.code, 'rate_limited');
    assert.match(right.error.message, /try again in 1[45] minutes/, 'the wait told is the rest of the window');
    const res = await fetch(`${d.base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'dee@demo.test', password: 'wrong-one' }) });
    assert.equal(res.status, 429, 'POST /api/session from the same address is rate limited');
    await res.arrayBuffer();
  } finally {
    clearInterval(sampler);
  }
});

test('everything at once: ballots still complete within a second', T, async () => {
  const partial = handshakeRequest(d.port).slice(0, 30);
  const stalled = await Promise.all(Array.from({ length: 200 }, () => stalledConnection(partial)));
  const attack = Promise.all([
    bombard(5, [wsFrame(1, '['.repeat(100000)), wsFrame(1, `{"a":${'['.repeat(3000)}`)]),
    bombard(5, [wsFrame(1, Buffer.from([0xf4, 0x90, 0x80, 0x80]))]),
    bombard(5, [wsFrame(1, JSON.stringify({ id: 2, op: 'auth.login', args: { email: 'ana@demo.test', password: 'again' } }))]),
    (async () => { for (let i = 0; i < 20; i++) { await fetch(`${d.base}/healthz`); await sleep(10); } })(),
  ]);
  await voteWhile('everything at once', attack);
  for (const s of stalled) s.destroy();
  const [, utf8, logins] = await attack;
  for (const r of utf8) assert.equal(r.close, 1007);
  for (const r of logins) assert.equal(r.replies[0]?.error?.code, 'rate_limited');
  const tally = await tom.call('decision.tally', { decision: decision.id });
  assert.ok(tally.cast >= 3, `Tom's ballot counts with the demo's two (${tally.cast} cast)`);
});
