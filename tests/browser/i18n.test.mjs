// Languages: every English string has a Spanish translation (checked in
// node, on the modules themselves), then in the browser: Maria switches to
// Español from the header, the coalition page and every area's list are in
// Spanish with <html lang="es"> and no English leaking through, the choice
// survives a reload, server errors read in Spanish, and a browser that asks
// for Spanish (es-MX) starts in Spanish before anyone chooses. Screenshots of
// two pages in Spanish. No console error or CSP violation.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  makeDataDir, removeDir, runDemo, startDaemon, launchBrowser, watchPage, screenshot,
  DEMO_PASSWORD, TIMEOUT, WEB_DIR,
} from './lib.mjs';

let dataDir;
let daemon;
let browser;
let maria; // {context, page, watch}

// The area list pages and their Spanish headings.
const AREAS = [
  { hash: '#/c/valley/milestones', h1: 'Hitos', ready: '#ms-list li.ms-card' },
  { hash: '#/c/valley/mous', h1: 'Memorandos de entendimiento', ready: '#mou-list li' },
  { hash: '#/c/valley/rfqs', h1: 'Selección del Hub', ready: '#rfq-list li' },
  { hash: '#/c/valley/threads', h1: 'Conversaciones', ready: '#thread-list li.thread-row' },
  { hash: '#/c/valley/decisions', h1: 'Decisiones', ready: 'li.decision-card', shot: 'i18n-es-decisions.png' },
  { hash: '#/c/valley/home', h1: 'Lo que necesita de usted', ready: '.home-grid:not([hidden]) li.home-item' },
];

// --- the tables, in node ----------------------------------------------------

const stub = () => {
  // A stand-in for document/window/navigator: every property is itself, every call returns it.
  const fn = function () {};
  const proxy = new Proxy(fn, {
    get: (target, key) => (key === Symbol.toPrimitive ? () => '' : proxy),
    apply: () => proxy,
    construct: () => proxy,
  });
  return proxy;
};

