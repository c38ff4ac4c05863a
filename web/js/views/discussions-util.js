// Pieces shared by the discussions views: the stylesheet, author labels,
// search snippets, @mentions (highlighting and the composer's suggestions),
// the coalition's member list and the mention inbox.

import { h, clear } from '../dom.js';
import { t } from '../i18n.js';

let cssAdded = false;
export function addStylesheet() {
  if (cssAdded) return;
  cssAdded = true;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/discussions.css' }));
}

export const SLUG = '([a-z0-9][a-z0-9_-]*)';

export function threadsHref(slug) {
  return '#/c/' + encodeURIComponent(slug) + '/threads';
}

export function threadHref(slug, thread, message) {
  return threadsHref(slug) + '/' + thread + (message ? '/m/' + message : '');
}

// The name shown for a message's author: never anything for an anonymous one.
export function authorName(msg) {
  if (!msg || msg.anonymous || !msg.author) return t('disc.anonymous');
  return msg.author.name;
}

// A search snippet arrives as escaped text with <mark> around the matches.
// It is rebuilt here as text nodes and <mark> elements: nothing but the
// marks can become markup.
export function snippetNodes(snippet) {
  const out = [];
  const parts = String(snippet || '').split(/(<mark>|<\/mark>|\x01|\x02)/);
  let marked = false;
  for (const part of parts) {
    if (part === '<mark>' || part === '\x01') { marked = true; continue; }
    if (part === '</mark>' || part === '\x02') { marked = false; continue; }
    if (!part) continue;
    const text = decodeEntities(part);
    out.push(marked ? h('mark', null, text) : text);
  }
  return out;
}

function decodeEntities(s) {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (w, name) => ({
    amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'",
  })[name]);
}

