// Browser test: hostile text in a real browser. Every payload of the shared
// corpora (tests/corpora: XSS payload lists, markdown XSS, the Big List
// of Naughty Strings) is posted over the protocol as a discussion message, an
// RFQ answer, MOU text, a member's display name (as the invited name, and for
// a sample also as the name of a member who joined and posted; names follow
// the name rule, so only the payloads it allows are stored) and a
// milestone update's note. Then the real web client shows them in Chromium, page after page,
// twice: with the Content-Security-Policy the daemon sends, and with that
// header stripped from every response (so only the renderer and the client
// stand between a payload and the page).
//
// A hit is any of: alert/prompt/confirm/print/open/document.write called, a
// dialog or popup opened, a request to another host or to anything the page
// does not need (only the client's own files, /ws and /api/session are),
// another frame appearing, a CSP violation or page error, an element anywhere
// with an on* attribute or a javascript:/vbscript:/data: URL, or a tag inside
// rendered markdown that the daemon's allow list does not have. Zero hits are
// required. Each page is also checked to show every stored payload (a page
// that failed to render would otherwise pass). A positive control proves the
// hooks see an injected handler.
//
// RT_XSS_LIMIT=n tries the first n payloads only, for a quick look.
// RT_XSS_FULL=1 makes every invited name also the name of a member who joined
// (one argon2 hash each, minutes); by default a spread-out sample joins.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT, makeDataDir, removeDir, addUser, startDaemon, launchBrowser, watchPage, signInContext,
  RtClient, TIMEOUT, screenshot,
} from './lib.mjs';

const CORPORA = process.env.RT_CORPORA || path.resolve(REPO_ROOT, 'tests', 'corpora');
const FULL = process.env.RT_XSS_FULL === '1';
const ADMIN = { email: 'xss-admin@test.example', name: 'Xss Admin', password: 'xss-admin-password' };
const SLUG = 'xss';
const QUESTIONS = 200; // answers per respondent (the RFQ maximum)
// Milestones per milestones page: Chromium's layout of that page grows
// faster than linearly with its cards (here 100: 0.8 s, 200: 1.7 s, 400: 6 s,
// 800: 19 s), so the notes are spread over pages of 200.
const MS_PER_COALITION = 200;
const MOU_BATCH_BYTES = 48 * 1024; // payloads per MOU text
const JOIN_SAMPLE = 24; // members who join, spread over the names (RT_XSS_FULL: all)
const PAGE_TIMEOUT = Number(process.env.RT_XSS_PAGE_TIMEOUT) || Math.max(TIMEOUT, 120000);

// The tags render.c lets through: nothing else may appear in rendered markdown.
const MD_TAGS = ['p', 'br', 'hr', 'em', 'strong', 'b', 'i', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'del', 'sup', 'sub', 'table', 'thead', 'tbody', 'tr', 'th', 'td',
  'dl', 'dt', 'dd'];

// Every file of the corpora directory: .json holds an array of strings, any
// other text file one payload a line; README and licences are not payloads.
function loadPayloads() {
  const files = fs.readdirSync(CORPORA).filter((f) => !/^README|\.LICENSE$/i.test(f)).sort();
  assert.ok(files.length >= 3, `the corpora in ${CORPORA}`);
  const all = [];
  const perFile = {};
  for (const f of files) {
    const text = fs.readFileSync(path.join(CORPORA, f), 'utf8');
    const items = f.endsWith('.json') ? JSON.parse(text).filter((x) => typeof x === 'string') : text.split('\n');
    const kept = items.filter((x) => x !== '');
    perFile[f] = kept.length;
    all.push(...kept);
  }
  // RT_XSS_LIMIT=n tries only the first n (while working on this test).
  const limit = Number(process.env.RT_XSS_LIMIT) || Infinity;
  return { payloads: [...new Set(all)].slice(0, limit), perFile, total: all.length };
}

const { payloads, perFile, total } = loadPayloads();

let dataDir;
let daemon;
let browser;
let api;
const stats = {}; // surface -> {tried, stored, refused: {code: n}}
let refusedAsMessage = []; // payloads message.post refused
const expect = {}; // what the pages must show

function tally(surface, results) {
  const s = stats[surface] || (stats[surface] = { tried: 0, stored: 0, refused: {} });
  for (const r of results) {
    s.tried += 1;
    if (r.ok) s.stored += 1;
    else s.refused[r.error.code] = (s.refused[r.error.code] || 0) + 1;
  }
}

