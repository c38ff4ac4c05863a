// The offline queue: every write a member makes with an idempotency key is
// kept in localStorage (per member) from the moment it is made until its
// reply arrives, so a write made while the connection is down survives a
// reload and goes out exactly once, in order, when the connection is back.
//
// It is the Connection's journal (conn.setJournal): the connection tells it
// when a write is made (record), waits (held), goes out (sent), is answered
// (settle) or abandoned by a sign-in or sign-out (dropped). On each session
// the writes of that member that no live page owns are handed back to the
// connection (restore), at the front of its outbox.
//
// Exactly once: a write is sent again only with its first key, and the
// server answers a repeated key with the first reply. Two kinds of write are
// different (docs/protocol.md):
//   - an anonymous message.post keeps no key on the server (it would link
//     the author to the message). Before sending one again that may already
//     have reached the server, check() looks for it in the thread: the
//     author's own copy comes back with `mine: true`. Found, it is not sent.
//   - a secret ballot seals its reply under the key instead of the generic
//     table: a retry with the same key gets the same receipt. Safe as is.
//
// Each page (tab) sends only its own writes. A write whose page has closed
// is adopted by the next page of the same member that is online: a page is
// alive while it holds its Web Lock (navigator.locks, released by the
// browser when the page goes, even on a crash), and adoption itself runs
// under a lock so two tabs never take the same write. Where Web Locks are
// missing (plain http to a non-local host), a heartbeat in localStorage
// stands in, with a margin for the throttled timers of background tabs.
//
// Not kept (they stay in memory, as before): writes without a signed-in
// member, respondents' writes (their token is a secret), invitations (the
// reply shows a link once) and read markers (thread.read: sent again when
// the thread is read again).
//
// The header shows how many writes wait ("2 waiting to be sent") as a
// button that opens the list: each with where it was made, and the writes
// the server refused with its reason, to dismiss.

import { h, clear } from './dom.js';
import { t, errorText, formatDate } from './i18n.js';
import { saveReceipt } from './views/decisions-util.js';

const PREFIX = 'roundtable.queue.'; // + member id: {items, failed}
const PAGES = 'roundtable.pages'; // {pageId: last heartbeat (ms)}
const LAST = 'roundtable.queue.last'; // the member of the last session: counted before the next
const BEAT = 5000;
const GONE = 120000; // without Web Locks: a page silent this long is closed (background tabs beat once a minute)
const LOCK = 'roundtable.page.'; // + page id: held for the page's lifetime
const ADOPT_LOCK = 'roundtable.queue.adopt';
const locks = typeof navigator !== 'undefined' && navigator.locks && typeof navigator.locks.query === 'function'
  ? navigator.locks : null;
const MAX_FAILED = 20;
const NOT_KEPT = new Set(['thread.read', 'member.invite', 'respondent.invite']);

// What each kind of write is called in the list; anything else is a "change".
const OPS = {
  'message.post': 'queue.op.message', 'message.edit': 'queue.op.message_edit',
  'message.delete': 'queue.op.message_delete', 'thread.create': 'queue.op.thread',
  'thread.update': 'queue.op.change', 'ballot.cast': 'queue.op.ballot',
  'decision.create': 'queue.op.decision', 'decision.close': 'queue.op.decision_close',
  'score.submit': 'queue.op.score', 'coi.declare': 'queue.op.coi',
  'milestone.update': 'queue.op.milestone_update', 'milestone.create': 'queue.op.milestone',
  'milestone.link': 'queue.op.milestone_link', 'mou.save': 'queue.op.mou_save',
  'mou.sign': 'queue.op.mou_sign', 'mou.create': 'queue.op.mou',
};

function readJSON(key, fallback) {
  try {
    const v = JSON.parse(localStorage.getItem(key));
    return v && typeof v === 'object' ? v : fallback;
  } catch (e) {
    return fallback;
  }
}

function writeJSON(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    return false; // storage off or full: the write still goes out from memory
  }
}

