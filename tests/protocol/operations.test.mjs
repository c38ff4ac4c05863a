// Operations: backup under load and restore, a migration from the first
// schema, TLS for the web client and /ws, the config file, and /metrics
// checked by promtool.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import {
  REPO_ROOT, ADMIN_EMAIL, ADMIN_PASSWORD, SUBPROTOCOL, startDaemon, makeCoalition, run, unique,
  addUser, freePort, sleep, dbPath, sqlite,
} from './lib.mjs';

const daemons = [];
after(async () => { for (const d of daemons) await d.stop().catch(() => {}); });
async function daemon(opts) {
  const d = await startDaemon(opts);
  daemons.push(d);
  return d;
}

test('a backup taken under load restores every write acknowledged before it', async () => {
  const d = await daemon();
  const co = await makeCoalition(d);
  const acknowledged = [];
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop && i < 2000; i++) {
      const email = `${unique('load')}@test.example`.toLowerCase();
      const r = await co.admin.call('member.invite', { coalition: co.slug, email, name: 'Load', roles: ['observer'] });
      acknowledged.push({ email, at: Date.now(), id: r.invite.id });
    }
  })();
  await sleep(300);
  const startedAt = Date.now();
  const before = acknowledged.filter((a) => a.at < startedAt).map((a) => a.email);
  const dest = path.join(d.root, 'backup');
  const res = await run(['backup', '--data', d.dataDir, '--to', dest]);
  assert.equal(res.code, 0, res.stderr);
  await sleep(200);
  stop = true;
  await writer;
  assert.ok(before.length > 0, 'some writes were acknowledged before the backup');

  const restored = path.join(d.root, 'restored');
  const rr = await run(['restore', '--from', dest, '--data', restored]);
  assert.equal(rr.code, 0, rr.stderr);
  const again = await run(['restore', '--from', dest, '--data', restored]);
  assert.notEqual(again.code, 0, 'restoring over a data directory is refused');
  assert.match(again.stderr, /not empty/);

  const d2 = await daemon({ dataDir: restored, admin: false });
  const admin = await d2.admin();
  const invites = (await admin.call('invite.list', { coalition: co.slug })).invites.map((i) => i.email);
  for (const email of before) assert.ok(invites.includes(email), `acknowledged invite ${email} survived`);
  const v = await admin.call('audit.verify', { coalition: co.slug });
  assert.equal(v.ok, true, 'the restored audit chain verifies');
});

test('a data directory of the first schema opens with this binary and migrates itself, keeping a copy', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-mig-'));
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  const db = dbPath(data);
  const first = fs.readFileSync(path.join(REPO_ROOT, 'storage', 'schema', '001-foundation.sql'), 'utf8');
  await sqlite(db, `\n${first}\nPRAGMA user_version = 1;\n` +
    "INSERT INTO coalitions(slug, name, description, created_at) VALUES ('old', 'Old Alliance', '', '2025-01-01T00:00:00Z');");
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const version = Number((await sqlite(db, 'PRAGMA user_version')).trim());
  const latest = fs.readdirSync(path.join(REPO_ROOT, 'storage', 'schema')).filter((f) => f.endsWith('.sql')).length;
  assert.equal(version, latest, 'migrated to the latest schema');
  if (latest > 1) assert.ok(fs.existsSync(`${db}.pre-v${latest}.bak`), 'a copy was kept before migrating');
  const d = await daemon({ dataDir: data, admin: false });
  const admin = await d.admin();
  const list = await admin.call('coalition.list', {});
  assert.ok(list.coalitions.some((c) => c.slug === 'old'), 'the old coalition is still there');
});

