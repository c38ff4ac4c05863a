// The command line: --help, --version, bad arguments, user add, demo, and
// the exclusive lock on a data directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  BIN, REPO_ROOT, run, startDaemon, addUser, freePort, sleep, sleepUnref, ADMIN_EMAIL, ADMIN_PASSWORD,
} from './lib.mjs';

function tmpDir() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-cli-'));
  return { root, data: path.join(root, 'data'), done: () => fs.rmSync(root, { recursive: true, force: true }) };
}

test('--help prints usage naming the commands and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0, r.stderr);
  const out = r.stdout + r.stderr;
  for (const word of ['serve', 'user add', 'demo', '--data', '--listen', '--origin']) {
    assert.ok(out.includes(word), `--help does not mention ${word}:\n${out}`);
  }
  assert.ok(r.stdout.length > 0, '--help writes to stdout');
});

test('--version prints a version and exits 0', async () => {
  const r = await run(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\d+\.\d+/, `--version output: ${r.stdout}`);
  assert.ok(r.stdout.trim().split('\n').length <= 3, 'a short answer');
});

test('an unknown command exits 2 with a message on stderr', async () => {
  const r = await run(['frobnicate']);
  assert.equal(r.code, 2, `exit code: ${r.code}\n${r.stdout}${r.stderr}`);
  assert.ok(r.stderr.trim().length > 0, 'a message on stderr');
  assert.match(r.stderr, /frobnicate|unknown|usage/i, r.stderr);
});

test('an unknown option exits 2 with a message', async () => {
  const r = await run(['serve', '--no-such-option']);
  assert.equal(r.code, 2, `exit code: ${r.code}\n${r.stderr}`);
  assert.ok(r.stderr.trim().length > 0);
});

test('no command at all exits 2 with usage', async () => {
  const r = await run([]);
  assert.equal(r.code, 2, `exit code: ${r.code}\n${r.stdout}${r.stderr}`);
  assert.ok((r.stderr + r.stdout).trim().length > 0);
});

test('user add with no password on stdin fails clearly', async () => {
  const t = tmpDir();
  try {
    const r = await run(['user', 'add', '--data', t.data, '--email', 'nopw@test.example', '--name', 'No Password'], { input: '' });
    assert.notEqual(r.code, 0, 'an empty password must not make an account');
    assert.match(r.stderr, /password/i, `message should say what is wrong: ${r.stderr}`);
    const r2 = await run(['user', 'add', '--data', t.data, '--email', 'nopw@test.example', '--name', 'No Password'], { input: '\n' });
    assert.notEqual(r2.code, 0, 'a blank line is no password');
    assert.match(r2.stderr, /password/i, r2.stderr);
  } finally {
    t.done();
  }
});

test('user add with missing --email or --name fails with exit 2', async () => {
  const t = tmpDir();
  try {
    const a = await run(['user', 'add', '--data', t.data, '--name', 'No Email'], { input: 'pw-123456789\n' });
    assert.equal(a.code, 2, a.stderr);
    assert.match(a.stderr, /email/i);
    const b = await run(['user', 'add', '--data', t.data, '--email', 'noname@test.example'], { input: 'pw-123456789\n' });
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, /name/i);
  } finally {
    t.done();
  }
});

test('user add twice with one email fails the second time', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    await addUser(t.data, { email: 'twice@test.example', name: 'Twice', password: 'twice-password-1' });
    const r = await run(['user', 'add', '--data', t.data, '--email', 'twice@test.example', '--name', 'Twice Again'], { input: 'other-password-2\n' });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.trim().length > 0);
  } finally {
    t.done();
  }
});

test('a user added on the command line signs in over /ws; the password is taken from stdin exactly', async () => {
  const d = await startDaemon({
    setup: async (dataDir) => {
      await addUser(dataDir, { email: 'cli@test.example', name: 'Cli User', password: 'with spaces inside  ' });
    },
  });
  try {
    const c = await d.connect();
    const r = await c.request('auth.login', { email: 'cli@test.example', password: 'with spaces inside  ' });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.data.member.name, 'Cli User');
    assert.equal(r.data.member.admin, false);
    const a = await d.admin();
    assert.equal(a.member.admin, true);
  } finally {
    await d.close();
  }
});

test('two daemons on one data directory: the second refuses to start', async () => {
  const d = await startDaemon();
  try {
    const port = await freePort();
    const r = await run(['serve', '--data', d.dataDir, '--listen', `127.0.0.1:${port}`], { timeoutMs: 15000 });
    assert.notEqual(r.code, 0, `second daemon exit code ${r.code}`);
    assert.equal(r.signal, null, `second daemon died of ${r.signal}`);
    assert.ok(r.stderr.trim().length > 0, 'it says why');
    assert.match(r.stderr, /lock|in use|already|running|another|serving/i, r.stderr);
    // The first one is unharmed.
    const h = await fetch(`${d.base}/healthz`);
    assert.equal(h.status, 200);
    const c = await d.admin();
    assert.equal((await c.call('auth.whoami', {})).member.email, ADMIN_EMAIL);
  } finally {
    await d.close();
  }
});

