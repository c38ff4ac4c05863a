// The Roundtable web client: session, header, connection state and a router
// on location.hash.
//
//   #/                  your coalitions
//   #/c/<slug>/home     what needs you now in a coalition (views/home.js): where a coalition opens
//   #/c/<slug>          one coalition: members, your roles, invitations
//   #/invite/<token>    accept an invitation (no sign-in needed)
//   #/signin            sign in
//
// Signing in posts to /api/session, which sets an HttpOnly cookie; the
// WebSocket is then reopened so its upgrade carries the cookie, and
// auth.whoami tells us who we are. Signing out deletes the session.
//
// Language: the member's choice from the switch in the header (kept in
// localStorage), else the browser's languages (es* -> Spanish), else English.
// Switching re-renders the header and the current view in place.
//
// The header also holds the notifications (notify.js) and, beside the
// connection status, the writes waiting to be sent (queue.js: the offline
// queue, kept in localStorage). Both follow the connection's sessions before
// the views do, so a reload catches up and resends before anything else.

import { Connection, RtError } from './conn.js';
import { t, setLocale, getLocale, pickLocale, extendStrings, LOCALES } from './i18n.js';
import { h, clear } from './dom.js';
import * as signinView from './views/signin.js';
import * as coalitionsView from './views/coalitions.js';
import * as coalitionView from './views/coalition.js';
import * as acceptView from './views/accept.js';
import { areas } from './areas.js';
import { Queue, queueIndicator } from './queue.js';
import { Notifier } from './notify.js';

const conn = new Connection();

const app = {
  conn,
  session: null, // {member, coalitions} once signed in
  known: false, // true once the first whoami has been answered
  notice: null, // a one-time message for the sign-in page
  afterSignIn: '#/',
  navigate,
  signIn,
  signOut,
  acceptInvite,
  adoptSession,
  announce,
};

// Before the views' own 'session' listener (below): writes kept from before a
// reload go out first, and the notifications subscribe with `since` first.
app.queue = new Queue(app);
app.notify = new Notifier(app);
let queueUi = null;

let current = null; // {destroy} of the view on screen
let lastRouteKey = null;
let sessionWaiters = [];
let signingOut = false;