function allOk(results, what) {
  const bad = results.filter((r) => !r.ok);
  assert.equal(bad.length, 0, `${what}: ${JSON.stringify(bad.slice(0, 3))}`);
  return results.map((r) => r.data);
}

const chunk = (list, n) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));

// --- arranging the data over the protocol ------------------------------------

async function postMessages() {
  const { thread, message } = await api.request('thread.create',
    { coalition: SLUG, title: 'Every payload', body: 'One message per payload follows.' });
  const res = await api.requestMany(payloads.map((p) => ['message.post', { thread: thread.id, body: p }]));
  tally('message', res);
  refusedAsMessage = payloads.filter((_, i) => !res[i].ok);
  expect.thread = { id: thread.id, first: message.id, count: 1 + res.filter((r) => r.ok).length };
  // Refusals are the daemon's documented checks, never a failure to store.
  for (const r of res) if (!r.ok) assert.ok(['bad_request', 'too_large'].includes(r.error.code), JSON.stringify(r.error));
}

// The name rule of docs/protocol.md ("Names", daemon/names.c), written again
// here: one line, no control, bidi or zero-width characters, no < or >,
// trimmed, 1 to 100 characters (argument at most 1,024 bytes).
const NAME_REFUSED = /[\u0000-\u001f\u007f-\u009f\u2028\u2029<>\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff\ufdd0-\ufdef]/u;
const NAME_SPACE = /^[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+|[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+$/gu;
function nameOk(p) {
  if (Buffer.byteLength(p) > 1024 || /[\ud800-\udfff]/u.test(p) || NAME_REFUSED.test(p)) return false;
  for (const ch of p) if ((ch.codePointAt(0) & 0xfffe) === 0xfffe) return false;
  const t = p.replace(NAME_SPACE, '');
  return t.length > 0 && [...t].length <= 100;
}

async function inviteNames() {
  const res = await api.requestMany(payloads.map((p, i) =>
    ['member.invite', { coalition: SLUG, email: `invitee${i}@xss.test`, name: p, roles: ['provider'] }]));
  tally('invited name', res);
  for (const r of res) if (!r.ok) assert.ok(['bad_request', 'too_large'].includes(r.error.code) && r.error.field === 'name', JSON.stringify(r.error));
  // Exactly the payloads the name rule allows are stored (most XSS payloads hold < or >).
  const wrong = payloads.filter((p, i) => res[i].ok !== nameOk(p));
  assert.deepEqual(wrong.slice(0, 5), [], 'the daemon applies the name rule');
  const tokens = res.filter((r) => r.ok).map((r) => r.data.invite_token);
  const step = FULL ? 1 : Math.max(1, Math.floor(tokens.length / JOIN_SAMPLE));
  const joining = tokens.filter((_, i) => i % step === 0);
  // Two at a time: the daemon hashes at most two passwords at once.
  const lanes = [await RtClient.connect(daemon.url), await RtClient.connect(daemon.url)];
  let next = 0;
  const joined = [];
  await Promise.all(lanes.map(async (c) => {
    while (next < joining.length) {
      const token = joining[next++];
      joined.push(await c.request('auth.accept_invite', { invite_token: token, password: 'joined-member-pw' })
        .then((data) => ({ ok: true, data }), (e) => ({ ok: false, error: e.error || { code: e.message } })));
      // Signed in as that member: a message, so the name is also an author's.
      await c.request('message.post', { thread: expect.thread.id, body: 'A member whose name is a payload.' });
    }
    c.close();
  }));
  tally('member name', joined);
  allOk(joined, 'auth.accept_invite');
  expect.invites = tokens.length;
  expect.members = 1 + joined.length;
  expect.thread.count += joined.length;
}

async function milestoneNotes() {
  expect.milestones = [];
  const groups = chunk(payloads, MS_PER_COALITION);
  for (let g = 0; g < groups.length; g++) {
    const slug = `${SLUG}-ms-${g + 1}`;
    await api.request('coalition.create', { slug, name: `Milestones ${g + 1}` });
    const created = allOk(await api.requestMany(groups[g].map((_, i) =>
      ['milestone.create', { coalition: slug, title: `Milestone ${g * MS_PER_COALITION + i + 1}`, body: 'Follows one payload.' }])),
    'milestone.create');
    const res = await api.requestMany(groups[g].map((p, i) =>
      ['milestone.update', { milestone: created[i].milestone.id, note: p }]));
    tally('milestone note', res);
    for (const r of res) if (!r.ok) assert.ok(['bad_request', 'too_large'].includes(r.error.code), JSON.stringify(r.error));
    expect.milestones.push({ slug, cards: created.length, notes: res.filter((r) => r.ok).length });
  }
}

async function rfqAnswers() {
  const { rfq } = await api.request('rfq.create', {
    coalition: SLUG,
    title: 'Hub selection',
    body: 'Answers below are payloads.',
    closes_at: '2099-01-01T00:00:00Z',
    questions: Array.from({ length: QUESTIONS }, (_, i) => ({ section: `Part ${1 + Math.floor(i / 50)}`, text: `Question ${i + 1}` })),
    criteria: [{ name: 'Fit', description: 'How well it fits', weight: 1, max: 5 }],
  });
  await api.request('rfq.publish', { rfq: rfq.id });
  const qids = rfq.questions.map((q) => q.id);
  const groups = chunk(payloads, QUESTIONS);
  const invited = allOk(await api.requestMany(groups.map((_, j) =>
    ['respondent.invite', { rfq: rfq.id, organization: `Respondent ${j + 1}`, email: `respondent${j}@xss.test` }])),
  'respondent.invite');
  // All answers of a respondent in one request; a refused request is halved
  // until each refusal is one payload's (a refusal saves nothing).
  const res = [];
  async function submit(token, answers) {
    try {
      await api.request('response.submit', { respondent_token: token, answers });
      for (let i = 0; i < answers.length; i++) res.push({ ok: true });
    } catch (e) {
      if (!e.error) throw e;
      if (answers.length === 1) {
        assert.ok(['bad_request', 'too_large'].includes(e.error.code), JSON.stringify(e.error));
        res.push({ ok: false, error: e.error });
        return;
      }
      const half = Math.ceil(answers.length / 2);
      await submit(token, answers.slice(0, half));
      await submit(token, answers.slice(half));
    }
  }
  for (let j = 0; j < groups.length; j++) {
    await submit(invited[j].respondent_token, groups[j].map((p, k) => ({ question: qids[k], body: p })));
  }
  tally('rfq answer', res);
  allOk(await api.requestMany(invited.map((x) =>
    ['response.submit', { respondent_token: x.respondent_token, answers: [], final: true }])), 'final submission');
  await api.request('rfq.close', { rfq: rfq.id });
  const me = await api.request('auth.whoami', {});
  await api.request('evaluator.assign', { rfq: rfq.id, member: me.member.id, group: 'design_team' });
  // What each respondent's page shows: their stored answers.
  let n = 0;
  expect.respondents = groups.map((g, j) => {
    const shown = g.filter(() => res[n++].ok).length;
    return { token: invited[j].respondent_token, answers: shown };
  });
  expect.rfq = { id: rfq.id, answers: expect.respondents.reduce((s, r) => s + r.answers, 0) };
}

// One MOU per batch of payloads joined by blank lines; a refused batch is
// halved until each refusal is one payload's. Payloads refused as messages
// (control characters) are tried alone, so that they split no batch.
async function mouTexts() {
  const batches = refusedAsMessage.map((p) => [p]);
  let cur = [];
  let size = 0;
  for (const p of payloads.filter((x) => !refusedAsMessage.includes(x))) {
    if (cur.length && size + p.length > MOU_BATCH_BYTES) {
      batches.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(p);
    size += Buffer.byteLength(p) + 2;
  }
  if (cur.length) batches.push(cur);
  expect.mous = [];
  const outcome = [];
  async function create(batch) {
    try {
      const { mou, commit } = await api.request('mou.create',
        { coalition: SLUG, title: `Payloads ${expect.mous.length + 1}`, body: batch.join('\n\n') });
      expect.mous.push({ id: mou.id, commit });
      for (let i = 0; i < batch.length; i++) outcome.push({ ok: true });
    } catch (e) {
      if (!e.error) throw e;
      if (batch.length === 1) {
        assert.ok(['bad_request', 'too_large'].includes(e.error.code), JSON.stringify(e.error));
        outcome.push({ ok: false, error: e.error });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await create(batch.slice(0, half));
      await create(batch.slice(half));
    }
  }
  for (const b of batches) await create(b);
  tally('mou text', outcome);
}

// --- the browser side -----------------------------------------------------------

// Runs in every frame before the page's own scripts: anything a payload
// could use to show that it ran reports to the test.
function hookScript() {
  const report = (what, args) => {
    try {
      window.__rtXssHit(what, Array.from(args, (a) => String(a)).join(', ').slice(0, 200));
    } catch (e) { /* the binding is always there */ }
  };
  for (const name of ['alert', 'prompt', 'confirm', 'print', 'open']) {
    window[name] = function hooked() { report(name, arguments); return null; };
  }
  for (const name of ['write', 'writeln']) {
    Document.prototype[name] = function hooked() { report('document.' + name, arguments); };
  }
  document.addEventListener('securitypolicyviolation', (e) => report('csp', [e.violatedDirective, e.blockedURI]));
}

// Every element of the page: no on* attribute, no script URL, nothing inside
// rendered markdown that the renderer's allow list does not have.
function domCheck(mdTags) {
  const bad = [];
  const allowed = new Set(mdTags);
  const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'background', 'data',
    'srcset', 'ping', 'lowsrc', 'dynsrc', 'codebase', 'cite', 'longdesc', 'manifest', 'srcdoc']);
  const describe = (el) => `<${el.localName}${Array.from(el.attributes, (a) => ` ${a.name}="${a.value.slice(0, 60)}"`).join('')}>`;
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\s\u0000-\u001f]+/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(`on* attribute: ${describe(el)}`);
      else if (urlAttrs.has(name) && /^(javascript|vbscript|livescript|data):/.test(value)) bad.push(`script or data URL: ${describe(el)}`);
      else if (/(javascript|vbscript):/.test(value) && ['style', 'content', 'value'].includes(name)) bad.push(`script URL: ${describe(el)}`);
      else if (name === 'http-equiv') bad.push(`meta http-equiv: ${describe(el)}`);
    }
    if (['script', 'iframe', 'frame', 'object', 'embed', 'base', 'meta', 'applet'].includes(el.localName) &&
        !(el.localName === 'script' && el.getAttribute('src') === 'js/app.js') &&
        !(el.localName === 'meta' && el.parentNode === document.head && !el.hasAttribute('http-equiv'))) {
      bad.push(`element: ${describe(el)}`);
    }
  }
  for (const md of document.querySelectorAll('.md')) {
    for (const el of md.querySelectorAll('*')) {
      if (!allowed.has(el.localName)) bad.push(`not in the allow list: ${describe(el)}`);
      for (const a of el.attributes) {
        if (!['href', 'title', 'rel'].includes(a.name)) bad.push(`attribute not allowed: ${describe(el)}`);
      }
      if (el.hasAttribute('href') && !/^(https?:\/\/|mailto:)/i.test(el.getAttribute('href'))) bad.push(`link not http(s) or mailto: ${describe(el)}`);
    }
  }
  return bad;
}

