// Notifications in the page: a button in the header with the number of
// unread notifications, opening a list (a disclosure: the button, then the
// list right after it in the reading order; Escape closes it). Built from the
// live event stream of every coalition the member belongs to:
//
//   mention               someone wrote @you                  -> the message
//   decision.created      a new decision (not your own)       -> the decision
//   decision.closed       a decision closed, with its result  -> the decision
//   rfq.closed            an RFQ closed (scoring starts)      -> the RFQ
//   mou.created/.saved    an MOU your organization is a party to needs your
//                         signature (a new one, or a new version)  -> the MOU
//   milestone.attention   a milestone you own is overdue or at risk
//   (timer)               an open decision you may still vote on, or an RFQ,
//                         closes within a day
//
// Kept per member in localStorage with read/unread, at most 100, newest
// first, together with the last event seq seen in each coalition: the next
// visit subscribes with `since` and catches up on what happened meanwhile
// (conn 'catchup' events, which views never see).

import { h, clear } from './dom.js';
import { t, formatDate, formatNumber } from './i18n.js';
import { threadHref } from './views/discussions-util.js';
import { decisionHref } from './views/decisions-util.js';

const PREFIX = 'roundtable.notify.'; // + member id: {items, seqs}
const MAX = 100;
const SOON = 24 * 3600 * 1000; // "closes soon": within a day
const SOON_EVERY = 10 * 60 * 1000;

const rfqHref = (slug, id) => `#/c/${encodeURIComponent(slug)}/rfqs/${id}`;
const mouHref = (slug, id) => `#/c/${encodeURIComponent(slug)}/mous/${id}`;
const milestonesHref = (slug) => `#/c/${encodeURIComponent(slug)}/milestones`;

function readStore(member) {
  try {
    const v = JSON.parse(localStorage.getItem(PREFIX + member));
    if (v && Array.isArray(v.items) && v.seqs && typeof v.seqs === 'object') return v;
  } catch (e) { /* fall through */ }
  return { items: [], seqs: {} };
}