function pageId() {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// The text a write carries (a message, a note, a comment), if any.
function textOf(args) {
  const text = args && (args.body || args.note || args.comment || args.text || args.title || args.reason);
  return typeof text === 'string' ? text : '';
}

// The same on one short line, for the list.
function excerptOf(args) {
  const one = textOf(args).replace(/\s+/g, ' ').trim();
  return one.length > 120 ? one.slice(0, 119) + '…' : one;
}

// The page's title without the app's name: where the write was made.
function placeTitle() {
  return String(document.title || '').replace(/\s*·\s*[^·]*$/, '').trim();
}

export class Queue {
  // app: {conn, announce}
  constructor(app) {
    this.app = app;
    this.conn = app.conn;
    // The signed-in member's id. Until the first session answers, the last
    // one's, so a page reloaded offline still shows what waits.
    this.member = readJSON(LAST, {}).member ?? null;
    this.page = pageId();
    this.live = new Set(); // keys this page has handed to the connection
    this.listeners = new Set();
    this.wasHeld = 0;
    this.adopting = false;
    // The page this tab showed before a reload: its writes are ours at once.
    try {
      this.previous = sessionStorage.getItem('roundtable.page');
      sessionStorage.setItem('roundtable.page', this.page);
    } catch (e) {
      this.previous = null;
    }
    if (locks) locks.request(LOCK + this.page, () => new Promise(() => {})).catch(() => {});
    this.beat();
    setInterval(() => this.beat(), BEAT);
    window.addEventListener('pagehide', () => this.leave());
    window.addEventListener('storage', (ev) => {
      if (this.member !== null && ev.key === PREFIX + this.member) this.changed();
    });
    this.conn.setJournal(this);
    this.conn.on('session', (who) => this.onSession(who));
  }

  // --- storage -----------------------------------------------------------------

  beat() {
    const pages = readJSON(PAGES, {});
    const now = Date.now();
    for (const [id, at] of Object.entries(pages)) if (now - at > GONE * 2) delete pages[id];
    pages[this.page] = now;
    writeJSON(PAGES, pages);
    if (this.member !== null && this.conn.isOpen()) this.adopt();
  }

  leave() {
    const pages = readJSON(PAGES, {});
    delete pages[this.page];
    writeJSON(PAGES, pages);
  }

  // Resolves a test page -> is that page still open.
  async aliveTest() {
    if (locks) {
      const held = new Set(((await locks.query()).held || []).map((l) => l.name));
      return (page) => page === this.page || held.has(LOCK + page);
    }
    const pages = readJSON(PAGES, {});
    return (page) => page === this.page || (typeof pages[page] === 'number' && Date.now() - pages[page] < GONE);
  }

  load(member = this.member) {
    const s = readJSON(PREFIX + member, {});
    return { items: Array.isArray(s.items) ? s.items : [], failed: Array.isArray(s.failed) ? s.failed : [] };
  }

  save(state, member = this.member) {
    if (state.items.length || state.failed.length) return writeJSON(PREFIX + member, state);
    try {
      localStorage.removeItem(PREFIX + member);
    } catch (e) { /* nothing kept anyway */ }
    return true;
  }

  update(key, fn) {
    if (this.member === null) return;
    const state = this.load();
    const item = state.items.find((it) => it.key === key);
    if (!item) return;
    if (fn(item, state) === false) return;
    this.save(state);
    this.changed();
  }

  // --- the journal (called by the connection) -------------------------------------

  record(msg) {
    if (this.member === null || NOT_KEPT.has(msg.op) || (msg.args && msg.args.respondent_token)) return false;
    const state = this.load();
    const fields = {
      op: msg.op, args: msg.args, owner: this.page, href: location.hash || '#/', place: placeTitle(),
    };
    const old = state.items.find((it) => it.key === msg.key);
    if (old) Object.assign(old, fields); // the same action again (a retry by its view)
    else state.items.push({ key: msg.key, at: new Date().toISOString(), sent: false, held: false, ...fields });
    if (!this.save(state) && !old) return false;
    this.live.add(msg.key);
    return true;
  }

  held(msg) {
    this.update(msg.key, (it) => {
      if (it.held) return false;
      it.held = true;
      return true;
    });
    const n = this.waiting().length;
    if (n > this.wasHeld && !this.conn.isOpen()) this.app.announce(t('queue.saved', { count: n }));
    this.wasHeld = Math.max(this.wasHeld, n);
  }

  sent(msg) {
    this.update(msg.key, (it) => {
      if (it.sent) return false;
      it.sent = true;
      return true;
    });
  }

  settle(msg, ok, result) {
    this.live.delete(msg.key);
    if (this.member === null) return;
    // Signed out meanwhile: keep it for when this member signs in again.
    if (!ok && result && result.code === 'unauthenticated') {
      this.update(msg.key, (it) => { it.owner = null; it.sent = false; });
      return;
    }
    const state = this.load();
    const i = state.items.findIndex((it) => it.key === msg.key);
    const item = i >= 0 ? state.items.splice(i, 1)[0] : null;
    if (ok) this.afterSuccess(msg, result);
    if (!ok && item && item.held) {
      state.failed.unshift({
        key: item.key, op: item.op, href: item.href, place: item.place, text: textOf(item.args),
        error: { code: result.code, message: result.message, field: result.field }, at: new Date().toISOString(),
      });
      state.failed.length = Math.min(state.failed.length, MAX_FAILED);
      this.app.announce(t('queue.failed_one', { what: this.label(item), error: errorText(result) }));
    }
    this.save(state);
    this.changed();
    if (this.wasHeld && this.waiting().length === 0) {
      this.wasHeld = 0;
      if (ok) this.app.announce(t('queue.all_sent'));
    }
  }

  dropped(msg) {
    this.live.delete(msg.key);
    this.update(msg.key, (it) => { it.owner = null; });
  }

  needsCheck(msg) {
    return msg.op === 'message.post' && !!(msg.args && msg.args.anonymous);
  }

  // Did this anonymous message reach the server? The author's own copy, same
  // body, not deleted, in the thread's newest page. Resolves {message} or null.
  async check(msg, read) {
    const item = this.member === null ? null : this.load().items.find((it) => it.key === msg.key);
    const since = item ? Date.parse(item.at) - 10 * 60 * 1000 : 0;
    const data = await read('thread.get', { thread: msg.args.thread, limit: 200 });
    const found = (data.messages || []).find((m) => m.mine && m.anonymous && !m.deleted &&
      m.body === msg.args.body && (!since || Date.parse(m.created_at) >= since));
    return found ? { message: found } : null;
  }

  // What a successful write must leave behind even when its page is gone.
  afterSuccess(msg, data) {
    if (msg.op === 'ballot.cast' && data && data.receipt && this.member !== null) {
      saveReceipt(this.member, msg.args.decision, data.receipt);
    }
  }

  // --- sessions ------------------------------------------------------------------------

  onSession(who) {
    const member = who && who.member ? who.member.id : null;
    if (member !== this.member) this.live.clear();
    this.member = member;
    this.wasHeld = 0;
    writeJSON(LAST, { member });
    if (member !== null) this.adopt();
    this.wasHeld = this.waiting().length;
    this.changed();
  }

  // Hands the connection this member's writes that no open page is sending:
  // ours from before a reload or a sign-in, or those of a tab that closed.
  // Right away (before the views of a new session load), those of this page
  // and of the page this tab was before a reload (gone: its pagehide
  // removed it from the heartbeat table); then, under the adoption lock,
  // those of any other page that has closed.
  adopt() {
    const state = this.load();
    const previousGone = this.previous && !(this.previous in readJSON(PAGES, {}));
    this.take(state, state.items.filter((it) => !this.live.has(it.key) &&
      (!it.owner || it.owner === this.page || (previousGone && it.owner === this.previous))));
    if (this.adopting) return;
    this.adopting = true;
    const member = this.member;
    const claim = async () => {
      const alive = await this.aliveTest();
      if (this.member !== member) return;
      const fresh = this.load();
      this.take(fresh, fresh.items.filter((it) => !this.live.has(it.key) && !alive(it.owner)));
    };
    const run = locks ? locks.request(ADOPT_LOCK, claim) : claim();
    run.catch((e) => console.error(e)).finally(() => { this.adopting = false; });
  }

  // Claims these items of state for this page and hands them to the connection, in order.
  take(state, items) {
    if (!items.length) return;
    for (const it of items) {
      it.owner = this.page;
      it.held = true;
      this.live.add(it.key);
    }
    this.save(state);
    this.changed();
    const noop = () => {};
    this.conn.restore(items.map((it) => ({
      msg: { op: it.op, args: it.args, key: it.key }, maybeSent: it.sent, resolve: noop, reject: noop,
    })));
  }

  // Signing out on purpose leaves nothing of this member's unsent words on the device.
  forget(member = this.member) {
    if (member === null) return;
    try {
      localStorage.removeItem(PREFIX + member);
    } catch (e) { /* nothing to remove */ }
    this.live.clear();
    this.changed();
  }

  // --- reading -------------------------------------------------------------------------

  // Writes of this member waiting for the connection (or for their reply
  // after one was lost), oldest first. match(item) filters.
  waiting(match) {
    if (this.member === null) return [];
    return this.load().items.filter((it) => it.held && (!match || match(it)));
  }

  failed() {
    return this.member === null ? [] : this.load().failed;
  }

  dismiss(key) {
    if (this.member === null) return;
    const state = this.load();
    state.failed = key ? state.failed.filter((f) => f.key !== key) : [];
    this.save(state);
    this.changed();
  }

  label(item) {
    return t(OPS[item.op] || 'queue.op.change');
  }

  on(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed() {
    for (const fn of [...this.listeners]) {
      try {
        fn();
      } catch (e) {
        console.error(e);
      }
    }
  }
}

// --- the header: count and list ----------------------------------------------------

// A button beside the connection status ("2 waiting to be sent") that
// shows and hides the list of waiting and refused writes.
export function queueIndicator(queue) {
  const button = h('button', {
    type: 'button', class: 'queue-toggle', id: 'queue-toggle', hidden: true,
    'aria-expanded': 'false', 'aria-controls': 'queue-panel',
  });
  const heading = h('h2', { id: 'queue-title' });
  const list = h('ul', { class: 'queue-list', id: 'queue-list' });
  const failedHead = h('h3', { id: 'queue-failed-title' });
  const failedList = h('ul', { class: 'queue-list queue-failed', id: 'queue-failed' });
  const dismissAll = h('button', { type: 'button', class: 'secondary small', id: 'queue-dismiss-all' });
  const failedBox = h('div', { class: 'queue-failed-box', hidden: true }, failedHead, failedList, dismissAll);
  const intro = h('p', { class: 'hint', id: 'queue-intro' });
  const panel = h('section', { class: 'popover queue-panel', id: 'queue-panel', hidden: true, 'aria-labelledby': 'queue-title' },
    heading, intro, list, failedBox);

  function setOpen(open) {
    if (open) panel.style.top = Math.round(button.getBoundingClientRect().bottom + 6) + 'px';
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  }

  button.addEventListener('click', () => setOpen(panel.hidden));
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      setOpen(false);
      button.focus();
    }
  });
  button.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && !panel.hidden) setOpen(false);
  });
  document.addEventListener('click', (ev) => {
    if (!panel.hidden && !panel.contains(ev.target) && !button.contains(ev.target)) setOpen(false);
  });
  dismissAll.addEventListener('click', () => {
    queue.dismiss(null);
    button.focus();
  });

  // A refused write keeps its whole text, so nothing typed is lost.
  function entry(it, extra) {
    const text = it.args ? excerptOf(it.args) : it.text;
    return h('li', { class: 'queue-item', dataset: { key: it.key, op: it.op } },
      h('a', { href: it.href, onclick: () => setOpen(false) }, queue.label(it), it.place ? ' · ' + it.place : ''),
      text ? h(it.args ? 'q' : 'blockquote', { class: it.args ? 'queue-excerpt' : 'queue-text' }, text) : null,
      extra);
  }

  function render() {
    const waiting = queue.waiting();
    const failed = queue.failed();
    button.hidden = !waiting.length && !failed.length;
    if (button.hidden) setOpen(false);
    button.textContent = waiting.length
      ? t('queue.count', { count: waiting.length })
      : t('queue.failed_count', { count: failed.length });
    button.classList.toggle('has-failed', failed.length > 0);
    heading.textContent = t('queue.title');
    intro.textContent = waiting.length ? t('queue.intro') : t('queue.none_waiting');
    clear(list);
    for (const it of waiting) {
      list.append(entry(it, h('span', { class: 'muted queue-when' }, t('queue.since', { date: formatDate(it.at) }))));
    }
    failedBox.hidden = !failed.length;
    failedHead.textContent = t('queue.failed_title');
    dismissAll.textContent = t('queue.dismiss_all');
    clear(failedList);
    for (const f of failed) {
      const dismiss = h('button', { type: 'button', class: 'link-button queue-dismiss' }, t('queue.dismiss'),
        h('span', { class: 'visually-hidden' }, ' ' + queue.label(f)));
      dismiss.addEventListener('click', () => {
        queue.dismiss(f.key);
        button.focus();
      });
      failedList.append(entry(f, [h('p', { class: 'error queue-error' }, errorText(f.error)), dismiss]));
    }
  }

  queue.on(render);
  render();
  return { button, panel, render };
}