// The client's own files, the WebSocket and the session endpoint: nothing else.
function neededRequest(url, base) {
  if (!url.startsWith(base + '/')) return false;
  const p = new URL(url).pathname;
  return p === '/' || p === '/index.html' || p === '/style.css' || p === '/favicon.svg' || p === '/ws' ||
    p === '/api/session' || /^\/js\/[a-z0-9/_-]+\.js$/i.test(p) || /^\/css\/[a-z0-9_-]+\.css$/i.test(p);
}

// A signed-in page that records every hit. stripCsp: drop the header.
async function openWatched({ stripCsp }) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  context.setDefaultTimeout(PAGE_TIMEOUT);
  const hits = [];
  const cspSeen = [];
  await context.exposeBinding('__rtXssHit', ({ frame }, what, detail) => {
    hits.push(`${what}(${detail}) in ${frame ? frame.url() : '?'}`);
  });
  await context.addInitScript(hookScript);
  await context.route('**/*', async (route) => {
    const req = route.request();
    if (!neededRequest(req.url(), daemon.url)) {
      hits.push(`request ${req.method()} ${req.url().slice(0, 200)} (${req.resourceType()})`);
      await route.abort();
      return;
    }
    if (!stripCsp) {
      await route.continue();
      return;
    }
    const response = await route.fetch();
    const headers = response.headers();
    if (headers['content-security-policy']) cspSeen.push(req.url());
    delete headers['content-security-policy'];
    await route.fulfill({ response, headers });
  });
  await signInContext(context, daemon.url, ADMIN.email, ADMIN.password);
  const page = await context.newPage();
  const watch = await watchPage(page);
  // The app logs nothing; CSP violations go through the hook as hits.
  watch.allow(/^console\.error: CSP violation/);
  page.on('dialog', (d) => { hits.push(`dialog ${d.type()}: ${d.message().slice(0, 100)}`); d.dismiss().catch(() => {}); });
  page.on('popup', (p) => hits.push(`popup ${p.url()}`));
  page.on('websocket', (ws) => { if (!neededRequest(ws.url().replace(/^ws/, 'http'), daemon.url)) hits.push(`websocket ${ws.url()}`); });
  page.on('frameattached', (f) => hits.push(`frame attached ${f.url()}`));
  const docResponse = await page.goto(daemon.url + '/#/');
  const csp = (await docResponse.allHeaders())['content-security-policy'];
  if (stripCsp) {
    assert.equal(csp, undefined, 'the header is stripped');
    assert.ok(cspSeen.length > 0, 'the daemon did send a CSP that was stripped');
  } else {
    assert.match(csp || '', /script-src 'self'/, 'the daemon sends its CSP');
  }
  await page.locator('#user-bar').waitFor().catch(async (e) => {
    await screenshot(page, 'xss-failed.png').catch(() => {});
    throw new Error(`the signed-in page did not open: ${e.message}\n${daemon.log().slice(-3000)}`);
  });
  return { context, page, hits, watch };
}

