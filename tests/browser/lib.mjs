// Shared helpers for the browser tests: run the real roundtable daemon on a
// free port with a fresh data directory, launch Debian's chromium through
// playwright-core, watch a page for console errors and CSP violations, and a
// small WebSocket client for setting things up behind the page's back.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RT_BIN = process.env.RT_BIN || path.join(REPO_ROOT, 'build', 'roundtable');
export const WEB_DIR = path.join(REPO_ROOT, 'web');
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'tests', 'browser', 'screenshots');
export const DEMO_PASSWORD = 'roundtable-demo';

// Generous: the tests also run under ASan/UBSan, where argon2 is slow.
export const TIMEOUT = Number(process.env.RT_TEST_TIMEOUT || 20000);

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// A fresh data directory; { memory: true } puts it on /dev/shm when there is
// one (for tests that write a lot and do not test durability: fsync is free).
export function makeDataDir({ memory = false } = {}) {
  const base = memory && existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  return mkdtemp(path.join(base, 'rt-browser-'));
}

export async function removeDir(dir) {
  if (dir) await rm(dir, { recursive: true, force: true });
}

// Run the roundtable binary to completion: {code, stdout, stderr}.
export function runRoundtable(args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(RT_BIN, args, { timeout: 120000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`${RT_BIN} ${args.join(' ')}: ${err.message}\n${stderr}`));
        return;
      }
      resolve({ code: err ? err.code : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

// `roundtable user add` (password on stdin); throws if it fails.
export async function addUser(dataDir, { email, name, password, admin = false }) {
  const args = ['user', 'add', '--data', dataDir, '--email', email, '--name', name];
  if (admin) args.push('--admin');
  const r = await runRoundtable(args, { input: password + '\n' });
  if (r.code !== 0) throw new Error(`roundtable user add ${email} failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

// Signs a browser context in through POST /api/session: its pages then carry
// the session cookie, without going through the sign-in form.
export async function signInContext(context, baseUrl, email, password) {
  const res = await context.request.post(baseUrl + '/api/session', { data: { email, password } });
  if (res.status() !== 200) throw new Error(`POST /api/session as ${email}: ${res.status()} ${await res.text()}`);
}

export async function runDemo(dataDir) {
  const r = await runRoundtable(['demo', '--data', dataDir]);
  if (r.code !== 0) throw new Error(`roundtable demo failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Daemons started here die with the test process, even when a test crashes.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

// Start `roundtable serve` and wait for /healthz. Returns a handle with
// url, port, dataDir, log() and stop() (SIGTERM, resolves with the exit code).
export async function startDaemon({ dataDir, port } = {}) {
  port = port || await freePort();
  const args = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--web', WEB_DIR];
  const child = spawn(RT_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      exited = { code, signal };
      resolve(exited);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    if (exited) throw new Error(`roundtable serve exited early (${exited.code ?? exited.signal}):\n${output}`);
    try {
      const res = await fetch(url + '/healthz');
      if (res.status === 200) break;
    } catch (e) { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`roundtable serve did not answer /healthz within ${TIMEOUT} ms:\n${output}`);
    }
    await sleep(50);
  }
  return {
    url,
    port,
    dataDir,
    log: () => output,
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 15000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

// extraArgs: more Chromium switches, e.g. for a test that fulfils documents
// itself (page.route), '--disable-features=LocalNetworkAccessChecks': a
// fulfilled page has no address space, and Chromium would then refuse its
// WebSocket to 127.0.0.1 as a public page reaching into the local network.
export async function launchBrowser({ extraArgs = [] } = {}) {
  const { chromium } = require('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

// Collect every console error, uncaught page error and CSP violation of a
// page. problems() lists them, minus those matching an allowed pattern.
export async function watchPage(page) {
  const seen = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'assert') {
      const loc = msg.location();
      seen.push(`console.${msg.type()}: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => seen.push(`pageerror: ${err.stack || err.message}`));
  const allowed = [];
  return {
    allow(re) { allowed.push(re); },
    problems() { return seen.filter((s) => !allowed.some((re) => re.test(s))); },
    all() { return seen.slice(); },
  };
}

export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// A minimal protocol client (the `ws` package) for arranging data.
export class RtClient {
  static async connect(baseUrl) {
    const WebSocket = require('ws');
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + '/ws', 'roundtable.v1');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new RtClient(ws);
  }

  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw));
      if (msg.event) {
        this.events.push(msg);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      p(msg);
    });
  }

  // Resolves with data; rejects with an Error carrying .error on a failed reply.
  request(op, args = {}, key) {
    const id = this.nextId++;
    const msg = { id, op, args };
    if (key) msg.key = key;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${op}: no reply within ${TIMEOUT} ms`));
      }, TIMEOUT);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.data);
        else {
          const e = new Error(`${op} ${JSON.stringify(args)} -> ${JSON.stringify(reply.error)}`);
          e.error = reply.error;
          reject(e);
        }
      });
      this.ws.send(JSON.stringify(msg));
    });
  }

  // Sends many requests with at most `window` of them awaiting a reply at
  // once (the daemon answers them in order). calls: [[op, args, key?]].
  // Resolves, in the order of calls, {ok: true, data} or {ok: false, error}.
  async requestMany(calls, { window = 128 } = {}) {
    const out = new Array(calls.length);
    let next = 0;
    const lane = async () => {
      while (next < calls.length) {
        const i = next++;
        const [op, args, key] = calls[i];
        try {
          out[i] = { ok: true, data: await this.request(op, args, key) };
        } catch (e) {
          if (!e.error) throw e;
          out[i] = { ok: false, error: e.error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(window, calls.length) }, lane));
    return out;
  }

  close() {
    this.ws.close();
  }
}