export const strings = {
  en: {
    'queue.count': { one: '{count} waiting to be sent', other: '{count} waiting to be sent' },
    'queue.failed_count': { one: '{count} could not be sent', other: '{count} could not be sent' },
    'queue.title': 'Waiting to be sent',
    'queue.intro': 'Kept on this device. They go out, in this order, as soon as the connection is back.',
    'queue.none_waiting': 'Nothing is waiting.',
    'queue.since': 'since {date}',
    'queue.saved': { one: 'Saved on this device: it will be sent when the connection is back.', other: '{count} changes saved on this device: they will be sent when the connection is back.' },
    'queue.all_sent': 'Everything that was waiting has been sent.',
    'queue.failed_title': 'Could not be sent',
    'queue.failed_one': '{what} could not be sent: {error}',
    'queue.dismiss': 'Dismiss',
    'queue.dismiss_all': 'Dismiss all',
    'queue.pending': 'Waiting to be sent',
    'queue.pending_ballot': 'Your ballot is saved on this device and will be sent when the connection is back.',
    'queue.pending_score': 'Your scores are saved on this device and will be sent when the connection is back.',
    'queue.pending_update': 'Your update is saved on this device and will be sent when the connection is back.',
    'queue.pending_messages': 'Messages waiting to be sent',
    'queue.pending_anon': 'Anonymous (you)',
    'queue.pending_you': 'You',
    'queue.op.message': 'Message',
    'queue.op.message_edit': 'Edit of a message',
    'queue.op.message_delete': 'Deletion of a message',
    'queue.op.thread': 'New discussion',
    'queue.op.ballot': 'Ballot',
    'queue.op.decision': 'New decision',
    'queue.op.decision_close': 'Closing a decision',
    'queue.op.score': 'Score',
    'queue.op.coi': 'Conflict of interest',
    'queue.op.milestone_update': 'Milestone update',
    'queue.op.milestone': 'New milestone',
    'queue.op.milestone_link': 'Milestone link',
    'queue.op.mou_save': 'MOU edit',
    'queue.op.mou_sign': 'MOU signature',
    'queue.op.mou': 'New MOU',
    'queue.op.change': 'Change',
  },
  es: {
    'queue.count': { one: '{count} en espera de envío', other: '{count} en espera de envío' },
    'queue.failed_count': { one: '{count} no se pudo enviar', other: '{count} no se pudieron enviar' },
    'queue.title': 'En espera de envío',
    'queue.intro': 'Guardado en este dispositivo. Se envía, en este orden, en cuanto vuelva la conexión.',
    'queue.none_waiting': 'No hay nada en espera.',
    'queue.since': 'desde el {date}',
    'queue.saved': { one: 'Guardado en este dispositivo: se enviará cuando vuelva la conexión.', other: '{count} cambios guardados en este dispositivo: se enviarán cuando vuelva la conexión.' },
    'queue.all_sent': 'Se envió todo lo que estaba en espera.',
    'queue.failed_title': 'No se pudo enviar',
    'queue.failed_one': 'No se pudo enviar: {what}. {error}',
    'queue.dismiss': 'Descartar',
    'queue.dismiss_all': 'Descartar todo',
    'queue.pending': 'En espera de envío',
    'queue.pending_ballot': 'Su voto está guardado en este dispositivo y se enviará cuando vuelva la conexión.',
    'queue.pending_score': 'Sus puntuaciones están guardadas en este dispositivo y se enviarán cuando vuelva la conexión.',
    'queue.pending_update': 'Su actualización está guardada en este dispositivo y se enviará cuando vuelva la conexión.',
    'queue.pending_messages': 'Mensajes en espera de envío',
    'queue.pending_anon': 'Anónimo (usted)',
    'queue.pending_you': 'Usted',
    'queue.op.message': 'Mensaje',
    'queue.op.message_edit': 'Edición de un mensaje',
    'queue.op.message_delete': 'Eliminación de un mensaje',
    'queue.op.thread': 'Nueva conversación',
    'queue.op.ballot': 'Voto',
    'queue.op.decision': 'Nueva decisión',
    'queue.op.decision_close': 'Cierre de una decisión',
    'queue.op.score': 'Puntuación',
    'queue.op.coi': 'Conflicto de intereses',
    'queue.op.milestone_update': 'Actualización de un hito',
    'queue.op.milestone': 'Nuevo hito',
    'queue.op.milestone_link': 'Vínculo de un hito',
    'queue.op.mou_save': 'Edición de un memorando',
    'queue.op.mou_sign': 'Firma de un memorando',
    'queue.op.mou': 'Nuevo memorando',
    'queue.op.change': 'Cambio',
  },
};
