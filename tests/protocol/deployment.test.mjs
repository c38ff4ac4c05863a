// The deployment behind nginx with TLS, exactly as docs/operations.md gives
// it ("TLS and the Origin allow list"): this test reads the ```nginx block
// and the ```sh block with `roundtable serve` from that file, replaces only
// the placeholders the doc names (the host name roundtable.example.org, the
// two /etc/letsencrypt/live/... paths, the upstream 127.0.0.1:8080) and the
// ports 443 and 80 (free ones here), starts a real nginx (Debian package
// `nginx`, installed by tools/deps.sh test) from that file included inside
// an http block, as Debian's nginx.conf includes conf.d/*.conf, and the
// daemon with the documented flags; then checks over HTTPS through nginx
// what a browser would meet.
//
// The host name becomes 127.0.0.1, so the public URL is
// https://127.0.0.1:PORT and the certificate (self-signed, made with
// openssl) is not verified by the clients. Clients are told apart by
// binding to other loopback addresses (127.0.0.2, 127.0.0.3), as in
// proxy.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import WebSocket from 'ws';
import { startDaemon, freePort, unique, REPO_ROOT, SUBPROTOCOL, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
const sslProbe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const SKIP = probe.error
  ? `nginx is not installed (${probe.error.code}): run tools/deps.sh test, which installs the Debian package nginx`
  : sslProbe.error ? `openssl is not installed (${sslProbe.error.code})` : false;

const DOC = path.join(REPO_ROOT, 'docs', 'operations.md');
const HOST = 'roundtable.example.org';
const CERT = `/etc/letsencrypt/live/${HOST}/fullchain.pem`;
const KEY = `/etc/letsencrypt/live/${HOST}/privkey.pem`;
const UPSTREAM = '127.0.0.1:8080';

/** The fenced blocks of a markdown text with the given info string. */
function fencedBlocks(text, lang) {
  const re = new RegExp('^```' + lang + '[ \\t]*\\n([\\s\\S]*?)^```[ \\t]*$', 'gm');
  return [...text.matchAll(re)].map((m) => m[1]);
}

/** The documented nginx block and the documented serve command (argv), checked for their placeholders. */
function documented() {
  const text = fs.readFileSync(DOC, 'utf8');
  const confs = fencedBlocks(text, 'nginx');
  assert.equal(confs.length, 1, 'docs/operations.md has exactly one ```nginx block: the whole configuration');
  const conf = confs[0];
  // The placeholders this test replaces; what the rest does is checked by the tests below.
  for (const needle of [HOST, CERT, KEY, `proxy_pass http://${UPSTREAM};`, 'listen 443 ssl;', 'listen 80;']) {
    assert.ok(conf.includes(needle), `the documented nginx block has ${needle}`);
  }
  const serves = fencedBlocks(text, 'sh').filter((b) => /roundtable serve\b[\s\S]*--trust-proxy/.test(b));
  assert.equal(serves.length, 1, 'docs/operations.md has one ```sh block running `roundtable serve` behind the proxy');
  const argv = serves[0].replace(/\\\n/g, ' ').trim().split(/\s+/);
  assert.deepEqual(argv.slice(0, 2), ['roundtable', 'serve'], serves[0]);
  return { conf, argv: argv.slice(2) };
}

let d;
let nginx;
let nginxLog = '';
let httpsPort;
let httpPort;
let publicUrl;

/**
 * One HTTP(S) request on a connection of its own from localAddress.
 * Resolves {status, headers, body}.
 */
function request(url, { method = 'GET', headers = {}, body, localAddress = '127.0.0.1' } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, localAddress,
      headers: { ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}), ...headers },
      agent: false, rejectUnauthorized: false, timeout: 20000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 20 s`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** POST /api/session through nginx as the browser at the public URL would send it. */
function signIn(localAddress, email, password) {
  return request(`${publicUrl}/api/session`, {
    method: 'POST', localAddress, headers: { Origin: publicUrl },
    body: JSON.stringify({ email, password }),
  });
}

before(async () => {
  if (SKIP) return;
  const { conf, argv } = documented();
  httpsPort = await freePort();
  httpPort = await freePort();
  publicUrl = `https://127.0.0.1:${httpsPort}`;

  // The documented serve command: --data and --listen are the test's own
  // (startDaemon gives both; the listen address must be the documented
  // upstream, which nginx is pointed at below); the rest with the host
  // name replaced.
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    assert.match(flag, /^--[a-z-]+$/, `a flag in the documented serve command: ${argv.join(' ')}`);
    const value = argv[++i];
    assert.ok(value !== undefined, `${flag} has a value`);
    if (flag === '--data') continue;
    if (flag === '--listen') {
      assert.equal(value, UPSTREAM, 'the daemon listens where the nginx block sends requests');
      continue;
    }
    args.push(flag, value.replaceAll(`https://${HOST}`, publicUrl));
  }
  assert.ok(args.includes('--trust-proxy') && args.includes('--public-url'), `documented flags: ${argv.join(' ')}`);
  d = await startDaemon({ args });

  const prefix = path.join(d.root, 'nginx');
  fs.mkdirSync(prefix, { recursive: true });
  fs.chmodSync(d.root, 0o755); // workers may run as another user when the test runs as root
  fs.chmodSync(prefix, 0o755);
  const cert = path.join(prefix, 'cert.pem');
  const key = path.join(prefix, 'key.pem');
  const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
  assert.equal(ssl.status, 0, `openssl: ${ssl.stderr}`);

  // Only the placeholders change; the ports stay on the loopback.
  const site = conf
    .replaceAll(CERT, cert)
    .replaceAll(KEY, key)
    .replaceAll(HOST, '127.0.0.1')
    .replaceAll(`http://${UPSTREAM};`, `http://127.0.0.1:${d.port};`)
    .replace('listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`)
    .replace('listen 80;', `listen 127.0.0.1:${httpPort};`);
  fs.writeFileSync(path.join(prefix, 'roundtable.conf'), site);
  // What Debian's /etc/nginx/nginx.conf provides around conf.d/*.conf.
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), `worker_processes 1;
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
  include ${prefix}/roundtable.conf;
}
`);
  nginx = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginx.stdout.on('data', (x) => { nginxLog += x; });
  nginx.stderr.on('data', (x) => { nginxLog += x; });
  const exited = new Promise((resolve) => nginx.on('exit', (code) => resolve(code)));
  // Ready once it proxies /healthz over HTTPS.
  for (let i = 0; ; i++) {
    const r = await Promise.race([
      request(`${publicUrl}/healthz`).catch((e) => ({ status: null, body: e.message })),
      exited.then((code) => ({ exited: code })),
    ]);
    if (r.exited !== undefined) throw new Error(`nginx exited with ${r.exited}:\n${nginxLog}\n--- site ---\n${site}`);
    if (r.status === 200) break;
    if (i > 100) throw new Error(`nginx never proxied /healthz: ${r.status} ${r.body}\n${nginxLog}`);
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

test('the web client loads over HTTPS through nginx, with HSTS', { skip: SKIP }, async () => {
  const r = await request(`${publicUrl}/`, { localAddress: '127.0.0.2' });
  assert.equal(r.status, 200, `${r.body.slice(0, 300)}\n${nginxLog}`);
  assert.match(r.headers['content-type'] ?? '', /text\/html/);
  assert.match(r.body, /<html/i);
  assert.match(r.headers['strict-transport-security'] ?? '', /max-age=\d+/, 'HSTS on the page');
});

test('POST /api/session signs in; the cookie is Secure and HttpOnly; HSTS is sent', { skip: SKIP }, async () => {
  const r = await signIn('127.0.0.2', ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(r.status, 200, `${r.body}\n${d.logs()}`);
  const cookies = [].concat(r.headers['set-cookie'] ?? []);
  assert.ok(cookies.length > 0, 'a session cookie');
  for (const c of cookies) {
    assert.match(c, /;\s*Secure\b/i, `Secure: ${c}`);
    assert.match(c, /;\s*HttpOnly\b/i, `HttpOnly: ${c}`);
  }
  assert.match(r.headers['strict-transport-security'] ?? '', /max-age=\d+/);
});

test('a wss:// WebSocket through nginx signs in and is answered', { skip: SKIP }, async () => {
  const ws = new WebSocket(`${publicUrl.replace('https:', 'wss:')}/ws`, SUBPROTOCOL,
    { origin: publicUrl, rejectUnauthorized: false, localAddress: '127.0.0.2', handshakeTimeout: 15000 });
  const replies = new Map();
  const waiting = new Map();
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString('utf8'));
    if (!('ok' in m)) return;
    if (waiting.has(m.id)) waiting.get(m.id)(m);
    else replies.set(m.id, m);
  });
  const closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  assert.equal(ws.protocol, SUBPROTOCOL);
  const call = (id, op, args) => new Promise((resolve, reject) => {
    waiting.set(id, resolve);
    closed.then((code) => reject(new Error(`closed with ${code} before the reply to ${op}\n${d.logs()}`)));
    ws.send(JSON.stringify({ id, op, args }));
  });
  const login = await call(1, 'auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(login.ok, true, JSON.stringify(login));
  const who = await call(2, 'auth.whoami', {});
  assert.equal(who.ok, true, JSON.stringify(who));
  assert.equal(who.data.member.email, ADMIN_EMAIL);
  ws.close();
  await closed;
});