// Shows one route and waits until ready() (run in the page) is true; then
// checks the DOM. Returns the number of hits so far.
async function visit(w, hash, ready, arg, what) {
  // The previous page goes first, so that its nodes cannot satisfy ready().
  const t0 = Date.now();
  await w.page.evaluate((h) => {
    document.getElementById('main').replaceChildren();
    location.hash = h;
  }, hash);
  try {
    await w.page.waitForFunction(ready, arg, { timeout: PAGE_TIMEOUT, polling: 200 });
  } catch (e) {
    const shown = await w.page.evaluate(() => {
      const errors = [...document.querySelectorAll('.error:not([hidden]), [role=alert]:not([hidden])')].map((e) => e.textContent.trim()).filter(Boolean);
      return `${document.getElementById('main').innerText.slice(0, 300)}\nerrors shown: ${JSON.stringify(errors)}`;
    }).catch(() => '?');
    await screenshot(w.page, 'xss-failed.png').catch(() => {});
    throw new Error(`${what} (${hash}) did not show what was stored: ${e.message}\npage: ${shown}\n${daemon.log().slice(-2000)}`);
  }
  const bad = await w.page.evaluate(domCheck, MD_TAGS);
  assert.deepEqual(bad.slice(0, 20), [], `${what}: the DOM carries something that could run`);
  if (process.env.RT_XSS_VERBOSE) console.log(`#   ${what}: ${Date.now() - t0} ms`);
  return w.hits.length;
}