// Import the client's modules in node: a copy of web/js marked as ES modules,
// with the browser's globals stubbed (some areas add a stylesheet on import).
async function loadTables() {
  const dir = await mkdtemp(path.join(tmpdir(), 'rt-i18n-'));
  try {
    await cp(path.join(WEB_DIR, 'js'), path.join(dir, 'js'), { recursive: true });
    await writeFile(path.join(dir, 'package.json'), '{"type": "module"}\n');
    for (const name of ['document', 'window', 'localStorage', 'location']) {
      if (!(name in globalThis)) globalThis[name] = stub();
    }
    const i18n = await import(pathToFileURL(path.join(dir, 'js', 'i18n.js')).href);
    const { areas } = await import(pathToFileURL(path.join(dir, 'js', 'areas.js')).href);
    // The core tables, before any area is merged in (app.js merges them; we do not).
    const tables = [{ name: 'i18n.js', strings: i18n.stringTables() }];
    for (const area of areas) {
      tables.push({ name: (area.link && area.link.id) || 'area', strings: area.strings || {} });
    }
    return { i18n, tables };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const forms = (entry) => (typeof entry === 'object' ? Object.entries(entry) : [['', entry]]);
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Compares the tables: problems (missing or mismatched Spanish) and leaks,
// [{id, en, re}] the English texts that must not show on a Spanish page.
let checked = null;
function checkTables() {
  checked = checked || compareTables();
  return checked;
}

async function compareTables() {
  const { tables } = await loadTables();
  assert.ok(tables.length >= 6, 'the core table and the five areas');
  const problems = [];
  const seen = new Map();
  const leaks = [];
  for (const { name, strings } of tables) {
    const en = strings.en || {};
    const es = strings.es || {};
    assert.ok(Object.keys(en).length > 0, `${name}: has English strings`);
    for (const [id, text] of Object.entries(en)) {
      if (seen.has(id) && seen.get(id) !== name) problems.push(`${id}: defined in ${seen.get(id)} and ${name}`);
      seen.set(id, name);
      const tr = es[id];
      if (tr === undefined) {
        problems.push(`${name}: ${id} has no Spanish`);
        continue;
      }
      if (typeof text !== typeof tr) {
        problems.push(`${name}: ${id} is ${typeof text} in English but ${typeof tr} in Spanish`);
        continue;
      }
      if (typeof text === 'object') {
        // Spanish plurals: one and other.
        for (const cat of ['one', 'other']) {
          if (typeof tr[cat] !== 'string' || !tr[cat].trim()) problems.push(`${name}: ${id} lacks the plural form ${cat}`);
        }
      } else if (!tr.trim()) {
        problems.push(`${name}: ${id} is empty in Spanish`);
      }
      const enNames = [...new Set(forms(text).flatMap(([, s]) => placeholders(s)))].sort().join(',');
      const esNames = [...new Set(forms(tr).flatMap(([, s]) => placeholders(s)))].sort().join(',');
      if (enNames !== esNames) problems.push(`${name}: ${id} placeholders {${enNames}} in English, {${esNames}} in Spanish`);

      // What would show if this id leaked in English: its text, with any
      // placeholder standing for some text. Only texts that differ in
      // Spanish, and long enough not to match data by chance.
      for (const [cat, s] of forms(text)) {
        const other = typeof tr === 'object' ? (tr[cat] ?? tr.other) : tr;
        if (s === other) continue;
        const literal = s.replace(/\{\w+\}/g, '').trim();
        if (!/[A-Za-z]{2}/.test(literal)) continue;
        const hasSlots = /\{\w+\}/.test(s);
        if (hasSlots && literal.length < 8) continue;
        const source = '^' + s.split(/\{\w+\}/).map(escapeRe).join('.+?') + '$';
        leaks.push({ id, en: s, re: source });
      }
    }
    for (const id of Object.keys(es)) {
      if (!(id in en)) problems.push(`${name}: ${id} is Spanish only (no English)`);
    }
  }
  return { problems, leaks };
}

test('every English id has a Spanish translation in every table, with the same placeholders', async () => {
  const { problems, leaks } = await checkTables();
  assert.deepEqual(problems, []);
  assert.ok(leaks.length > 100);
});

test('the browser language is read as es for every Spanish tag, English otherwise', async () => {
  const { i18n } = await loadTables();
  assert.equal(i18n.pickLocale(['es-MX', 'en-US']), 'es');
  assert.equal(i18n.pickLocale(['es']), 'es');
  assert.equal(i18n.pickLocale(['ES-us']), 'es');
  assert.equal(i18n.pickLocale(['fr-FR', 'es-419', 'en']), 'es');
  assert.equal(i18n.pickLocale(['en-US', 'es-MX']), 'en');
  assert.equal(i18n.pickLocale(['de-DE']), 'en');
  assert.equal(i18n.pickLocale([]), 'en');
});

test('every text that counts something ({count}) has plural forms in both languages', async () => {
  const { tables } = await loadTables();
  const flat = [];
  for (const { name, strings } of tables) {
    for (const [lang, table] of Object.entries(strings)) {
      for (const [id, text] of Object.entries(table)) {
        if (typeof text === 'string' && text.includes('{count}')) flat.push(`${name} ${lang} ${id}: "${text}"`);
      }
    }
  }
  assert.deepEqual(flat, []);
});

test('numbers, shares, decimals, days and plurals are written in the chosen language', async () => {
  const { i18n } = await loadTables();
  try {
    i18n.setLocale('en');
    assert.equal(i18n.formatNumber(1234.5), '1,234.5');
    assert.equal(i18n.formatDecimal(3, 1), '3.0');
    assert.equal(i18n.formatPercent(0.6), '60%');
    assert.equal(i18n.formatPercent(1.4, { clamp: true }), '100%');
    assert.equal(i18n.formatDay('2026-03-05'), 'Mar 5, 2026');
    assert.equal(i18n.formatNumber(undefined), '');
    // A number passed to t() is formatted, and picks the plural form.
    assert.equal(i18n.t('coalition.member_count', { count: 1234 }), '1,234 members');
    assert.equal(i18n.t('coalition.member_count', { count: 1 }), '1 member');
    i18n.setLocale('es');
    assert.equal(i18n.formatDay('2026-03-05'), '5 mar 2026');
    assert.equal(i18n.formatDecimal(3.25, 1), '3.3');
    assert.equal(i18n.t('coalition.member_count', { count: 1234 }), '1,234 miembros');
    assert.equal(i18n.t('coalition.member_count', { count: 1 }), '1 miembro');
  } finally {
    i18n.setLocale('en');
  }
});

test('no view formats a number or a date by itself: everything goes through format.js', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const found = [];
  const scan = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await scan(file);
      else if (entry.name.endsWith('.js') && !['format.js', 'i18n.js'].includes(entry.name)) {
        (await readFile(file, 'utf8')).split('\n').forEach((line, i) => {
          if (/\bIntl\.|\.toLocale\w*String\(|\.toFixed\(/.test(line)) found.push(`${path.relative(WEB_DIR, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
  };
  await scan(path.join(WEB_DIR, 'js'));
  assert.deepEqual(found, []);
});

// --- in the browser -----------------------------------------------------------

async function openPage(options) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const watch = await watchPage(page);
  return { context, page, watch };
}

async function signIn(page, { email, label, password, submit }) {
  const form = page.locator('#signin-form');
  await form.waitFor();
  await form.getByLabel(label.email).fill(email);
  await form.getByLabel(label.password).fill(password);
  await form.getByRole('button', { name: submit }).click();
  await page.locator('#user-bar:not([hidden])').waitFor();
  await page.locator('#conn-status[data-state="online"]').waitFor();
}

async function go(page, hash) {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

// Every text a member could read or hear: text nodes, labels for assistive
// technology, placeholders, titles, and the document title.
function visibleTexts(page) {
  return page.evaluate(() => {
    const out = [document.title];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const p = n.parentElement;
      if (!p || p.closest('script, style, body [lang="en"]')) continue;
      const s = n.textContent.replace(/\s+/g, ' ').trim();
      if (s) out.push(s);
    }
    // Whole elements too, where a text is split over several nodes.
    for (const el of document.body.querySelectorAll('h1, h2, h3, h4, label, legend, button, a, th, caption, summary, p, li, dt, dd, span')) {
      if (el.closest('body [lang="en"]')) continue;
      const s = el.textContent.replace(/\s+/g, ' ').trim();
      if (s && s.length < 400) out.push(s);
    }
    for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
      if (el.closest('body [lang="en"]')) continue;
      for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
        const v = el.getAttribute(a);
        if (v && v.trim()) out.push(v.trim());
      }
    }
    return [...new Set(out)];
  });
}

async function englishOn(page) {
  const { leaks } = await checkTables();
  const texts = await visibleTexts(page);
  const found = [];
  for (const s of texts) {
    for (const leak of leaks) {
      if (new RegExp(leak.re, 's').test(s)) found.push(`${leak.id}: "${s}"`);
    }
  }
  return found;
}

async function assertNoEnglish(page, where) {
  assert.deepEqual(await englishOn(page), [], `English on the Spanish ${where}`);
}

before(async () => {
  dataDir = await makeDataDir();
  await runDemo(dataDir);
  daemon = await startDaemon({ dataDir });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close().catch(() => {});
  if (daemon) await daemon.stop();
  await removeDir(dataDir);
});

test('an English browser starts in English; the header offers English and Español', async () => {
  maria = await openPage({ locale: 'en-US' });
  const { page } = maria;
  await page.goto(daemon.url + '/#/c/valley');
  await page.locator('#signin-form').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  const sw = page.locator('#lang-switch');
  assert.equal(await sw.getAttribute('role'), 'group');
  assert.equal(await page.locator('#lang-en').textContent(), 'English');
  assert.equal(await page.locator('#lang-es').textContent(), 'Español');
  assert.equal(await page.locator('#lang-en').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#lang-es').getAttribute('aria-pressed'), 'false');
  assert.equal(await page.locator('#lang-es').getAttribute('lang'), 'es');
  await signIn(page, {
    email: 'maria@demo.test', password: DEMO_PASSWORD,
    label: { email: 'Email', password: 'Password' }, submit: 'Sign in',
  });
  await page.locator('#members-title', { hasText: 'Members' }).waitFor();
  await page.locator('#member-list li.member').first().waitFor();
  // The leak check does see English when there is some.
  const english = (await englishOn(page)).join('\n');
  for (const id of ['coalition.members', 'app.sign_out', 'conn.online', 'app.signed_in_as', 'role.convener']) {
    assert.match(english, new RegExp('^' + id.replace('.', '\\.') + ':', 'm'));
  }
});

test('choosing Español puts the header and the coalition page in Spanish, in place', async () => {
  const { page } = maria;
  await page.locator('#lang-es').click();
  await page.locator('html[lang="es"]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('#lang-es').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#lang-en').getAttribute('aria-pressed'), 'false');
  // Focus stays on the switch (the page is drawn again, not navigated).
  assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'lang-es');
  assert.equal(await page.evaluate(() => localStorage.getItem('roundtable.locale')), 'es');
  await page.locator('#members-title', { hasText: 'Miembros' }).waitFor();
  await page.locator('#member-list li.member').first().waitFor();
  assert.equal((await page.locator('#sign-out').textContent()).trim(), 'Cerrar sesión');
  assert.equal((await page.locator('#nav-coalitions').textContent()).trim(), 'Coaliciones');
  assert.equal((await page.locator('#conn-text').textContent()).trim(), 'En línea');
  assert.match(await page.locator('#who').textContent(), /^Sesión iniciada como Maria Lopez$/);
  const areaLinks = (await page.locator('nav.area-nav a').allTextContents()).map((s) => s.trim());
  assert.deepEqual(areaLinks.sort(), ['Conversaciones', 'Decisiones', 'Hitos', 'Lo que necesita de usted', 'Memorandos (MOU)', 'Selección del Hub (RFQ)'].sort());
  // Roles are named in Spanish too.
  assert.match(await page.locator('#member-list').textContent(), /Convocante/);
  assert.match(await page.locator('#member-list').textContent(), /Equipo de diseño/);
  await assertNoEnglish(page, 'coalition page');
  await screenshot(page, 'i18n-es-coalition.png');
});

test('every area list page is in Spanish', async () => {
  const { page } = maria;
  for (const area of AREAS) {
    await go(page, area.hash);
    await page.locator('main h1', { hasText: area.h1 }).waitFor();
    assert.equal((await page.locator('main h1').first().textContent()).trim(), area.h1);
    await page.locator(area.ready).first().waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'es');
    await assertNoEnglish(page, area.hash);
    if (area.shot) await screenshot(page, area.shot);
  }
});

test('dates and numbers follow the chosen language', async () => {
  const { page } = maria;
  const out = await page.evaluate(async () => {
    const i18n = await import('/js/i18n.js');
    return {
      locale: i18n.getLocale(),
      date: i18n.formatDate('2026-03-05T18:30:00Z'),
      number: i18n.formatNumber(1234.5),
      plural1: i18n.t('coalition.member_count', { count: 1 }),
      plural7: i18n.t('coalition.member_count', { count: 7 }),
    };
  });
  assert.equal(out.locale, 'es');
  assert.match(out.date, /mar/); // "5 mar 2026, ..."
  assert.doesNotMatch(out.date, /Mar/);
  assert.equal(out.number, '1,234.5');
  assert.equal(out.plural1, '1 miembro');
  assert.equal(out.plural7, '7 miembros');
});

test('server errors read in Spanish', async () => {
  const { page } = maria;
  const texts = await page.evaluate(async () => {
    const { errorText, t } = await import('/js/i18n.js');
    const codes = ['bad_request', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'closed',
      'too_large', 'rate_limited', 'internal', 'offline', 'network', 'some_new_code'];
    const out = {};
    for (const code of codes) out[code] = errorText({ code, message: 'English words from the server' });
    out.field = errorText({ code: 'bad_request', message: 'title is required', field: 'title' });
    out.unknownField = errorText({ code: 'bad_request', message: 'zz must be zz', field: 'zz' });
    out.none = errorText(null);
    out.unknown = t('error.unknown');
    return out;
  });
  for (const [code, text] of Object.entries(texts)) {
    assert.doesNotMatch(text, /English words|is required|must be/, `${code} is in Spanish: ${text}`);
  }
  assert.equal(texts.forbidden, 'No tiene permiso para hacer eso.');
  assert.equal(texts.field, 'Algo en el formulario no está bien. Revise: el título.');
  assert.equal(texts.unknownField, 'Algo en el formulario no está bien.');
  assert.equal(texts.some_new_code, texts.unknown);

  // A real refusal from the daemon, shown in the page: Maria opens a
  // decision that does not exist.
  await go(page, '#/c/valley/decisions/987654');
  await page.locator('main h1', { hasText: 'Página no encontrada' }).waitFor();
  await assertNoEnglish(page, 'missing decision');
});

test('the choice survives a reload', async () => {
  const { page } = maria;
  await go(page, '#/c/valley/decisions');
  await page.locator('main h1', { hasText: 'Decisiones' }).waitFor();
  await page.reload();
  await page.locator('main h1', { hasText: 'Decisiones' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal(await page.locator('#lang-es').getAttribute('aria-pressed'), 'true');
  assert.equal(await page.title(), 'Decisiones · Roundtable');
  await page.locator('li.decision-card').first().waitFor();
  await assertNoEnglish(page, 'decisions after a reload');
});

test('switching back to English re-renders in English and is remembered', async () => {
  const { page, watch } = maria;
  await page.locator('#lang-en').click();
  await page.locator('html[lang="en"]').waitFor({ state: 'attached' });
  await page.locator('main h1', { hasText: 'Decisions' }).waitFor();
  assert.equal((await page.locator('#sign-out').textContent()).trim(), 'Sign out');
  await page.reload();
  await page.locator('main h1', { hasText: 'Decisions' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.deepEqual(watch.problems(), []);
  await maria.context.close();
});

test('a browser that asks for Spanish (es-MX) starts in Spanish, and an explicit English wins over it', async () => {
  const rosa = await openPage({ locale: 'es-MX' });
  const { page, watch } = rosa;
  await page.goto(daemon.url + '/');
  await page.locator('#signin-form').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  assert.equal(await page.locator('#lang-es').getAttribute('aria-pressed'), 'true');
  await page.locator('main h1', { hasText: 'Iniciar sesión' }).waitFor();
  assert.equal((await page.locator('#skip-link').textContent()).trim(), 'Saltar al contenido');
  await assertNoEnglish(page, 'sign-in page');

  // A wrong password, refused by the daemon, in Spanish.
  watch.allow(/Failed to load resource: the server responded with a status of 401.*\/api\/session/);
  const form = page.locator('#signin-form');
  await form.getByLabel('Correo electrónico').fill('ana@demo.test');
  await form.getByLabel('Contraseña').fill('not-her-password');
  await form.getByRole('button', { name: 'Iniciar sesión' }).click();
  await page.locator('#signin-error', { hasText: 'no coinciden' }).waitFor();

  await form.getByLabel('Contraseña').fill(DEMO_PASSWORD);
  await form.getByRole('button', { name: 'Iniciar sesión' }).click();
  await page.locator('#user-bar:not([hidden])').waitFor();
  await page.locator('main h1', { hasText: 'Sus coaliciones' }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('roundtable.locale')), null, 'nothing chosen yet');
  await assertNoEnglish(page, 'coalitions page');

  // She prefers English here: that beats the browser's Spanish after a reload.
  await page.locator('#lang-en').click();
  await page.locator('main h1', { hasText: 'Your coalitions' }).waitFor();
  await page.reload();
  await page.locator('main h1', { hasText: 'Your coalitions' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.deepEqual(watch.problems(), []);
  await rosa.context.close();
});
