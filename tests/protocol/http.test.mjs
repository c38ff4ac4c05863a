// HTTP side of the listener: static files with a Content-Security-Policy that
// allows no inline script and nosniff, /healthz, 404s, and no way out of the
// web directory.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, http, rawHttp } from './lib.mjs';

let d; // serves the project's own web/ (the default)
let t; // serves a web directory made by this test, with a secret next to it

let webParent;

before(async () => {
  d = await startDaemon();
  // A web directory made here, with a secret next to it and the data
  // directory beside it: <parent>/web, <parent>/secret.txt, <parent>/data.
  webParent = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-web-'));
  const web = path.join(webParent, 'web');
  fs.mkdirSync(path.join(web, 'js'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>T</title><script type="module" src="js/app.js"></script><p>TEST-INDEX</p>\n');
  fs.writeFileSync(path.join(web, 'js', 'app.js'), 'export const x = 1;\n');
  fs.writeFileSync(path.join(web, 'style.css'), 'body { color: black; }\n');
  fs.writeFileSync(path.join(web, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  fs.writeFileSync(path.join(webParent, 'secret.txt'), 'TOP-SECRET-OUTSIDE-WEB\n');
  t = await startDaemon({ dataDir: path.join(webParent, 'data'), args: ['--web', web] });
  t.webRoot = web;
});

after(async () => {
  try {
    if (d) await d.close();
  } finally {
    if (t) await t.close();
    if (webParent) fs.rmSync(webParent, { recursive: true, force: true });
  }
});

function cspDirectives(header) {
  const map = new Map();
  for (const part of header.split(';')) {
    const words = part.trim().split(/\s+/).filter(Boolean);
    if (words.length) map.set(words[0].toLowerCase(), words.slice(1));
  }
  return map;
}

function assertSafeCsp(res, what) {
  const csp = res.headers.get('content-security-policy');
  assert.ok(csp, `${what}: Content-Security-Policy header missing`);
  const dirs = cspDirectives(csp);
  const script = dirs.get('script-src') ?? dirs.get('default-src');
  assert.ok(script, `${what}: CSP has neither script-src nor default-src: ${csp}`);
  const lower = script.map((s) => s.toLowerCase());
  assert.ok(!lower.includes("'unsafe-inline'"), `${what}: script-src allows 'unsafe-inline': ${csp}`);
  assert.ok(!lower.includes('*') && !lower.includes('data:') && !lower.includes('http:') && !lower.includes('https:'),
    `${what}: script-src too broad: ${csp}`);
  if (dirs.has('script-src-elem')) {
    assert.ok(!dirs.get('script-src-elem').map((s) => s.toLowerCase()).includes("'unsafe-inline'"), csp);
  }
}

function assertNosniff(res, what) {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
}

test('GET / serves the web client with a CSP without inline script, and nosniff', async () => {
  const r = await http(d.base, '/');
  assert.equal(r.status, 200, r.text.slice(0, 200));
  assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(r.text, /<html|<!doctype html/i);
  assertSafeCsp(r, 'GET /');
  assertNosniff(r, 'GET /');
  // The page itself has no inline script, or the CSP would break it.
  const inline = [...r.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter((m) => !/\bsrc=/.test(m[1]) && m[2].trim());
  assert.deepEqual(inline.map((m) => m[0].slice(0, 80)), [], 'inline script in index.html');
});

test('GET / with a query string still serves the page', async () => {
  const r = await http(d.base, '/?lang=en');
  assert.equal(r.status, 200);
  assertSafeCsp(r, 'GET /?lang=en');
});

test('static files from --web carry the right types and nosniff', async () => {
  const cases = [
    ['/', /^text\/html/],
    ['/index.html', /^text\/html/],
    ['/js/app.js', /^(text|application)\/javascript/],
    ['/style.css', /^text\/css/],
    ['/icon.svg', /^image\/svg\+xml/],
  ];
  for (const [p, type] of cases) {
    const r = await http(t.base, p);
    assert.equal(r.status, 200, `${p}: ${r.status}`);
    assert.match(r.headers.get('content-type') ?? '', type, `${p} content-type`);
    assertNosniff(r, p);
  }
  const idx = await http(t.base, '/');
  assert.match(idx.text, /TEST-INDEX/);
  assertSafeCsp(idx, '--web index');
  const js = await http(t.base, '/js/app.js');
  assert.equal(js.text, 'export const x = 1;\n');
});

test('the project\'s own JavaScript modules are served as JavaScript', async () => {
  const r = await http(d.base, '/js/app.js');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
  assertNosniff(r, '/js/app.js');
});

test('GET /healthz answers 200', async () => {
  const r = await http(d.base, '/healthz');
  assert.equal(r.status, 200);
});

test('an unknown path is 404', async () => {
  for (const p of ['/no-such-page', '/no/such/file.js', '/js/nope.js', '/api/nope']) {
    const r = await http(t.base, p);
    assert.equal(r.status, 404, `${p}: ${r.status} ${r.text.slice(0, 100)}`);
    assert.ok(!r.text.includes('TEST-INDEX'), `${p} served the index`);
  }
  const r = await http(d.base, '/definitely-not-here.html');
  assert.equal(r.status, 404);
});

async function assertNotServed(port, target, secret) {
  const r = await rawHttp(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  assert.ok(!r.raw.includes(secret), `${target} leaked a file outside the web root:\n${r.raw.slice(0, 300)}`);
  assert.ok(r.status === null || (r.status >= 400 && r.status < 500), `${target}: status ${r.status}\n${r.head}`);
  return r;
}

test('path traversal cannot reach files outside the web directory', async () => {
  const targets = [
    '/../../../../../../etc/passwd',
    '/../../etc/passwd',
    '/js/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/....//....//....//....//etc/passwd',
    '/..\\..\\..\\..\\etc\\passwd',
    '/%252e%252e/%252e%252e/%252e%252e/etc/passwd',
    '/etc/passwd',
  ];
  for (const target of targets) {
    await assertNotServed(t.port, target, 'root:x:0:0');
    await assertNotServed(d.port, target, 'root:x:0:0');
  }
});

test('path traversal cannot reach a file next to the web directory', async () => {
  const secret = 'TOP-SECRET-OUTSIDE-WEB';
  for (const target of [
    '/../secret.txt',
    '/js/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/js/..%2f..%2fsecret.txt',
    '/.%2e/secret.txt',
    '/js%2f..%2f..%2fsecret.txt',
  ]) {
    await assertNotServed(t.port, target, secret);
  }
});

test('the data directory is never served', async () => {
  const rel = path.relative(t.webRoot, t.dataDir); // ../data
  for (const target of [`/${rel}/roundtable.db`, '/../data/roundtable.db', '/%2e%2e/data/roundtable.db']) {
    await assertNotServed(t.port, target, 'SQLite format 3');
  }
});

test('malformed and oversized HTTP requests do not bring the daemon down', async () => {
  await rawHttp(t.port, 'GARBAGE\r\n\r\n').catch(() => {});
  await rawHttp(t.port, `GET /${'a'.repeat(20000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`).catch(() => {});
  await rawHttp(t.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`).catch(() => {});
  await rawHttp(t.port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n').catch(() => {});
  const r = await http(t.base, '/healthz');
  assert.equal(r.status, 200);
  const i = await http(t.base, '/');
  assert.equal(i.status, 200);
});

test('a plain GET of /ws without an upgrade does not serve a page', async () => {
  const r = await http(d.base, '/ws');
  assert.notEqual(r.status, 200, `GET /ws answered 200: ${r.text.slice(0, 100)}`);
});