test('/metrics is refused through nginx, however it is spelled', { skip: SKIP }, async () => {
  for (const p of ['/metrics', '/metrics?x=1', '//metrics', '/%6detrics']) {
    const r = await request(`${publicUrl}${p}`, { localAddress: '127.0.0.2' });
    assert.ok(r.status === 404 || r.status === 403, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /roundtable_/, p);
  }
  const direct = await request(`http://127.0.0.1:${d.port}/metrics`);
  assert.equal(direct.status, 200, 'a scraper on the host reads it from the daemon directly');
});

test('http:// on port 80 redirects to https://', { skip: SKIP }, async () => {
  const r = await request(`http://127.0.0.1:${httpPort}/some/page?x=1`, { localAddress: '127.0.0.2' });
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, 'https://127.0.0.1/some/page?x=1');
  assert.equal(r.headers['set-cookie'], undefined);
});

test('failed sign-ins count per client behind nginx', { skip: SKIP }, async () => {
  let limited = false;
  for (let i = 0; i < 200 && !limited; i++) {
    const r = await signIn('127.0.0.2', `${unique('nobody')}@test.example`, 'wrong-password-1');
    if (r.status === 429) limited = true;
    else assert.equal(r.status, 401, `attempt ${i + 1}: ${r.body}`);
  }
  assert.ok(limited, `200 failed sign-ins from 127.0.0.2 were never limited\n${d.logs()}`);
  const other = await signIn('127.0.0.3', `${unique('nobody')}@test.example`, 'wrong-password-1');
  assert.equal(other.status, 401, 'another client is not limited by the first one\'s failures');
  const good = await signIn('127.0.0.3', ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(good.status, 200, `another client still signs in\n${d.logs()}`);
  const still = await signIn('127.0.0.2', ADMIN_EMAIL, ADMIN_PASSWORD);
  assert.equal(still.status, 429, 'the limited client stays limited');
  assert.match(d.output, /from 127\.0\.0\.2\b/, 'the log names the original client');
});
