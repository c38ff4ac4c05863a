// Milestones: the funder's dashboard of a coalition (#/c/<slug>/milestones).
//
// Every milestone with its status, owner, due date and progress; overdue and
// at-risk ones marked in words and a symbol, not by colour alone; an SVG chart
// of each metric's values over time against its target; the latest updates
// (kept live by milestone.* events); links to the decisions, MOUs and threads
// that serve a milestone; a CSV export and a print stylesheet. Owners,
// conveners and the design team post updates; those who may create
// milestones can adopt the seven milestones of the template.

import { h, clear, append, newKey } from '../dom.js';
import { t, errorText, formatDate, formatDay, formatNumber, formatPercent } from '../i18n.js';
import { milestoneChart } from './milestones-chart.js';
import { pendingNote } from '../pending.js';

const STATUSES = ['not_started', 'on_track', 'at_risk', 'achieved'];
const STATUS_ICON = { not_started: '○', on_track: '●', at_risk: '▲', achieved: '✓' };
const LATEST = 10;

if (!document.querySelector('link[data-area="milestones"]')) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/milestones.css', dataset: { area: 'milestones' } }));
}

function percent(p) {
  return formatPercent(Number(p) || 0, { clamp: true });
}

function statusBadge(status) {
  const s = STATUSES.includes(status) ? status : 'not_started';
  return h('span', { class: 'ms-status ms-status-' + s, dataset: { status: s } },
    h('span', { class: 'ms-icon', 'aria-hidden': 'true' }, STATUS_ICON[s]), ' ', t('milestones.status.' + s));
}

function linkHref(slug, link) {
  const c = '#/c/' + encodeURIComponent(slug);
  if (link.kind === 'decision') return `${c}/decisions/${link.id}`;
  if (link.kind === 'mou') return `${c}/mous/${link.id}`;
  return `${c}/threads/${link.id}`;
}

