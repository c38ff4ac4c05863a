// Housekeeping and exposure (issue 21 items 6, 11, 12): the data directory
// is the owner's alone (umask 0077), expired session rows are deleted,
// /metrics is not served through a proxy (or needs its token), and behind
// an HTTPS proxy the session cookie is Secure and HSTS is sent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, startDaemon, makeCoalition, run, http, setCookies, dbPath, sqlite,
} from './lib.mjs';

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

test('a fresh data directory is the owner\'s alone: files 0600, directories 0700 (whatever the caller\'s umask)', async () => {
  const old = process.umask(0o022);
  let d;
  try {
    // user add, demo (an MOU: a git repository), then serve: all with the umask of this process
    d = await startDaemon({ setup: async (dataDir) => assert.equal((await run(['demo', '--data', dataDir])).code, 0) });
    await makeCoalition(d, { members: [{ key: 'a' }] });
    const entries = walk(d.dataDir); // (the directory itself was made by this test)
    assert.ok(entries.some((p) => p.includes(`${path.sep}git${path.sep}`)), 'a git repository was made');
    const open = entries.filter((p) => (fs.statSync(p).mode & 0o077) !== 0)
      .map((p) => `${(fs.statSync(p).mode & 0o777).toString(8)} ${path.relative(d.dataDir, p)}`);
    assert.deepEqual(open, [], 'readable by others');
  } finally {
    process.umask(old);
    if (d) await d.close();
  }
});

test('session rows past their expiry are deleted (at start, then hourly)', async () => {
  const d = await startDaemon();
  try {
    for (let i = 0; i < 3; i++) (await d.admin()).close();
    await d.stop();
    const db = dbPath(d.dataDir);
    assert.ok(Number(await sqlite(db, 'SELECT count(*) FROM sessions')) >= 3);
    await sqlite(db, "UPDATE sessions SET expires_at = '2001-01-01T00:00:00Z'");
    await d.restart();
    const c = await d.admin();
    assert.ok(await c.call('auth.whoami', {}));
    await d.stop();
    assert.equal(Number(await sqlite(db, 'SELECT count(*) FROM sessions')), 1, 'only the new session is left');
    assert.match(d.output, /deleted 3 expired sessions/);
  } finally {
    await d.kill();
  }
});

test('/metrics: refused to a forwarded request, served to the loopback; with --metrics-token only to its bearer', async () => {
  const d = await startDaemon();
  try {
    assert.equal((await http(d.base, '/metrics')).status, 200, 'the loopback, straight');
    for (const h of [{ 'X-Forwarded-For': '203.0.113.9' }, { 'X-Real-IP': '203.0.113.9' },
      { Forwarded: 'for=203.0.113.9' }, { 'X-Forwarded-Proto': 'https' }]) {
      const r = await http(d.base, '/metrics', { headers: h });
      assert.equal(r.status, 403, `${JSON.stringify(h)}: ${r.status}`);
      assert.doesNotMatch(r.text, /roundtable_/);
    }
  } finally {
    await d.close();
  }
});

test('/metrics with --metrics-token: 403 without or with a wrong bearer, 200 with it', async () => {
  const token = 'metrics-token-0123456789abcdef';
  const file = path.join(fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'rt-mt-')), 'token');
  fs.writeFileSync(file, `${token}\n`);
  const d = await startDaemon({ args: ['--metrics-token', file] });
  try {
    assert.equal((await http(d.base, '/metrics')).status, 403, 'no token, even from the loopback');
    assert.equal((await http(d.base, '/metrics', { headers: { Authorization: `Bearer ${token}x` } })).status, 403);
    assert.equal((await http(d.base, '/metrics', { headers: { Authorization: 'Bearer wrong' } })).status, 403);
    const ok = await http(d.base, '/metrics', { headers: { Authorization: `Bearer ${token}`, 'X-Forwarded-For': '203.0.113.9' } });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /roundtable_requests_total/);
  } finally {
    await d.close();
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
});

async function signIn(d, headers = {}) {
  return http(d.base, '/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
}

test('HTTPS at a trusted proxy (X-Forwarded-Proto: https): the session cookie is Secure and HSTS is sent', async () => {
  const d = await startDaemon({ args: ['--trust-proxy', '127.0.0.1'] });
  try {
    const viaHttps = await signIn(d, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.9' });
    assert.equal(viaHttps.status, 200, viaHttps.text);
    assert.match(setCookies(viaHttps.headers).join('\n'), /; Secure/, 'Secure behind https');
    assert.equal(viaHttps.headers.get('strict-transport-security'), 'max-age=31536000');
    const page = await http(d.base, '/', { headers: { 'X-Forwarded-Proto': 'https' } });
    assert.equal(page.headers.get('strict-transport-security'), 'max-age=31536000', 'static files too');

    const viaHttp = await signIn(d, { 'X-Forwarded-Proto': 'http' });
    assert.equal(viaHttp.status, 200);
    assert.doesNotMatch(setCookies(viaHttp.headers).join('\n'), /Secure/, 'plain http through the proxy: not Secure');
    assert.equal(viaHttp.headers.get('strict-transport-security'), null);
  } finally {
    await d.close();
  }
});

test('X-Forwarded-Proto from a peer that is not a trusted proxy is ignored; --public-url https:// makes cookies Secure', async () => {
  const d = await startDaemon();
  try {
    const r = await signIn(d, { 'X-Forwarded-Proto': 'https' });
    assert.equal(r.status, 200);
    assert.doesNotMatch(setCookies(r.headers).join('\n'), /Secure/);
    assert.equal(r.headers.get('strict-transport-security'), null);
  } finally {
    await d.close();
  }
  const p = await startDaemon({ args: ['--public-url', 'https://rt.example.org'] });
  try {
    const r = await signIn(p);
    assert.equal(r.status, 200);
    assert.match(setCookies(r.headers).join('\n'), /; Secure/);
    assert.equal(r.headers.get('strict-transport-security'), 'max-age=31536000');
  } finally {
    await p.close();
  }
});
