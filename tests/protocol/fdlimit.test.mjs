// Out of file descriptors (issue 21 item 5): with a low open-file limit and
// more clients than fit, the daemon must not spin logging "accept: errno 24".
// It keeps serving the connections it has, logs at most a line a second,
// counts it in /metrics, and accepts again once connections close.
//
// Two limits are tried: 128 files, where lws is told to stop accepting at
// the limit less a reserve (connections wait in the listen queue), and 64,
// too small for a reserve, where accept() itself fails with EMFILE and the
// daemon accepts-and-closes with its reserve descriptor.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  REPO_ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, Client, addUser, freePort, sleep, sleepUnref,
} from './lib.mjs';

const cleanups = [];
after(async () => { for (const f of cleanups) await f(); });

async function startLimited(limit) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-fdlimit-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const port = await freePort();
  const bin = process.env.RT_BIN ? path.resolve(process.env.RT_BIN) : path.join(REPO_ROOT, 'build', 'roundtable');
  // both limits: serve raises its soft limit to the hard one
  const proc = spawn('sh', ['-c', `ulimit -n ${limit} && exec "$0" serve --data "$1" --listen "127.0.0.1:$2"`,
    bin, data, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const d = { proc, port, base: `http://127.0.0.1:${port}`, output: '' };
  proc.stdout.on('data', (x) => { d.output += x; });
  proc.stderr.on('data', (x) => { d.output += x; });
  d.exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await d.exited;
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${d.base}/healthz`).then((r) => r.ok, () => false);
    if (ok) return d;
    if (proc.exitCode !== null) break;
    await sleep(50);
  }
  assert.fail(`the daemon did not start\n${d.output}`);
}

async function waitOutput(d, re, what, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  while (!re.test(d.output)) {
    if (Date.now() > until) assert.fail(`no ${what} in the daemon's output:\n${d.output.slice(-3000)}`);
    await sleep(20);
  }
}

/** Opens n TCP connections that send nothing (each holds a descriptor of the daemon once accepted). */
async function openMany(port, n) {
  const socks = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    socks.push(s);
  }
  await Promise.all(socks.map((s) => new Promise((r) => { s.once('connect', r); s.once('close', r); })));
  return socks;
}

async function fetchRetry(url, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const r = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
    if (r) return r;
    await sleep(100);
  }
  assert.fail(`${url} never answered`);
}

for (const { limit, waitFor, metric } of [
  { limit: 128, waitFor: /at the open-file limit: new connections wait/, metric: /roundtable_accept_paused_seconds_total ([1-9]\d*)/ },
  { limit: 64, waitFor: /cannot accept a connection: Too many open files/, metric: /roundtable_accept_failures_total ([1-9]\d*)/ },
]) {
  test(`with ulimit -n ${limit} and more clients than fit: no spin, few log lines, open connections served, accepting again after`, async () => {
    const d = await startLimited(limit);
    const member = new Client(`ws://127.0.0.1:${d.port}/ws`);
    await member.connect();
    await member.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const startedAt = Date.now();
    const extra = await openMany(d.port, limit + 40);
    await waitOutput(d, waitFor, 'line about the limit');

    // the signed-in connection is served meanwhile
    const me = await member.call('auth.whoami', {});
    assert.ok(me, 'answered at the limit');

    // a line a second at most (lws' own "accept: errno 24" never repeats)
    const seconds = Math.ceil((Date.now() - startedAt) / 1000) + 1;
    const acceptLines = d.output.split('\n').filter((l) => /accept/.test(l));
    assert.ok(acceptLines.length <= seconds, `${acceptLines.length} accept lines in ${seconds} s:\n${acceptLines.slice(0, 20).join('\n')}`);
    assert.ok(!/accept: errno/.test(d.output), 'lws\' line is not repeated raw');

    // the extra ones close: new connections are accepted again
    for (const s of extra) s.destroy();
    const h = await fetchRetry(`${d.base}/healthz`);
    assert.equal(h.status, 200);
    const metrics = await (await fetchRetry(`${d.base}/metrics`)).text();
    assert.match(metrics, metric, 'counted in /metrics');
    const again = new Client(`ws://127.0.0.1:${d.port}/ws`);
    await again.connect();
    await again.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    again.close();
    member.close();
    d.proc.kill('SIGTERM');
    const info = await Promise.race([d.exited, sleepUnref(15000).then(() => 'timeout')]);
    assert.deepEqual(info, { code: 0, signal: null }, d.output.slice(-3000));
  });
}