test('serve on a port already in use fails with a message, not a hang', async () => {
  const d = await startDaemon();
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const r = await run(['serve', '--data', t.data, '--listen', `127.0.0.1:${d.port}`], { timeoutMs: 15000 });
    assert.notEqual(r.code, 0);
    assert.ok(r.stderr.trim().length > 0);
  } finally {
    await d.close();
    t.done();
  }
});

test('serve with a malformed --listen exits 2', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    for (const bad of ['not-an-address', '127.0.0.1:99999', '127.0.0.1:']) {
      const r = await run(['serve', '--data', t.data, '--listen', bad], { timeoutMs: 15000 });
      assert.equal(r.code, 2, `--listen ${bad}: exit ${r.code} ${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0);
    }
  } finally {
    t.done();
  }
});

test('SIGINT stops the daemon cleanly too', async () => {
  const t = tmpDir();
  fs.mkdirSync(t.data, { recursive: true });
  const port = await freePort();
  const child = spawn(BIN, ['serve', '--data', t.data, '--listen', `127.0.0.1:${port}`], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (x) => { out += x; });
  child.stderr.on('data', (x) => { out += x; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const h = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (h.status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) assert.fail(`not healthy: ${out}`);
      await sleep(50);
    }
    child.kill('SIGINT');
    const info = await Promise.race([exited, sleepUnref(15000).then(() => 'timeout')]);
    assert.notEqual(info, 'timeout', 'no exit within 15 s of SIGINT');
    assert.equal(info.signal, null, out);
    assert.equal(info.code, 0, out);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    t.done();
  }
});

test('demo creates the valley coalition and its logins sign in over /ws', async () => {
  const t = tmpDir();
  let d;
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const r = await run(['demo', '--data', t.data], { timeoutMs: 120000 });
    assert.equal(r.code, 0, r.stderr);
    for (const email of ['admin@demo.test', 'maria@demo.test', 'luis@demo.test']) {
      assert.ok(r.stdout.includes(email), `demo output should list ${email}:\n${r.stdout}`);
    }
    assert.ok(r.stdout.includes('roundtable-demo'), 'demo output should show the password');
    d = await startDaemon({ admin: false, dataDir: t.data });
    const expected = {
      'maria@demo.test': ['convener', 'design_team'],
      'james@demo.test': ['design_team'],
      'ana@demo.test': ['provider'],
      'dee@demo.test': ['provider'],
      'tom@demo.test': ['design_team', 'provider'],
      'grace@demo.test': ['funder'],
      'luis@demo.test': ['parent'],
    };
    for (const [email, roles] of Object.entries(expected)) {
      const c = await d.connect();
      const login = await c.call('auth.login', { email, password: 'roundtable-demo' });
      const valley = login.coalitions.find((x) => x.slug === 'valley');
      assert.ok(valley, `${email} is in valley: ${JSON.stringify(login.coalitions)}`);
      assert.equal(valley.name, 'Valley Shared Services Alliance');
      assert.deepEqual([...valley.roles].sort(), roles, `${email} roles`);
      c.close();
    }
    const a = await d.connect();
    const admin = await a.call('auth.login', { email: 'admin@demo.test', password: 'roundtable-demo' });
    assert.equal(admin.member.admin, true);
    const maria = await d.login('maria@demo.test', 'roundtable-demo');
    const g = await maria.call('coalition.get', { coalition: 'valley' });
    const orgs = new Set(g.members.filter((m) => m.roles.includes('provider')).map((m) => m.organization));
    assert.ok(orgs.size >= 3, `providers from at least three organizations: ${JSON.stringify([...orgs])}`);
    const luis = g.members.find((m) => m.name === 'Luis Ortega');
    assert.ok(luis, JSON.stringify(g.members));
    assert.ok(luis.organization === null || luis.organization === undefined || luis.organization === '', JSON.stringify(luis));
    const v = await maria.call('audit.verify', { coalition: 'valley' });
    assert.equal(v.ok, true);
  } finally {
    if (d) await d.close();
    t.done();
  }
});

test('demo on a data directory that already has the demo does not duplicate it', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const r1 = await run(['demo', '--data', t.data], { timeoutMs: 120000 });
    assert.equal(r1.code, 0, r1.stderr);
    const r2 = await run(['demo', '--data', t.data], { timeoutMs: 120000 });
    // Either refuses with a message or leaves it as it is; never a second valley.
    if (r2.code !== 0) assert.ok(r2.stderr.trim().length > 0);
    const d = await startDaemon({ admin: false, dataDir: t.data });
    try {
      const c = await d.login('admin@demo.test', 'roundtable-demo');
      const l = await c.call('coalition.list', {});
      assert.equal(l.coalitions.filter((x) => x.slug === 'valley').length, 1);
    } finally {
      await d.close();
    }
  } finally {
    t.done();
  }
});

test('the admin made by user add --admin may create coalitions', async () => {
  const d = await startDaemon();
  try {
    const c = await d.connect();
    await c.call('auth.login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    const r = await c.call('coalition.create', { slug: 'cli-made', name: 'CLI Made' });
    assert.equal(r.coalition.slug, 'cli-made');
  } finally {
    await d.close();
  }
});

// --- issue 21 items 7 and 8: --public-url, origins a browser can send, the config file

test('--listen 0.0.0.0 with no --origin or --public-url refuses to start: no browser sends that origin', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const port = await freePort();
    const r = await run(['serve', '--data', t.data, '--listen', `0.0.0.0:${port}`], { timeoutMs: 15000 });
    assert.equal(r.code, 2, `exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /0\.0\.0\.0/, r.stderr);
    assert.match(r.stderr, /--public-url/, 'says what to give');
  } finally {
    t.done();
  }
});

