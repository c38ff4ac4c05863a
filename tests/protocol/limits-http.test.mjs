// The transport's own limits (docs/security.md, issues 15 and 22): HTTP
// framing per RFC 9112 (one Content-Length), a total deadline for request
// bodies, a sign-in deadline for WebSockets, connection caps per client
// address and in total with room kept for signed-in members and /healthz,
// and the CSRF rules of the state-changing HTTP routes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, run, Client, http, setCookies, ADMIN_EMAIL, ADMIN_PASSWORD } from './lib.mjs';

let d;

before(async () => {
  d = await startDaemon({ args: ['--body-deadline', '1', '--auth-deadline', '3'] });
});

after(async () => {
  if (d) await d.close();
});

/**
 * Sends text over a new TCP connection and resolves once the daemon has
 * closed it: {raw, statuses, closed}. closed is false when it was still
 * open after timeoutMs (the test then fails on it).
 */
function exchange(port, text, { timeoutMs = 10000, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const chunks = [];
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(chunks).toString('latin1');
      resolve({ raw, statuses: [...raw.matchAll(/HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1])), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(text));
    sock.on('data', (c) => chunks.push(c));
    sock.on('close', () => finish(true));
    sock.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
  });
}

/** POST /api/session with these headers (an object) and body, over its own connection. */
function postSession(port, headers, body) {
  let text = `POST /api/session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`;
  for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
  if (!('Content-Length' in headers)) text += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return exchange(port, `${text}\r\n${body}`);
}

/** A session cookie of the administrator (over a connection that closes). */
async function adminCookie(port) {
  const r = await postSession(port, { 'Content-Type': 'application/json' },
    JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }));
  const m = /\r\nset-cookie: (rt_session=[^;\r]+)/i.exec(r.raw);
  assert.ok(m, `POST /api/session gave no cookie:\n${r.raw}`);
  return m[1];
}

async function upgrade(daemon, opts = {}) {
  const c = new Client(daemon.url);
  try {
    await c.connect(opts);
    return { ok: true, client: c };
  } catch (e) {
    return { ok: false, status: e.status, error: e };
  }
}

