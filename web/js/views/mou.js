// MOUs (memorandums of understanding), versioned in git by the daemon.
//
//   #/c/<slug>/mous        the list, with each MOU's signature status, and
//                          the form to write a new one from the template
//   #/c/<slug>/mous/<id>   one MOU: its text, the parties' signatures (each
//                          on the exact commit it signed), "sign this
//                          version", the editor (saves carry the commit it
//                          started from; the daemon merges or reports a
//                          conflict with the marked text), the history, any
//                          earlier version, and a redline between two versions.
//
// Kept live by mou.created, mou.saved and mou.signed events.

import { h, clear, append, newKey } from '../dom.js';
import { t, errorText, formatDate } from '../i18n.js';
import { redline } from './mou-redline.js';
import { mouPreview } from './mou-preview.js';

if (!document.querySelector('link[data-area="mou"]')) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/mou.css', dataset: { area: 'mou' } }));
}

const EDIT_ROLES = ['convener', 'design_team', 'provider', 'funder', 'hub'];
const MARKERS = /^(<{7}|>{7})( |$)/m;

// Runs a redraw without losing the reader's place: the element that had
// the focus gets it back if it is still on the page, or the element now
// holding its id.
function keepFocus(root, redraw) {
  const active = document.activeElement;
  const inside = active && active !== document.body && root.contains(active);
  redraw();
  if (inside && document.activeElement !== active) {
    const target = active.isConnected ? active : (active.id && document.getElementById(active.id));
    if (target) target.focus({ preventScroll: true });
  }
}

const short = (commit) => String(commit || '').slice(0, 7);
const base = (slug) => '#/c/' + encodeURIComponent(slug);

function richText(html, attrs) {
  const div = h('div', { class: 'md', ...attrs });
  div.innerHTML = html; // rendered and sanitized by the daemon
  return div;
}

// Where I stand in the coalition: {me:{id, roles}, org, name}.
async function whoAmI(app, slug) {
  const data = await app.conn.request('coalition.get', { coalition: slug });
  let me = data.me || null;
  if (!me && app.session) {
    const mine = (app.session.coalitions || []).find((x) => x.slug === slug);
    me = { id: app.session.member.id, roles: mine ? mine.roles : [] };
  }
  const self = (data.members || []).find((m) => me && m.id === me.id);
  const orgs = [...new Set((data.members || []).map((m) => m.organization).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  return { me, org: self ? self.organization : null, orgs, name: (data.coalition && data.coalition.name) || slug };
}

function signatureStatus(mou) {
  const parties = mou.parties || [];
  const signed = (mou.signed || []).filter((o) => parties.includes(o));
  if (mou.fully_signed) {
    return h('span', { class: 'mou-state mou-state-full' }, h('span', { 'aria-hidden': 'true' }, '✓ '), t('mou.fully_signed'));
  }
  return h('span', { class: 'mou-state mou-state-partial' },
    t('mou.signed_of', { signed: signed.length, count: parties.length }));
}

// --- the list ----------------------------------------------------------------

function renderList(app, slug) {
  const conn = app.conn;
  let alive = true;
  const offs = [];
  const mous = new Map();
  let who = null;

  const back = h('p', { class: 'mou-back' }, h('a', { href: base(slug) }, slug));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const list = h('ul', { class: 'mou-list', id: 'mou-list', 'aria-live': 'polite', 'aria-labelledby': 'mou-list-title' });
  const empty = h('p', { class: 'empty', hidden: true }, t('mou.none'));
  const createArea = h('div', { id: 'mou-create-area' });
  const body = h('div', { class: 'mou-body', hidden: true },
    h('section', { class: 'panel', 'aria-labelledby': 'mou-list-title' },
      h('h2', { id: 'mou-list-title' }, t('mou.list_title')),
      empty, list),
    createArea);
  const el = h('article', { class: 'mou mou-index', 'aria-labelledby': 'mou-title' },
    h('header', { class: 'page-head' }, back, h('h1', { id: 'mou-title' }, t('mou.title')),
      h('p', { class: 'lead muted' }, t('mou.intro'))),
    failure, body);

  function renderItems() {
    const sorted = [...mous.values()].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)) || b.id - a.id);
    clear(list);
    for (const m of sorted) {
      list.append(h('li', { class: 'mou-item card', dataset: { mouId: m.id } },
        h('h3', null, h('a', { href: `${base(slug)}/mous/${m.id}` }, m.title)),
        h('p', { class: 'mou-parties' }, h('span', { class: 'label' }, t('mou.parties'), ': '),
          (m.parties || []).length ? m.parties.join(' · ') : t('mou.no_parties')),
        h('p', { class: 'mou-item-status' }, signatureStatus(m)),
        h('p', { class: 'muted mou-item-updated' }, t('mou.updated', { date: formatDate(m.updated_at) }))));
    }
    empty.hidden = sorted.length > 0;
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || !ev.data.mou) return;
    if (!/^mou\./.test(ev.event)) return;
    mous.set(ev.data.mou.id, ev.data.mou);
    renderItems();
    if (ev.event === 'mou.created') app.announce(t('mou.created_live', { title: ev.data.mou.title }));
  }));

  function createForm(tpl) {
    let key = newKey();
    const title = h('input', { type: 'text', id: 'mou-new-title', required: true, maxlength: '200', value: tpl.title || '' });
    const boxes = who.orgs.map((org, i) => {
      const id = 'mou-new-party-' + i;
      const input = h('input', { type: 'checkbox', id, value: org, checked: org === who.org });
      return { input, el: h('li', null, input, h('label', { for: id }, org)) };
    });
    const others = h('textarea', { id: 'mou-new-others', rows: '2', 'aria-describedby': 'mou-new-others-hint' });
    const text = h('textarea', { id: 'mou-new-body', rows: '14', required: true, class: 'mou-textarea' });
    text.value = tpl.body || '';
    const message = h('input', { type: 'text', id: 'mou-new-message', maxlength: '2000', placeholder: t('mou.first_draft') });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('mou.create'));
    const form = h('form', { class: 'stack', id: 'mou-create-form' },
      h('div', { class: 'field' }, h('label', { for: 'mou-new-title' }, t('mou.field_title')), title),
      h('fieldset', null, h('legend', null, t('mou.parties')),
        h('p', { class: 'hint' }, t('mou.parties_hint')),
        h('ul', { class: 'checkboxes' }, boxes.map((b) => b.el)),
        h('div', { class: 'field' },
          h('label', { for: 'mou-new-others' }, t('mou.other_parties')),
          h('p', { class: 'hint', id: 'mou-new-others-hint' }, t('mou.other_parties_hint')),
          others)),
      h('div', { class: 'field' }, h('label', { for: 'mou-new-body' }, t('mou.field_body')),
        h('p', { class: 'hint' }, t('mou.body_hint')), text),
      h('div', { class: 'field' }, h('label', { for: 'mou-new-message' }, t('mou.field_message_optional')), message),
      error,
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      const parties = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      for (const line of others.value.split('\n')) {
        const p = line.trim();
        if (p && !parties.includes(p)) parties.push(p);
      }
      const args = { coalition: slug, title: title.value.trim(), body: text.value, parties };
      if (message.value.trim()) args.message = message.value.trim();
      submit.disabled = true;
      try {
        const data = await conn.request('mou.create', args, { key });
        if (!alive) return;
        app.navigate(`${base(slug)}/mous/${data.mou.id}`);
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        submit.disabled = false;
        if (e.field === 'title') title.focus();
      }
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'mou-create-title' },
      h('h2', { id: 'mou-create-title' }, t('mou.new')),
      h('p', { class: 'muted' }, t('mou.new_intro')),
      form);
  }

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    let data;
    try {
      [who, data] = await Promise.all([whoAmI(app, slug), conn.request('mou.list', { coalition: slug })]);
    } catch (e) {
      if (!alive) return;
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    back.firstChild.textContent = who.name;
    document.title = `${t('mou.title')} · ${who.name} · ${t('app.name')}`;
    for (const m of data.mous || []) mous.set(m.id, m);
    renderItems();
    body.hidden = false;
    if (who.me && who.me.roles.some((r) => EDIT_ROLES.includes(r))) {
      let tpl = {};
      try {
        tpl = await conn.request('mou.template', {});
      } catch (e) { /* start from an empty text */ }
      if (alive) createArea.append(createForm(tpl));
    }
    await subscribed;
  }

  load();
  return {
    el,
    title: t('mou.title'),
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}

