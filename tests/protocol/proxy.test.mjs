// Behind a reverse proxy (docs/operations.md): with --trust-proxy, the
// client's address is taken from X-Forwarded-For, and only when the TCP
// peer is a trusted proxy. A real nginx (Debian package `nginx`, installed
// by tools/deps.sh test) runs in front of the daemon as a child of this test,
// with the configuration docs/operations.md gives.
//
// Every client here is on this machine: they are told apart by binding to
// other loopback addresses (127.0.0.2 ... 127.0.0.5); nginx and the daemon
// listen on 127.0.0.1, and nginx reaches the daemon from 127.0.0.1, the one
// trusted proxy.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startDaemon, freePort, unique, Client, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
const NO_NGINX = probe.error
  ? `nginx is not installed (${probe.error.code}): run tools/deps.sh test, which installs the Debian package nginx`
  : false;

let d;
let nginx;
let nginxPort;
let nginxLog = '';

/** The nginx configuration of docs/operations.md, in a prefix of its own. */
function nginxConf(prefix, listenPort, upstreamPort) {
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
    }
  }
}
`;
}

/** Sends text over a new connection from localAddress; resolves {raw, status} once closed. */
function exchange(port, localAddress, text, { timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const chunks = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      resolve({ raw, status: m ? Number(m[1]) : null });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('connect', () => sock.write(text));
    sock.on('data', (c) => chunks.push(c));
    sock.on('close', finish);
    sock.on('error', (e) => { if (done) return; done = true; clearTimeout(timer); reject(e); });
  });
}

/** POST /api/session from localAddress to port, with maybe an X-Forwarded-For of the client's own. */
function signIn(port, localAddress, email, password, xff) {
  const body = JSON.stringify({ email, password });
  const text = `POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n` +
    'Content-Type: application/json\r\n' + (xff ? `X-Forwarded-For: ${xff}\r\n` : '') +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  return exchange(port, localAddress, text);
}

/**
 * Fails sign-ins from localAddress (a new unknown email each time, so that
 * only the address can be what is limited, and a new X-Forwarded-For each
 * time, so that an address taken from it would never be limited) until one
 * is refused as rate_limited. Returns the number of failures before that.
 */
async function failUntilLimited(port, localAddress, what) {
  for (let i = 0; i < 200; i++) {
    const r = await signIn(port, localAddress, `${unique('nobody')}@test.example`, 'wrong-password-1', `198.51.100.${i % 250 + 1}`);
    if (r.status === 429) return i;
    assert.equal(r.status, 401, `${what}: attempt ${i + 1}: ${r.raw.slice(0, 300)}`);
  }
  assert.fail(`${what}: 200 failed sign-ins from ${localAddress} were never limited\n${d.logs()}`);
}

before(async () => {
  if (NO_NGINX) return;
  // The trusted proxy is named in the --config file (trust-proxy = ADDR).
  const confDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-proxy-conf-'));
  const conf = path.join(confDir, 'roundtable.conf');
  fs.writeFileSync(conf, '# the nginx in front\ntrust-proxy = 127.0.0.1\nmax-conns-per-addr = 2\nauth-deadline = 600\n');
  d = await startDaemon({ args: ['--config', conf] });
  fs.rmSync(confDir, { recursive: true, force: true });
  const prefix = path.join(d.root, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  fs.chmodSync(d.root, 0o755); // workers may run as another user when the test runs as root
  fs.chmodSync(prefix, 0o755);
  nginxPort = await freePort();
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), nginxConf(prefix, nginxPort, d.port));
  nginx = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout.on('data', (x) => { nginxLog += x; });
  nginx.stderr.on('data', (x) => { nginxLog += x; });
  const exited = new Promise((resolve) => nginx.on('exit', (code) => resolve(code)));
  // Ready once it proxies /healthz.
  for (let i = 0; ; i++) {
    const r = await Promise.race([
      exchange(nginxPort, '127.0.0.1', 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 2000 })
        .catch((e) => ({ status: null, raw: e.message })),
      exited.then((code) => ({ exited: code })),
    ]);
    if (r.exited !== undefined) throw new Error(`nginx exited with ${r.exited}:\n${nginxLog}`);
    if (r.status === 200) break;
    if (i > 100) throw new Error(`nginx never proxied /healthz: ${r.raw}\n${nginxLog}`);
    await new Promise((res) => setTimeout(res, 50));
  }
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((resolve) => nginx.on('exit', resolve));
    nginx.kill('SIGTERM');
    await gone;
  }
  if (d) await d.close();
});

test('direct: a client\'s own X-Forwarded-For is ignored, its TCP address counts', { skip: NO_NGINX }, async () => {
  await failUntilLimited(d.port, '127.0.0.2', 'direct from 127.0.0.2');
  // Another address is not limited.
  const other = await signIn(d.port, '127.0.0.3', `${unique('nobody')}@test.example`, 'wrong-password-1');
  assert.equal(other.status, 401, other.raw.slice(0, 300));
  assert.match(d.output, /from 127\.0\.0\.2\b/, 'the log names the TCP address');
  assert.doesNotMatch(d.output, /from 198\.51\.100\./, 'never an address the client wrote');
});

test('via nginx: the limit applies per original client, whatever X-Forwarded-For it sends', { skip: NO_NGINX }, async () => {
  // nginx appends the address it got the request from to the client's
  // header: "198.51.100.7, 127.0.0.4". The daemon takes the rightmost
  // entry that is not a trusted proxy: 127.0.0.4, never what the client wrote.
  await failUntilLimited(nginxPort, '127.0.0.4', 'via nginx from 127.0.0.4');
  const other = await signIn(nginxPort, '127.0.0.5', ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(other.status, 200, `another client behind the same proxy still signs in:\n${other.raw.slice(0, 300)}\n${d.logs()}`);
  assert.match(d.output, /from 127\.0\.0\.4\b/, 'the log names the original client');
  assert.doesNotMatch(d.output, /from 198\.51\.100\./, 'never an address the client wrote');
  const locked = await signIn(nginxPort, '127.0.0.4', ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(locked.status, 429, 'the limited client stays limited through the proxy');
});

test('via nginx: WebSocket upgrades pass (Upgrade and Connection headers)', { skip: NO_NGINX }, async () => {
  const c = new Client(`ws://127.0.0.1:${nginxPort}/ws`);
  await c.connect();
  await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal((await c.call('auth.whoami', {})).member.email, ADMIN_EMAIL);
  c.close();
});

