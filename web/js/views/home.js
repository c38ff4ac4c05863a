// Home: "what needs me now" in one coalition, the page a member lands on
// after choosing a coalition (#/c/<slug>/home). Five lists, each item a link
// to the place to act:
//
//   decisions awaiting my ballot   decision.list {status: open}: me.eligible, not voted
//   responses awaiting my scores   closed RFQs where rfq.results lists me as an evaluator not done
//   MOUs awaiting my signature     mou.list: my organization is a party and has not signed the head
//   milestones I own               milestone.list: not achieved, and overdue, at risk, or due within 14 days
//   unread discussions             thread.list: unread > 0
//
// Built from existing operations only (no op of its own). Live: events of
// the coalition that can change a list reload it (debounced), and so does a
// reconnect.

import { h, clear } from '../dom.js';
import { t, errorText, formatDate, formatNumber } from '../i18n.js';
import { areas } from '../areas.js';
import { decisionHref } from './decisions-util.js';
import { threadHref } from './discussions-util.js';
import { strings as queueStrings } from '../queue.js';
import { strings as notifyStrings } from '../notify.js';

const DUE_SOON = 14 * 24 * 3600 * 1000;
const RELOAD_AFTER = 400; // ms: one reload for a burst of events

const enc = encodeURIComponent;
export const homeHref = (slug) => `#/c/${enc(slug)}/home`;

// Events that can change what needs me, by the list they touch.
const RELEVANT = /^(decision\.|ballot\.cast|tally\.updated|rfq\.|evaluator\.assigned|coi\.declared|score\.submitted|mou\.|milestone\.|thread\.|message\.|mention|member\.updated)/;

let cssAdded = false;
function addStylesheet() {
  if (cssAdded) return;
  cssAdded = true;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/home.css' }));
}