function render(app, slug) {
  const conn = app.conn;
  let alive = true;
  let me = null;
  let coalitionName = slug;
  const offs = [];
  const milestones = new Map(); // id -> milestone
  const order = []; // ids in the daemon's order
  const updates = new Map(); // update id -> update (with .milestone)
  const cards = new Map(); // id -> {li, form state}

  const heading = h('h1', { id: 'ms-title' }, t('milestones.title'));
  const back = h('p', { class: 'ms-back' }, h('a', { href: '#/c/' + encodeURIComponent(slug) }, slug));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const summary = h('div', { class: 'ms-summary', id: 'ms-summary', 'aria-live': 'polite' });
  const attentionList = h('ul', { class: 'ms-attention-list', id: 'ms-attention' });
  const list = h('ol', { class: 'ms-list', id: 'ms-list', 'aria-labelledby': 'ms-list-title' });
  const empty = h('p', { class: 'empty', hidden: true }, t('milestones.none'));
  const latestList = h('ol', { class: 'ms-latest', id: 'ms-latest', 'aria-live': 'polite', 'aria-labelledby': 'ms-latest-title' });
  const latestEmpty = h('p', { class: 'empty', hidden: true }, t('milestones.no_updates'));
  const templateArea = h('div', { id: 'ms-template-area' });
  const exportLink = h('a', { class: 'ms-export', id: 'ms-export', href: `/export/milestones/${encodeURIComponent(slug)}.csv`, download: `milestones-${slug}.csv` },
    t('milestones.export_csv'));
  const printButton = h('button', { type: 'button', class: 'secondary small', id: 'ms-print', onclick: () => window.print() }, t('milestones.print'));

  const body = h('div', { class: 'ms-body', hidden: true },
    h('nav', { class: 'ms-tools', 'aria-label': t('milestones.tools') }, exportLink, printButton),
    h('section', { class: 'panel ms-overview', 'aria-labelledby': 'ms-overview-title' },
      h('h2', { id: 'ms-overview-title' }, t('milestones.overview')),
      summary,
      attentionList),
    h('section', { class: 'ms-section', 'aria-labelledby': 'ms-list-title' },
      h('h2', { id: 'ms-list-title' }, t('milestones.all')),
      empty,
      list),
    h('section', { class: 'panel ms-latest-panel', 'aria-labelledby': 'ms-latest-title' },
      h('h2', { id: 'ms-latest-title' }, t('milestones.latest')),
      latestEmpty,
      latestList),
    templateArea);

  const el = h('article', { class: 'milestones', 'aria-labelledby': 'ms-title', dataset: { slug } },
    h('header', { class: 'page-head' }, back, heading,
      h('p', { class: 'lead muted' }, t('milestones.intro'))),
    failure,
    body);

  const roles = () => (me && me.roles) || [];
  const hasRole = (...rs) => rs.some((r) => roles().includes(r));
  const canCreate = () => hasRole('convener', 'design_team', 'hub');
  const canLink = (m) => hasRole('convener', 'design_team', 'hub') || !!(me && m.owner && m.owner.id === me.id);
  const canUpdate = (m) => hasRole('convener', 'design_team') || !!(me && m.owner && m.owner.id === me.id);

  // --- overview ---------------------------------------------------------------

  function renderSummary() {
    const all = order.map((id) => milestones.get(id)).filter(Boolean);
    const count = (pred) => all.filter(pred).length;
    const overall = all.length ? all.reduce((s, m) => s + (Number(m.progress) || 0), 0) / all.length : 0;
    clear(summary);
    const stats = [
      ['total', t('milestones.count_total', { count: all.length })],
      ['achieved', t('milestones.count_achieved', { count: count((m) => m.status === 'achieved') })],
      ['on_track', t('milestones.count_on_track', { count: count((m) => m.status === 'on_track') })],
      ['at_risk', t('milestones.count_at_risk', { count: count((m) => m.status === 'at_risk') })],
      ['overdue', t('milestones.count_overdue', { count: count((m) => m.overdue) })],
    ];
    summary.append(
      h('div', { class: 'ms-overall' },
        h('label', { for: 'ms-overall-bar', class: 'ms-overall-label' }, t('milestones.overall', { percent: percent(overall) })),
        h('progress', { id: 'ms-overall-bar', max: '1', value: String(overall) }, percent(overall))),
      h('ul', { class: 'ms-counts' }, stats.map(([k, text]) => h('li', { class: 'ms-count ms-count-' + k }, text))));
    clear(attentionList);
    const flagged = all.filter((m) => m.overdue || m.status === 'at_risk');
    attentionList.hidden = flagged.length === 0;
    for (const m of flagged) {
      attentionList.append(h('li', null,
        h('span', { class: 'ms-flag', 'aria-hidden': 'true' }, '!'), ' ',
        h('a', { href: '#ms-' + m.id, onclick: (ev) => { ev.preventDefault(); focusCard(m.id); } }, m.title),
        ' — ', attentionWords(m)));
    }
  }

  function attentionWords(m) {
    const words = [];
    if (m.overdue) words.push(t('milestones.overdue_since', { date: formatDay(m.due) }));
    if (m.status === 'at_risk') words.push(t('milestones.status.at_risk'));
    return words.join(', ');
  }

  function focusCard(id) {
    const card = cards.get(id);
    if (!card) return;
    const title = card.li.querySelector('h3');
    title.setAttribute('tabindex', '-1');
    title.focus();
    card.li.scrollIntoView({ block: 'start' });
  }

  // --- one milestone ----------------------------------------------------------

  function milestoneCard(m) {
    const flagged = m.overdue || m.status === 'at_risk';
    const titleId = 'ms-' + m.id + '-title';
    const li = h('li', {
      class: 'ms-card panel' + (flagged ? ' ms-flagged' : '') + (m.overdue ? ' ms-overdue' : '') + (m.status === 'achieved' ? ' ms-achieved' : ''),
      id: 'ms-' + m.id,
      dataset: { milestoneId: m.id, status: m.status },
      'aria-labelledby': titleId,
    });
    const flags = h('p', { class: 'ms-flags' });
    if (m.overdue) flags.append(h('span', { class: 'ms-badge ms-badge-overdue' }, h('span', { 'aria-hidden': 'true' }, '⏰ '), t('milestones.overdue')));
    if (m.status === 'at_risk') flags.append(h('span', { class: 'ms-badge ms-badge-risk' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), t('milestones.needs_attention')));

    const facts = h('dl', { class: 'ms-facts' },
      h('div', null, h('dt', null, t('milestones.status')), h('dd', null, statusBadge(m.status))),
      h('div', null, h('dt', null, t('milestones.owner')), h('dd', { class: 'ms-owner' }, m.owner ? m.owner.name : t('milestones.no_owner'))),
      h('div', null, h('dt', null, t('milestones.due')), h('dd', { class: 'ms-due' }, m.due ? formatDay(m.due) : t('milestones.no_due'))),
      m.category ? h('div', null, h('dt', null, t('milestones.category')), h('dd', null, m.category)) : null);

    const p = Math.max(0, Math.min(1, Number(m.progress) || 0));
    const barId = 'ms-' + m.id + '-progress';
    let how = t('milestones.progress_from_status');
    if (m.progress_from === 'metric' && m.metric) {
      how = t('milestones.progress_from_metric', {
        value: formatNumber(m.value), target: formatNumber(m.metric.target), baseline: formatNumber(m.metric.baseline), unit: m.metric.unit || '',
      });
    }
    const progress = h('div', { class: 'ms-progress' },
      h('label', { for: barId }, t('milestones.progress'), ': ', h('strong', { class: 'ms-percent' }, percent(p))),
      h('progress', { id: barId, max: '1', value: String(p), 'aria-describedby': barId + '-how' }, percent(p)),
      h('p', { class: 'hint', id: barId + '-how' }, how));

    const chart = m.metric ? milestoneChart(m, { formatDay, formatNumber }) : null;

    const about = m.html ? h('details', { class: 'ms-about' },
      h('summary', null, t('milestones.about')),
      richText(m.html)) : null;

    const links = (m.links || []).length ? h('div', { class: 'ms-links' },
      h('h4', null, t('milestones.serves')),
      h('ul', null, m.links.map((l) => h('li', { dataset: { kind: l.kind } },
        h('span', { class: 'ms-link-kind' }, t('milestones.link.' + l.kind)), ': ',
        h('a', { href: linkHref(slug, l) }, l.title || ('#' + l.id)))))) : null;

    const last = latestOf(m.id);
    const lastEl = last ? h('div', { class: 'ms-last' },
      h('h4', null, t('milestones.last_update')),
      updateItem(last, false)) : null;

    append(li, [
      h('h3', { id: titleId }, m.title),
      flags.childNodes.length ? flags : null,
      facts,
      progress,
      chart,
      lastEl,
      links,
      about,
      canUpdate(m) ? updateForm(m) : null,
      canLink(m) ? linkForm(m) : null]);
    return li;
  }

  function richText(html) {
    const div = h('div', { class: 'md' });
    div.innerHTML = html; // sanitized by the daemon
    return div;
  }

  function latestOf(id) {
    let best = null;
    for (const u of updates.values()) {
      if (u.milestone !== id) continue;
      if (!best || String(u.at) > String(best.at) || (u.at === best.at && u.id > best.id)) best = u;
    }
    return best;
  }

  function updateItem(u, withTitle) {
    const m = milestones.get(u.milestone);
    const bits = [];
    if (u.status && u.status !== u.previous_status) {
      bits.push(h('span', { class: 'ms-change' }, t('milestones.changed_to'), ' ', statusBadge(u.status)));
    }
    if (typeof u.value === 'number') {
      bits.push(h('span', { class: 'ms-change' }, t('milestones.new_value', {
        value: formatNumber(u.value), unit: (m && m.metric && m.metric.unit) || '',
      })));
    }
    return h('article', { class: 'ms-update', dataset: { updateId: u.id } },
      h('p', { class: 'ms-update-head' },
        withTitle && m ? [h('a', { class: 'ms-update-title', href: '#ms-' + m.id, onclick: (ev) => { ev.preventDefault(); focusCard(m.id); } }, m.title), ' · '] : null,
        h('span', { class: 'ms-author' }, u.author ? u.author.name : t('milestones.someone')), ' · ',
        h('time', { datetime: u.at }, formatDate(u.at))),
      bits.length ? h('p', { class: 'ms-changes' }, bits) : null,
      u.html ? richText(u.html) : h('p', null, u.note || ''));
  }

  function updateForm(m) {
    let key = newKey();
    const id = 'ms-' + m.id + '-upd';
    const status = h('select', { id: id + '-status', name: 'status' },
      h('option', { value: '' }, t('milestones.keep_status', { status: t('milestones.status.' + m.status) })),
      STATUSES.map((s) => h('option', { value: s }, t('milestones.status.' + s))));
    const value = m.metric ? h('input', { id: id + '-value', name: 'value', type: 'number', step: 'any', inputmode: 'decimal' }) : null;
    const note = h('textarea', { id: id + '-note', name: 'note', rows: '4', required: true, maxlength: '65536', 'aria-describedby': id + '-note-hint' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('milestones.post_update'));
    const form = h('form', { class: 'stack ms-update-form', dataset: { milestoneId: m.id } },
      h('div', { class: 'field' }, h('label', { for: id + '-status' }, t('milestones.status')), status),
      value ? h('div', { class: 'field' },
        h('label', { for: id + '-value' }, t('milestones.value_label', { name: m.metric.name, unit: m.metric.unit || '' })),
        value) : null,
      h('div', { class: 'field' },
        h('label', { for: id + '-note' }, t('milestones.note')),
        h('p', { class: 'hint', id: id + '-note-hint' }, t('milestones.note_hint')),
        note),
      error,
      pendingNote(app, (it) => it.op === 'milestone.update' && it.args.milestone === m.id, 'queue.pending_update'),
      h('div', { class: 'actions' }, submit));
    const details = h('details', { class: 'ms-update-box' }, h('summary', null, t('milestones.post_update')), form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      const args = { milestone: m.id, note: note.value };
      if (status.value) args.status = status.value;
      if (value && value.value.trim() !== '') {
        const n = Number(value.value);
        if (!Number.isFinite(n)) {
          error.textContent = t('milestones.bad_value');
          error.hidden = false;
          value.focus();
          return;
        }
        args.value = n;
      }
      submit.disabled = true;
      try {
        const data = await conn.request('milestone.update', args, { key });
        if (!alive) return;
        key = newKey();
        app.announce(t('milestones.update_posted'));
        applyUpdate(data.milestone, data.update, true);
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        submit.disabled = false;
      }
    });
    return details;
  }

  // Link a milestone to the decision, MOU or discussion that serves it.
  const LINK_SOURCES = { decision: ['decision.list', 'decisions'], mou: ['mou.list', 'mous'], thread: ['thread.list', 'threads'] };
  const linkLists = new Map(); // kind -> Promise of [{id, title}]
  function itemsOf(kind) {
    if (!linkLists.has(kind)) {
      const [op, field] = LINK_SOURCES[kind];
      linkLists.set(kind, conn.request(op, { coalition: slug }).then((d) => d[field] || [], () => null));
    }
    return linkLists.get(kind);
  }

  function linkForm(m) {
    let key = newKey();
    const id = 'ms-' + m.id + '-link';
    const kind = h('select', { id: id + '-kind' },
      h('option', { value: '' }, t('milestones.link_choose_kind')),
      Object.keys(LINK_SOURCES).map((k) => h('option', { value: k }, t('milestones.link.' + k))));
    const item = h('select', { id: id + '-item', disabled: true, required: true },
      h('option', { value: '' }, t('milestones.link_choose_item')));
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'secondary' }, t('milestones.link_submit'));
    kind.addEventListener('change', async () => {
      clear(item);
      item.append(h('option', { value: '' }, t('milestones.link_choose_item')));
      item.disabled = true;
      if (!kind.value) return;
      const list = await itemsOf(kind.value);
      if (!alive) return;
      const linked = new Set((m.links || []).filter((l) => l.kind === kind.value).map((l) => l.id));
      for (const x of list || []) {
        if (!linked.has(x.id)) item.append(h('option', { value: String(x.id) }, x.title || ('#' + x.id)));
      }
      item.disabled = !(list && list.length);
    });
    const form = h('form', { class: 'stack ms-link-form' },
      h('div', { class: 'field' }, h('label', { for: id + '-kind' }, t('milestones.link_kind')), kind),
      h('div', { class: 'field' }, h('label', { for: id + '-item' }, t('milestones.link_item')), item),
      error, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!kind.value || !item.value) {
        error.textContent = t('milestones.link_choose_both');
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const data = await conn.request('milestone.link', { milestone: m.id, [kind.value]: Number(item.value) }, { key });
        if (!alive) return;
        key = newKey();
        app.announce(t('milestones.linked'));
        applyUpdate(data.milestone, null, true);
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        submit.disabled = false;
      }
    });
    return h('details', { class: 'ms-link-box' }, h('summary', null, t('milestones.link_title')), form);
  }

  // --- lists ------------------------------------------------------------------

  function renderCard(id, keepFocus) {
    const m = milestones.get(id);
    if (!m) return;
    const old = cards.get(id);
    // Keep an open update form (and what is typed in it) open across a redraw.
    const openForm = old && old.li.querySelector('details.ms-update-box[open]');
    const li = milestoneCard(m);
    // Other folds the reader opened stay open.
    if (old) {
      for (const d of old.li.querySelectorAll('details[open]')) {
        const same = li.querySelector('details.' + [...d.classList].join('.'));
        if (same && !same.classList.contains('ms-update-box')) same.open = true;
      }
    }
    if (openForm && !keepFocus) {
      const fresh = li.querySelector('details.ms-update-box');
      if (fresh) fresh.replaceWith(openForm);
    }
    const hadFocus = old && old.li.contains(document.activeElement) ? document.activeElement : null;
    if (old) old.li.replaceWith(li);
    else list.append(li);
    cards.set(id, { li });
    // A live redraw must not lose the reader's place.
    if (hadFocus) {
      if (li.contains(hadFocus)) {
        hadFocus.focus();
      } else {
        const title = li.querySelector('h3');
        title.setAttribute('tabindex', '-1');
        title.focus();
      }
    }
  }

  function renderAll() {
    clear(list);
    cards.clear();
    for (const id of order) renderCard(id);
    empty.hidden = order.length > 0;
    renderSummary();
    renderLatest();
    renderTemplateArea();
  }

  function renderLatest() {
    const sorted = [...updates.values()].sort((a, b) => String(b.at).localeCompare(String(a.at)) || b.id - a.id).slice(0, LATEST);
    clear(latestList);
    for (const u of sorted) latestList.append(h('li', null, updateItem(u, true)));
    latestEmpty.hidden = sorted.length > 0;
  }

  function upsertMilestone(m) {
    if (!m || typeof m.id !== 'number') return false;
    const known = milestones.has(m.id);
    milestones.set(m.id, m);
    if (!known) order.push(m.id);
    return !known;
  }

  function applyUpdate(m, u, mine) {
    if (u && typeof u.id === 'number') {
      if (typeof u.milestone !== 'number' && m) u.milestone = m.id;
      updates.set(u.id, u);
    }
    if (m) {
      upsertMilestone(m);
      if (mine) {
        // The form that was used is gone with the old card: the reader
        // continues from the milestone's title.
        renderCard(m.id, true);
        const title = cards.get(m.id).li.querySelector('h3');
        title.setAttribute('tabindex', '-1');
        title.focus();
      } else {
        renderCard(m.id);
      }
      empty.hidden = order.length > 0;
    }
    renderSummary();
    renderLatest();
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || typeof ev.event !== 'string') return;
    const m = ev.data.milestone;
    if (ev.event === 'milestone.created') {
      applyUpdate(m, null);
      renderTemplateArea();
      if (m) app.announce(t('milestones.created_live', { title: m.title }));
    } else if (ev.event === 'milestone.updated') {
      const fresh = ev.data.update && !updates.has(ev.data.update.id);
      applyUpdate(m, ev.data.update);
      if (m && fresh) app.announce(t('milestones.updated_live', { title: m.title }));
    } else if (ev.event === 'milestone.linked' || ev.event === 'milestone.unlinked') {
      applyUpdate(m, null);
    } else if (ev.event === 'milestone.attention' && m) {
      applyUpdate(m, null);
      app.announce(t('milestones.attention_live', { title: m.title }));
    }
  }));

  // --- the template -----------------------------------------------------------

  function renderTemplateArea() {
    if (!canCreate()) {
      clear(templateArea);
      return;
    }
    if (templateArea.firstChild) return;
    const open = h('button', { type: 'button', class: 'secondary', id: 'ms-use-template' }, t('milestones.use_template'));
    const box = h('div', { class: 'ms-template-box' });
    const section = h('section', { class: 'panel ms-template', 'aria-labelledby': 'ms-template-title' },
      h('h2', { id: 'ms-template-title' }, t('milestones.template_title')),
      h('p', { class: 'muted' }, t('milestones.template_intro')),
      open,
      box);
    open.addEventListener('click', () => loadTemplate(box, open));
    templateArea.append(section);
  }

  async function loadTemplate(box, open) {
    open.disabled = true;
    clear(box);
    box.append(h('p', { class: 'loading' }, t('app.loading')));
    let tpl;
    try {
      tpl = await conn.request('milestone.template', {});
    } catch (e) {
      clear(box);
      box.append(h('p', { class: 'error', role: 'alert' }, errorText(e)));
      open.disabled = false;
      return;
    }
    if (!alive) return;
    open.hidden = true;
    clear(box);
    box.append(templateForm(tpl));
    const first = box.querySelector('input');
    if (first) first.focus();
  }

  function templateForm(tpl) {
    const existing = new Set([...milestones.values()].map((m) => m.title));
    const keys = new Map(); // template key -> idempotency key, kept until created
    const rows = [];
    const items = (tpl.milestones || []).map((x) => ({ ...x, kind: 'milestone' }));
    const metrics = ((tpl.iron_triangle && tpl.iron_triangle.metrics) || []).map((x) => ({ ...x, kind: 'metric' }));
    function row(item, i) {
      const id = 'ms-tpl-' + item.kind + '-' + i;
      const box = h('input', { type: 'checkbox', id, checked: item.kind === 'milestone' && !existing.has(item.title) });
      const extra = [];
      let baseline = null;
      let target = null;
      if (item.kind === 'metric' && item.metric) {
        baseline = h('input', { type: 'number', step: 'any', id: id + '-baseline', inputmode: 'decimal' });
        target = h('input', { type: 'number', step: 'any', id: id + '-target', value: item.metric.target ?? '' });
        extra.push(h('div', { class: 'ms-tpl-metric' },
          h('div', { class: 'field' }, h('label', { for: id + '-baseline' }, t('milestones.baseline', { unit: item.metric.unit || '' })), baseline),
          h('div', { class: 'field' }, h('label', { for: id + '-target' }, t('milestones.target', { unit: item.metric.unit || '' })), target)));
      }
      const r = { item, box, baseline, target, done: existing.has(item.title) };
      rows.push(r);
      return h('li', { class: 'ms-tpl-item' },
        h('div', { class: 'ms-tpl-check' }, box, h('label', { for: id }, item.title,
          existing.has(item.title) ? h('span', { class: 'muted' }, ' (' + t('milestones.already_there') + ')') : null)),
        extra);
    }
    const due = h('input', { type: 'date', id: 'ms-tpl-due' });
    const status = h('p', { class: 'ms-tpl-status', role: 'status' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('milestones.create_selected'));
    const form = h('form', { class: 'stack', id: 'ms-template-form' },
      h('fieldset', null, h('legend', null, t('milestones.template_milestones')),
        tpl.source ? h('p', { class: 'hint' }, tpl.source) : null,
        h('ul', { class: 'ms-tpl-list' }, items.map(row))),
      metrics.length ? h('fieldset', null, h('legend', null, t('milestones.template_metrics')),
        tpl.iron_triangle && tpl.iron_triangle.note ? h('p', { class: 'hint' }, tpl.iron_triangle.note) : null,
        h('ul', { class: 'ms-tpl-list' }, metrics.map(row))) : null,
      h('div', { class: 'field' }, h('label', { for: 'ms-tpl-due' }, t('milestones.template_due')), due),
      error, status,
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const chosen = rows.filter((r) => r.box.checked && !r.done);
      if (!chosen.length) {
        error.textContent = t('milestones.choose_one');
        error.hidden = false;
        return;
      }
      for (const r of chosen) {
        if (r.baseline && (r.baseline.value.trim() === '' || r.target.value.trim() === '')) {
          error.textContent = t('milestones.need_baseline', { title: r.item.title });
          error.hidden = false;
          r.baseline.focus();
          return;
        }
      }
      submit.disabled = true;
      let made = 0;
      for (const r of chosen) {
        const it = r.item;
        const args = { coalition: slug, title: it.title, body: it.body || it.title };
        if (it.category) args.category = it.category;
        if (due.value) args.due = due.value;
        if (r.baseline) {
          args.metric = { name: it.metric.name, unit: it.metric.unit || '', baseline: Number(r.baseline.value), target: Number(r.target.value) };
        }
        if (!keys.has(it.key || it.title)) keys.set(it.key || it.title, newKey());
        status.textContent = t('milestones.creating', { title: it.title });
        try {
          const data = await conn.request('milestone.create', args, { key: keys.get(it.key || it.title) });
          if (!alive) return;
          r.done = true;
          r.box.checked = false;
          r.box.disabled = true;
          made += 1;
          applyUpdate(data.milestone, null);
        } catch (e) {
          if (!alive) return;
          if (e.code !== 'offline') keys.delete(it.key || it.title);
          error.textContent = `${it.title}: ${errorText(e)}`;
          error.hidden = false;
          submit.disabled = false;
          status.textContent = '';
          return;
        }
      }
      status.textContent = t('milestones.created_n', { count: made });
      app.announce(status.textContent);
      submit.disabled = false;
    });
    return form;
  }

  // --- load -------------------------------------------------------------------

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    let coalition;
    let listData;
    try {
      [coalition, listData] = await Promise.all([
        conn.request('coalition.get', { coalition: slug }),
        conn.request('milestone.list', { coalition: slug }),
      ]);
    } catch (e) {
      if (!alive) return;
      heading.textContent = e.code === 'not_found' ? t('app.not_found_title') : t('milestones.title');
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    me = coalition.me || null;
    if (!me && app.session) {
      const mine = (app.session.coalitions || []).find((x) => x.slug === slug);
      me = { id: app.session.member.id, roles: mine ? mine.roles : [] };
    }
    coalitionName = (coalition.coalition && coalition.coalition.name) || slug;
    back.firstChild.textContent = coalitionName;
    document.title = `${t('milestones.title')} · ${coalitionName} · ${t('app.name')}`;
    for (const m of listData.milestones || []) upsertMilestone(m);
    // Each milestone's updates, for the latest ones and each card's last.
    const details = await Promise.all(order.map((id) =>
      conn.request('milestone.get', { milestone: id }).catch(() => null)));
    if (!alive) return;
    for (const d of details) {
      if (!d) continue;
      if (d.milestone) milestones.set(d.milestone.id, { ...milestones.get(d.milestone.id), ...d.milestone });
      for (const u of d.updates || []) {
        if (typeof u.milestone !== 'number' && d.milestone) u.milestone = d.milestone.id;
        updates.set(u.id, u);
      }
    }
    renderAll();
    body.hidden = false;
    await subscribed;
  }

  load();

  return {
    el,
    title: t('milestones.title'),
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}

