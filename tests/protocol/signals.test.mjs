// Signals (issue 21 item 4): SIGHUP reloads (the TLS certificate and key,
// read again from their files) without dropping anyone and without stopping
// the daemon; SIGTERM sends every WebSocket client a close frame 1001
// (going away), logs "stopped" and exits 0.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import WebSocket from 'ws';
import {
  REPO_ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, SUBPROTOCOL, startDaemon, addUser, freePort, sleep, sleepUnref,
} from './lib.mjs';

const daemons = [];
after(async () => { for (const d of daemons) await d.kill().catch(() => {}); });

/** Resolves when the daemon's output matches re (polling what was read so far). */
async function waitOutput(getOutput, re, what, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  while (!re.test(getOutput())) {
    if (Date.now() > until) assert.fail(`no ${what} in the daemon's output:\n${getOutput()}`);
    await sleep(20);
  }
}

test('SIGHUP does not stop the daemon: it logs "reloaded" and open connections go on', async () => {
  const d = await startDaemon();
  daemons.push(d);
  const c = await d.admin();
  d.proc.kill('SIGHUP');
  await waitOutput(() => d.output, /info reloaded/, '"reloaded" line');
  // the same connection, still signed in, still answered
  const me = await c.call('auth.whoami', {});
  assert.ok(me, 'the connection open before SIGHUP is answered after it');
  assert.equal(c.closeInfo, null, 'not closed');
  assert.equal(d.proc.exitCode, null, `the daemon still runs\n${d.logs()}`);
  const h = await fetch(`${d.base}/healthz`);
  assert.equal(h.status, 200);
  await d.stop();
});

test('SIGTERM closes every WebSocket with 1001 (going away), logs "stopped" and exits 0', async () => {
  const d = await startDaemon();
  daemons.push(d);
  const signedIn = await d.admin();
  const stranger = await d.connect();
  const closes = [signedIn, stranger].map((c) => c.closed);
  const child = d.proc;
  child.kill('SIGTERM');
  const infos = await Promise.all(closes);
  for (const [i, c] of [signedIn, stranger].entries()) {
    assert.equal(c.closeInfo?.code, 1001, `client ${i}: close ${JSON.stringify(c.closeInfo ?? infos[i])}\n${d.logs()}`);
  }
  const exit = await child.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, d.logs());
  assert.match(d.output, /info stopped/, d.logs());
  d.proc = null;
});

function makeCert(dir, name, cn) {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}-cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  return { key, cert };
}

/** The fingerprint of the certificate a new TLS connection is served. */
function servedFingerprint(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

function fingerprintOf(certFile) {
  return new crypto.X509Certificate(fs.readFileSync(certFile)).fingerprint256;
}

test('a TLS daemon serves the new certificate after SIGHUP; a wss connection open before stays open', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-hup-'));
  const first = makeCert(root, 'first', 'first.test');
  const second = makeCert(root, 'second', 'second.test');
  const live = { cert: path.join(root, 'cert.pem'), key: path.join(root, 'key.pem') };
  fs.copyFileSync(first.cert, live.cert);
  fs.copyFileSync(first.key, live.key);
  const port = await freePort();
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  let output = '';
  const proc = spawn(process.env.RT_BIN || path.join(REPO_ROOT, 'build', 'roundtable'),
    ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--tls-cert', live.cert, '--tls-key', live.key],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (x) => { output += x; });
  proc.stderr.on('data', (x) => { output += x; });
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  try {
    let fp;
    for (let i = 0; i < 100 && !fp; i++) fp = await servedFingerprint(port).catch(() => sleep(100).then(() => null));
    assert.equal(fp, fingerprintOf(first.cert), 'the first certificate is served');

    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, SUBPROTOCOL, { rejectUnauthorized: false });
    await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
    const replies = [];
    ws.on('message', (m) => replies.push(JSON.parse(m)));
    const reply = async (id, op, args) => {
      ws.send(JSON.stringify({ id, op, args }));
      for (let i = 0; i < 500; i++) {
        const r = replies.find((x) => x.id === id);
        if (r) return r;
        await sleep(10);
      }
      assert.fail(`no reply to ${op}`);
    };
    assert.equal((await reply(1, 'auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).ok, true);

    // A renewal: the files are replaced, then SIGHUP.
    fs.copyFileSync(second.cert, live.cert);
    fs.copyFileSync(second.key, live.key);
    proc.kill('SIGHUP');
    await waitOutput(() => output, /reloaded the TLS certificate/, '"reloaded the TLS certificate" line');
    assert.equal(await servedFingerprint(port), fingerprintOf(second.cert), 'a new connection gets the new certificate');
    assert.equal(ws.readyState, WebSocket.OPEN, 'the connection open before SIGHUP is still open');
    assert.equal((await reply(2, 'auth.whoami', {})).id, 2, 'and still answered');

    // A broken pair (a key that is not the certificate's) is refused: the second stays.
    fs.copyFileSync(first.key, live.key);
    proc.kill('SIGHUP');
    await waitOutput(() => output, /still serving the previous certificate/, 'refusal of a mismatched pair');
    assert.equal(await servedFingerprint(port), fingerprintOf(second.cert), 'the previous certificate is kept');
    assert.equal(proc.exitCode, null, `still running\n${output}`);
    ws.close();
  } finally {
    proc.kill('SIGTERM');
    const info = await Promise.race([exited, sleepUnref(15000).then(() => 'timeout')]);
    if (info === 'timeout') proc.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  }
});
