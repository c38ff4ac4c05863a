// Shared helpers of the black-box protocol tests: start the real roundtable
// daemon on a free port with a temp data directory, and speak to it with a
// real WebSocket client (the `ws` package) using subprotocol roundtable.v1.
//
// Nothing here knows the daemon's internals: only the command line, HTTP and
// the wire contract of docs/protocol.md.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.RT_BIN
  ? path.resolve(process.env.RT_BIN)
  : path.join(REPO_ROOT, 'build', 'roundtable');
export const SUBPROTOCOL = 'roundtable.v1';

export const ADMIN_EMAIL = 'admin@test.example';
export const ADMIN_NAME = 'Test Admin';
export const ADMIN_PASSWORD = 'admin-password-123';

const KEEP = !!process.env.RT_KEEP;

// Daemons started here die with the test process, even when a test crashes.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Like sleep, but does not keep the process alive (for timeouts in races). */
export const sleepUnref = (ms) => new Promise((r) => setTimeout(r, ms).unref());

let uniq = 0;
/** A string unique inside this test process, for emails, slugs and keys. */
export function unique(prefix = 'x') {
  uniq += 1;
  return `${prefix}${process.pid.toString(36)}${uniq}`;
}

/** Resolves with a TCP port that was free a moment ago on 127.0.0.1. */
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

/**
 * Runs the roundtable binary to completion.
 * Resolves {code, signal, stdout, stderr}; never rejects on a non-zero exit.
 */
export function run(args, { input, timeoutMs = 60000, cwd = REPO_ROOT, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd, env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`roundtable ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** `roundtable user add` with the password on stdin; throws if it fails. */
export async function addUser(dataDir, { email, name, password, admin = false }) {
  const args = ['user', 'add', '--data', dataDir, '--email', email, '--name', name];
  if (admin) args.push('--admin');
  const r = await run(args, { input: `${password}\n` });
  if (r.code !== 0) {
    throw new Error(`user add ${email} failed: exit ${r.code} ${r.signal ?? ''}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/** One HTTP GET/POST/... with node's fetch; never follows redirects. */
export async function http(base, p, init = {}) {
  const res = await fetch(base + p, { redirect: 'manual', ...init });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}

/** The Set-Cookie header lines of a fetch response. */
export function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const v = headers.get('set-cookie');
  return v ? [v] : [];
}

/**
 * Sends bytes as they are over a plain TCP connection (for request lines
 * that fetch would normalize, like /../../etc/passwd) and resolves with
 * {status, head, body} of the answer.
 */
export function rawHttp(port, requestText, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); finish(); }, timeoutMs);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const all = Buffer.concat(chunks).toString('latin1');
      const i = all.indexOf('\r\n\r\n');
      const head = i >= 0 ? all.slice(0, i) : all;
      const body = i >= 0 ? all.slice(i + 4) : '';
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : null, head, body, raw: all });
    }
    sock.on('connect', () => sock.write(requestText));
    sock.on('data', (d) => {
      chunks.push(d);
      // Stop once a complete answer with Content-Length has arrived.
      const all = Buffer.concat(chunks).toString('latin1');
      const i = all.indexOf('\r\n\r\n');
      if (i >= 0) {
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(all.slice(0, i));
        if (cl && all.length - (i + 4) >= Number(cl[1])) { sock.destroy(); finish(); }
      }
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', (e) => { if (chunks.length) finish(); else { done = true; clearTimeout(timer); reject(e); } });
  });
}

async function waitHealthy(base, child, logs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return { exited: true };
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return { exited: false };
      lastErr = new Error(`/healthz answered ${res.status}`);
    } catch (e) {
      lastErr = e;
    }
    await sleep(50);
  }
  throw new Error(`daemon not healthy after ${timeoutMs} ms: ${lastErr?.message}\n${logs()}`);
}

/**
 * Starts `roundtable serve` on a free port with a fresh temp data directory
 * holding one server administrator (ADMIN_EMAIL / ADMIN_PASSWORD).
 *
 * options: args (extra serve arguments), admin (create the admin, default
 * true), setup(dataDir) run before the first start, dataDir (use this one),
 * env (more environment variables for the daemon).
 *
 * Returns {port, base, url, origin, dataDir, root, proc, stop(), restart(),
 * connect(opts), admin(), logs()}.
 */