// --- one MOU -------------------------------------------------------------------

function renderOne(app, slug, idText) {
  const conn = app.conn;
  const id = Number(idText);
  let alive = true;
  const offs = [];
  let who = null;
  let mou = null; // the MOU object (head, parties, signed, fully_signed)
  let signatures = [];
  let commits = []; // history, newest first
  let viewing = null; // commit shown in the reading panel (null: the head)
  let editBase = null; // the commit the editor's text started from
  let editStart = ''; // the text the editor started from (to know if it changed)

  const back = h('p', { class: 'mou-back' }, h('a', { href: `${base(slug)}/mous` }, t('mou.back')));
  const heading = h('h1', { id: 'mou-title' }, t('app.loading'));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const stateLine = h('p', { class: 'mou-fullstate', id: 'mou-state', 'aria-live': 'polite' });
  const partiesLine = h('p', { class: 'mou-parties' });
  const servesLine = h('p', { class: 'mou-serves', id: 'mou-serves', hidden: true });

  const sigList = h('ul', { class: 'mou-signatures', id: 'mou-signatures', 'aria-live': 'polite' });
  const signArea = h('div', { class: 'mou-sign', id: 'mou-sign-area' });

  const versionNote = h('div', { class: 'notice mou-version-note', id: 'mou-version-note', hidden: true });
  const docBody = h('div', { class: 'mou-doc', id: 'mou-doc' });

  const historyList = h('ol', { class: 'mou-history', id: 'mou-history', 'aria-live': 'polite' });

  const fromSelect = h('select', { id: 'mou-diff-from', name: 'from' });
  const toSelect = h('select', { id: 'mou-diff-to', name: 'to' });
  const diffOut = h('div', { class: 'mou-diff-out', id: 'mou-diff-out', tabindex: '-1' });
  const diffError = h('p', { class: 'error', role: 'alert', hidden: true });
  const diffForm = h('form', { class: 'mou-diff-form', id: 'mou-diff-form' },
    h('div', { class: 'field' }, h('label', { for: 'mou-diff-from' }, t('mou.diff_from')), fromSelect),
    h('div', { class: 'field' }, h('label', { for: 'mou-diff-to' }, t('mou.diff_to')), toSelect),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('mou.diff_show'))));

  const editorArea = h('div', { id: 'mou-editor-area' });

  const nav = h('nav', { class: 'mou-jump', 'aria-label': t('mou.sections') }, h('ul', null,
    h('li', null, h('a', { href: '#mou-sec-text', onclick: jump }, t('mou.sec_text'))),
    h('li', null, h('a', { href: '#mou-sec-sign', onclick: jump }, t('mou.sec_signatures'))),
    h('li', null, h('a', { href: '#mou-sec-edit', onclick: jump }, t('mou.sec_edit'))),
    h('li', null, h('a', { href: '#mou-sec-history', onclick: jump }, t('mou.sec_history'))),
    h('li', null, h('a', { href: '#mou-sec-redline', onclick: jump }, t('mou.sec_redline')))));

  const body = h('div', { class: 'mou-one', hidden: true },
    nav,
    h('section', { class: 'panel', id: 'mou-sec-sign', 'aria-labelledby': 'mou-sig-title' },
      h('h2', { id: 'mou-sig-title' }, t('mou.signatures')),
      stateLine, sigList, signArea),
    h('section', { class: 'panel', id: 'mou-sec-text', 'aria-labelledby': 'mou-text-title' },
      h('h2', { id: 'mou-text-title' }, t('mou.text')),
      versionNote, docBody),
    h('section', { class: 'panel', id: 'mou-sec-edit', 'aria-labelledby': 'mou-edit-title' },
      h('h2', { id: 'mou-edit-title' }, t('mou.edit')),
      editorArea),
    h('section', { class: 'panel', id: 'mou-sec-history', 'aria-labelledby': 'mou-history-title' },
      h('h2', { id: 'mou-history-title' }, t('mou.history')),
      historyList),
    h('section', { class: 'panel', id: 'mou-sec-redline', 'aria-labelledby': 'mou-redline-title' },
      h('h2', { id: 'mou-redline-title' }, t('mou.redline')),
      h('p', { class: 'muted' }, t('mou.redline_intro')),
      diffForm, diffError, diffOut));

  const el = h('article', { class: 'mou mou-detail', 'aria-labelledby': 'mou-title', dataset: { mouId: id } },
    h('header', { class: 'page-head' }, back, heading, partiesLine, servesLine),
    failure, body);

  // The milestones this MOU serves (traceability, from the milestones area).
  async function loadServes() {
    let data;
    try {
      data = await conn.request('milestone.links_for', { coalition: slug, kind: 'mou', id });
    } catch (e) {
      return; // no milestones area, or nothing to show
    }
    if (!alive) return;
    const list = data.milestones || [];
    clear(servesLine);
    servesLine.hidden = list.length === 0;
    if (!list.length) return;
    append(servesLine, [h('span', { class: 'label' }, t('mou.serves'), ': '),
      list.map((m, i) => [i ? ', ' : '', h('a', { href: `${base(slug)}/milestones` }, m.title)])]);
  }

  function jump(ev) {
    ev.preventDefault(); // the hash belongs to the router
    const target = el.querySelector(ev.currentTarget.getAttribute('href'));
    if (!target) return;
    const title = target.querySelector('h2');
    title.setAttribute('tabindex', '-1');
    title.focus();
    target.scrollIntoView({ block: 'start' });
  }

  const canEdit = () => !!(who && who.me && who.me.roles.some((r) => EDIT_ROLES.includes(r)));
  const commitInfo = (c) => commits.find((x) => x.commit === c);

  // --- signatures ---------------------------------------------------------

  function renderSignatures() {
    const head = mou.head;
    clear(stateLine);
    stateLine.classList.toggle('mou-fullstate-yes', !!mou.fully_signed);
    if (mou.fully_signed) {
      stateLine.append(h('span', { class: 'mou-state mou-state-full' }, h('span', { 'aria-hidden': 'true' }, '✓ '), t('mou.fully_signed')),
        ' ', t('mou.fully_signed_detail', { commit: short(head) }));
    } else {
      stateLine.append(signatureStatus(mou), ' ', t('mou.not_fully_detail', { commit: short(head) }));
    }
    clear(sigList);
    for (const party of mou.parties || []) {
      const mine = signatures.filter((s) => s.organization === party)
        .sort((a, b) => (b.commit === head) - (a.commit === head) || String(b.at).localeCompare(String(a.at)));
      const current = mine.find((s) => s.commit === head);
      const li = h('li', { class: 'mou-party' + (current ? ' mou-party-signed' : ''), dataset: { party, signed: current ? 'current' : mine.length ? 'earlier' : 'none' } },
        h('span', { class: 'mou-party-name' }, party));
      if (!mine.length) {
        li.append(h('span', { class: 'mou-sig mou-sig-none' }, h('span', { 'aria-hidden': 'true' }, '○ '), t('mou.not_signed')));
      }
      for (const s of mine) {
        const info = commitInfo(s.commit);
        const isHead = s.commit === head;
        li.append(h('span', { class: 'mou-sig ' + (isHead ? 'mou-sig-current' : 'mou-sig-old'), dataset: { commit: s.commit } },
          h('span', { 'aria-hidden': 'true' }, isHead ? '✓ ' : '⟲ '),
          t(isHead ? 'mou.signed_current' : 'mou.signed_earlier', {
            commit: short(s.commit),
            name: s.member && s.member.name ? s.member.name : t('mou.someone'),
            date: formatDate(s.at),
          }),
          info && info.message ? h('span', { class: 'muted' }, ' — ', info.message) : null));
      }
      sigList.append(li);
    }
    if (!(mou.parties || []).length) sigList.append(h('li', { class: 'empty' }, t('mou.no_parties')));
    renderSignArea();
  }

  function renderSignArea() {
    clear(signArea);
    const org = who && who.org;
    if (!org || !(mou.parties || []).includes(org)) {
      signArea.append(h('p', { class: 'muted' }, org ? t('mou.not_a_party', { org }) : t('mou.no_org')));
      return;
    }
    if (signatures.some((s) => s.organization === org && s.commit === mou.head)) {
      signArea.append(h('p', { class: 'mou-you-signed' }, t('mou.you_signed', { org, commit: short(mou.head) })));
      return;
    }
    const head = mou.head;
    let key = newKey();
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const button = h('button', { type: 'button', class: 'primary', id: 'mou-sign', 'aria-describedby': 'mou-sign-hint' },
      t('mou.sign_button'));
    button.addEventListener('click', async () => {
      error.hidden = true;
      button.disabled = true;
      try {
        await conn.request('mou.sign', { mou: id, commit: head }, { key });
        if (!alive) return;
        app.announce(t('mou.signed_done', { org, commit: short(head) }));
        await refresh();
        focusFirst(signArea, 'p');
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = e.code === 'conflict' ? t('mou.sign_moved') : errorText(e);
        error.hidden = false;
        button.disabled = false;
        if (e.code === 'conflict') refresh();
      }
    });
    signArea.append(
      h('p', { class: 'hint', id: 'mou-sign-hint' }, t('mou.sign_hint', { org, commit: short(head) })),
      button, error);
  }

  // --- reading -----------------------------------------------------------

  async function showVersion(commit) {
    const atHead = !commit || commit === mou.head;
    let data;
    try {
      data = await conn.request('mou.get', atHead ? { mou: id } : { mou: id, commit });
    } catch (e) {
      if (!alive) return;
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    viewing = atHead ? null : commit;
    clear(docBody);
    docBody.append(richText(data.html || ''));
    docBody.dataset.commit = data.commit;
    clear(versionNote);
    if (viewing) {
      const info = commitInfo(commit);
      append(versionNote, [
        h('p', null, t('mou.reading_old', {
          commit: short(commit),
          name: info && info.author ? info.author.name : t('mou.someone'),
          date: info ? formatDate(info.at) : '',
        })),
        h('button', { type: 'button', class: 'secondary small', onclick: () => showVersion(null) }, t('mou.back_to_current'))]);
      versionNote.hidden = false;
    } else {
      versionNote.append(h('p', null, t('mou.reading_current', { commit: short(data.commit) })));
      versionNote.hidden = false;
    }
  }

  // --- history and redline -----------------------------------------------

  function renderHistory() {
    clear(historyList);
    commits.forEach((c, i) => {
      const signedHere = signatures.filter((s) => s.commit === c.commit).map((s) => s.organization);
      const prev = commits[i + 1];
      historyList.append(h('li', { class: 'mou-commit' + (c.commit === mou.head ? ' mou-commit-head' : ''), dataset: { commit: c.commit } },
        h('p', { class: 'mou-commit-head-line' },
          h('code', { class: 'mou-commit-id', title: c.commit }, short(c.commit)), ' ',
          h('span', { class: 'mou-commit-msg' }, c.message || t('mou.no_message')),
          c.commit === mou.head ? h('span', { class: 'mou-current-tag' }, ' ', t('mou.current')) : null),
        h('p', { class: 'muted mou-commit-meta' },
          c.author && c.author.name ? c.author.name : t('mou.someone'), ' · ', h('time', { datetime: c.at }, formatDate(c.at))),
        signedHere.length ? h('p', { class: 'mou-commit-signed' }, t('mou.signed_here', { orgs: signedHere.join(', ') })) : null,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary small', id: 'mou-read-' + c.commit, onclick: () => { showVersion(c.commit); focusSection('mou-sec-text'); } },
            h('span', null, t('mou.read_version')), h('span', { class: 'visually-hidden' }, ' ' + short(c.commit))),
          prev ? h('button', { type: 'button', class: 'secondary small', id: 'mou-cmp-' + c.commit, onclick: () => { fromSelect.value = prev.commit; toSelect.value = c.commit; showDiff(); } },
            h('span', null, t('mou.compare_previous')), h('span', { class: 'visually-hidden' }, ' ' + short(c.commit))) : null)));
    });
    const keepFrom = fromSelect.value;
    const keepTo = toSelect.value;
    for (const sel of [fromSelect, toSelect]) {
      clear(sel);
      for (const c of commits) {
        sel.append(h('option', { value: c.commit },
          `${short(c.commit)} · ${c.message || t('mou.no_message')} · ${formatDate(c.at)}${c.commit === mou.head ? ' · ' + t('mou.current') : ''}`));
      }
    }
    fromSelect.value = commits.some((c) => c.commit === keepFrom) ? keepFrom : (commits[1] || commits[0] || {}).commit || '';
    toSelect.value = commits.some((c) => c.commit === keepTo) ? keepTo : (commits[0] || {}).commit || '';
    diffForm.hidden = commits.length < 2;
  }

  // Puts the focus on the first `sel` inside `root` (when a control that
  // had it is gone after a redraw).
  function focusFirst(root, sel) {
    const target = root.querySelector(sel);
    if (!target) return;
    target.setAttribute('tabindex', '-1');
    target.focus();
  }

  function focusSection(secId) {
    const target = el.querySelector('#' + secId + ' h2');
    if (!target) return;
    target.setAttribute('tabindex', '-1');
    target.focus();
  }

  async function showDiff() {
    diffError.hidden = true;
    const from = fromSelect.value;
    const to = toSelect.value;
    if (!from || !to) return;
    clear(diffOut);
    diffOut.append(h('p', { class: 'loading' }, t('app.loading')));
    let data;
    try {
      data = await conn.request('mou.diff', { mou: id, from, to });
    } catch (e) {
      if (!alive) return;
      clear(diffOut);
      diffError.textContent = errorText(e);
      diffError.hidden = false;
      return;
    }
    if (!alive) return;
    clear(diffOut);
    const f = commitInfo(from);
    const tt = commitInfo(to);
    diffOut.append(
      h('h3', { class: 'mou-diff-title' }, t('mou.diff_title', {
        from: short(from), to: short(to),
        fromWho: f && f.author ? f.author.name : '', toWho: tt && tt.author ? tt.author.name : '',
      })),
      redline(data.diff));
    diffOut.dataset.from = from;
    diffOut.dataset.to = to;
    diffOut.focus();
  }

  diffForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showDiff();
  });

  // --- the editor ----------------------------------------------------------

  let editor = null;
  function renderEditor(text) {
    clear(editorArea);
    if (!canEdit()) {
      editorArea.append(h('p', { class: 'muted' }, t('mou.cannot_edit')));
      return;
    }
    let key = newKey();
    const baseLine = h('p', { class: 'hint', id: 'mou-edit-base' });
    const textarea = h('textarea', { id: 'mou-edit-body', class: 'mou-textarea', rows: '18', required: true, 'aria-describedby': 'mou-edit-base mou-edit-hint' });
    const message = h('input', { type: 'text', id: 'mou-edit-message', maxlength: '2000', 'aria-describedby': 'mou-edit-message-hint' });
    const status = h('div', { class: 'mou-edit-status', id: 'mou-edit-status', role: 'status' });
    const problem = h('div', { class: 'error mou-conflict', id: 'mou-edit-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'mou-save' }, t('mou.save'));
    const reset = h('button', { type: 'button', class: 'secondary', id: 'mou-reload' }, t('mou.start_over'));
    const preview = h('div', { class: 'mou-preview', id: 'mou-preview', hidden: true, 'aria-live': 'polite' },
      h('p', { class: 'hint' }, t('mou.preview_note')),
      h('div', { class: 'md mou-preview-body' }));
    const previewBody = preview.querySelector('.mou-preview-body');
    const previewBtn = h('button', { type: 'button', class: 'secondary small', id: 'mou-preview-toggle', 'aria-expanded': 'false', 'aria-controls': 'mou-preview' },
      t('mou.preview_show'));
    const drawPreview = () => {
      clear(previewBody);
      previewBody.append(mouPreview(textarea.value));
    };
    previewBtn.addEventListener('click', () => {
      const show = preview.hidden;
      preview.hidden = !show;
      previewBtn.setAttribute('aria-expanded', String(show));
      previewBtn.textContent = t(show ? 'mou.preview_hide' : 'mou.preview_show');
      if (show) drawPreview();
    });
    let previewTimer = null;
    textarea.addEventListener('input', () => {
      if (preview.hidden) return;
      clearTimeout(previewTimer);
      previewTimer = setTimeout(drawPreview, 250);
    });
    const form = h('form', { class: 'stack', id: 'mou-edit-form' },
      h('div', { class: 'field' },
        h('label', { for: 'mou-edit-body' }, t('mou.field_body')),
        h('p', { class: 'hint', id: 'mou-edit-hint' }, t('mou.body_hint')),
        baseLine,
        textarea,
        h('div', { class: 'actions mou-preview-bar' }, previewBtn),
        preview),
      h('div', { class: 'field' },
        h('label', { for: 'mou-edit-message' }, t('mou.field_message')),
        h('p', { class: 'hint', id: 'mou-edit-message-hint' }, t('mou.message_hint')),
        message),
      problem, status,
      h('div', { class: 'actions' }, submit, reset));

    function setBase(commit, body) {
      editBase = commit;
      editStart = body;
      textarea.value = body;
      if (!preview.hidden) drawPreview();
      textarea.removeAttribute('aria-invalid');
      baseLine.textContent = t('mou.editing_from', { commit: short(commit) });
      form.dataset.base = commit;
    }
    setBase(mou.head, text);

    reset.addEventListener('click', async () => {
      problem.hidden = true;
      status.textContent = '';
      const data = await conn.request('mou.get', { mou: id }).catch(() => null);
      if (!alive || !data) return;
      setBase(data.commit, data.body);
      status.textContent = t('mou.started_over', { commit: short(data.commit) });
      textarea.focus();
    });

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      problem.hidden = true;
      status.textContent = '';
      if (!form.reportValidity()) return;
      if (MARKERS.test(textarea.value)) {
        problem.textContent = t('mou.markers_left');
        problem.hidden = false;
        textarea.setAttribute('aria-invalid', 'true');
        textarea.focus();
        return;
      }
      const args = { mou: id, base: editBase, body: textarea.value };
      if (message.value.trim()) args.message = message.value.trim();
      submit.disabled = true;
      try {
        const data = await conn.request('mou.save', args, { key });
        if (!alive) return;
        key = newKey();
        message.value = '';
        const fresh = await conn.request('mou.get', { mou: id, commit: data.commit });
        if (!alive) return;
        setBase(data.commit, fresh.body);
        if (data.unchanged) status.textContent = t('mou.unchanged');
        else if (data.merged) status.textContent = t('mou.saved_merged', { commit: short(data.commit) });
        else status.textContent = t('mou.saved', { commit: short(data.commit) });
        app.announce(status.textContent);
        await refresh();
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        if (e.code === 'conflict' && e.data && typeof e.data.merged === 'string') {
          // Nothing was saved. The editor now holds both sides of each
          // overlapping part; the next save starts from the current head.
          setBase(e.data.head || mou.head, e.data.merged);
          editStart = null; // the text differs from the head: it is unsaved work
          textarea.setAttribute('aria-invalid', 'true');
          clear(problem);
          append(problem, [
            h('p', null, h('strong', null, t('mou.conflict_title'))),
            h('p', null, t('mou.conflict_explain')),
            h('p', null, t('mou.conflict_how'))]);
          problem.hidden = false;
          const at = textarea.value.indexOf('<<<<<<<');
          textarea.focus();
          if (at >= 0) {
            // Put the caret on the first marked part and bring it into view.
            textarea.setSelectionRange(at, at);
            const line = textarea.value.slice(0, at).split('\n').length;
            const lh = parseFloat(getComputedStyle(textarea).lineHeight) || 20;
            textarea.scrollTop = Math.max(0, (line - 3) * lh);
          }
          refresh();
        } else {
          problem.textContent = errorText(e);
          problem.hidden = false;
        }
      } finally {
        submit.disabled = false;
      }
    });
    editor = { textarea, status, setBase, dirty: () => editStart === null || textarea.value !== editStart };
    editorArea.append(form);
  }

  // --- loading and live ----------------------------------------------------

  async function refresh() {
    let got;
    let hist;
    try {
      [got, hist] = await Promise.all([conn.request('mou.get', { mou: id }), conn.request('mou.history', { mou: id })]);
    } catch (e) {
      if (!alive) return null;
      failure.textContent = errorText(e);
      failure.hidden = false;
      return null;
    }
    if (!alive) return null;
    const moved = mou && mou.head !== got.mou.head;
    mou = got.mou;
    signatures = got.signatures || [];
    commits = hist.commits || [];
    heading.textContent = mou.title;
    document.title = `${mou.title} · ${t('app.name')}`;
    clear(partiesLine);
    partiesLine.append(h('span', { class: 'label' }, t('mou.parties'), ': '),
      (mou.parties || []).length ? mou.parties.join(' · ') : t('mou.no_parties'));
    keepFocus(el, () => {
      renderSignatures();
      renderHistory();
    });
    if (!viewing) {
      clear(docBody);
      docBody.append(richText(got.html || ''));
      docBody.dataset.commit = got.commit;
      clear(versionNote);
      versionNote.append(h('p', null, t('mou.reading_current', { commit: short(got.commit) })));
      versionNote.hidden = false;
    }
    // The editor follows the head while nothing is typed in it.
    if (moved && editor && !editor.dirty()) editor.setBase(got.commit, got.body);
    return got;
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || !ev.data.mou || ev.data.mou.id !== id) return;
    const mineId = who && who.me ? who.me.id : null;
    if (ev.event === 'mou.saved') {
      const author = ev.data.author;
      if (author && author.id !== mineId) {
        const text = t('mou.saved_live', { name: author.name, commit: short(ev.data.commit) });
        app.announce(text);
        if (editor && editor.dirty()) editor.status.textContent = text + ' ' + t('mou.saved_live_merge');
      }
      refresh();
    } else if (ev.event === 'mou.signed') {
      const s = ev.data.signature;
      if (s && s.member && s.member.id !== mineId) app.announce(t('mou.signed_live', { org: s.organization }));
      refresh();
    }
  }));

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    try {
      who = await whoAmI(app, slug);
    } catch (e) {
      if (!alive) return;
      heading.textContent = t('mou.title');
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    const got = await refresh();
    if (!alive || !got) {
      if (alive) heading.textContent = t('mou.title');
      return;
    }
    renderEditor(got.body);
    body.hidden = false;
    loadServes();
    await subscribed;
  }

  load();
  return {
    el,
    title: t('mou.title'),
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}