function svg(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function bell() {
  return svg('svg', { class: 'notify-bell', viewBox: '0 0 24 24', width: '22', height: '22', 'aria-hidden': 'true', focusable: 'false' },
    svg('path', { d: 'M12 3a6 6 0 0 0-6 6v3.6L4.3 16a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 12.6V9a6 6 0 0 0-6-6z', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linejoin': 'round' }),
    svg('path', { d: 'M9.5 20a2.5 2.5 0 0 0 5 0', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round' }));
}

export class Notifier {
  constructor(app) {
    this.app = app;
    this.conn = app.conn;
    this.member = null;
    this.store = { items: [], seqs: {} };
    this.orgs = new Map(); // slug -> Promise of my organization there (or null)
    this.soonTimer = null;
    this.ui = null;
    this.conn.on('session', (who) => this.onSession(who));
    this.conn.on('event', (ev) => this.consider(ev, true));
    this.conn.on('catchup', (ev) => this.consider(ev, false));
    this.conn.on('signedout', () => this.onSession(null));
    window.addEventListener('storage', (ev) => {
      if (this.member !== null && ev.key === PREFIX + this.member) {
        this.store = readStore(this.member);
        this.render();
      }
    });
    // Opening the page a notification points to reads it.
    window.addEventListener('hashchange', () => this.readWhere(location.hash));
  }

  save() {
    if (this.member === null) return;
    try {
      localStorage.setItem(PREFIX + this.member, JSON.stringify(this.store));
    } catch (e) { /* storage off: they last for this page */ }
  }

  // --- following the coalitions -------------------------------------------------------

  onSession(who) {
    const member = who && who.member ? who.member.id : null;
    if (member !== this.member) {
      this.member = member;
      this.store = member === null ? { items: [], seqs: {} } : readStore(member);
      this.orgs.clear();
    }
    clearInterval(this.soonTimer);
    this.soonTimer = null;
    this.render();
    if (member === null) return;
    const slugs = (who.coalitions || []).filter((c) => (c.roles || []).length).map((c) => c.slug);
    for (const slug of slugs) {
      const since = this.store.seqs[slug];
      this.conn.subscribe(slug, { since: typeof since === 'number' ? since : undefined }).then((data) => {
        if (this.member !== member || !data || typeof data.seq !== 'number') return;
        if (typeof this.store.seqs[slug] !== 'number') {
          this.store.seqs[slug] = data.seq;
          this.save();
        }
      }, () => {});
    }
    this.checkSoon(slugs);
    this.soonTimer = setInterval(() => this.checkSoon(slugs), SOON_EVERY);
  }

  myOrg(slug) {
    if (!this.orgs.has(slug)) {
      const me = this.member;
      const p = this.conn.request('coalition.get', { coalition: slug }).then((data) => {
        const mine = (data.members || []).find((m) => m.id === me);
        return mine && mine.organization ? mine.organization : null;
      });
      p.catch(() => this.orgs.delete(slug));
      this.orgs.set(slug, p);
    }
    return this.orgs.get(slug);
  }

  // Open decisions I may still vote on, and RFQs, that close within a day.
  async checkSoon(slugs) {
    if (!this.conn.isOpen()) return; // reads would only pile up offline; the next session checks
    const member = this.member;
    const now = Date.now();
    const soon = (iso) => {
      const at = Date.parse(iso);
      return at > now && at - now <= SOON;
    };
    for (const slug of slugs) {
      try {
        const [dl, rl] = await Promise.all([
          this.conn.request('decision.list', { coalition: slug, status: 'open' }),
          this.conn.request('rfq.list', { coalition: slug }),
        ]);
        if (this.member !== member) return;
        for (const d of dl.decisions || []) {
          if (d.me && d.me.eligible && !d.me.voted && !d.me.voted_by && soon(d.closes_at)) {
            this.add({ id: `${slug}:soon:decision:${d.id}`, kind: 'decision_soon', slug, title: d.title, when: d.closes_at, href: decisionHref(slug, d.id) }, true);
          }
        }
        for (const r of rl.rfqs || []) {
          if (r.status === 'published' && soon(r.closes_at)) {
            this.add({ id: `${slug}:soon:rfq:${r.id}`, kind: 'rfq_soon', slug, title: r.title, when: r.closes_at, href: rfqHref(slug, r.id) }, true);
          }
        }
      } catch (e) { /* offline or gone: next time */ }
    }
  }

  // One event of a coalition (live or caught up): a notification if it is for me.
  consider(ev, live) {
    const slug = ev.coalition;
    if (this.member === null || !slug || !ev.data) return;
    if (typeof ev.seq === 'number') {
      const before = this.store.seqs[slug];
      if (typeof before !== 'number' || ev.seq > before) {
        this.store.seqs[slug] = ev.seq;
        this.save();
      }
    }
    const d = ev.data;
    // An event to me alone has `private` (its number among mine), no seq.
    const id = typeof ev.private === 'number' ? `${slug}:p${ev.private}` : `${slug}:${ev.seq}`;
    const me = this.member;
    if (ev.event === 'member.updated' && d.member && d.member.id === me) this.orgs.delete(slug);
    if (ev.event === 'mention' && d.thread && d.message) {
      const m = d.message;
      this.add({
        id, kind: m.anonymous || !m.author ? 'mention_anon' : 'mention', slug, title: d.thread.title,
        name: m.author && !m.anonymous ? m.author.name : null, href: threadHref(slug, d.thread.id, m.id),
      }, live);
    } else if (ev.event === 'decision.created' && d.decision) {
      if (d.decision.created_by && d.decision.created_by.id === me) return;
      this.add({ id, kind: 'decision_new', slug, title: d.decision.title, when: d.decision.closes_at, href: decisionHref(slug, d.decision.id) }, live);
    } else if (ev.event === 'decision.closed' && d.decision) {
      const result = (d.outcome && d.outcome.result) || (d.decision.outcome && d.decision.outcome.result) || '';
      this.add({ id, kind: 'decision_closed', slug, title: d.decision.title, result, href: decisionHref(slug, d.decision.id) }, live);
      this.dismissSoon(`${slug}:soon:decision:${d.decision.id}`);
    } else if (ev.event === 'rfq.closed' && d.rfq) {
      const rfqId = typeof d.rfq === 'object' ? d.rfq.id : d.rfq;
      this.add({ id, kind: 'rfq_closed', slug, title: (d.rfq && d.rfq.title) || '', href: rfqHref(slug, rfqId) }, live);
      this.dismissSoon(`${slug}:soon:rfq:${rfqId}`);
    } else if ((ev.event === 'mou.created' || ev.event === 'mou.saved') && d.mou && !d.unchanged) {
      const author = ev.event === 'mou.created' ? d.mou.created_by : d.author;
      if (author && author.id === me) return;
      const parties = d.mou.parties || [];
      if (!parties.length) return;
      this.myOrg(slug).then((org) => {
        if (org && parties.includes(org) && this.member === me) {
          this.add({ id, kind: ev.event === 'mou.created' ? 'sign_requested' : 'sign_again', slug, title: d.mou.title, href: mouHref(slug, d.mou.id) }, live);
        }
      }, () => {});
    } else if (ev.event === 'milestone.attention' && d.milestone) {
      this.add({ id, kind: d.condition === 'overdue' ? 'milestone_overdue' : 'milestone_at_risk', slug, title: d.milestone.title, href: milestonesHref(slug) }, live);
    }
  }

  add(item, live) {
    if (this.store.items.some((x) => x.id === item.id)) return;
    const entry = { ...item, at: new Date().toISOString(), read: item.href === location.hash };
    this.store.items.unshift(entry);
    if (this.store.items.length > MAX) this.store.items.length = MAX;
    this.save();
    this.render();
    if (live && !entry.read && this.ui) this.ui.tell(t('notify.new', { text: this.text(entry) }));
  }

  // A "closes soon" notice that has not been read is moot once it closed.
  dismissSoon(id) {
    const i = this.store.items.findIndex((x) => x.id === id && !x.read);
    if (i < 0) return;
    this.store.items.splice(i, 1);
    this.save();
    this.render();
  }

  // --- read state --------------------------------------------------------------------------

  unread() {
    return this.store.items.filter((x) => !x.read).length;
  }

  markRead(id) {
    const item = this.store.items.find((x) => x.id === id);
    if (!item || item.read) return;
    item.read = true;
    this.save();
    this.render();
  }

  markAllRead() {
    let changed = false;
    for (const x of this.store.items) {
      if (!x.read) {
        x.read = true;
        changed = true;
      }
    }
    if (!changed) return;
    this.save();
    this.render();
  }

  readWhere(hash) {
    let changed = false;
    for (const x of this.store.items) {
      if (!x.read && x.href === hash) {
        x.read = true;
        changed = true;
      }
    }
    if (!changed) return;
    this.save();
    this.render();
  }

  text(x) {
    const params = { title: x.title, name: x.name || '' };
    if (x.kind === 'decision_closed') {
      const result = ['passed', 'failed', 'tied'].includes(x.result) ? t('notify.result.' + x.result) : '';
      return result ? t('notify.kind.decision_closed_result', { ...params, result }) : t('notify.kind.decision_closed', params);
    }
    return t('notify.kind.' + x.kind, params);
  }

  coalitionName(slug) {
    const list = (this.app.session && this.app.session.coalitions) || [];
    if (list.length < 2) return null;
    const c = list.find((x) => x.slug === slug);
    return c ? c.name : slug;
  }

  // --- the header widget ----------------------------------------------------------------------

  mount(container) {
    const label = h('span', { class: 'visually-hidden', id: 'notify-label' });
    const badge = h('span', { class: 'notify-badge', id: 'notify-badge', 'aria-hidden': 'true', hidden: true });
    const button = h('button', {
      type: 'button', class: 'notify-toggle', id: 'notify-toggle', 'aria-expanded': 'false', 'aria-controls': 'notify-panel',
    }, bell(), label, badge);
    const heading = h('h2', { id: 'notify-title' });
    const markAll = h('button', { type: 'button', class: 'link-button', id: 'notify-mark-all' });
    const list = h('ul', { class: 'notify-list', id: 'notify-list', 'aria-labelledby': 'notify-title' });
    const empty = h('p', { class: 'muted', id: 'notify-empty' });
    const panel = h('section', { class: 'popover notify-panel', id: 'notify-panel', hidden: true, 'aria-labelledby': 'notify-title' },
      h('div', { class: 'notify-head' }, heading, markAll), empty, list);
    const live = h('span', { class: 'visually-hidden', id: 'notify-live', role: 'status', 'aria-live': 'polite' });
    clear(container);
    container.append(button, panel, live);

    const setOpen = (open) => {
      if (open) panel.style.top = Math.round(button.getBoundingClientRect().bottom + 6) + 'px';
      panel.hidden = !open;
      button.setAttribute('aria-expanded', String(open));
    };
    button.addEventListener('click', () => setOpen(panel.hidden));
    const escape = (ev) => {
      if (ev.key === 'Escape' && !panel.hidden) {
        setOpen(false);
        button.focus();
      }
    };
    panel.addEventListener('keydown', escape);
    button.addEventListener('keydown', escape);
    document.addEventListener('click', (ev) => {
      if (!panel.hidden && !container.contains(ev.target)) setOpen(false);
    });
    markAll.addEventListener('click', () => {
      this.markAllRead();
      button.focus();
    });

    let liveTimer = null;
    this.ui = {
      tell: (message) => {
        live.textContent = '';
        clearTimeout(liveTimer);
        liveTimer = setTimeout(() => { live.textContent = message; }, 50);
      },
      draw: () => {
        const n = this.unread();
        badge.hidden = n === 0;
        badge.textContent = n > 99 ? formatNumber(99) + '+' : formatNumber(n);
        label.textContent = n ? t('notify.button_unread', { count: n }) : t('notify.button');
        button.classList.toggle('has-unread', n > 0);
        heading.textContent = t('notify.title');
        markAll.textContent = t('notify.mark_all');
        markAll.hidden = n === 0;
        empty.textContent = t('notify.none');
        empty.hidden = this.store.items.length > 0;
        clear(list);
        for (const x of this.store.items) {
          const where = this.coalitionName(x.slug);
          const link = h('a', { href: x.href, class: 'notify-link' },
            x.read ? null : h('span', { class: 'visually-hidden' }, t('notify.unread') + ': '),
            this.text(x));
          link.addEventListener('click', () => {
            this.markRead(x.id);
            setOpen(false);
          });
          list.append(h('li', { class: 'notify-item' + (x.read ? '' : ' unread'), dataset: { kind: x.kind, id: x.id } },
            h('span', { class: 'notify-dot', 'aria-hidden': 'true' }),
            h('div', { class: 'notify-main' },
              link,
              h('span', { class: 'notify-meta muted' },
                where ? where + ' · ' : '',
                x.when && /soon|decision_new/.test(x.kind) ? t('notify.closes', { date: formatDate(x.when) }) + ' · ' : '',
                h('time', { datetime: x.at }, formatDate(x.at))))));
        }
      },
    };
    this.render();
  }

  render() {
    if (this.ui) this.ui.draw();
  }
}

export const strings = {
  en: {
    'notify.button': 'Notifications',
    'notify.button_unread': { one: 'Notifications, {count} unread', other: 'Notifications, {count} unread' },
    'notify.title': 'Notifications',
    'notify.mark_all': 'Mark all as read',
    'notify.none': 'No notifications yet. Mentions of you, new and closing decisions, closed RFQs and signatures asked of you appear here.',
    'notify.unread': 'Unread',
    'notify.new': 'New notification: {text}',
    'notify.closes': 'Closes {date}',
    'notify.kind.mention': '{name} mentioned you in “{title}”',
    'notify.kind.mention_anon': 'An anonymous message mentioned you in “{title}”',
    'notify.kind.decision_new': 'New decision: {title}',
    'notify.kind.decision_closed': 'Decision closed: {title}',
    'notify.kind.decision_closed_result': 'Decision closed: {title} ({result})',
    'notify.kind.decision_soon': 'Closes within a day, and you have not voted: {title}',
    'notify.kind.rfq_closed': 'RFQ closed, scoring can start: {title}',
    'notify.kind.rfq_soon': 'RFQ closes within a day: {title}',
    'notify.kind.sign_requested': 'Your signature is requested: {title}',
    'notify.kind.sign_again': 'A new version needs your signature: {title}',
    'notify.kind.milestone_overdue': 'Your milestone is overdue: {title}',
    'notify.kind.milestone_at_risk': 'Your milestone is at risk: {title}',
    'notify.result.passed': 'passed',
    'notify.result.failed': 'failed',
    'notify.result.tied': 'tied',
  },
  es: {
    'notify.button': 'Notificaciones',
    'notify.button_unread': { one: 'Notificaciones, {count} sin leer', other: 'Notificaciones, {count} sin leer' },
    'notify.title': 'Notificaciones',
    'notify.mark_all': 'Marcar todo como leído',
    'notify.none': 'Todavía no hay notificaciones. Aquí aparecen las menciones, las decisiones nuevas y por cerrar, las RFQ cerradas y las firmas que se le piden.',
    'notify.unread': 'Sin leer',
    'notify.new': 'Nueva notificación: {text}',
    'notify.closes': 'Cierra el {date}',
    'notify.kind.mention': '{name} lo mencionó en «{title}»',
    'notify.kind.mention_anon': 'Un mensaje anónimo lo mencionó en «{title}»',
    'notify.kind.decision_new': 'Nueva decisión: {title}',
    'notify.kind.decision_closed': 'Decisión cerrada: {title}',
    'notify.kind.decision_closed_result': 'Decisión cerrada: {title} ({result})',
    'notify.kind.decision_soon': 'Cierra en menos de un día y no ha votado: {title}',
    'notify.kind.rfq_soon': 'La RFQ cierra en menos de un día: {title}',
    'notify.kind.rfq_closed': 'RFQ cerrada, ya se puede puntuar: {title}',
    'notify.kind.sign_requested': 'Se le pide su firma: {title}',
    'notify.kind.sign_again': 'Una nueva versión necesita su firma: {title}',
    'notify.kind.milestone_overdue': 'Su hito está atrasado: {title}',
    'notify.kind.milestone_at_risk': 'Su hito está en riesgo: {title}',
    'notify.result.passed': 'aprobada',
    'notify.result.failed': 'no aprobada',
    'notify.result.tied': 'empate',
  },
};