export async function startDaemon({ args = [], admin = true, setup, dataDir: givenDir, env } = {}) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rt-proto-'));
  const dataDir = givenDir ?? path.join(root, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  if (admin) await addUser(dataDir, { email: ADMIN_EMAIL, name: ADMIN_NAME, password: ADMIN_PASSWORD, admin: true });
  if (setup) await setup(dataDir, root);

  const d = {
    root,
    dataDir,
    port: 0,
    base: '',
    url: '',
    origin: '',
    proc: null,
    output: '',
    exitInfo: null,
    env: env ?? {}, // extra environment of the daemon (e.g. CRASH_AT)
    logs() {
      return `--- daemon output (port ${d.port}) ---\n${d.output.slice(-6000)}\n--- end ---`;
    },
  };

  async function spawnServe(port) {
    const argv = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, ...args];
    const child = spawn(BIN, argv, { cwd: REPO_ROOT, env: { ...process.env, ...d.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    d.output += `\n$ ${Object.entries(d.env).map(([k, v]) => `${k}=${v} `).join('')}roundtable ${argv.join(' ')}\n`;
    child.stdout.on('data', (x) => { d.output += x; });
    child.stderr.on('data', (x) => { d.output += x; });
    live.add(child);
    child.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => { live.delete(child); resolve({ code, signal }); });
    });
    child.on('error', (e) => { d.output += `spawn error: ${e.message}\n`; });
    return child;
  }

  async function start(fixedPort) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = fixedPort ?? (await freePort());
      const child = await spawnServe(port);
      d.proc = child;
      d.port = port;
      d.base = `http://127.0.0.1:${port}`;
      d.url = `ws://127.0.0.1:${port}/ws`;
      d.origin = `http://127.0.0.1:${port}`;
      const r = await waitHealthy(d.base, child, d.logs, 20000);
      if (!r.exited) return;
      const info = await child.exited;
      // A port taken between freePort() and bind(): try another one.
      if (fixedPort === undefined && attempt < 3) continue;
      if (fixedPort !== undefined && attempt < 3) { await sleep(300); continue; }
      throw new Error(`daemon exited before it was ready (code ${info.code}, signal ${info.signal})\n${d.logs()}`);
    }
  }

  /** SIGTERM, then assert a clean exit (status 0, no signal) within 15 s. */
  d.stop = async function stop({ cleanup = false } = {}) {
    const child = d.proc;
    if (!child) return;
    d.proc = null;
    // Open connections stay open: a clean shutdown must cope with them.
    let info;
    if (child.exitCode !== null || child.signalCode !== null) {
      info = await child.exited;
      d.exitInfo = info;
      assert.fail(`daemon had already exited (code ${info.code}, signal ${info.signal}) before stop()\n${d.logs()}`);
    }
    child.kill('SIGTERM');
    const timeout = sleepUnref(15000).then(() => 'timeout');
    info = await Promise.race([child.exited, timeout]);
    if (info === 'timeout') {
      child.kill('SIGKILL');
      await child.exited;
      assert.fail(`daemon did not exit within 15 s of SIGTERM\n${d.logs()}`);
    }
    d.exitInfo = info;
    for (const c of d.clients) c.terminate();
    d.clients.clear();
    assert.equal(info.signal, null, `daemon died of signal ${info.signal} after SIGTERM\n${d.logs()}`);
    assert.equal(info.code, 0, `daemon exit status after SIGTERM\n${d.logs()}`);
    if (cleanup && !KEEP) fs.rmSync(root, { recursive: true, force: true });
  };

  /**
   * Stop cleanly, then start again on the same port and data directory;
   * { env } replaces the extra environment variables from then on.
   */
  d.restart = async function restart({ env: newEnv } = {}) {
    if (newEnv) d.env = newEnv;
    const port = d.port;
    await d.stop();
    await start(port);
  };

  /**
   * Starts the daemon again on the same port and data directory with the
   * environment `env`, first killing it with SIGKILL if it still runs (a
   * crash, as far as the data is concerned). Connections are not kept.
   */
  d.respawn = async function respawn({ env: newEnv = {} } = {}) {
    const child = d.proc;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await child.exited;
    }
    for (const c of d.clients) c.terminate();
    d.clients.clear();
    d.env = newEnv;
    await start(d.port);
  };

  /** Kill without asserting anything (for after() hooks once a test already failed). */
  d.kill = async function kill() {
    const child = d.proc;
    d.proc = null;
    for (const c of d.clients) c.terminate();
    d.clients.clear();
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await child.exited;
    }
    if (!KEEP) fs.rmSync(root, { recursive: true, force: true });
  };

  /**
   * For after(): stop cleanly (asserting the clean exit) and remove the
   * temp directory; if the daemon is already gone, report how it ended.
   */
  d.close = async function close() {
    try {
      await d.stop();
    } finally {
      await d.kill();
    }
  };

  d.clients = new Set();
  /** A connected Client (see Client.connect for opts). */
  d.connect = async function connect(opts = {}) {
    const c = new Client(d.url);
    await c.connect(opts);
    d.clients.add(c);
    c.closed.then(() => d.clients.delete(c));
    return c;
  };
  /** A connection signed in as the server administrator. */
  d.admin = async function adminClient() {
    const c = await d.connect();
    await c.login(ADMIN_EMAIL, ADMIN_PASSWORD);
    return c;
  };
  /** A connection signed in with email/password. */
  d.login = async function login(email, password) {
    const c = await d.connect();
    await c.login(email, password);
    return c;
  };

  await start(undefined);
  return d;
}