export const routes = [
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/milestones$/i, view: { render } },
];

export const link = {
  id: 'milestones.link',
  href: (slug) => '#/c/' + encodeURIComponent(slug) + '/milestones',
};

export const strings = {
  en: {
    'milestones.link': 'Milestones',
    'milestones.title': 'Milestones',
    'milestones.intro': 'Where the coalition stands on each milestone: progress, metrics against their targets, and the latest news.',
    'milestones.tools': 'Milestone tools',
    'milestones.export_csv': 'Download as CSV',
    'milestones.print': 'Print',
    'milestones.overview': 'Overview',
    'milestones.overall': 'Average progress: {percent}',
    'milestones.count_total': { one: '{count} milestone', other: '{count} milestones' },
    'milestones.count_achieved': { one: '{count} achieved', other: '{count} achieved' },
    'milestones.count_on_track': { one: '{count} on track', other: '{count} on track' },
    'milestones.count_at_risk': { one: '{count} at risk', other: '{count} at risk' },
    'milestones.count_overdue': { one: '{count} overdue', other: '{count} overdue' },
    'milestones.overdue_since': 'overdue since {date}',
    'milestones.all': 'Every milestone',
    'milestones.none': 'No milestones yet.',
    'milestones.latest': 'Latest updates',
    'milestones.no_updates': 'No updates yet.',
    'milestones.status': 'Status',
    'milestones.status.not_started': 'Not started',
    'milestones.status.on_track': 'On track',
    'milestones.status.at_risk': 'At risk',
    'milestones.status.achieved': 'Achieved',
    'milestones.overdue': 'Overdue',
    'milestones.needs_attention': 'At risk: needs attention',
    'milestones.owner': 'Owner',
    'milestones.no_owner': 'No owner',
    'milestones.due': 'Due',
    'milestones.no_due': 'No due date',
    'milestones.category': 'Category',
    'milestones.progress': 'Progress',
    'milestones.progress_from_status': 'Estimated from the status.',
    'milestones.progress_from_metric': 'From the metric: {value} now, from a baseline of {baseline} toward a target of {target} {unit}.',
    'milestones.about': 'About this milestone',
    'milestones.serves': 'Linked work',
    'milestones.link.decision': 'Decision',
    'milestones.link.mou': 'MOU',
    'milestones.link.thread': 'Discussion',
    'milestones.last_update': 'Last update',
    'milestones.link_title': 'Link the work that serves it',
    'milestones.link_kind': 'Kind',
    'milestones.link_item': 'Which one',
    'milestones.link_choose_kind': 'Choose: decision, MOU or discussion…',
    'milestones.link_choose_item': 'Choose…',
    'milestones.link_choose_both': 'Choose a kind and an item.',
    'milestones.link_submit': 'Link',
    'milestones.linked': 'Linked.',
    'milestones.someone': 'Someone',
    'milestones.changed_to': 'Status changed to',
    'milestones.new_value': 'New value: {value} {unit}',
    'milestones.post_update': 'Post an update',
    'milestones.keep_status': 'Keep the status ({status})',
    'milestones.value_label': 'New value of {name} ({unit}, optional)',
    'milestones.note': 'Note',
    'milestones.note_hint': 'What happened? Markdown works: **bold**, *italic*, lists, links.',
    'milestones.bad_value': 'The value must be a number.',
    'milestones.update_posted': 'Update posted.',
    'milestones.created_live': 'New milestone: {title}.',
    'milestones.updated_live': 'New update on {title}.',
    'milestones.attention_live': '{title} needs attention.',
    'milestones.use_template': 'Use the template',
    'milestones.template_title': 'Start from the template',
    'milestones.template_intro': 'Adopt the seven milestones for collective power, and optionally the Iron Triangle metrics.',
    'milestones.template_milestones': 'Milestones for collective power',
    'milestones.template_metrics': 'Iron Triangle metrics (optional)',
    'milestones.template_due': 'Due date for the new milestones (optional)',
    'milestones.baseline': 'Baseline ({unit})',
    'milestones.target': 'Target ({unit})',
    'milestones.already_there': 'already a milestone',
    'milestones.create_selected': 'Create the chosen milestones',
    'milestones.choose_one': 'Choose at least one milestone.',
    'milestones.need_baseline': 'Give a baseline and a target for “{title}”.',
    'milestones.creating': 'Creating “{title}”…',
    'milestones.created_n': { one: '{count} milestone created.', other: '{count} milestones created.' },
    'milestones.chart_title': '{name} over time',
    'milestones.chart_desc': '{name}: {first} on {firstDate}, {last} on {lastDate}; target {target} {unit}.',
    'milestones.chart_empty': 'No values reported yet. Target {target} {unit}.',
    'milestones.chart_target': 'Target {target}',
    'milestones.chart_baseline': 'Baseline {baseline}',
    'milestones.chart_point': '{date}: {value} {unit}',
    'milestones.chart_table': 'The values as a table',
    'milestones.chart_date': 'Date',
    'milestones.chart_value': 'Value ({unit})',
    'milestones.chart_legend_values': 'Reported values',
    'milestones.chart_legend_target': 'Target',
  },
  es: {
    'milestones.link': 'Hitos',
    'milestones.title': 'Hitos',
    'milestones.intro': 'Dónde está la coalición en cada hito: el avance, las métricas frente a sus metas y las últimas noticias.',
    'milestones.tools': 'Herramientas de hitos',
    'milestones.export_csv': 'Descargar como CSV',
    'milestones.print': 'Imprimir',
    'milestones.overview': 'Resumen',
    'milestones.overall': 'Avance promedio: {percent}',
    'milestones.count_total': { one: '{count} hito', other: '{count} hitos' },
    'milestones.count_achieved': { one: '{count} logrado', other: '{count} logrados' },
    'milestones.count_on_track': { one: '{count} en buen camino', other: '{count} en buen camino' },
    'milestones.count_at_risk': { one: '{count} en riesgo', other: '{count} en riesgo' },
    'milestones.count_overdue': { one: '{count} atrasado', other: '{count} atrasados' },
    'milestones.overdue_since': 'atrasado desde el {date}',
    'milestones.all': 'Todos los hitos',
    'milestones.none': 'Todavía no hay hitos.',
    'milestones.latest': 'Últimas novedades',
    'milestones.no_updates': 'Todavía no hay novedades.',
    'milestones.status': 'Estado',
    'milestones.status.not_started': 'Sin empezar',
    'milestones.status.on_track': 'En buen camino',
    'milestones.status.at_risk': 'En riesgo',
    'milestones.status.achieved': 'Logrado',
    'milestones.overdue': 'Atrasado',
    'milestones.needs_attention': 'En riesgo: necesita atención',
    'milestones.owner': 'Responsable',
    'milestones.no_owner': 'Sin responsable',
    'milestones.due': 'Fecha límite',
    'milestones.no_due': 'Sin fecha límite',
    'milestones.category': 'Categoría',
    'milestones.progress': 'Avance',
    'milestones.progress_from_status': 'Estimado a partir del estado.',
    'milestones.progress_from_metric': 'Según la métrica: {value} ahora, desde una línea de base de {baseline} hacia una meta de {target} {unit}.',
    'milestones.about': 'Sobre este hito',
    'milestones.serves': 'Trabajo vinculado',
    'milestones.link.decision': 'Decisión',
    'milestones.link.mou': 'MOU',
    'milestones.link.thread': 'Conversación',
    'milestones.last_update': 'Última novedad',
    'milestones.link_title': 'Vincular el trabajo que contribuye a este hito',
    'milestones.link_kind': 'Tipo',
    'milestones.link_item': 'Cuál',
    'milestones.link_choose_kind': 'Elija: decisión, MOU o conversación…',
    'milestones.link_choose_item': 'Elija…',
    'milestones.link_choose_both': 'Elija un tipo y un elemento.',
    'milestones.link_submit': 'Vincular',
    'milestones.linked': 'Vinculado.',
    'milestones.someone': 'Alguien',
    'milestones.changed_to': 'El estado cambió a',
    'milestones.new_value': 'Valor nuevo: {value} {unit}',
    'milestones.post_update': 'Publicar una novedad',
    'milestones.keep_status': 'Mantener el estado ({status})',
    'milestones.value_label': 'Valor nuevo de {name} ({unit}, opcional)',
    'milestones.note': 'Nota',
    'milestones.note_hint': '¿Qué pasó? Puede usar Markdown: **negrita**, *cursiva*, listas, enlaces.',
    'milestones.bad_value': 'El valor debe ser un número.',
    'milestones.update_posted': 'Novedad publicada.',
    'milestones.created_live': 'Hito nuevo: {title}.',
    'milestones.updated_live': 'Novedad en {title}.',
    'milestones.attention_live': '{title} necesita atención.',
    'milestones.use_template': 'Usar la plantilla',
    'milestones.template_title': 'Empezar con la plantilla',
    'milestones.template_intro': 'Adopte los siete hitos del poder colectivo y, si quiere, las métricas del Triángulo de Hierro.',
    'milestones.template_milestones': 'Hitos del poder colectivo',
    'milestones.template_metrics': 'Métricas del Triángulo de Hierro (opcional)',
    'milestones.template_due': 'Fecha límite de los hitos nuevos (opcional)',
    'milestones.baseline': 'Línea de base ({unit})',
    'milestones.target': 'Meta ({unit})',
    'milestones.already_there': 'ya es un hito',
    'milestones.create_selected': 'Crear los hitos elegidos',
    'milestones.choose_one': 'Elija al menos un hito.',
    'milestones.need_baseline': 'Indique una línea de base y una meta para «{title}».',
    'milestones.creating': 'Creando «{title}»…',
    'milestones.created_n': { one: 'Se creó {count} hito.', other: 'Se crearon {count} hitos.' },
    'milestones.chart_title': '{name} a lo largo del tiempo',
    'milestones.chart_desc': '{name}: {first} el {firstDate}, {last} el {lastDate}; meta {target} {unit}.',
    'milestones.chart_empty': 'Todavía no se informaron valores. Meta {target} {unit}.',
    'milestones.chart_target': 'Meta {target}',
    'milestones.chart_baseline': 'Línea de base {baseline}',
    'milestones.chart_point': '{date}: {value} {unit}',
    'milestones.chart_table': 'Los valores en una tabla',
    'milestones.chart_date': 'Fecha',
    'milestones.chart_value': 'Valor ({unit})',
    'milestones.chart_legend_values': 'Valores informados',
    'milestones.chart_legend_target': 'Meta',
  },
};
