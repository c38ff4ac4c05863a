// Shared helpers for the browser tests: run the real roundtable daemon on a
// free port with a fresh data directory, launch Debian's chromium through
// playwright-core, watch a page for console errors and CSP violations, and a
// small WebSocket client for setting things up behind the page's back.

import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir, readFile } from 'node:fs/promises';
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
// extraArgs go to serve (e.g. ['--origin', proxy.url]).
export async function startDaemon({ dataDir, port, extraArgs = [] } = {}) {
  port = port || await freePort();
  const args = ['serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`, '--web', WEB_DIR, ...extraArgs];
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

// A TCP proxy on its own port in front of the daemon's, to take the page's
// network away for real (context.setOffline does not touch WebSockets:
// playwright issue 4910). The page loads from proxy.url, so start the daemon
// with ['--origin', proxy.url].
//   cut()      closes every WebSocket connection through the proxy (the page
//              sees its socket close) and refuses new upgrades; plain HTTP
//              still passes, so the page can be reloaded while "offline".
//   mute()     keeps the WebSockets open and forwards what the page sends,
//              but drops everything the daemon answers: replies get lost.
//   restore()  lets everything through again.
export async function startCutProxy(targetPort) {
  const pairs = new Set();
  let cut = false;
  let muted = false;
  const server = net.createServer((client) => {
    client.once('data', (first) => {
      const head = first.toString('latin1');
      const ws = /^GET \/ws[ ?]/.test(head) && /\r\nupgrade:\s*websocket/i.test(head);
      if (cut && ws) {
        client.destroy();
        return;
      }
      const up = net.connect(targetPort, '127.0.0.1');
      const pair = { client, up, ws };
      pairs.add(pair);
      const end = () => {
        pairs.delete(pair);
        client.destroy();
        up.destroy();
      };
      client.on('data', (d) => up.write(d));
      up.on('data', (d) => {
        if (!(pair.ws && muted)) client.write(d);
      });
      for (const s of [client, up]) {
        s.on('close', end);
        s.on('error', end);
      }
      up.write(first);
    });
    client.on('error', () => client.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    cut() {
      cut = true;
      muted = false;
      for (const p of [...pairs]) {
        if (!p.ws) continue;
        p.client.destroy();
        p.up.destroy();
        pairs.delete(p);
      }
    },
    mute() {
      muted = true;
    },
    restore() {
      cut = false;
      muted = false;
    },
    close() {
      for (const p of pairs) {
        p.client.destroy();
        p.up.destroy();
      }
      return new Promise((resolve) => server.close(resolve));
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

// --- accessibility ------------------------------------------------------------

const AXE_PATH = path.join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');
let axeSource = null;

// WCAG 2.1 A and AA, plus axe's best practices; only serious and critical
// findings fail.
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const FAILING_IMPACT = new Set(['serious', 'critical']);

// Run axe-core on the page as it is now. The daemon's CSP allows only
// scripts from 'self', so the page could not load axe itself; playwright's
// evaluate runs it through the DevTools protocol, which CSP does not govern
// (no bypassCSP: the page keeps its real policy, and watchPage would report a
// blocked script). Returns the serious and critical violations (every
// impact with { all: true }) as lines "rule (impact): help" followed by the
// failing nodes' selectors; an empty list means clean.
export async function a11yViolations(page, { all = false } = {}) {
  if (!axeSource) axeSource = await readFile(AXE_PATH, 'utf8');
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ impact: n.impact, target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  const lines = [];
  for (const v of violations) {
    const nodes = v.nodes.filter((n) => all || FAILING_IMPACT.has(n.impact || v.impact));
    if (!nodes.length) continue;
    lines.push(`${v.id} (${v.impact}): ${v.help}\n` +
      nodes.slice(0, 8).map((n) => `    ${n.target}\n      ${String(n.summary || '').replace(/\n/g, '\n      ')}`).join('\n') +
      (nodes.length > 8 ? `\n    ... and ${nodes.length - 8} more` : ''));
  }
  return lines;
}

// Fails (assert) when axe finds a serious or critical violation, naming the
// page state (label), each rule, its impact and the selectors of the nodes.
export async function checkA11y(page, label) {
  const lines = await a11yViolations(page);
  if (lines.length) {
    throw new Error(`accessibility violations on ${label} (${page.url()}):\n  ${lines.join('\n  ')}`);
  }
}

// Horizontal overflow of the page in CSS pixels (0 when it fits the window).
export function horizontalOverflow(page) {
  return page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
}

// --- the demo, one step further ----------------------------------------------

// The respondent links `roundtable demo` prints: [{organization, token}].
export function demoRespondentTokens(demoOutput) {
  const out = [];
  for (const line of String(demoOutput || '').split('\n')) {
    const m = /^\s+(\S.*?)\s{2,}([A-Za-z0-9_-]{43})\s*$/.exec(line);
    if (m) out.push({ organization: m[1], token: m[2] });
  }
  return out;
}

const inDays = (days) => new Date(Date.now() + days * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function loggedIn(baseUrl, email) {
  const c = await RtClient.connect(baseUrl);
  await c.request('auth.login', { email, password: DEMO_PASSWORD });
  return c;
}

// Takes the demo coalition `valley` (after runDemo, whose output is given)
// one step further over the protocol, so that every area has something in
// each state a member meets, as in real use:
//   - the demo RFQ: both candidates answered and submitted,
//     it is closed, Maria, James and Grace evaluate (Grace scored both
//     candidates, Maria and James the first): scoring forms, results table;
//   - a second RFQ open for responses, with one invited respondent and one
//     question waiting for an answer;
//   - an open single-choice decision that conveners, the design team and
//     providers vote on, with two ballots (James, Tom), and an open
//     proposal for conveners and the design team (James agreed);
//   - an invitation waiting to be accepted.
// Returns {closedRfq, closedRespondentToken, openRfq, respondentToken,
// decision, proposal, inviteToken}.
export async function arrangeShowcase(baseUrl, demoOutput) {
  const clients = [];
  try {
    const [maria, james, grace, tom] = await Promise.all(
      ['maria', 'james', 'grace', 'tom'].map((n) => loggedIn(baseUrl, `${n}@demo.test`)));
    clients.push(maria, james, grace, tom);

    // The demo RFQ: answered, closed, scored.
    const { rfqs } = await maria.request('rfq.list', { coalition: 'valley' });
    const demoRfq = rfqs.find((r) => r.status === 'published');
    if (!demoRfq) throw new Error('the demo has no published RFQ');
    const respondents = demoRespondentTokens(demoOutput);
    if (respondents.length < 2) throw new Error(`no respondent links in the demo output:\n${demoOutput}`);
    const anon = await RtClient.connect(baseUrl);
    clients.push(anon);
    for (const [ri, r] of respondents.entries()) {
      const got = await anon.request('response.get', { respondent_token: r.token });
      if (got.final) continue; // the demo may have submitted some already
      const answers = got.rfq.questions.map((q, qi) => ({
        question: q.id,
        body: `${r.organization} has done this for **${8 + ri * 5 + (qi % 4)} years**: ` +
          ['a shared billing office for 40 programs.', 'monthly meetings with provider directors.',
            'a board seat for family child care homes.', 'payroll and substitutes for 200 staff.'][(qi + ri) % 4],
      }));
      await anon.request('response.submit', { respondent_token: r.token, answers, final: true }, `showcase-answers-${ri}`);
    }
    const coalition = await maria.request('coalition.get', { coalition: 'valley' });
    const memberId = (name) => coalition.members.find((m) => m.name === name).id;
    for (const [name, group] of [['Maria Lopez', 'design_team'], ['James Carter', 'design_team'], ['Grace Kim', 'funder']]) {
      await maria.request('evaluator.assign', { rfq: demoRfq.id, member: memberId(name), group }, `showcase-assign-${name}`);
    }
    await maria.request('rfq.close', { rfq: demoRfq.id }, 'showcase-close');
    const full = await maria.request('rfq.get', { rfq: demoRfq.id });
    const scoring = [[grace, [0, 1]], [james, [0]], [maria, [0]]];
    for (const [ei, [who, which]] of scoring.entries()) {
      for (const ri of which) {
        const respondent = full.respondents[ri];
        for (const [ci, c] of full.rfq.criteria.entries()) {
          const score = Math.min(c.max, 1 + ((ci * 3 + ri * 2 + ei) % c.max));
          const args = { rfq: demoRfq.id, respondent: respondent.id, criterion: c.id, score };
          if (ci === 0) args.comment = ri === 0 ? 'Strong record with subsidy billing.' : 'Little experience with family child care homes.';
          await who.request('score.submit', args, `showcase-score-${ei}-${ri}-${ci}`);
        }
      }
    }

    // A second RFQ, open for responses, with a respondent and a question.
    const tpl = await maria.request('rfq.template', {});
    const made = await maria.request('rfq.create', {
      coalition: 'valley', title: 'Business Hub: billing, payroll and enrollment', body: tpl.body,
      closes_at: inDays(14), questions: tpl.questions.slice(0, 6), criteria: tpl.criteria.slice(0, 5),
    }, 'showcase-rfq2');
    const openRfq = made.rfq.id;
    await maria.request('rfq.publish', { rfq: openRfq }, 'showcase-rfq2-publish');
    const inv = await maria.request('respondent.invite', { rfq: openRfq, organization: 'Riverbend Early Learning', email: 'hub@riverbend.example' }, 'showcase-rfq2-invite');
    await anon.request('clarification.ask', { respondent_token: inv.respondent_token, text: 'May two organizations apply together?' }, 'showcase-rfq2-ask');

    // An open decision that Maria (convener) may vote on.
    const dec = await maria.request('decision.create', {
      coalition: 'valley', title: 'When should the alliance meet?', body: 'Pick the time that works for **most** of us.',
      kind: 'choice', options: ['Tuesday evenings', 'Saturday mornings', 'Online, any day'],
      eligible_roles: ['convener', 'design_team', 'provider'], closes_at: inDays(7), quorum: 50,
    }, 'showcase-decision');
    await james.request('ballot.cast', { decision: dec.decision.id, choice: 'Tuesday evenings' }, 'showcase-ballot-james');
    await tom.request('ballot.cast', { decision: dec.decision.id, choice: 'Online, any day', reason: 'Less driving.' }, 'showcase-ballot-tom');
    const proposal = await maria.request('decision.create', {
      coalition: 'valley', title: 'Share one substitute list with the Hub', body: 'The Hub keeps **one** list of substitutes for every member.',
      kind: 'proposal', eligible_roles: ['convener', 'design_team'], closes_at: inDays(10),
    }, 'showcase-proposal');
    await james.request('ballot.cast', { decision: proposal.decision.id, choice: 'agree' }, 'showcase-proposal-james');

    // An invitation waiting for its link to be opened.
    const invite = await maria.request('member.invite', {
      coalition: 'valley', email: 'rosa@demo.test', name: 'Rosa Diaz', roles: ['parent'],
    }, 'showcase-invite');

    return {
      closedRfq: demoRfq.id, closedRespondentToken: respondents[0].token, openRfq, respondentToken: inv.respondent_token,
      decision: dec.decision.id, proposal: proposal.decision.id, inviteToken: invite.invite_token,
    };
  } finally {
    for (const c of clients) c.close();
  }
}