function render(app, slug) {
  addStylesheet();
  const conn = app.conn;
  const memberId = app.session ? app.session.member.id : 0;
  let alive = true;
  let timer = null;
  let loading = 0;
  const offs = [];

  const heading = h('h1', { id: 'home-title' }, t('home.title'));
  const coalitionLine = h('p', { class: 'lead home-coalition', id: 'home-coalition' });
  const summary = h('p', { class: 'home-summary', id: 'home-summary', role: 'status', 'aria-live': 'polite' }, t('app.loading'));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const nav = h('nav', { class: 'area-nav home-nav', 'aria-label': t('coalition.areas') },
    h('ul', null,
      h('li', null, h('a', { href: '#/c/' + enc(slug), id: 'home-members' }, t('home.members'))),
      ...areas.filter((a) => a.link && a.link.id !== 'home.area').map((a) =>
        h('li', null, h('a', { href: a.link.href(slug) }, t(a.link.id))))));

  const SECTIONS = [
    { key: 'decisions', title: 'home.decisions', none: 'home.decisions_none' },
    { key: 'scores', title: 'home.scores', none: 'home.scores_none' },
    { key: 'mous', title: 'home.mous', none: 'home.mous_none' },
    { key: 'milestones', title: 'home.milestones', none: 'home.milestones_none' },
    { key: 'threads', title: 'home.threads', none: 'home.threads_none' },
  ];
  const boxes = new Map();
  const grid = h('div', { class: 'home-grid', hidden: true });
  for (const s of SECTIONS) {
    const count = h('span', { class: 'home-count', 'aria-hidden': 'true' });
    const list = h('ul', { class: 'home-list', id: 'home-' + s.key });
    const none = h('p', { class: 'muted home-none' }, t(s.none));
    const titleId = 'home-' + s.key + '-title';
    const title = h('h2', { id: titleId }, t(s.title), ' ', count);
    list.setAttribute('aria-labelledby', titleId);
    grid.append(h('section', { class: 'panel home-section', 'aria-labelledby': titleId, dataset: { section: s.key } }, title, none, list));
    boxes.set(s.key, { list, none, count });
  }

  const el = h('article', { class: 'home', 'aria-labelledby': 'home-title', dataset: { slug } },
    h('header', { class: 'page-head' }, heading, coalitionLine, summary),
    nav, failure, grid);

  function fill(key, items) {
    const box = boxes.get(key);
    clear(box.list);
    for (const it of items) box.list.append(it);
    box.none.hidden = items.length > 0;
    box.list.hidden = items.length === 0;
    box.count.textContent = items.length ? '(' + formatNumber(items.length) + ')' : '';
    box.count.classList.toggle('has-items', items.length > 0);
    return items.length;
  }

  function item(href, title, detail, cls) {
    return h('li', { class: 'home-item' + (cls ? ' ' + cls : '') },
      h('a', { href }, title),
      detail ? h('span', { class: 'home-detail' }, detail) : null);
  }

  const soft = (p) => p.catch(() => null); // a list this member may not read stays empty

  async function load() {
    const mine = ++loading;
    let info;
    try {
      info = await conn.request('coalition.get', { coalition: slug });
    } catch (e) {
      if (!alive || mine !== loading) return;
      heading.textContent = e.code === 'not_found' ? t('app.not_found_title') : t('home.title');
      summary.textContent = '';
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    const meRow = (info.members || []).find((m) => m.id === memberId);
    const org = meRow && meRow.organization;
    const [dl, rl, ml, tl, msl] = await Promise.all([
      soft(conn.request('decision.list', { coalition: slug, status: 'open' })),
      soft(conn.request('rfq.list', { coalition: slug })),
      soft(conn.request('mou.list', { coalition: slug })),
      soft(conn.request('thread.list', { coalition: slug })),
      soft(conn.request('milestone.list', { coalition: slug })),
    ]);
    // Scoring opens at the close; only assigned evaluators may read the results.
    const closed = ((rl && rl.rfqs) || []).filter((r) => r.status === 'closed');
    const results = await Promise.all(closed.map((r) => soft(conn.request('rfq.results', { rfq: r.id }))));
    if (!alive || mine !== loading) return;

    failure.hidden = true;
    coalitionLine.textContent = info.coalition ? info.coalition.name : slug;
    document.title = `${t('home.title')} · ${info.coalition ? info.coalition.name : slug} · ${t('app.name')}`;
    const now = Date.now();
    let total = 0;

    const decisions = ((dl && dl.decisions) || [])
      .filter((d) => d.status === 'open' && d.me && d.me.eligible && !d.me.voted && !d.me.voted_by)
      .sort((a, b) => Date.parse(a.closes_at) - Date.parse(b.closes_at));
    // One closing within a day says so in words, not only in its colour.
    total += fill('decisions', decisions.map((d) => {
      const urgent = Date.parse(d.closes_at) - now < 24 * 3600 * 1000;
      return item(decisionHref(slug, d.id), d.title,
        t(urgent ? 'home.closes_soon' : 'home.closes', { date: formatDate(d.closes_at) }), urgent ? 'urgent' : '');
    }));

    const scores = [];
    closed.forEach((r, i) => {
      const res = results[i];
      const me = res && (res.evaluators || []).find((e) => e.member === memberId);
      if (me && !me.done) scores.push(item(`#/c/${enc(slug)}/rfqs/${r.id}`, r.title, t('home.scores_detail')));
    });
    total += fill('scores', scores);

    const mous = ((ml && ml.mous) || []).filter((m) => org && (m.parties || []).includes(org) && !(m.signed || []).includes(org));
    total += fill('mous', mous.map((m) => item(`#/c/${enc(slug)}/mous/${m.id}`, m.title, t('home.sign_for', { org }))));

    const milestones = ((msl && msl.milestones) || []).filter((m) => {
      if (!m.owner || m.owner.id !== memberId || m.status === 'achieved') return false;
      const due = m.due ? Date.parse(m.due) : NaN;
      return m.overdue || (m.attention || []).length > 0 || (due && due - now <= DUE_SOON);
    });
    total += fill('milestones', milestones.map((m) => {
      let detail;
      if (m.overdue) detail = t('home.overdue', { date: formatDate(m.due) });
      else if ((m.attention || []).includes('at_risk')) detail = t('home.at_risk') + (m.due ? ' · ' + t('home.due', { date: formatDate(m.due) }) : '');
      else detail = t('home.due', { date: formatDate(m.due) });
      return item(`#/c/${enc(slug)}/milestones`, m.title, detail, m.overdue ? 'urgent' : '');
    }));

    const threads = ((tl && tl.threads) || []).filter((th) => th.unread > 0);
    total += fill('threads', threads.map((th) => item(threadHref(slug, th.id), th.title,
      t('home.unread', { count: th.unread }))));

    grid.hidden = false;
    summary.textContent = total ? t('home.summary', { count: total }) : t('home.all_clear');
  }

  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => { if (alive) load(); }, RELOAD_AFTER);
  }

  offs.push(conn.on('event', (ev) => {
    if (alive && ev.coalition === slug && RELEVANT.test(ev.event)) reloadSoon();
  }));
  offs.push(conn.on('session', (who) => {
    if (alive && who) reloadSoon();
  }));

  conn.subscribe(slug).catch(() => {});
  load();

  return {
    el,
    title: t('home.title'),
    destroy() {
      alive = false;
      clearTimeout(timer);
      for (const off of offs) off();
    },
  };
}