async function healthz(daemon) {
  const r = await exchange(daemon.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  return r.statuses[0];
}

// --- RFC 9112 section 6.3 -------------------------------------------------

for (const [what, lengths] of [
  ['two Content-Length headers (2, then 60)', ['2', '60']],
  ['a list Content-Length (2, 60)', ['2, 60']],
  ['the same Content-Length twice', ['60', '60']],
]) {
  test(`${what}: 400 and the connection closed, nothing smuggled`, async () => {
    // If the first value won, the rest would be read as a second request
    // (GET /healthz) and answered: two answers on one connection.
    const smuggled = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const body = `{}${smuggled}`.padEnd(60, ' ');
    let text = `POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n`;
    for (const l of lengths) text += `Content-Length: ${l}\r\n`;
    const r = await exchange(d.port, `${text}\r\n${body}`);
    assert.ok(r.closed, `the connection stayed open:\n${r.raw}`);
    assert.deepEqual(r.statuses, [400], `expected one answer, 400:\n${r.raw}`);
    assert.match(r.raw, /Content-Length/);
    assert.equal(await healthz(d), 200);
  });
}

test('Content-Length with Transfer-Encoding: 400 and closed', async () => {
  const r = await exchange(d.port, 'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  assert.ok(r.closed, r.raw);
  assert.deepEqual(r.statuses, [400], r.raw);
});

// --- a total deadline for request bodies --------------------------------------

test('a trickled request body is cut at the body deadline, not kept alive by each byte', async () => {
  // --body-deadline 1: one byte every 150 ms would keep a per-byte timeout
  // (30 s) from ever firing; 16,000 bytes would take 40 minutes.
  const sock = net.connect({ port: d.port, host: '127.0.0.1' });
  let sent = 0;
  let answer = '';
  sock.on('data', (c) => { answer += c.toString('latin1'); });
  sock.on('error', () => {});
  const closed = new Promise((resolve) => sock.on('close', resolve));
  await new Promise((resolve) => sock.on('connect', resolve));
  sock.write('POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16000\r\n\r\n');
  const trickle = setInterval(() => { if (!sock.destroyed) { sock.write('{'); sent += 1; } }, 150);
  const outcome = await Promise.race([closed.then(() => 'closed'),
    new Promise((r) => setTimeout(r, 20000).unref()).then(() => 'still open')]);
  clearInterval(trickle);
  sock.destroy();
  assert.equal(outcome, 'closed', `the daemon kept a trickled body open (${sent} bytes sent)`);
  assert.ok(sent < 16000);
  assert.doesNotMatch(answer, /HTTP\/1\.1 (200|401)/, 'no sign-in was attempted with a partial body');
  assert.equal(await healthz(d), 200);
});

test('a body that comes in time is still answered', async () => {
  const r = await postSession(d.port, { 'Content-Type': 'application/json' },
    JSON.stringify({ email: ADMIN_EMAIL, password: 'not-the-password' }));
  assert.deepEqual(r.statuses, [401], r.raw);
});

// --- the sign-in deadline of WebSockets -----------------------------------------

test('a WebSocket that never signs in is closed with 1008 at the deadline; one that signs in is not', async () => {
  const member = await d.connect();
  await member.login(ADMIN_EMAIL, ADMIN_PASSWORD);
  const idle = await d.connect();
  const info = await idle.closed; // --auth-deadline 3
  assert.equal(info.code, 1008, `close code ${JSON.stringify(info)}`);
  // The member's connection, opened before, has passed its deadline too.
  const who = await member.call('auth.whoami', {});
  assert.equal(who.member.email, ADMIN_EMAIL);
  assert.ok(member.isOpen);
  member.close();
});

// --- connection caps --------------------------------------------------------------

test('connections per address: strangers over the cap get 503; /healthz and members still get in', async () => {
  const c = await startDaemon({ args: ['--max-conns-per-addr', '4', '--auth-deadline', '60'] });
  const open = [];
  try {
    const cookie = await adminCookie(c.port);
    const signedIn = await c.connect();
    await signedIn.login(ADMIN_EMAIL, ADMIN_PASSWORD); // no longer counts as a stranger
    for (let i = 0; i < 4; i++) {
      const r = await upgrade(c);
      assert.ok(r.ok, `stranger ${i + 1} of 4 refused: ${r.error?.message}`);
      open.push(r.client);
    }
    const fifth = await upgrade(c);
    if (fifth.ok) fifth.client.close();
    assert.equal(fifth.status, 503, 'a 5th connection not signed in from the address is refused with 503');
    const page = await exchange(c.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual(page.statuses, [503], `an HTTP connection counts too:\n${page.raw.slice(0, 300)}`);
    assert.equal(await healthz(c), 200, '/healthz passes every cap');
    assert.equal((await signedIn.call('auth.whoami', {})).member.email, ADMIN_EMAIL, 'a signed-in member keeps working');
    const withCookie = await upgrade(c, { headers: { cookie } });
    assert.ok(withCookie.ok, `a member with a session cookie is let in: ${withCookie.error?.message}`);
    assert.equal((await withCookie.client.call('auth.whoami', {})).member.email, ADMIN_EMAIL);
    withCookie.client.close();
    // A stranger who signs in frees a place; one who leaves does too.
    await open[0].login(ADMIN_EMAIL, ADMIN_PASSWORD);
    const again = await upgrade(c);
    assert.ok(again.ok, `a place freed by signing in: ${again.error?.message}`);
    open.push(again.client);
    open[1].close();
    await open[1].closed;
    let next;
    // The close reaches the daemon's loop a moment after the client sees it.
    for (let i = 0; i < 50 && !(next = await upgrade(c)).ok; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(next.ok, `a place freed by leaving: ${next.error?.message}`);
    open.push(next.client);
    signedIn.close();
  } finally {
    for (const x of open) x.close();
    await c.close();
  }
});

test('connections in all: strangers stop short of the cap, members use the reserve', async () => {
  const c = await startDaemon({ args: ['--max-conns', '8', '--auth-deadline', '60'] });
  const open = [];
  try {
    const cookie = await adminCookie(c.port);
    for (let i = 0; i < 7; i++) {
      const r = await upgrade(c);
      assert.ok(r.ok, `stranger ${i + 1} of 7 refused: ${r.error?.message}`);
      open.push(r.client);
    }
    const stranger = await upgrade(c);
    if (stranger.ok) stranger.client.close();
    assert.equal(stranger.status, 503, 'the 8th place is kept for members');
    const member = await upgrade(c, { headers: { cookie } });
    assert.ok(member.ok, `a member takes the reserved place: ${member.error?.message}`);
    open.push(member.client);
    const over = await upgrade(c, { headers: { cookie } });
    if (over.ok) over.client.close();
    assert.equal(over.status, 503, 'nobody past --max-conns');
    assert.equal(await healthz(c), 200);
  } finally {
    for (const x of open) x.close();
    await c.close();
  }
});

// --- CSRF rules of POST and DELETE /api/session -------------------------------------

const creds = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });

for (const [what, headers] of [
  ['a text/plain body (an HTML form)', { 'Content-Type': 'text/plain' }],
  ['a form-urlencoded body', { 'Content-Type': 'application/x-www-form-urlencoded' }],
  ['no Content-Type', {}],
  ['a foreign Origin', { 'Content-Type': 'application/json', Origin: 'http://evil.example' }],
  ['Origin null', { 'Content-Type': 'application/json', Origin: 'null' }],
  ['Sec-Fetch-Site: cross-site', { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' }],
  ['Sec-Fetch-Site: same-site', { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-site' }],
]) {
  test(`POST /api/session with ${what}: 403, no cookie`, async () => {
    const r = await postSession(d.port, headers, creds);
    assert.deepEqual(r.statuses, [403], r.raw);
    assert.doesNotMatch(r.raw, /set-cookie/i);
    assert.match(r.raw, /"forbidden"/);
  });
}

for (const [what, headers] of [
  ['the daemon\'s own Origin', (p) => ({ 'Content-Type': 'application/json', Origin: `http://127.0.0.1:${p}` })],
  ['Sec-Fetch-Site: same-origin', () => ({ 'Content-Type': 'application/json; charset=utf-8', 'Sec-Fetch-Site': 'same-origin' })],
  ['neither Origin nor Sec-Fetch-Site (not a browser)', () => ({ 'Content-Type': 'application/json' })],
]) {
  test(`POST /api/session with ${what}: signed in`, async () => {
    const r = await postSession(d.port, headers(d.port), creds);
    assert.deepEqual(r.statuses, [200], r.raw);
    assert.match(r.raw, /set-cookie: rt_session=/i);
  });
}

test('DELETE /api/session from a foreign Origin: 403, the session stays', async () => {
  const cookie = await adminCookie(d.port);
  const r = await http(d.base, '/api/session', { method: 'DELETE', headers: { cookie, origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(setCookies(r.headers).length, 0);
  const c = await d.connect({ headers: { cookie } });
  assert.equal((await c.call('auth.whoami', {})).member.email, ADMIN_EMAIL, 'still signed in');
  c.close();
});

// --- the options ---------------------------------------------------------------------

test('bad values of the new options are bad usage (exit 2), on the command line and in --config', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-opts-'));
  try {
    for (const [flag, value] of [['--trust-proxy', 'not-an-address'], ['--trust-proxy', '10.0.0.0/33'],
      ['--auth-deadline', '0'], ['--body-deadline', 'x'], ['--max-conns-per-addr', '0'], ['--max-conns', '1.5']]) {
      const r = await run(['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:1', flag, value]);
      assert.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
      const conf = path.join(dir, 'bad.conf');
      fs.writeFileSync(conf, `${flag.slice(2)} = ${value}\n`);
      const c = await run(['serve', '--data', path.join(dir, 'data'), '--config', conf]);
      assert.equal(c.code, 2, `${flag.slice(2)} = ${value} in --config: ${c.stderr}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