test('--public-url is allowed as an Origin; with it a listener on 0.0.0.0 starts', async () => {
  const d = await startDaemon({ args: ['--public-url', 'https://rt.example.org/'] });
  try {
    const ok = await d.connect({ origin: 'https://rt.example.org' });
    assert.ok(ok, 'the public origin is allowed');
    await assert.rejects(d.connect({ origin: 'https://rt.example.org:8443' }), (e) => e.status === 403, 'another port is not');
  } finally {
    await d.close();
  }
  const t = tmpDir();
  fs.mkdirSync(t.data, { recursive: true });
  const port = await freePort();
  const child = spawn(BIN, ['serve', '--data', t.data, '--listen', `0.0.0.0:${port}`, '--public-url', 'https://rt.example.org'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (x) => { out += x; });
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  try {
    let up = false;
    for (let i = 0; i < 200 && !up && child.exitCode === null; i++) {
      up = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (!up) await sleep(50);
    }
    assert.ok(up, `serve --listen 0.0.0.0 --public-url started\n${out}`);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    t.done();
  }
});

test('origins no browser can send are refused at start (exit 2), on the command line and in --config', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    for (const bad of ['https://rt.example.org/', 'https://rt.example.org:443', 'http://rt.example.org:80',
      'https://0.0.0.0:443', 'https://rt.example.org/path', 'ftp://rt.example.org', 'https://', 'https://a b']) {
      for (const flag of ['--origin', '--public-url']) {
        if (flag === '--public-url' && bad === 'https://rt.example.org/') continue; // a trailing '/' is fine there
        const r = await run(['serve', '--data', t.data, '--listen', '127.0.0.1:1', flag, bad], { timeoutMs: 15000 });
        assert.equal(r.code, 2, `${flag} ${bad}: exit ${r.code} ${r.stderr}`);
        assert.ok(r.stderr.includes(bad), `${flag} ${bad}: names the value: ${r.stderr}`);
      }
    }
  } finally {
    t.done();
  }
});

test('a config file: text after a value (a trailing comment) is refused with its line, not read into the value', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const cases = [
      'listen = 127.0.0.1:8080   (the default)',
      'origin = https://rt.example.org      (repeat for more)',
      'tls-cert = /etc/roundtable/cert.pem         (or terminate TLS in nginx)',
      'max-message = 262144 # bytes',
      'public-url = https://rt.example.org # the address',
    ];
    for (const line of cases) {
      const conf = path.join(t.root, 'bad.conf');
      fs.writeFileSync(conf, `# a comment line\n${line}\n`);
      const r = await run(['serve', '--config', conf, '--data', t.data], { timeoutMs: 15000 });
      assert.equal(r.code, 2, `${line}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /line 2/, `${line}: says which line: ${r.stderr}`);
    }
    // bad values are refused with the line too
    for (const line of ['listen = nowhere', 'trust-proxy = 10.0.0.0/33', 'origin = rt.example.org', 'auth-deadline = 0']) {
      const conf = path.join(t.root, 'bad.conf');
      fs.writeFileSync(conf, `\n\n${line}\n`);
      const r = await run(['serve', '--config', conf, '--data', t.data], { timeoutMs: 15000 });
      assert.equal(r.code, 2, `${line}: exit ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /line 3/, `${line}: says which line: ${r.stderr}`);
    }
  } finally {
    t.done();
  }
});

test('contrib/roundtable.conf itself parses: serve starts with it (data, listen and web overridden)', async () => {
  const d = await startDaemon({ args: ['--config', path.join(REPO_ROOT, 'contrib', 'roundtable.conf'),
    '--web', path.join(REPO_ROOT, 'web')] });
  try {
    const page = await fetch(`${d.base}/`);
    assert.equal(page.status, 200);
  } finally {
    await d.close();
  }
});

test('serve with a TLS certificate or key that does not load says so (not "cannot listen")', async () => {
  const t = tmpDir();
  try {
    fs.mkdirSync(t.data, { recursive: true });
    const junk = path.join(t.root, 'junk.pem');
    fs.writeFileSync(junk, 'not a certificate\n');
    const r = await run(['serve', '--data', t.data, '--listen', `127.0.0.1:${await freePort()}`,
      '--tls-cert', junk, '--tls-key', junk], { timeoutMs: 15000 });
    assert.equal(r.code, 1, `exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /do not load as a certificate/, r.stderr);
  } finally {
    t.done();
  }
});