export const routes = [
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/home$/i, view: { render } },
];

export const link = { id: 'home.area', href: homeHref };

const homeStrings = {
  en: {
    'home.area': 'What needs you now',
    'home.title': 'What needs you now',
    'home.members': 'Members and roles',
    'home.summary': { one: '{count} thing needs you.', other: '{count} things need you.' },
    'home.all_clear': 'Nothing needs you right now.',
    'home.decisions': 'Decisions awaiting your ballot',
    'home.decisions_none': 'No open decision is waiting for your ballot.',
    'home.closes': 'Closes {date}',
    'home.closes_soon': 'Closes within a day: {date}',
    'home.scores': 'Responses awaiting your scores',
    'home.scores_none': 'No RFQ is waiting for your scores.',
    'home.scores_detail': 'Scoring is open',
    'home.mous': 'MOUs awaiting your signature',
    'home.mous_none': 'No MOU is waiting for your signature.',
    'home.sign_for': 'Sign for {org}',
    'home.milestones': 'Your milestones due soon or overdue',
    'home.milestones_none': 'None of your milestones is due in the next two weeks.',
    'home.overdue': 'Overdue since {date}',
    'home.due': 'Due {date}',
    'home.at_risk': 'At risk',
    'home.threads': 'Unread discussions',
    'home.threads_none': 'You are up to date with every discussion.',
    'home.unread': { one: '{count} unread message', other: '{count} unread messages' },
  },
  es: {
    'home.area': 'Lo que necesita de usted',
    'home.title': 'Lo que necesita de usted',
    'home.members': 'Miembros y funciones',
    'home.summary': { one: '{count} asunto necesita de usted.', other: '{count} asuntos necesitan de usted.' },
    'home.all_clear': 'Nada necesita de usted en este momento.',
    'home.decisions': 'Decisiones que esperan su voto',
    'home.decisions_none': 'Ninguna decisión abierta espera su voto.',
    'home.closes': 'Cierra el {date}',
    'home.closes_soon': 'Cierra en menos de un día: el {date}',
    'home.scores': 'Respuestas que esperan sus puntuaciones',
    'home.scores_none': 'Ninguna RFQ espera sus puntuaciones.',
    'home.scores_detail': 'La puntuación está abierta',
    'home.mous': 'Memorandos que esperan su firma',
    'home.mous_none': 'Ningún memorando espera su firma.',
    'home.sign_for': 'Firmar por {org}',
    'home.milestones': 'Sus hitos próximos o atrasados',
    'home.milestones_none': 'Ninguno de sus hitos vence en las próximas dos semanas.',
    'home.overdue': 'Atrasado desde el {date}',
    'home.due': 'Vence el {date}',
    'home.at_risk': 'En riesgo',
    'home.threads': 'Conversaciones sin leer',
    'home.threads_none': 'Está al día con todas las conversaciones.',
    'home.unread': { one: '{count} mensaje sin leer', other: '{count} mensajes sin leer' },
  },
};

// The area's strings, and those of the offline queue and the notifications
// (web/js/queue.js, web/js/notify.js), which belong to no area: merged by
// app.js like every area's, and checked with them by tests/browser/i18n.test.mjs.
export const strings = {
  en: { ...homeStrings.en, ...queueStrings.en, ...notifyStrings.en },
  es: { ...homeStrings.es, ...queueStrings.es, ...notifyStrings.es },
};