const count = (sel) => document.querySelectorAll(sel).length;

async function visitAll(w) {
  let pages = 0;
  const next = async (...args) => { await visit(w, ...args); pages += 1; };

  // The coalition: every invited name, and the members who joined.
  await next(`#/c/${SLUG}`, ([inv, mem]) =>
    document.querySelectorAll('#invite-list li.invite').length === inv &&
    document.querySelectorAll('li.member .member-name').length === mem,
  [expect.invites, expect.members], 'coalition page');

  // The thread, jumped to its first message: every page of messages loads.
  await next(`#/c/${SLUG}/threads/${expect.thread.id}/m/${expect.thread.first}`, (n) =>
    document.querySelectorAll('#message-list li.message').length === n,
  expect.thread.count, 'thread');

  for (const m of expect.milestones) {
    await next(`#/c/${m.slug}/milestones`, ([cards, notes]) =>
      document.querySelectorAll('#ms-list li.ms-card').length === cards &&
      document.querySelectorAll('#ms-list .ms-last .ms-update').length === notes,
    [m.cards, m.notes], `milestones of ${m.slug}`);
  }

  // The evaluator reads every respondent's answers; each respondent reads theirs.
  await next(`#/c/${SLUG}/rfqs/${expect.rfq.id}`, (n) =>
    document.querySelectorAll('#rfq-eval .rfq-answer .md').length === n,
  expect.rfq.answers, 'rfq evaluation');
  for (const r of expect.respondents) {
    await next(`#/respond/${r.token}`, (n) =>
      document.querySelectorAll('li.resp-q').length > 0 &&
      document.querySelectorAll('.resp-frozen-answer .md').length === n,
    r.answers, 'respondent page');
  }

  // Each MOU's text, shown at its version (a text may be blank: " ").
  for (const m of expect.mous) {
    await next(`#/c/${SLUG}/mous/${m.id}`, (commit) => {
      const doc = document.getElementById('mou-doc');
      return !!doc && doc.dataset.commit === commit && !!doc.querySelector('.md');
    }, m.commit, `mou ${m.id}`);
  }
  // Late handlers (image errors, timers) get their chance.
  await w.page.waitForTimeout(1000);
  return pages;
}