export const routes = [
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/mous$/i, view: { render: renderList } },
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/mous\/(\d+)$/i, view: { render: renderOne } },
];

export const link = {
  id: 'mou.link',
  href: (slug) => base(slug) + '/mous',
};

export const strings = {
  en: {
    'mou.link': 'MOUs',
    'mou.title': 'Memorandums of understanding',
    'mou.intro': 'The agreements between the Hub and its partners. Every save is a version; each party signs one exact version.',
    'mou.list_title': 'MOUs',
    'mou.none': 'No MOUs yet.',
    'mou.parties': 'Parties',
    'mou.no_parties': 'No parties named yet.',
    'mou.updated': 'Last changed {date}',
    'mou.fully_signed': 'Fully signed',
    'mou.signed_of': { one: 'Signed by {signed} of {count} party', other: 'Signed by {signed} of {count} parties' },
    'mou.created_live': 'New MOU: {title}.',
    'mou.new': 'Write a new MOU',
    'mou.new_intro': 'The text starts from the template: the questions every partnership should settle. Change any of it.',
    'mou.field_title': 'Title',
    'mou.parties_hint': 'The organizations that will sign. Each signs for itself.',
    'mou.other_parties': 'Other parties',
    'mou.other_parties_hint': 'Organizations not in the coalition yet, one per line.',
    'mou.field_body': 'Text (markdown)',
    'mou.body_hint': 'Markdown: # headings, - lists, **bold**.',
    'mou.field_message_optional': 'Note for the history (optional)',
    'mou.first_draft': 'First draft',
    'mou.create': 'Create the MOU',
    'mou.back': 'All MOUs',
    'mou.sections': 'Parts of this MOU',
    'mou.sec_text': 'Text',
    'mou.sec_signatures': 'Signatures',
    'mou.sec_edit': 'Edit',
    'mou.sec_history': 'History',
    'mou.sec_redline': 'Compare versions',
    'mou.signatures': 'Signatures',
    'mou.fully_signed_detail': 'Every party signed the current version ({commit}).',
    'mou.not_fully_detail': 'The current version is {commit}.',
    'mou.not_signed': 'Not signed',
    'mou.signed_current': 'Signed the current version {commit} — {name}, {date}',
    'mou.signed_earlier': 'Signed an earlier version {commit}, not the current one — {name}, {date}',
    'mou.someone': 'someone',
    'mou.not_a_party': '{org} is not a party to this MOU.',
    'mou.no_org': 'You do not represent an organization in this coalition, so you do not sign.',
    'mou.you_signed': '{org} signed the current version ({commit}).',
    'mou.sign_button': 'Sign this version',
    'mou.sign_hint': 'You sign for {org}, the version {commit} exactly. A later edit leaves this signature on this version.',
    'mou.signed_done': '{org} signed version {commit}.',
    'mou.sign_moved': 'Someone saved a new version just now. Read it, then sign the new version.',
    'mou.signed_live': '{org} signed.',
    'mou.text': 'Text',
    'mou.reading_current': 'The current version ({commit}).',
    'mou.reading_old': 'You are reading an earlier version: {commit}, saved by {name} on {date}.',
    'mou.back_to_current': 'Back to the current version',
    'mou.edit': 'Edit',
    'mou.cannot_edit': 'Parents and observers read MOUs; the other members edit them.',
    'mou.editing_from': 'You are editing from version {commit}. If someone saves meanwhile, your edits are merged with theirs.',
    'mou.field_message': 'What did you change?',
    'mou.message_hint': 'A short note for the history (optional).',
    'mou.save': 'Save a new version',
    'mou.start_over': 'Start over from the current version',
    'mou.started_over': 'The editor holds the current version ({commit}).',
    'mou.unchanged': 'Nothing changed: no new version.',
    'mou.saved': 'Saved as version {commit}.',
    'mou.saved_merged': 'Saved as version {commit}. Others had saved meanwhile; your edits were merged with theirs. The editor shows the merged text.',
    'mou.markers_left': 'The text still has conflict markers (lines starting with <<<<<<< or >>>>>>>). Keep the words that should stay and delete the marker lines, then save.',
    'mou.conflict_title': 'Not saved: your edits overlap with a version saved meanwhile.',
    'mou.conflict_explain': 'The editor now holds the merged text. Where you and the other person changed the same lines, both are shown: your lines after <<<<<<<, theirs after =======, and the part ends with >>>>>>>.',
    'mou.conflict_how': 'For each marked part, keep the words that should stay and delete the three marker lines, then save again. Nothing of either version is lost.',
    'mou.saved_live': '{name} saved version {commit}.',
    'mou.saved_live_merge': 'When you save, your edits will be merged with it.',
    'mou.history': 'History',
    'mou.no_message': '(no note)',
    'mou.current': '(current)',
    'mou.signed_here': 'Signed on this version by: {orgs}',
    'mou.read_version': 'Read this version',
    'mou.compare_previous': 'Compare with the version before',
    'mou.redline': 'Compare versions',
    'mou.redline_intro': 'A redline of what changed between two versions.',
    'mou.diff_from': 'From version',
    'mou.diff_to': 'To version',
    'mou.diff_show': 'Show the changes',
    'mou.diff_title': 'Changes from {from} ({fromWho}) to {to} ({toWho})',
    'mou.redline_legend': 'Legend:',
    'mou.redline_inserted_key': 'inserted text (underlined, marked +)',
    'mou.redline_deleted_key': 'deleted text (struck through, marked −)',
    'mou.redline_unchanged_key': 'plain text is unchanged',
    'mou.redline_inserted': 'Inserted',
    'mou.redline_deleted': 'Deleted',
    'mou.redline_same': 'The two versions have the same text.',
    'mou.redline_at': 'Around line {line}',
    'mou.serves': 'Serves the milestones',
    'mou.preview_show': 'Show a preview',
    'mou.preview_hide': 'Hide the preview',
    'mou.preview_note': 'A preview of your text as it will read. The saved version may differ in small details.',
    'mou.redline_ins': { one: '{count} line inserted', other: '{count} lines inserted' },
    'mou.redline_del': { one: '{count} line deleted', other: '{count} lines deleted' },
  },
  es: {
    'mou.link': 'Memorandos (MOU)',
    'mou.title': 'Memorandos de entendimiento',
    'mou.intro': 'Los acuerdos entre el Hub y sus socios. Cada vez que se guarda se crea una versión; cada parte firma una versión exacta.',
    'mou.list_title': 'Memorandos',
    'mou.none': 'Todavía no hay memorandos.',
    'mou.parties': 'Partes',
    'mou.no_parties': 'Todavía no se nombraron partes.',
    'mou.updated': 'Último cambio: {date}',
    'mou.fully_signed': 'Firmado por todas las partes',
    'mou.signed_of': { one: 'Firmado por {signed} de {count} parte', other: 'Firmado por {signed} de {count} partes' },
    'mou.created_live': 'MOU nuevo: {title}.',
    'mou.new': 'Redactar un MOU nuevo',
    'mou.new_intro': 'El texto empieza con la plantilla: las preguntas que toda alianza debería resolver. Puede cambiar cualquier parte.',
    'mou.field_title': 'Título',
    'mou.parties_hint': 'Las organizaciones que firmarán. Cada una firma por sí misma.',
    'mou.other_parties': 'Otras partes',
    'mou.other_parties_hint': 'Organizaciones que todavía no están en la coalición, una por línea.',
    'mou.field_body': 'Texto (Markdown)',
    'mou.body_hint': 'Markdown: # títulos, - listas, **negrita**.',
    'mou.field_message_optional': 'Nota para el historial (opcional)',
    'mou.first_draft': 'Primer borrador',
    'mou.create': 'Crear el MOU',
    'mou.back': 'Todos los memorandos',
    'mou.sections': 'Partes de este MOU',
    'mou.sec_text': 'Texto',
    'mou.sec_signatures': 'Firmas',
    'mou.sec_edit': 'Editar',
    'mou.sec_history': 'Historial',
    'mou.sec_redline': 'Comparar versiones',
    'mou.signatures': 'Firmas',
    'mou.fully_signed_detail': 'Todas las partes firmaron la versión actual ({commit}).',
    'mou.not_fully_detail': 'La versión actual es {commit}.',
    'mou.not_signed': 'Sin firmar',
    'mou.signed_current': 'Firmó la versión actual {commit} — {name}, {date}',
    'mou.signed_earlier': 'Firmó una versión anterior {commit}, no la actual — {name}, {date}',
    'mou.someone': 'alguien',
    'mou.not_a_party': '{org} no es parte de este MOU.',
    'mou.no_org': 'Usted no representa a ninguna organización de esta coalición, así que no firma.',
    'mou.you_signed': '{org} firmó la versión actual ({commit}).',
    'mou.sign_button': 'Firmar esta versión',
    'mou.sign_hint': 'Usted firma por {org}, exactamente la versión {commit}. Si alguien edita después, esta firma queda en esta versión.',
    'mou.signed_done': '{org} firmó la versión {commit}.',
    'mou.sign_moved': 'Alguien acaba de guardar una versión nueva. Léala y después firme la versión nueva.',
    'mou.signed_live': '{org} firmó.',
    'mou.text': 'Texto',
    'mou.reading_current': 'La versión actual ({commit}).',
    'mou.reading_old': 'Está leyendo una versión anterior: {commit}, guardada por {name} el {date}.',
    'mou.back_to_current': 'Volver a la versión actual',
    'mou.edit': 'Editar',
    'mou.cannot_edit': 'Las madres, los padres y las personas observadoras leen los MOU; los demás miembros los editan.',
    'mou.editing_from': 'Está editando a partir de la versión {commit}. Si alguien guarda mientras tanto, sus cambios se combinan con los de esa persona.',
    'mou.field_message': '¿Qué cambió?',
    'mou.message_hint': 'Una nota breve para el historial (opcional).',
    'mou.save': 'Guardar una versión nueva',
    'mou.start_over': 'Empezar de nuevo desde la versión actual',
    'mou.started_over': 'El editor tiene la versión actual ({commit}).',
    'mou.unchanged': 'No cambió nada: no hay versión nueva.',
    'mou.saved': 'Guardado como la versión {commit}.',
    'mou.saved_merged': 'Guardado como la versión {commit}. Otras personas habían guardado mientras tanto; sus cambios se combinaron con los de ellas. El editor muestra el texto combinado.',
    'mou.markers_left': 'El texto todavía tiene marcas de conflicto (líneas que empiezan con <<<<<<< o >>>>>>>). Conserve las palabras que deben quedar y borre las líneas de las marcas; después guarde.',
    'mou.conflict_title': 'No se guardó: sus cambios se cruzan con una versión guardada mientras tanto.',
    'mou.conflict_explain': 'El editor ahora tiene el texto combinado. Donde usted y la otra persona cambiaron las mismas líneas, se muestran las dos: sus líneas después de <<<<<<<, las de la otra persona después de =======, y la parte termina con >>>>>>>.',
    'mou.conflict_how': 'En cada parte marcada, conserve las palabras que deben quedar y borre las tres líneas de las marcas; después guarde otra vez. No se pierde nada de ninguna de las dos versiones.',
    'mou.saved_live': '{name} guardó la versión {commit}.',
    'mou.saved_live_merge': 'Cuando usted guarde, sus cambios se combinarán con esa versión.',
    'mou.history': 'Historial',
    'mou.no_message': '(sin nota)',
    'mou.current': '(actual)',
    'mou.signed_here': 'Firmaron esta versión: {orgs}',
    'mou.read_version': 'Leer esta versión',
    'mou.compare_previous': 'Comparar con la versión anterior',
    'mou.redline': 'Comparar versiones',
    'mou.redline_intro': 'Los cambios entre dos versiones, marcados.',
    'mou.diff_from': 'Desde la versión',
    'mou.diff_to': 'Hasta la versión',
    'mou.diff_show': 'Mostrar los cambios',
    'mou.diff_title': 'Cambios de {from} ({fromWho}) a {to} ({toWho})',
    'mou.redline_legend': 'Leyenda:',
    'mou.redline_inserted_key': 'texto agregado (subrayado, marcado con +)',
    'mou.redline_deleted_key': 'texto eliminado (tachado, marcado con −)',
    'mou.redline_unchanged_key': 'el texto normal no cambió',
    'mou.redline_inserted': 'Agregado',
    'mou.redline_deleted': 'Eliminado',
    'mou.redline_same': 'Las dos versiones tienen el mismo texto.',
    'mou.redline_at': 'Cerca de la línea {line}',
    'mou.serves': 'Contribuye a los hitos',
    'mou.preview_show': 'Mostrar una vista previa',
    'mou.preview_hide': 'Ocultar la vista previa',
    'mou.preview_note': 'Una vista previa de cómo se leerá su texto. La versión guardada puede variar en pequeños detalles.',
    'mou.redline_ins': { one: '{count} línea agregada', other: '{count} líneas agregadas' },
    'mou.redline_del': { one: '{count} línea eliminada', other: '{count} líneas eliminadas' },
  },
};