test('the config file sets what the flags do not, and the flags win', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-conf-'));
  const port = await freePort();
  const conf = path.join(root, 'rt.conf');
  fs.writeFileSync(conf, `# roundtable settings\nlisten = 127.0.0.1:${port}\ndata = ${path.join(root, 'from-file')}\nmax-message = 2048\n`);
  const bad = await run(['serve', '--config', path.join(root, 'missing.conf')]);
  assert.equal(bad.code, 2);
  fs.writeFileSync(path.join(root, 'bad.conf'), 'listen 127.0.0.1\n');
  const bad2 = await run(['serve', '--config', path.join(root, 'bad.conf')]);
  assert.equal(bad2.code, 2);
  assert.match(bad2.stderr, /line 1/);
  const d = await daemon({ args: ['--config', conf] });
  // --listen and --data from startDaemon win over the file; max-message from the file applies
  assert.notEqual(d.port, port);
  const c = await d.connect();
  c.ws.send(JSON.stringify({ id: 1, op: 'x', args: { pad: 'y'.repeat(4000) } }));
  await c.closed;
  assert.equal(c.closeInfo.code, 1009);
});

test('TLS serves the web client and /ws with a self-signed certificate', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-tls-'));
  const key = path.join(root, 'key.pem');
  const cert = path.join(root, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  // started by hand: startDaemon speaks plain http
  const port = await freePort();
  const data = path.join(root, 'data');
  fs.mkdirSync(data);
  await addUser(data, { email: ADMIN_EMAIL, name: 'Admin', password: ADMIN_PASSWORD, admin: true });
  const proc = spawn(process.env.RT_BIN || path.join(REPO_ROOT, 'build', 'roundtable'),
    ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--tls-cert', cert, '--tls-key', key],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const get = (p) => new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: p, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (x) => { body += x; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    }).on('error', reject);
  });
  try {
    let page;
    for (let i = 0; i < 100 && !page; i++) page = await get('/').catch(() => sleep(100).then(() => null));
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/);
    assert.ok(page.headers['content-security-policy']);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, SUBPROTOCOL,
      { rejectUnauthorized: false, origin: `https://127.0.0.1:${port}` });
    await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
    const reply = await new Promise((resolve) => {
      ws.on('message', (m) => resolve(JSON.parse(m)));
      ws.send(JSON.stringify({ id: 1, op: 'auth.login', args: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } }));
    });
    assert.equal(reply.ok, true, JSON.stringify(reply));
    ws.close();
    const plainOrigin = new WebSocket(`wss://127.0.0.1:${port}/ws`, SUBPROTOCOL,
      { rejectUnauthorized: false, origin: `http://127.0.0.1:${port}` });
    const refused = await new Promise((resolve) => {
      plainOrigin.on('unexpected-response', (req, res) => resolve(res.statusCode));
      plainOrigin.on('open', () => resolve(101));
      plainOrigin.on('error', () => resolve(0));
    });
    assert.equal(refused, 403, 'an http:// origin is not the https listener\'s own');
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.on('close', r));
  }
});

test('GET /metrics passes promtool check metrics', async (t) => {
  const promtool = spawnSync('promtool', ['--version']);
  if (promtool.error) {
    t.skip('promtool is not installed (Debian package prometheus; make test installs it)');
    return;
  }
  const d = await daemon();
  await makeCoalition(d, { members: [{ key: 'a' }] });
  const res = await fetch(`${d.base}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text });
  assert.equal(check.status, 0, `promtool: ${check.stdout}${check.stderr}\n${text}`);
  assert.match(text, /roundtable_requests_total/);
});

test('serve raises a low open-file limit, so connections past 1,024 are not left waiting', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-fd-'));
  const port = await freePort();
  const bin = process.env.RT_BIN ? path.resolve(process.env.RT_BIN) : path.join(REPO_ROOT, 'build', 'roundtable');
  const child = spawn('sh', ['-c', `ulimit -Sn 1024 && exec "$0" serve --data "$1" --listen "127.0.0.1:$2"`, bin, dir, String(port)],
    { stdio: 'ignore' });
  try {
    let limits = '';
    for (let i = 0; i < 100 && !/Max open files/.test(limits); i++) {
      await sleep(100);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) limits = fs.readFileSync(`/proc/${child.pid}/limits`, 'utf8');
    }
    const [, soft, hard] = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
    const want = Math.min(Number(hard) || Infinity, 65536);
    assert.equal(Number(soft), want, `soft limit ${soft}, hard ${hard}`);
  } finally {
    child.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