/** A WebSocket through nginx from localAddress: {ok, ws} or {ok: false, status}. */
function wsVia(localAddress, xff) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${nginxPort}/ws`, 'roundtable.v1',
      { localAddress, headers: xff ? { 'X-Forwarded-For': xff } : {}, handshakeTimeout: 10000 });
    ws.on('open', () => resolve({ ok: true, client: ws }));
    ws.on('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      resolve({ ok: false, status: res.statusCode });
    });
    ws.on('error', (e) => resolve({ ok: false, status: null, error: e }));
  });
}

test('via nginx: the connection cap counts per original client (max-conns-per-addr = 2)', { skip: NO_NGINX }, async () => {
  const open = [];
  try {
    for (let i = 0; i < 2; i++) {
      const r = await wsVia('127.0.0.6', `192.0.2.${i + 1}`);
      assert.ok(r.ok, `connection ${i + 1} from 127.0.0.6: ${r.error?.message}`);
      open.push(r.client);
    }
    const third = await wsVia('127.0.0.6', '192.0.2.99');
    if (third.ok) open.push(third.client);
    assert.equal(third.status, 503, 'a third from the same client is refused, whatever X-Forwarded-For it sends');
    const other = await wsVia('127.0.0.7');
    assert.ok(other.ok, `another client behind the same proxy gets in: ${other.error?.message}`);
    open.push(other.client);
  } finally {
    for (const c of open) c.close();
  }
});

test('via nginx: /metrics is not served to the world; X-Forwarded-Proto is nginx\'s, not the client\'s', { skip: NO_NGINX }, async () => {
  const metrics = await exchange(nginxPort, '127.0.0.77', 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(metrics.status, 403, metrics.raw.slice(0, 300));
  assert.doesNotMatch(metrics.raw, /roundtable_requests_total/);
  const direct = await exchange(d.port, '127.0.0.78', 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(direct.status, 200, 'a scraper on the host reads it directly');
  // plain http at nginx: the client's own "https" is replaced by $scheme, so no Secure cookie, no HSTS
  const body = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const r = await exchange(nginxPort, '127.0.0.77', `POST /api/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` +
    `Content-Type: application/json\r\nX-Forwarded-Proto: https\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.equal(r.status, 200, r.raw.slice(0, 300));
  assert.match(r.raw, /Set-Cookie: [^\r]*HttpOnly/i);
  assert.doesNotMatch(r.raw, /; Secure/);
  assert.doesNotMatch(r.raw, /Strict-Transport-Security/i);
});