// A short plain-text excerpt of a message body (markdown source).
export function excerpt(body, max = 90) {
  const text = String(body || '').replace(/[*_`#>~[\]()!]/g, '').replace(/\s+/g, ' ').trim();
  return text.length > max ? text.slice(0, max - 1).trimEnd() + '…' : text;
}

// --- mentions -----------------------------------------------------------------

// How a member is mentioned: the words of their name joined by dots.
export function mentionHandle(name) {
  return String(name || '').trim().split(/\s+/).join('.');
}

const MENTION_RE = /(^|[^\p{L}\p{N}_.@'-]|['-])@([\p{L}\p{N}_'.-]+)/gu;

// Which member (if exactly one) a mention token names: a full name with dots,
// or a first name that only one member has. Mirrors the daemon's rule.
export function resolveMention(token, members) {
  const tok = token.replace(/['’]s$/i, '').replace(/[.'-]+$/, '').toLowerCase();
  if (!tok) return null;
  for (const m of members) {
    if (mentionHandle(m.name).toLowerCase() === tok) return m;
  }
  if (tok.includes('.')) return null;
  const firsts = members.filter((m) => String(m.name).trim().split(/\s+/)[0].toLowerCase() === tok);
  return firsts.length === 1 ? firsts[0] : null;
}

// Wraps the @mentions of members in rendered markdown in <span class="mention">
// (DOM only: text nodes are split, nothing is parsed). Code is left alone.
export function highlightMentions(root, members, meId) {
  if (!members || !members.length) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      if (!node.nodeValue.includes('@')) return NodeFilter.FILTER_REJECT;
      if (node.parentElement && node.parentElement.closest('code, pre, a')) return NodeFilter.FILTER_REJECT;
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const text = node.nodeValue;
    const frag = document.createDocumentFragment();
    let last = 0;
    let changed = false;
    MENTION_RE.lastIndex = 0;
    let m;
    while ((m = MENTION_RE.exec(text))) {
      const start = m.index + m[1].length;
      const token = m[2].replace(/['’]s$/i, '').replace(/[.'-]+$/, '');
      const who = resolveMention(token, members);
      if (!who) continue;
      const end = start + 1 + token.length;
      frag.append(text.slice(last, start));
      frag.append(h('span', { class: 'mention' + (who.id === meId ? ' mention-me' : ''), title: who.name },
        text.slice(start, end)));
      last = end;
      changed = true;
    }
    if (!changed) continue;
    frag.append(text.slice(last));
    node.replaceWith(frag);
  }
}

// The composer's suggestions: typing @ and a few letters in the textarea
// offers matching members in a listbox. ArrowUp/ArrowDown choose, Enter or
// Tab insert "@First.Last ", Escape closes.
export function mentionSuggester(textarea, getMembers, idPrefix) {
  const listId = idPrefix + '-mentions';
  const list = h('ul', { class: 'mention-list', id: listId, role: 'listbox', hidden: true,
    'aria-label': t('disc.mention_suggestions') });
  let items = [];
  let active = -1;
  let range = null; // [start, end) of the "@tok" being typed

  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', listId);

  function close() {
    list.hidden = true;
    items = [];
    active = -1;
    range = null;
    textarea.removeAttribute('aria-activedescendant');
  }

  function current() {
    const pos = textarea.selectionStart;
    if (pos !== textarea.selectionEnd) return null;
    const before = textarea.value.slice(0, pos);
    const m = /(^|[\s(])@([\p{L}\p{N}_'.-]{0,40})$/u.exec(before);
    if (!m) return null;
    return { start: pos - m[2].length - 1, end: pos, query: m[2].toLowerCase() };
  }

  function update() {
    const cur = current();
    if (!cur) { close(); return; }
    const q = cur.query.replace(/\./g, ' ');
    const found = getMembers().filter((m) => {
      const name = String(m.name).toLowerCase();
      return !q || name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q));
    }).slice(0, 6);
    if (!found.length) { close(); return; }
    range = [cur.start, cur.end];
    items = found;
    active = 0;
    clear(list);
    found.forEach((m, i) => {
      const li = h('li', { id: `${listId}-${i}`, role: 'option', class: 'mention-option',
        'aria-selected': i === active ? 'true' : 'false' },
      m.name, ' ', h('span', { class: 'muted' }, '@' + mentionHandle(m.name)));
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); choose(i); });
      list.append(li);
    });
    list.hidden = false;
    mark();
  }

  function mark() {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', i === active ? 'true' : 'false'));
    if (active >= 0) textarea.setAttribute('aria-activedescendant', `${listId}-${active}`);
  }

  function choose(i) {
    const m = items[i];
    if (!m || !range) return;
    const text = '@' + mentionHandle(m.name) + ' ';
    const v = textarea.value;
    textarea.value = v.slice(0, range[0]) + text + v.slice(range[1]);
    const pos = range[0] + text.length;
    textarea.setSelectionRange(pos, pos);
    close();
    textarea.focus();
  }

  textarea.addEventListener('input', update);
  textarea.addEventListener('blur', () => setTimeout(close, 150));
  textarea.addEventListener('keydown', (ev) => {
    if (list.hidden) return;
    if (ev.key === 'ArrowDown') { ev.preventDefault(); active = (active + 1) % items.length; mark(); }
    else if (ev.key === 'ArrowUp') { ev.preventDefault(); active = (active - 1 + items.length) % items.length; mark(); }
    else if (ev.key === 'Enter' || ev.key === 'Tab') { ev.preventDefault(); choose(active); }
    else if (ev.key === 'Escape') { ev.preventDefault(); close(); }
  });

  return { el: list, close };
}

// --- members and mentions of me, per coalition ------------------------------

const memberCache = new Map(); // slug -> Promise of {members, me}

export function loadMembers(app, slug) {
  if (!memberCache.has(slug)) {
    const p = app.conn.request('coalition.get', { coalition: slug }).then((data) => ({
      members: data.members || [],
      me: data.me || { id: app.session && app.session.member.id, roles: [] },
    }));
    p.catch(() => memberCache.delete(slug));
    memberCache.set(slug, p);
  }
  return memberCache.get(slug);
}

export function forgetMembers(slug) {
  memberCache.delete(slug);
}

// Mentions of the signed-in member that arrived while the page was open.
const inbox = []; // {slug, thread:{id,title}, message, seq}
const inboxListeners = new Set();
let inboxConn = null;

export function watchMentions(app) {
  if (inboxConn === app.conn) return;
  inboxConn = app.conn;
  app.conn.on('event', (ev) => {
    if (ev.event === 'member.joined' || ev.event === 'member.updated') forgetMembers(ev.coalition);
    if (ev.event !== 'mention' || !ev.data || !ev.data.thread) return;
    if (inbox.some((x) => x.seq === ev.seq && x.slug === ev.coalition)) return;
    const item = { slug: ev.coalition, thread: ev.data.thread, message: ev.data.message || {}, seq: ev.seq };
    inbox.unshift(item);
    if (inbox.length > 20) inbox.pop();
    for (const fn of inboxListeners) fn(item);
  });
  app.conn.on('signedout', () => { inbox.length = 0; memberCache.clear(); });
}

export function mentionsOf(slug) {
  return inbox.filter((x) => x.slug === slug);
}

export function onMention(fn) {
  inboxListeners.add(fn);
  return () => inboxListeners.delete(fn);
}

export function mentionText(item) {
  const msg = item.message || {};
  const title = (item.thread && item.thread.title) || '';
  return msg.anonymous || !msg.author
    ? t('disc.mentioned_anon', { thread: title })
    : t('disc.mentioned_by', { name: msg.author.name, thread: title });
}