/** Thrown by Client.call when the reply has ok:false. */
export class ReplyError extends Error {
  constructor(op, reply) {
    super(`${op} failed: ${JSON.stringify(reply.error)}`);
    this.reply = reply;
    this.code = reply.error?.code;
    this.field = reply.error?.field;
  }
}

/**
 * A WebSocket client of the Roundtable protocol.
 *
 *   const c = new Client(url); await c.connect({origin, headers, protocol});
 *   const reply = await c.request('auth.login', {email, password}, {key});
 *   const data = await c.call('coalition.get', {coalition: 'x'});  // throws ReplyError if !ok
 *   await c.waitEvent((e) => e.event === 'member.joined', 3000);
 *   c.sendRaw('not json'); c.sendRaw(Buffer.from([1, 2]), {binary: true});
 *   const {code, reason} = await c.closed;
 */
export class Client {
  constructor(url) {
    this.url = url;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map();
    this.events = [];
    this.unmatched = []; // replies whose id matched no pending request (e.g. id null)
    this.messages = []; // every parsed message, in arrival order
    this.rawMessages = []; // every message as received
    this.waiters = [];
    this.closeInfo = null;
    this.errors = [];
    this.closed = new Promise((resolve) => { this._resolveClosed = resolve; });
    this.upgradeHeaders = null;
  }