before(async () => {
  dataDir = await makeDataDir({ memory: true });
  await addUser(dataDir, { ...ADMIN, admin: true });
  daemon = await startDaemon({ dataDir });
  api = await RtClient.connect(daemon.url);
  await api.request('auth.login', { email: ADMIN.email, password: ADMIN.password });
  await api.request('coalition.create', { slug: SLUG, name: 'Hostile text' });
  const t0 = Date.now();
  for (const step of [postMessages, inviteNames, milestoneNotes, rfqAnswers, mouTexts]) {
    const t1 = Date.now();
    await step();
    if (process.env.RT_XSS_VERBOSE) console.log(`# ${step.name}: ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  console.log(`# xss: arranged ${payloads.length} payloads on 5 surfaces in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  browser = await launchBrowser({ extraArgs: ['--disable-features=LocalNetworkAccessChecks'] });
});

after(async () => {
  if (api) api.close();
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

for (const stripCsp of [false, true]) {
  const mode = stripCsp ? 'with the CSP header stripped' : 'with the daemon\'s CSP';
  test(`no payload runs or loads anything, ${mode}`, async () => {
    const t0 = Date.now();
    const w = await openWatched({ stripCsp });
    try {
      const pages = await visitAll(w);
      assert.deepEqual(w.hits.slice(0, 20), [], `hits ${mode}`);
      assert.deepEqual(w.watch.problems().slice(0, 20), [], `page errors ${mode}`);
      assert.equal(w.page.frames().length, 1, 'no frame was added');
      console.log(`# xss ${mode}: ${pages} pages, 0 hits, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      await w.context.close();
    }
  });
}

test('the hooks do see a handler that runs (positive control)', async () => {
  for (const stripCsp of [false, true]) {
    const w = await openWatched({ stripCsp });
    try {
      await w.page.evaluate(() => {
        const d = document.createElement('div');
        d.innerHTML = '<img src="https://example.invalid/x.png" onerror="alert(1)">';
        document.body.append(d);
      });
      await w.page.waitForTimeout(500);
      if (stripCsp) {
        assert.ok(w.hits.some((h) => h.startsWith('request GET https://example.invalid/')), `the request is seen: ${w.hits}`);
        assert.ok(w.hits.some((h) => h.startsWith('alert(1)')), `the alert is seen: ${w.hits}`);
      } else {
        // The CSP blocks both the image and the inline handler: the violations are the hits.
        assert.ok(w.hits.some((h) => h.startsWith('csp(img-src')), `the blocked image is seen: ${w.hits}`);
        assert.ok(w.hits.some((h) => h.startsWith('csp(script-src')), `the blocked handler is seen: ${w.hits}`);
      }
      const bad = await w.page.evaluate(domCheck, MD_TAGS);
      assert.ok(bad.some((b) => b.startsWith('on* attribute')), 'the DOM check sees the handler');
    } finally {
      await w.context.close();
    }
  }
});

test('every payload was tried on every surface', () => {
  const lines = Object.entries(stats).map(([k, s]) =>
    `#   ${k}: ${s.tried} tried, ${s.stored} stored and shown, refused ${JSON.stringify(s.refused)}`);
  const tried = Object.values(stats).reduce((n, s) => n + s.tried, 0);
  console.log(`# xss: ${payloads.length} distinct payloads (${total} lines in ${Object.entries(perFile).map(([f, n]) => `${f} ${n}`).join(', ')})`);
  console.log(lines.join('\n'));
  console.log(`# xss: ${tried} postings, each shown with and without the CSP`);
  assert.equal(stats['invited name'].tried, payloads.length, 'invited name: every payload');
  assert.equal(stats['invited name'].stored, payloads.filter(nameOk).length, 'invited name: what the name rule allows');
  for (const k of ['message', 'milestone note', 'rfq answer', 'mou text']) {
    assert.equal(stats[k].tried, payloads.length, `${k}: every payload`);
    // Refused: control characters, or longer than the field allows.
    assert.ok(stats[k].stored >= payloads.length - 100, `${k}: nearly all stored (${JSON.stringify(stats[k])})`);
  }
});