const routes = [
  { pattern: /^#\/?$/, view: coalitionsView, auth: true },
  { pattern: /^#\/signin$/, view: signinView, auth: false, signin: true },
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)$/i, view: coalitionView, auth: true },
  { pattern: /^#\/invite\/([^/?#]+)$/, view: acceptView, auth: false },
];

// Each area brings its routes (signed in) and strings.
for (const area of areas) {
  extendStrings(area.strings);
  for (const r of area.routes || []) routes.push({ pattern: r.pattern, view: r.view, auth: r.auth !== false });
}

function currentHash() {
  return location.hash || '#/';
}

function match(hash) {
  for (const r of routes) {
    const m = r.pattern.exec(hash);
    if (m) return { route: r, params: m.slice(1).map(decodeURIComponent) };
  }
  return null;
}

function navigate(hash) {
  if (location.hash === hash) render(true);
  else location.hash = hash;
}

function render(force, { keepFocus = false } = {}) {
  if (!app.known) return; // still waiting for the connection to tell us who we are
  const hash = currentHash();
  const found = match(hash);
  if (found && found.route.auth && !app.session) {
    app.afterSignIn = hash;
    renderView(signinView, [], 'signin', keepFocus);
    return;
  }
  if (found && found.route.signin && app.session) {
    navigate(app.afterSignIn || '#/');
    return;
  }
  const key = hash + '|' + (app.session ? app.session.member.id : '');
  if (!force && key === lastRouteKey) return;
  if (found) renderView(found.route.view, found.params, key, keepFocus);
  else renderView({ render: notFound }, [], key, keepFocus);
}

function renderView(view, params, key, keepFocus) {
  const main = document.getElementById('main');
  // Keep the browser's focus on first load, and on the language switch when
  // the same page is drawn again in another language.
  const moveFocus = lastRouteKey !== null && !keepFocus;
  if (current && current.destroy) current.destroy();
  current = null;
  lastRouteKey = key;
  clear(main);
  const result = view.render(app, ...params) || {};
  current = result;
  if (result.el) main.append(result.el);
  document.title = result.title ? `${result.title} · ${t('app.name')}` : t('app.name');
  if (moveFocus) {
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
}

function notFound() {
  const el = h('section', { class: 'panel' },
    h('h1', null, t('app.not_found_title')),
    h('p', null, t('app.not_found_body')),
    h('p', null, h('a', { href: '#/' }, t('app.back_home'))));
  return { el, title: t('app.not_found_title') };
}

// --- session ---------------------------------------------------------------

function adoptSession(who) {
  const before = app.session ? app.session.member.id : null;
  app.session = who && who.member ? { member: who.member, coalitions: who.coalitions || [] } : null;
  const after = app.session ? app.session.member.id : null;
  const firstAnswer = !app.known;
  app.known = true;
  renderUserBar();
  if (before !== null && after === null && !signingOut) app.notice = t('app.session_ended');
  if (firstAnswer || before !== after) render(true);
}

conn.on('session', (who) => {
  adoptSession(who);
  const waiters = sessionWaiters;
  sessionWaiters = [];
  for (const w of waiters) w(who);
});

conn.on('signedout', () => {
  if (!app.session) return;
  conn.forgetSubscriptions();
  adoptSession(null);
});

// Other tabs of this browser share the cookie: when one signs in, the others
// reconnect so their socket carries it too. (Sign-out reaches them from the
// daemon, as a session.ended event.)
const tabs = 'BroadcastChannel' in window ? new BroadcastChannel('roundtable-session') : null;
if (tabs) {
  tabs.onmessage = (ev) => {
    if (ev.data === 'signed-in' && !app.session) {
      conn.resumeToken = null;
      conn.forgetSubscriptions();
      conn.restart();
    }
  };
}

function tellOtherTabs() {
  if (tabs) tabs.postMessage('signed-in');
}

function nextSession() {
  return new Promise((resolve) => sessionWaiters.push(resolve));
}

async function postJSON(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new RtError({ code: 'network', message: String(e) });
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const fallback = res.status === 429 ? 'rate_limited' : res.status === 401 ? 'unauthenticated' : 'internal';
    throw new RtError((data && data.error) || { code: fallback, message: res.statusText });
  }
  return data;
}

// Sign in with the cookie session, then reconnect so /ws carries the cookie.
async function signIn(email, password) {
  await postJSON('POST', '/api/session', { email, password });
  conn.resumeToken = null;
  conn.forgetSubscriptions();
  const waiting = nextSession();
  conn.restart();
  const who = await waiting;
  if (!who) throw new RtError({ code: 'unauthenticated' });
  tellOtherTabs();
  return who;
}

async function signOut() {
  signingOut = true;
  try {
    await signOutInner();
  } finally {
    signingOut = false;
  }
}

async function signOutInner() {
  // Nothing this member wrote and did not send stays on a shared device.
  if (app.session) app.queue.forget(app.session.member.id);
  try {
    await postJSON('DELETE', '/api/session');
  } catch (e) {
    // Still end the session on this connection below.
    try {
      await conn.request('auth.logout', {});
    } catch (e2) { /* already gone */ }
  }
  conn.resumeToken = null;
  conn.forgetSubscriptions();
  app.afterSignIn = '#/';
  const waiting = nextSession();
  conn.restart();
  await waiting;
  if (!match(currentHash()) || match(currentHash()).route.auth) navigate('#/');
}

// Accept an invitation on the WebSocket, then get a cookie session with the
// same email and password so a reload or reconnect stays signed in.
async function acceptInvite(token, password, name) {
  const args = { invite_token: token, password };
  if (name) args.name = name;
  const data = await conn.request('auth.accept_invite', args);
  conn.forgetSubscriptions();
  let cookie = false;
  try {
    await postJSON('POST', '/api/session', { email: data.member.email, password });
    cookie = true;
  } catch (e) {
    cookie = false;
  }
  if (cookie) {
    // The token session of this connection is not needed any more.
    try {
      await conn.request('auth.logout', {});
    } catch (e) { /* fine */ }
    conn.resumeToken = null;
  } else {
    conn.resumeToken = data.token; // reconnects resume with it instead
  }
  // The invitation is used up: replace its address with the coalition's, so
  // the page shown once we are signed in is the coalition, and Back does not
  // return to a dead link.
  const list = data.coalitions || [];
  const target = list.length === 1 ? '#/c/' + encodeURIComponent(list[0].slug) : '#/';
  history.replaceState(null, '', target);
  const waiting = nextSession();
  conn.restart();
  const who = await waiting;
  if (!who) throw new RtError({ code: 'unauthenticated' });
  if (!conn.resumeToken) tellOtherTabs();
  return data;
}

// --- header ------------------------------------------------------------------

function renderUserBar() {
  const bar = document.getElementById('user-bar');
  const who = document.getElementById('who');
  if (app.session) {
    who.textContent = t('app.signed_in_as', { name: app.session.member.name });
    bar.hidden = false;
  } else {
    who.textContent = '';
    bar.hidden = true;
  }
}

let connState = 'connecting';

function renderConnState(state) {
  connState = state;
  const status = document.getElementById('conn-status');
  const text = document.getElementById('conn-text');
  const retry = document.getElementById('conn-retry');
  status.dataset.state = state;
  text.textContent = t('conn.' + state);
  retry.hidden = state !== 'offline';
}

let announceTimer = null;
function announce(message) {
  const region = document.getElementById('announcer');
  region.textContent = '';
  clearTimeout(announceTimer);
  // A fresh node after a tick so screen readers notice a repeated message.
  announceTimer = setTimeout(() => {
    region.textContent = message;
  }, 50);
}

// --- language -----------------------------------------------------------------

const LOCALE_KEY = 'roundtable.locale';

function savedLocale() {
  try {
    const tag = localStorage.getItem(LOCALE_KEY);
    return LOCALES.some((l) => l.tag === tag) ? tag : null;
  } catch (e) {
    return null; // storage may be off
  }
}

function browserLocale() {
  const tags = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  return pickLocale(tags);
}

// English / Español in the header, each named in its own language; the one
// in use is pressed.
function buildLangSwitch() {
  const group = h('div', { class: 'lang-switch', id: 'lang-switch', role: 'group' },
    ...LOCALES.map((l) => h('button', {
      type: 'button', class: 'lang-option', lang: l.tag, 'data-locale': l.tag, id: 'lang-' + l.tag,
    }, l.name)));
  group.addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-locale]');
    if (button) chooseLocale(button.dataset.locale);
  });
  // Before the connection status: brand on the left, language and status on the right.
  const conn = document.getElementById('conn');
  conn.parentNode.insertBefore(group, conn);
}