  /**
   * Opens the connection. opts: origin (Origin header; none by default),
   * headers (extra request headers, e.g. {cookie}), protocol (default
   * 'roundtable.v1'; null for none).
   * Rejects with an Error carrying .status (HTTP status) when the upgrade is refused.
   */
  connect({ origin, headers = {}, protocol = SUBPROTOCOL, timeoutMs = 5000 } = {}) {
    return new Promise((resolve, reject) => {
      const opts = { headers, handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024 };
      if (origin !== undefined) opts.origin = origin;
      const ws = protocol === null ? new WebSocket(this.url, opts) : new WebSocket(this.url, protocol, opts);
      this.ws = ws;
      let settled = false;
      ws.on('upgrade', (res) => { this.upgradeHeaders = res.headers; });
      ws.on('unexpected-response', (req, res) => {
        const err = new Error(`upgrade refused with HTTP ${res.statusCode}`);
        err.status = res.statusCode;
        err.headers = res.headers;
        res.resume();
        settled = true;
        reject(err);
        try { req.destroy(); } catch { /* ignore */ }
      });
      ws.on('open', () => {
        settled = true;
        resolve(this);
      });
      ws.on('error', (e) => {
        this.errors.push(e);
        if (!settled) {
          settled = true;
          const m = /Unexpected server response: (\d+)/.exec(e.message);
          if (m) e.status = Number(m[1]);
          reject(e);
        }
      });
      ws.on('message', (data, isBinary) => this._onMessage(data, isBinary));
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const [, p] of this.pending) {
          clearTimeout(p.timer);
          p.reject(new Error(`connection closed (${code} ${reason}) before reply to ${p.op}`));
        }
        this.pending.clear();
        for (const w of this.waiters) w.onClose?.();
        this._resolveClosed(this.closeInfo);
        if (!settled) {
          settled = true;
          reject(new Error(`connection closed during handshake (${code})`));
        }
      });
    });
  }

  get isOpen() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  _onMessage(data, isBinary) {
    this.rawMessages.push({ data, isBinary });
    let msg;
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      msg = { unparsable: data.toString('utf8') };
    }
    this.messages.push(msg);
    if (msg && typeof msg === 'object' && 'event' in msg && !('ok' in msg)) {
      this.events.push(msg);
    } else if (msg && typeof msg === 'object' && 'ok' in msg && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      p.resolve(msg);
    } else {
      this.unmatched.push(msg);
    }
    for (const w of [...this.waiters]) w.check();
  }

  /** Sends {id, op, args, key?} and resolves with the whole reply. */
  request(op, args = {}, { key, id, timeoutMs = 15000, omitArgs = false } = {}) {
    if (id === undefined) id = this.nextId++;
    const msg = { id, op };
    if (!omitArgs) msg.args = args;
    if (key !== undefined) msg.key = key;
    return this.requestRaw(JSON.stringify(msg), id, op, timeoutMs);
  }

  /** Sends a prepared text frame and resolves with the reply carrying `id`. */
  requestRaw(text, id, op = '(raw)', timeoutMs = 15000) {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new Error(`connection not open (close ${JSON.stringify(this.closeInfo)}) for ${op}`));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no reply to ${op} (id ${id}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, op });
      this.ws.send(text);
    });
  }

  /** Like request, but resolves with data and throws ReplyError on ok:false. */
  async call(op, args = {}, opts = {}) {
    const reply = await this.request(op, args, opts);
    assert.equal(typeof reply.ok, 'boolean', `reply to ${op} has no boolean ok: ${JSON.stringify(reply)}`);
    if (!reply.ok) throw new ReplyError(op, reply);
    return reply.data;
  }

  /** Resolves with the reply, asserting it failed with `code` (and `field` if given). */
  async expectError(op, args, code, { field, key } = {}) {
    const reply = await this.request(op, args, { key });
    assertError(reply, code, { field, what: `${op} ${JSON.stringify(args)}` });
    return reply;
  }

  async login(email, password) {
    const data = await this.call('auth.login', { email, password });
    this.token = data.token;
    this.member = data.member;
    return data;
  }

  /** Sends text or bytes as they are. opts: {binary, fin} as in ws's send. */
  sendRaw(data, opts = {}) {
    return new Promise((resolve, reject) => {
      this.ws.send(data, opts, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * Resolves with the first message (from the start of the connection, or
   * from index `from`) that satisfies pred; rejects after timeoutMs or when
   * the connection closes first.
   */
  _wait(list, pred, timeoutMs, what, from = 0) {
    return new Promise((resolve, reject) => {
      let i = from;
      const w = {
        check: () => {
          for (; i < list.length; i++) {
            if (pred(list[i])) {
              cleanup();
              resolve(list[i]);
              return true;
            }
          }
          return false;
        },
        onClose: () => {
          if (w.check()) return;
          cleanup();
          reject(new Error(`connection closed (${JSON.stringify(this.closeInfo)}) while waiting for ${what}`));
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(list.slice(-5))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        const k = this.waiters.indexOf(w);
        if (k >= 0) this.waiters.splice(k, 1);
      };
      this.waiters.push(w);
      if (w.check()) return;
      if (this.closeInfo) w.onClose();
    });
  }

  /** The first event satisfying pred (events already received count). */
  waitEvent(pred = () => true, timeoutMs = 5000, { from = 0 } = {}) {
    return this._wait(this.events, pred, timeoutMs, 'an event', from);
  }

  /**
   * Sends a raw frame (not registered as a request) and resolves with the
   * next reply that matches no pending request (replies to raw frames land there).
   */
  async sendAndWait(data, opts = {}, timeoutMs = 5000) {
    const from = this.unmatched.length;
    await this.sendRaw(data, opts);
    return this._wait(this.unmatched, () => true, timeoutMs, 'a reply to a raw frame', from);
  }

  /** The first reply that matched no request (e.g. id null) satisfying pred. */
  waitUnmatched(pred = () => true, timeoutMs = 5000) {
    return this._wait(this.unmatched, pred, timeoutMs, 'a reply with no matching request');
  }

  /** Waits until n events (in total) satisfying pred have arrived. */
  async waitEvents(pred, n, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (this.events.filter(pred).length < n) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${n} events; have ${JSON.stringify(this.events.filter(pred))}`);
      }
      if (this.closeInfo) throw new Error(`connection closed while waiting for events: ${JSON.stringify(this.closeInfo)}`);
      await sleep(20);
    }
    return this.events.filter(pred);
  }

  /** Resolves {code, reason} once closed, or rejects after timeoutMs. */
  async waitClose(timeoutMs = 5000) {
    const t = sleepUnref(timeoutMs).then(() => 'timeout');
    const r = await Promise.race([this.closed, t]);
    if (r === 'timeout') throw new Error(`connection still open after ${timeoutMs} ms`);
    return r;
  }

  close(code = 1000) {
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) {
      this.ws.close(code);
    }
  }

  terminate() {
    if (this.ws) this.ws.terminate();
  }
}

/** Asserts a reply is a well formed error reply with `code` (and `field`). */
export function assertError(reply, code, { field, id, what = '' } = {}) {
  assert.ok(reply && typeof reply === 'object', `${what}: reply is not an object: ${JSON.stringify(reply)}`);
  assert.equal(reply.ok, false, `${what}: expected ok:false, got ${JSON.stringify(reply)}`);
  assert.ok(reply.error && typeof reply.error === 'object', `${what}: error reply without error object: ${JSON.stringify(reply)}`);
  assert.equal(reply.error.code, code, `${what}: error code, reply ${JSON.stringify(reply)}`);
  assert.equal(typeof reply.error.message, 'string', `${what}: error.message should be a string: ${JSON.stringify(reply)}`);
  if (field !== undefined) assert.equal(reply.error.field, field, `${what}: error.field, reply ${JSON.stringify(reply)}`);
  if (id !== undefined) assert.equal(reply.id, id, `${what}: reply id, reply ${JSON.stringify(reply)}`);
}

/** Runs fn and asserts it throws a ReplyError with code (and field). */
export async function rejectsWith(promise, code, { field, what = '' } = {}) {
  try {
    const data = await promise;
    assert.fail(`${what}: expected error ${code}, got ok with ${JSON.stringify(data)}`);
  } catch (e) {
    if (!(e instanceof ReplyError)) throw e;
    assertError(e.reply, code, { field, what });
  }
}

/**
 * Creates a coalition as the server administrator (who becomes its first
 * convener) and brings in members by invitation:
 *
 *   const co = await makeCoalition(d, {slug, members: [{key: 'ana', roles: ['provider'], organization: 'Org A'}]});
 *   co.admin            // signed-in admin Client (convener)
 *   co.members.ana      // {client, token, id, email, password, name, roles, organization, invite}
 *
 * Member emails and names are made unique unless given.
 */
export async function makeCoalition(d, { slug, name, description, members = [], admin } = {}) {
  slug = slug ?? unique('co').toLowerCase();
  name = name ?? `Coalition ${slug}`;
  const adminClient = admin ?? (await d.admin());
  const createArgs = { slug, name };
  if (description !== undefined) createArgs.description = description;
  const created = await adminClient.call('coalition.create', createArgs);
  const out = { slug, name, admin: adminClient, coalition: created.coalition, members: {} };
  for (const m of members) {
    out.members[m.key] = await addMember(d, out, m);
  }
  return out;
}

/** Invites one member into co (by co.admin or `by`) and accepts the invitation. */
export async function addMember(d, co, m, { by } = {}) {
  const inviter = by ?? co.admin;
  const email = m.email ?? `${unique(m.key ?? 'm')}@test.example`.toLowerCase();
  const name = m.name ?? `Member ${m.key ?? email}`;
  const password = m.password ?? `pw-${m.key ?? 'member'}-secret`;
  const roles = m.roles ?? ['provider'];
  const inviteArgs = { coalition: co.slug, email, name, roles };
  if (m.organization !== undefined) inviteArgs.organization = m.organization;
  const invite = await inviter.call('member.invite', inviteArgs);
  assert.equal(typeof invite.invite_token, 'string', `member.invite reply: ${JSON.stringify(invite)}`);
  const client = await d.connect();
  const acc = await client.call('auth.accept_invite', { invite_token: invite.invite_token, password });
  client.token = acc.token;
  client.member = acc.member;
  return {
    client, token: acc.token, id: acc.member.id, email, password, name, roles,
    organization: m.organization, invite, accepted: acc,
  };
}

/** Collects events on c after `from` until one with seq >= targetSeq, then waits quietMs for extras. */
export async function collectUntilSeq(c, coalition, targetSeq, { from = 0, timeoutMs = 5000, quietMs = 300 } = {}) {
  const mine = () => c.events.slice(from).filter((e) => e.coalition === coalition);
  if (targetSeq !== undefined && targetSeq !== null) {
    await c.waitEvent((e) => e.coalition === coalition && e.seq >= targetSeq, timeoutMs, { from })
      .catch((e) => { throw new Error(`${e.message}\nevents so far: ${JSON.stringify(mine())}`); });
  }
  await sleep(quietMs);
  return mine();
}

/** Asserts that seq strictly increases along a list of events. */
export function assertStrictlyIncreasing(events, what = 'events') {
  for (let i = 1; i < events.length; i++) {
    assert.ok(
      Number.isInteger(events[i].seq) && events[i].seq > events[i - 1].seq,
      `${what}: seq must strictly increase, got ${events[i - 1].seq} then ${events[i].seq}: ${JSON.stringify(events.map((e) => [e.seq, e.event]))}`,
    );
  }
}

/** The SQLite database file of a data directory. */
export function dbPath(dataDir) {
  return path.join(dataDir, 'roundtable.db');
}

/** Runs the sqlite3 CLI on a database; resolves stdout, throws on failure. */
export function sqlite(db, sql, { args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('sqlite3', [...args, db, sql], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (x) => { out += x; });
    child.stderr.on('data', (x) => { err += x; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`sqlite3 ${sql} failed (${code}): ${err}`));
      else resolve(out);
    });
  });
}

/**
 * A digest of a data directory while the daemon runs, to show that a request
 * changed nothing: a long-lived sqlite3 process reads every table's SHA3
 * (WAL lets it read beside the daemon; a reply comes after its commit, so
 * what was acknowledged is visible), plus the MOU repositories' refs.
 *
 *   const g = dataDigester(d.dataDir);
 *   const before = await g.digest();  ...  changedKeys(before, await g.digest())  // ['events', ...]
 *   g.stop();
 *
 * digest() resolves a Map from table name (or `git:<repo>/<ref file>`) to its
 * hash; g.spent is the milliseconds spent digesting.
 */
export function dataDigester(dataDir) {
  const child = spawn('sqlite3', [dbPath(dataDir)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let buf = '';
  let waiting = null;
  let stderr = '';
  child.stdout.on('data', (x) => {
    buf += x;
    const i = buf.indexOf('--end--\n');
    if (i >= 0 && waiting) {
      const out = buf.slice(0, i);
      buf = buf.slice(i + 8);
      const w = waiting;
      waiting = null;
      w(out);
    }
  });
  child.stderr.on('data', (x) => { stderr += x; });
  // Virtual tables are read through their shadow tables: messages_fts needs
  // the daemon's own tokenizer (storage/fts_scope.c), which sqlite3 lacks.
  const sql = "SELECT name, hex(sha3_query('SELECT * FROM \"' || name || '\"')) FROM sqlite_schema "
    + "WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name;\nSELECT '--end--';\n";
  return {
    spent: 0,
    async digest() {
      const t0 = Date.now();
      const out = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`sqlite3 digest timed out: ${stderr}`)), 10000);
        timer.unref();
        waiting = (text) => { clearTimeout(timer); resolve(text); };
        child.stdin.write(sql, (e) => e && reject(e));
      });
      const map = new Map(out.trim().split('\n').map((l) => l.split('|')));
      const git = path.join(dataDir, 'git');
      for (const repo of fs.existsSync(git) ? fs.readdirSync(git).sort() : []) {
        for (const f of ['refs/heads/main', 'packed-refs', 'HEAD']) {
          const p = path.join(git, repo, f);
          if (fs.existsSync(p)) map.set(`git:${repo}/${f}`, fs.readFileSync(p, 'utf8'));
        }
      }
      this.spent += Date.now() - t0;
      return map;
    },
    stop() { child.stdin.end(); },
  };
}

/** The keys whose values differ between two dataDigester digests. */
export function changedKeys(a, b) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k));
}

// --- Raw WebSocket frames (RFC 6455), for conformance and hostile tests ----

/**
 * One WebSocket frame as bytes (RFC 6455 section 5.2). payload: Buffer or
 * string. opts: fin (default true), rsv (0..7: RSV1 is 4, RSV2 2, RSV3 1),
 * mask (default true: clients must mask), maskKey (4 bytes), lenBytes
 * (force the length encoding: 0 for 7-bit, 2 for 16-bit, 8 for 64-bit, even
 * when not minimal), len (lie about the length: sent in the header instead of
 * the payload's own).
 */
export function wsFrame(opcode, payload = Buffer.alloc(0), { fin = true, rsv = 0, mask = true, maskKey, lenBytes, len } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const n = len ?? data.length;
  const enc = lenBytes ?? (n < 126 ? 0 : n <= 0xffff ? 2 : 8);
  const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f))];
  const m = mask ? 0x80 : 0;
  if (enc === 0) head.push(m | n);
  else if (enc === 2) head.push(m | 126, (n >> 8) & 0xff, n & 0xff);
  else {
    head.push(m | 127);
    const big = BigInt(n);
    for (let i = 7; i >= 0; i--) head.push(Number((big >> BigInt(8 * i)) & 0xffn));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = maskKey ?? Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ key[i % 4];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/** A close frame's payload: the code (2 bytes, big endian) and a reason. */
export function closePayload(code, reason = '') {
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8');
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

/** The handshake request of rawWs, with headers replaced or dropped (null). */
export function handshakeRequest(port, { path: p = '/ws', headers = {}, requestLine } = {}) {
  const h = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': SUBPROTOCOL,
    ...headers,
  };
  let text = `${requestLine ?? `GET ${p} HTTP/1.1`}\r\n`;
  for (const [k, v] of Object.entries(h)) if (v !== null && v !== undefined) text += `${k}: ${v}\r\n`;
  return `${text}\r\n`;
}

/**
 * A WebSocket connection over a plain TCP socket, for sending hand-built
 * frames. rawWs(port, opts) resolves once the 101 answer has come (opts as
 * handshakeRequest); it rejects with .status when the daemon answers otherwise.
 *
 *   const w = await rawWs(d.port);
 *   w.send(wsFrame(1, '{"id":1,"op":"auth.whoami","args":{}}'));
 *   const f = await w.waitFrame((f) => f.opcode === 1);   // {fin, rsv, opcode, payload, text}
 *   const {code, reason, tcp} = await w.waitClose();        // code null: no close frame came
 *
 * Frames from the server are parsed as they come; a close frame from the
 * server is answered with a close frame, like a well-behaved client.
 */
export function rawWs(port, opts = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const w = {
      sock,
      frames: [],
      close: null, // {code, reason} of the server's close frame
      tcpClosed: false,
      head: '',
      waiters: [],
      send(buf) { if (!sock.destroyed) sock.write(buf); },
      end() { sock.destroy(); },
      _check() { for (const f of [...w.waiters]) f(); },
      /** The first frame (since the start) satisfying pred. */
      waitFrame(pred = () => true, timeoutMs = 5000) {
        return new Promise((res, rej) => {
          const timer = setTimeout(() => {
            done();
            rej(new Error(`no frame within ${timeoutMs} ms; got ${w.frames.length}, the last: ${JSON.stringify(w.frames.slice(-5).map((f) => [f.opcode, f.text.slice(0, 80)]))}`));
          }, timeoutMs);
          const check = () => {
            const f = w.frames.find(pred);
            if (f) { done(); res(f); } else if (w.tcpClosed) { done(); rej(new Error(`connection closed (close ${JSON.stringify(w.close)}) before the frame came`)); }
          };
          const done = () => { clearTimeout(timer); w.waiters = w.waiters.filter((x) => x !== check); };
          w.waiters.push(check);
          check();
        });
      },
      /**
       * Resolves {code, reason, tcp} once the server sent a close frame and
       * ended the TCP connection (code null when it ended it without one),
       * or {timeout: true, ...} after timeoutMs.
       */
      waitClose(timeoutMs = 5000) {
        return new Promise((res) => {
          const result = (timeout) => ({ code: w.close?.code ?? null, reason: w.close?.reason ?? null, tcp: w.tcpClosed, timeout });
          const timer = setTimeout(() => { done(); res(result(true)); }, timeoutMs);
          const check = () => { if (w.tcpClosed) { done(); res(result(false)); } };
          const done = () => { clearTimeout(timer); w.waiters = w.waiters.filter((x) => x !== check); };
          w.waiters.push(check);
          check();
        });
      },
    };
    let buf = Buffer.alloc(0);
    let upgraded = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('no handshake answer within 5 s')); }, opts.timeoutMs ?? 5000);
    sock.on('connect', () => sock.write(handshakeRequest(port, opts)));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        w.head = buf.subarray(0, i).toString('latin1');
        buf = buf.subarray(i + 4);
        clearTimeout(timer);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(w.head);
        if (!m || m[1] !== '101') {
          const e = new Error(`handshake answered: ${w.head.split('\r\n')[0]}`);
          e.status = m ? Number(m[1]) : null;
          e.head = w.head;
          sock.destroy();
          reject(e);
          return;
        }
        upgraded = true;
        resolve(w);
      }
      for (;;) { // parse the server's frames (never masked)
        if (buf.length < 2) break;
        let n = buf[1] & 0x7f;
        let off = 2;
        if (n === 126) { if (buf.length < 4) break; n = buf.readUInt16BE(2); off = 4; }
        else if (n === 127) { if (buf.length < 10) break; n = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf.length < off + n) break;
        const payload = buf.subarray(off, off + n);
        const f = { fin: !!(buf[0] & 0x80), rsv: (buf[0] >> 4) & 7, opcode: buf[0] & 0x0f, payload, text: payload.toString('utf8') };
        buf = buf.subarray(off + n);
        w.frames.push(f);
        if (f.opcode === 8 && !w.close) {
          w.close = { code: payload.length >= 2 ? payload.readUInt16BE(0) : null, reason: payload.subarray(2).toString('utf8') };
          w.send(wsFrame(8, payload.subarray(0, 2)));
        }
      }
      w._check();
    });
    const gone = () => {
      clearTimeout(timer);
      w.tcpClosed = true;
      w._check();
      if (!upgraded) { const e = new Error(`connection closed during the handshake: ${buf.toString('latin1').split('\r\n')[0]}`); e.status = null; reject(e); }
    };
    sock.on('error', () => {});
    sock.on('close', gone);
  });
}

/**
 * Idempotency records as storage/store_idem.h seals them: the lookup tag
 * (hex, for `WHERE hex(tag) = ...`) of (member, key), and the opening of a
 * record's sealed column (hex) into {op, reply}.
 */
function idemDerive(label, memberId, key) {
  const m = Buffer.alloc(8);
  m.writeBigInt64BE(BigInt(memberId));
  return crypto.createHash('sha256').update(Buffer.from(`${label}\0`)).update(m).update(Buffer.from(key)).digest();
}
export function idemTag(memberId, key) {
  return idemDerive('rt.idem.tag', memberId, key).toString('hex').toUpperCase();
}
export function idemOpen(memberId, key, sealedHex) {
  const sealed = Buffer.from(sealedHex.trim(), 'hex');
  const d = crypto.createDecipheriv('chacha20-poly1305', idemDerive('rt.idem.seal', memberId, key), sealed.subarray(0, 12),
    { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  const plain = Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]).toString('utf8');
  const nul = plain.indexOf('\0');
  return { op: plain.slice(0, nul), reply: JSON.parse(plain.slice(nul + 1)) };
}