function renderLangSwitch() {
  const group = document.getElementById('lang-switch');
  if (!group) return;
  group.setAttribute('aria-label', t('app.language'));
  for (const button of group.querySelectorAll('button[data-locale]')) {
    button.setAttribute('aria-pressed', String(button.dataset.locale === getLocale()));
  }
}

function applyLocale() {
  staticStrings();
  renderLangSwitch();
  renderUserBar();
  renderConnState(connState);
  if (queueUi) queueUi.render();
  app.notify.render();
  render(true, { keepFocus: true });
}

function chooseLocale(tag, { remember = true } = {}) {
  if (!LOCALES.some((l) => l.tag === tag)) return;
  if (remember) {
    try {
      localStorage.setItem(LOCALE_KEY, tag);
    } catch (e) { /* still switch for this page */ }
  }
  if (tag === getLocale()) return;
  setLocale(tag);
  applyLocale();
  announce(t('app.language_changed'));
}

function staticStrings() {
  document.getElementById('skip-link').textContent = t('app.skip');
  document.getElementById('brand-name').textContent = t('app.name');
  document.getElementById('user-bar').setAttribute('aria-label', t('app.nav_label'));
  document.getElementById('nav-coalitions').textContent = t('app.coalitions');
  document.getElementById('sign-out').textContent = t('app.sign_out');
  document.getElementById('conn-retry').textContent = t('conn.retry');
  document.getElementById('conn-label').textContent = t('conn.label') + ': ';
  const loading = document.getElementById('boot-loading');
  if (loading) loading.textContent = t('app.loading');
}

function boot() {
  setLocale(savedLocale() || browserLocale());
  buildLangSwitch();
  queueUi = queueIndicator(app.queue);
  document.getElementById('conn').append(queueUi.button, queueUi.panel);
  app.notify.mount(document.getElementById('notify'));
  staticStrings();
  renderLangSwitch();
  // Another tab of this browser chose a language: follow it.
  window.addEventListener('storage', (ev) => {
    if (ev.key === LOCALE_KEY && ev.newValue) chooseLocale(ev.newValue, { remember: false });
  });
  document.getElementById('skip-link').addEventListener('click', (ev) => {
    ev.preventDefault(); // the hash belongs to the router
    const main = document.getElementById('main');
    main.focus();
  });
  document.getElementById('sign-out').addEventListener('click', async (ev) => {
    ev.currentTarget.disabled = true;
    try {
      await signOut();
    } finally {
      document.getElementById('sign-out').disabled = false;
    }
  });
  document.getElementById('conn-retry').addEventListener('click', () => conn.reconnectNow());
  conn.on('state', renderConnState);
  window.addEventListener('hashchange', () => render(false));
  conn.start();
}

boot();
