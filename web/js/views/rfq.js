// Hub selection RFQs.
//
//   #/c/<slug>/rfqs        the coalition's RFQs; conveners and the design
//                          team start one from rfq.template, with its
//                          questions and weighted criteria editable
//   #/c/<slug>/rfqs/<id>   one RFQ: status and deadline, publish / close,
//                          addenda, the questions and criteria, respondents
//                          (an invitation shows the secret link to copy),
//                          clarifications to answer, evaluators, and after
//                          the close: each evaluator's scoring with conflict
//                          of interest declarations, the results and the
//                          selection of the hub or hubs
//   #/respond/<token>      the respondent page (views/respond.js), no account
//
// Kept live by the rfq.*, response.submitted, respondent.invited,
// clarification.*, evaluator.assigned, coi.declared and score.submitted events.

import { h, clear, append } from '../dom.js';
import { t, errorText, formatDate, formatPercent, roleLabel } from '../i18n.js';
import { rfqEditor, editorStrings, editorStringsEs } from './rfq-editor.js';
import { evaluatorPanel, resultsPanel, sideBySide, evaluateStrings, evaluateStringsEs } from './rfq-evaluate.js';
import { render as renderRespond, respondStrings, respondStringsEs } from './respond.js';
import { keyedAction } from './common.js';

if (!document.querySelector('link[data-area="rfq"]')) {
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/rfq.css', dataset: { area: 'rfq' } }));
}

const STATUS_ICON = { draft: '✎', published: '●', closed: '■', decided: '✓' };
const RFQ_EVENTS = /^(rfq\.|response\.submitted$|respondent\.invited$|clarification\.|evaluator\.assigned$|coi\.declared$|score\.submitted$)/;
const base = (slug) => '#/c/' + encodeURIComponent(slug);

function richText(html) {
  const div = h('div', { class: 'md' });
  div.innerHTML = html || ''; // rendered and sanitized by the daemon
  return div;
}

// Runs a redraw without losing the reader's place: the element that had
// the focus gets it back (with its caret) if it is still on the page, or the
// element now holding its id.
export function keepFocus(root, redraw) {
  const active = document.activeElement;
  const inside = active && active !== document.body && root.contains(active);
  const caret = inside && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  const result = redraw();
  if (inside && document.activeElement !== active) {
    const target = active.isConnected ? active : (active.id && document.getElementById(active.id));
    if (target) {
      target.focus({ preventScroll: true });
      if (caret && target === active) {
        try {
          target.setSelectionRange(caret[0], caret[1]);
        } catch (e) { /* not a text field */ }
      }
    }
  }
  return result;
}

function statusBadge(status) {
  return h('span', { class: 'rfq-status rfq-status-' + status, dataset: { status } },
    h('span', { 'aria-hidden': 'true' }, (STATUS_ICON[status] || '') + ' '), t('rfq.status.' + status));
}

async function coalitionInfo(app, slug) {
  const data = await app.conn.request('coalition.get', { coalition: slug });
  let me = data.me || null;
  if (!me && app.session) {
    const mine = (app.session.coalitions || []).find((x) => x.slug === slug);
    me = { id: app.session.member.id, roles: mine ? mine.roles : [] };
  }
  return { me, members: data.members || [], name: (data.coalition && data.coalition.name) || slug };
}

const isOrganizer = (me) => !!(me && me.roles && (me.roles.includes('convener') || me.roles.includes('design_team')));

// --- the list ---------------------------------------------------------------

function renderList(app, slug) {
  const conn = app.conn;
  let alive = true;
  const offs = [];
  let info = null;

  const back = h('p', { class: 'rfq-back' }, h('a', { href: base(slug) }, slug));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const list = h('ul', { class: 'rfq-list', id: 'rfq-list', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty', hidden: true }, t('rfq.none'));
  const createArea = h('div', { id: 'rfq-create-area' });
  const body = h('div', { hidden: true },
    h('section', { class: 'panel', 'aria-labelledby': 'rfq-list-title' },
      h('h2', { id: 'rfq-list-title' }, t('rfq.list_title')), empty, list),
    createArea);
  const el = h('article', { class: 'rfq rfq-index', 'aria-labelledby': 'rfq-title' },
    h('header', { class: 'page-head' }, back, h('h1', { id: 'rfq-title' }, t('rfq.title')),
      h('p', { class: 'lead muted' }, t('rfq.intro'))),
    failure, body);

  async function loadList() {
    let data;
    try {
      data = await conn.request('rfq.list', { coalition: slug });
    } catch (e) {
      if (!alive) return;
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    clear(list);
    for (const r of data.rfqs || []) {
      list.append(h('li', { class: 'card rfq-item', dataset: { rfqId: r.id, status: r.status } },
        h('h3', null, h('a', { href: `${base(slug)}/rfqs/${r.id}` }, r.title)),
        h('p', null, statusBadge(r.status), ' ',
          h('span', { class: 'muted' }, t(r.status === 'draft' || r.status === 'published' ? 'rfq.closes' : 'rfq.deadline_was', { date: formatDate(r.closes_at) })))));
    }
    empty.hidden = (data.rfqs || []).length > 0;
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !/^rfq\./.test(ev.event)) return;
    loadList();
  }));

  function renderCreate() {
    if (!isOrganizer(info.me)) return;
    const start = h('button', { type: 'button', class: 'primary', id: 'rfq-start' }, t('rfq.start_template'));
    const box = h('div');
    start.addEventListener('click', async () => {
      start.disabled = true;
      let tpl;
      try {
        tpl = await conn.request('rfq.template', {});
      } catch (e) {
        box.append(h('p', { class: 'error', role: 'alert' }, errorText(e)));
        start.disabled = false;
        return;
      }
      if (!alive) return;
      start.hidden = true;
      box.append(rfqEditor({
        initial: tpl,
        submitLabel: t('rfq.create_draft'),
        onSubmit: async (args, key) => {
          const data = await conn.request('rfq.create', { coalition: slug, ...args }, { key });
          if (alive) app.navigate(`${base(slug)}/rfqs/${data.rfq.id}`);
        },
        onCancel: () => {
          clear(box);
          start.hidden = false;
          start.disabled = false;
          start.focus();
        },
      }));
      const first = box.querySelector('input');
      if (first) first.focus();
    });
    createArea.append(h('section', { class: 'panel', 'aria-labelledby': 'rfq-new-title' },
      h('h2', { id: 'rfq-new-title' }, t('rfq.new')),
      h('p', { class: 'muted' }, t('rfq.new_intro')),
      start, box));
  }

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    try {
      info = await coalitionInfo(app, slug);
    } catch (e) {
      if (!alive) return;
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    back.firstChild.textContent = info.name;
    await loadList();
    if (!alive) return;
    renderCreate();
    body.hidden = false;
    await subscribed;
  }

  load();
  return {
    el,
    title: t('rfq.title'),
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}

// --- one RFQ ------------------------------------------------------------------

function renderOne(app, slug, idText) {
  const conn = app.conn;
  const id = Number(idText);
  let alive = true;
  const offs = [];
  let info = null;
  let data = null; // rfq.get reply
  let shownStatus = null;
  let evalSig = null;
  let editing = false;
  let results = null;
  const clarForms = new Map(); // clarification id -> form (kept across redraws)

  const back = h('p', { class: 'rfq-back' }, h('a', { href: `${base(slug)}/rfqs` }, t('rfq.back')));
  const heading = h('h1', { id: 'rfq-title' }, t('app.loading'));
  const meta = h('p', { class: 'rfq-meta', id: 'rfq-meta' });
  const counts = h('p', { class: 'rfq-counts', id: 'rfq-counts', 'aria-live': 'polite' });
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const actions = h('div', { id: 'rfq-actions' });
  const about = h('div', { class: 'rfq-about' });
  const questions = h('div', { id: 'rfq-questions' });
  const addenda = h('div', { id: 'rfq-addenda' });
  const criteria = h('div', { id: 'rfq-criteria' });
  const respondents = h('div', { id: 'rfq-respondents' });
  const clarifications = h('div', { id: 'rfq-clarifications' });
  const evaluators = h('div', { id: 'rfq-evaluators' });
  const evaluation = h('div', { id: 'rfq-evaluation' });
  const resultsArea = h('div', { id: 'rfq-results' });
  const sbsArea = h('div', { id: 'rfq-sbs' });

  const panel = (idp, title, ...kids) => h('section', { class: 'panel', id: idp, 'aria-labelledby': idp + '-title' },
    h('h2', { id: idp + '-title' }, title), ...kids);

  const body = h('div', { class: 'rfq-one', hidden: true },
    actions,
    panel('rfq-sec-about', t('rfq.about'), about),
    addenda,
    panel('rfq-sec-questions', t('rfq.questions'), questions),
    panel('rfq-sec-criteria', t('rfq.criteria'), criteria),
    panel('rfq-sec-respondents', t('rfq.respondents'), respondents),
    clarifications,
    panel('rfq-sec-evaluators', t('rfq.evaluators'), evaluators),
    evaluation,
    resultsArea,
    sbsArea);
  const el = h('article', { class: 'rfq rfq-detail', 'aria-labelledby': 'rfq-title', dataset: { rfqId: id } },
    h('header', { class: 'page-head' }, back, heading, meta, counts),
    failure, body);

  const organizer = () => isOrganizer(info && info.me);
  const convener = () => !!(info && info.me && info.me.roles.includes('convener'));
  const rfq = () => data.rfq;
  const afterClose = () => ['closed', 'decided'].includes(rfq().status);

  // --- head and actions ---------------------------------------------------

  function renderHead() {
    const r = rfq();
    heading.textContent = r.title;
    document.title = `${r.title} · ${t('app.name')}`;
    clear(meta);
    append(meta, [statusBadge(r.status), ' ',
      h('span', null, r.status === 'draft' || r.status === 'published'
        ? t('rfq.closes', { date: formatDate(r.closes_at) })
        : t('rfq.closed_at', { date: formatDate(r.closed_at || r.closes_at) }))]);
    const c = r.counts || {};
    counts.textContent = t('rfq.counts', { respondents: c.respondents || 0, responded: c.responded || 0, submitted: c.submitted || 0 });
    el.dataset.status = r.status;
  }

  function lifecycleButton(label, op, idb, confirmText) {
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const act = keyedAction(error);
    const button = h('button', { type: 'button', class: 'primary', id: idb }, label);
    button.addEventListener('click', async () => {
      button.disabled = true;
      if ((await act((key) => conn.request(op, { rfq: id }, { key }))).ok) {
        app.announce(confirmText);
        await refresh();
        focusActions();
      } else {
        button.disabled = false;
      }
    });
    return [button, error];
  }

  // After a change of status the button used is gone: continue from the
  // "Manage" heading (or the page title for those who do not manage).
  function focusActions() {
    const target = actions.querySelector('h2') || heading;
    target.setAttribute('tabindex', '-1');
    target.focus();
  }

  function renderActions() {
    clear(actions);
    if (!organizer()) return;
    const r = rfq();
    const box = h('section', { class: 'panel rfq-actions', 'aria-labelledby': 'rfq-actions-title' },
      h('h2', { id: 'rfq-actions-title' }, t('rfq.actions')));
    if (r.status === 'draft') {
      if (editing) {
        box.append(rfqEditor({
          initial: r,
          submitLabel: t('rfq.save_draft'),
          onSubmit: async (args, key) => {
            await conn.request('rfq.update', { rfq: id, ...args }, { key });
            editing = false;
            app.announce(t('rfq.draft_saved'));
            await refresh(true);
          },
          onCancel: () => {
            editing = false;
            renderActions();
          },
        }));
      } else {
        const edit = h('button', { type: 'button', class: 'secondary', id: 'rfq-edit' }, t('rfq.edit_draft'));
        edit.addEventListener('click', () => {
          editing = true;
          renderActions();
          const first = actions.querySelector('input');
          if (first) first.focus();
        });
        const [pub, err] = lifecycleButton(t('rfq.publish'), 'rfq.publish', 'rfq-publish', t('rfq.published_done'));
        box.append(h('p', { class: 'muted' }, t('rfq.draft_note')), h('div', { class: 'actions' }, edit, pub), err);
      }
    } else if (r.status === 'published') {
      const [close, err] = lifecycleButton(t('rfq.close_now'), 'rfq.close', 'rfq-close', t('rfq.closed_done'));
      box.append(h('p', { class: 'muted' }, t('rfq.published_note')), h('div', { class: 'actions' }, close), err, addendumForm());
    } else if (r.status === 'closed') {
      box.append(h('p', { class: 'muted' }, t('rfq.closed_note')));
    } else if (r.status === 'decided') {
      const chosen = (data.respondents || []).filter((x) => x.selected).map((x) => x.organization);
      box.append(h('p', null, t('rfq.decided_note', { orgs: chosen.join(', ') })));
    }
    actions.append(box);
  }

  function addendumForm() {
    const text = h('textarea', { id: 'rfq-add-text', rows: '3', required: true });
    const qSection = h('input', { type: 'text', id: 'rfq-add-section', maxlength: '200' });
    const qText = h('textarea', { id: 'rfq-add-question', rows: '2' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack', id: 'rfq-addendum-form' },
      h('div', { class: 'field' }, h('label', { for: 'rfq-add-text' }, t('rfq.addendum_text')),
        h('p', { class: 'hint' }, t('rfq.addendum_hint')), text),
      h('div', { class: 'field' }, h('label', { for: 'rfq-add-section' }, t('rfq.addendum_section')), qSection),
      h('div', { class: 'field' }, h('label', { for: 'rfq-add-question' }, t('rfq.addendum_question')), qText),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('rfq.addendum_publish'))));
    const act = keyedAction(error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      const args = { rfq: id, text: text.value };
      if (qText.value.trim()) args.questions = [{ section: qSection.value.trim() || t('rfq.addendum_default_section'), text: qText.value.trim() }];
      if ((await act((key) => conn.request('rfq.addendum', args, { key }))).ok) {
        form.reset();
        app.announce(t('rfq.addendum_done'));
        refresh();
      }
    });
    return h('details', { class: 'rfq-addendum' }, h('summary', null, t('rfq.addendum_title')), form);
  }

  // --- the RFQ itself -------------------------------------------------------

  function renderContent() {
    const r = rfq();
    // Keep what the reader unfolded unfolded across live redraws.
    const qOpen = !!questions.querySelector('details[open]');
    const cOpen = !!criteria.querySelector('details[open]');
    clear(about);
    about.append(richText(r.html));
    clear(questions);
    // Once published, the questions and criteria fold away behind a summary.
    const folded = r.status !== 'draft';
    const qTarget = folded ? h('div') : questions;
    const sections = [];
    for (const q of r.questions || []) {
      let s = sections.find((x) => x.name === q.section);
      if (!s) sections.push(s = { name: q.section, items: [] });
      s.items.push(q);
    }
    let n = 0;
    for (const s of sections) {
      qTarget.append(h('h3', null, s.name), h('ol', { class: 'rfq-qs', start: String(n + 1) }, s.items.map((q) => {
        n += 1;
        return h('li', { dataset: { questionId: q.id } }, q.text, q.addendum ? h('span', { class: 'muted' }, ' ' + t('rfq.from_addendum')) : null);
      })));
    }
    if (folded) {
      questions.append(h('details', { class: 'rfq-fold', open: qOpen },
        h('summary', null, t('rfq.show_questions', { count: (r.questions || []).length })), qTarget));
    }
    clear(addenda);
    if ((r.addenda || []).length) {
      addenda.append(panel('rfq-sec-addenda', t('rfq.addenda'),
        h('ol', { class: 'rfq-addenda' }, r.addenda.map((a) => h('li', null,
          h('p', { class: 'muted' }, formatDate(a.at || a.created_at)), richText(a.html))))));
    }
    clear(criteria);
    const total = (r.criteria || []).reduce((s, c) => s + Number(c.weight || 0), 0) || 1;
    const cList = h('ul', { class: 'rfq-criteria' }, (r.criteria || []).map((c) => h('li', { dataset: { criterionId: c.id } },
      h('p', { class: 'rfq-crit-head' }, h('strong', null, c.name), ' ',
        h('span', { class: 'chip' }, t('rfq.weight_share', { weight: c.weight, share: formatPercent(total ? c.weight / total : 0) })), ' ',
        h('span', { class: 'muted' }, t('rfq.scored_1_to', { max: c.max }))),
      c.description ? h('p', { class: 'muted' }, c.description) : null)));
    criteria.append(folded ? h('details', { class: 'rfq-fold', open: cOpen },
      h('summary', null, t('rfq.show_criteria', { count: (r.criteria || []).length })), cList) : cList);
  }

  // --- respondents ---------------------------------------------------------

  let inviteForm = null;
  function renderRespondents() {
    clear(respondents);
    const list = data.respondents || [];
    const ul = h('ul', { class: 'rfq-respondents', id: 'rfq-respondent-list', 'aria-live': 'polite' }, list.map((x) =>
      h('li', { dataset: { respondentId: x.id } },
        h('span', { class: 'rfq-org' }, x.organization),
        x.selected ? h('span', { class: 'rfq-chosen' }, ' ', t('rfq.chosen')) : null,
        x.email ? h('span', { class: 'muted' }, ' · ', x.email) : null,
        typeof x.answered === 'number' ? h('span', { class: 'muted rfq-progress' }, ' · ',
          x.final_at ? t('rfq.resp_final', { date: formatDate(x.final_at) })
            : t('rfq.resp_answered', { n: x.answered, count: (rfq().questions || []).length })) : null)));
    respondents.append(list.length ? ul : h('p', { class: 'empty' }, t('rfq.no_respondents')));
    if (organizer() && !afterClose()) {
      if (!inviteForm) inviteForm = makeInviteForm();
      respondents.append(inviteForm);
    }
  }

  function makeInviteForm() {
    const org = h('input', { type: 'text', id: 'rfq-inv-org', required: true, maxlength: '200', autocomplete: 'off' });
    const email = h('input', { type: 'email', id: 'rfq-inv-email', required: true, maxlength: '254', autocomplete: 'off' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const result = h('div', { class: 'rfq-invite-result', id: 'rfq-invite-result', tabindex: '-1', hidden: true });
    const form = h('form', { class: 'stack', id: 'rfq-invite-form' },
      h('h3', null, t('rfq.invite_title')),
      h('p', { class: 'hint' }, t('rfq.invite_hint')),
      h('div', { class: 'field' }, h('label', { for: 'rfq-inv-org' }, t('rfq.invite_org')), org),
      h('div', { class: 'field' }, h('label', { for: 'rfq-inv-email' }, t('rfq.invite_email')), email),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('rfq.invite_submit'))));
    const act = keyedAction(error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      result.hidden = true;
      if (!form.reportValidity()) return;
      const who = org.value.trim();
      const done = await act((key) => conn.request('respondent.invite', { rfq: id, organization: who, email: email.value.trim() }, { key }));
      if (done.ok) {
        form.reset();
        showLink(who, done.reply.respondent_token);
        refresh();
      }
    });
    function showLink(who, token) {
      const link = `${location.origin}${location.pathname}#/respond/${encodeURIComponent(token)}`;
      const input = h('input', { type: 'text', id: 'rfq-respond-link', class: 'invite-link', readonly: true, value: link });
      const copied = h('span', { class: 'copied', role: 'status' });
      const copy = h('button', { type: 'button', class: 'secondary' }, t('rfq.copy_link'));
      copy.addEventListener('click', async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(link);
          copied.textContent = t('rfq.link_copied');
        } catch (e) {
          copied.textContent = '';
        }
      });
      input.addEventListener('focus', () => input.select());
      clear(result);
      result.append(h('p', null, t('rfq.invite_done', { org: who })),
        h('label', { for: 'rfq-respond-link' }, t('rfq.respond_link')),
        h('div', { class: 'copy-row' }, input, copy), copied,
        h('p', { class: 'hint' }, t('rfq.link_once')));
      result.hidden = false;
      result.focus();
    }
    return h('div', { class: 'rfq-invite' }, form, result);
  }

  // --- clarifications --------------------------------------------------------

  function renderClarifications() {
    clear(clarifications);
    const list = data.clarifications || [];
    if (!list.length && !organizer()) return;
    const items = list.map((c) => {
      const li = h('li', { dataset: { clarificationId: c.id } },
        h('div', { class: 'rfq-clar-q' }, h('span', { class: 'label' }, t('respond.q')), richText(c.question_html)));
      if (c.answer) {
        li.append(h('div', { class: 'rfq-clar-a' }, h('span', { class: 'label' }, t('respond.a')), richText(c.answer_html)));
      } else if (organizer() && rfq().status !== 'decided') {
        if (!clarForms.has(c.id)) clarForms.set(c.id, clarForm(c));
        li.append(clarForms.get(c.id));
      } else {
        li.append(h('p', { class: 'muted' }, t('rfq.clar_waiting')));
      }
      return li;
    });
    clarifications.append(panel('rfq-sec-clar', t('rfq.clarifications'),
      h('p', { class: 'muted' }, t('rfq.clar_intro')),
      items.length ? h('ol', { class: 'rfq-clarifications', id: 'rfq-clar-list', 'aria-live': 'polite' }, items)
        : h('p', { class: 'empty' }, t('respond.no_clarifications'))));
  }

  function clarForm(c) {
    const fid = 'rfq-clar-' + c.id;
    const text = h('textarea', { id: fid, rows: '3', required: true });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack rfq-clar-form' },
      h('div', { class: 'field' }, h('label', { for: fid }, t('rfq.clar_answer')),
        h('p', { class: 'hint' }, t('rfq.clar_answer_hint')), text),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('rfq.clar_publish'))));
    const act = keyedAction(error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      if ((await act((key) => conn.request('clarification.answer', { rfq: id, clarification: c.id, text: text.value }, { key }))).ok) {
        clarForms.delete(c.id);
        app.announce(t('rfq.clar_done'));
        refresh();
      }
    });
    return form;
  }

  // --- evaluators --------------------------------------------------------------

  let assignForm = null;
  function renderEvaluators() {
    clear(evaluators);
    const list = data.evaluators || [];
    const groups = ['design_team', 'funder', 'provider'];
    evaluators.append(h('p', { class: 'muted' }, t('rfq.evaluators_intro')));
    if (!list.length) evaluators.append(h('p', { class: 'empty' }, t('rfq.no_evaluators')));
    else {
      evaluators.append(h('ul', { class: 'rfq-evaluators', id: 'rfq-evaluator-list', 'aria-live': 'polite' },
        groups.map((g) => {
          const inG = list.filter((e) => e.group === g);
          if (!inG.length) return null;
          return h('li', null, h('strong', null, t('rfq.group_title.' + g)), ': ', inG.map((e) => e.name).join(', '));
        })));
    }
    if (organizer() && rfq().status !== 'decided') {
      if (!assignForm) assignForm = makeAssignForm();
      evaluators.append(assignForm);
    }
  }

  function makeAssignForm() {
    const member = h('select', { id: 'rfq-ev-member', required: true },
      h('option', { value: '' }, t('rfq.ev_choose')),
      info.members.slice().sort((a, b) => a.name.localeCompare(b.name)).map((m) =>
        h('option', { value: String(m.id) }, `${m.name} (${(m.roles || []).map(roleLabel).join(', ')})`)));
    const group = h('select', { id: 'rfq-ev-group' },
      h('option', { value: '' }, t('rfq.ev_group_auto')),
      ['design_team', 'funder', 'provider'].map((g) => h('option', { value: g }, t('rfq.group_title.' + g))));
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack rfq-assign', id: 'rfq-assign-form' },
      h('h3', null, t('rfq.ev_assign_title')),
      h('div', { class: 'field' }, h('label', { for: 'rfq-ev-member' }, t('rfq.ev_member')), member),
      h('div', { class: 'field' }, h('label', { for: 'rfq-ev-group' }, t('rfq.ev_group')), group),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('rfq.ev_assign'))));
    const act = keyedAction(error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      const args = { rfq: id, member: Number(member.value) };
      if (group.value) args.group = group.value;
      if ((await act((key) => conn.request('evaluator.assign', args, { key }))).ok) {
        form.reset();
        app.announce(t('rfq.ev_done'));
        refresh();
      }
    });
    return form;
  }

  // --- evaluation and results -----------------------------------------------------

  function renderEvaluation(force) {
    const me = data.me || {};
    const sig = JSON.stringify([rfq().status, me.group, me.recused, (data.respondents || []).map((r) => r.id)]);
    if (!force && sig === evalSig) return;
    evalSig = sig;
    clear(evaluation);
    if (!me.group) return;
    let content;
    if (rfq().status === 'draft' || rfq().status === 'published') {
      content = h('p', { class: 'notice' }, h('span', { 'aria-hidden': 'true' }, '🔒 '), t('rfq.sealed'));
    } else if (rfq().status === 'decided') {
      content = h('p', { class: 'muted' }, t('rfq.scores_final'));
    } else {
      content = evaluatorPanel({
        app, rfq: rfq(), me: { ...me, id: info.me.id }, respondents: data.respondents || [], conflicts: data.conflicts || [],
        onChange: (full, respondent) => (full ? refresh(true).then(() => {
          const sec = evaluation.querySelector(`.rfq-eval-resp[data-respondent-id="${respondent}"] h3`);
          if (sec) {
            sec.setAttribute('tabindex', '-1');
            sec.focus();
          }
        }) : results && results.reload()),
      });
    }
    evaluation.append(panel('rfq-sec-eval', t('rfq.your_evaluation'), content));
  }

  function renderResults() {
    const me = data.me || {};
    const may = afterClose() && (convener() || me.group || organizer());
    if (!may) {
      clear(resultsArea);
      clear(sbsArea);
      results = null;
      return;
    }
    if (results && results.status === rfq().status) {
      results.reload();
      return;
    }
    clear(resultsArea);
    clear(sbsArea);
    const r = resultsPanel({ app, rfq: rfq(), respondents: data.respondents || [], canSelect: organizer(), onChange: () => refresh(true).then(focusActions) });
    results = { reload: r.reload, status: rfq().status };
    resultsArea.append(panel('rfq-sec-results', t('rfq.results'), r.el));
    if (organizer() || me.group) sbsArea.append(panel('rfq-sec-sbs', t('rfq.side_by_side'), sideBySide({ app, rfq: rfq() })));
  }

  // --- loading and live ------------------------------------------------------------

  let refreshing = null;
  let again = false;
  let againForce = false;
  async function refresh(force) {
    if (refreshing) {
      // Once this one is done, read again: the change may be newer.
      again = true;
      againForce = againForce || !!force;
      await refreshing;
      while (refreshing) await refreshing;
      return undefined;
    }
    refreshing = (async () => {
      try {
        const got = await conn.request('rfq.get', { rfq: id });
        if (!alive) return;
        data = got;
        failure.hidden = true;
        keepFocus(el, () => {
          renderHead();
          if (shownStatus !== rfq().status || force) {
            if (shownStatus !== rfq().status) editing = false;
            renderActions();
          }
          renderContent();
          renderRespondents();
          renderClarifications();
          renderEvaluators();
          renderEvaluation(force || shownStatus !== rfq().status);
          renderResults();
        });
        shownStatus = rfq().status;
        body.hidden = false;
      } catch (e) {
        if (!alive) return;
        if (!data) heading.textContent = t('rfq.title');
        failure.textContent = errorText(e);
        failure.hidden = false;
      }
    })();
    await refreshing;
    refreshing = null;
    if (again && alive) {
      const f = againForce;
      again = false;
      againForce = false;
      await refresh(f);
    }
  }

  let timer = null;
  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || !RFQ_EVENTS.test(ev.event)) return;
    const r = ev.data.rfq;
    if (!r || r.id !== id) return;
    const mineId = info && info.me ? info.me.id : null;
    const notice = {
      'rfq.published': t('rfq.live_published'),
      'rfq.closed': t('rfq.live_closed'),
      'rfq.decided': t('rfq.live_decided'),
      'rfq.addendum': t('rfq.live_addendum'),
      'response.submitted': t('rfq.live_response'),
      'clarification.asked': t('rfq.live_question'),
    }[ev.event];
    if (notice && ev.data.actor !== mineId) app.announce(notice);
    clearTimeout(timer);
    timer = setTimeout(() => refresh(), 150);
  }));

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    try {
      info = await coalitionInfo(app, slug);
    } catch (e) {
      if (!alive) return;
      heading.textContent = t('rfq.title');
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    await refresh();
    await subscribed;
  }

  load();
  return {
    el,
    title: t('rfq.title'),
    destroy() {
      alive = false;
      clearTimeout(timer);
      for (const off of offs) off();
    },
  };
}

export const routes = [
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/rfqs$/i, view: { render: renderList } },
  { pattern: /^#\/c\/([a-z0-9][a-z0-9_-]*)\/rfqs\/(\d+)$/i, view: { render: renderOne } },
  { pattern: /^#\/respond\/([^/?#]+)$/, view: { render: renderRespond }, auth: false },
];

export const link = {
  id: 'rfq.link',
  href: (slug) => base(slug) + '/rfqs',
};

export const strings = {
  en: {
    ...editorStrings,
    ...evaluateStrings,
    ...respondStrings,
    'rfq.link': 'Hub selection (RFQs)',
    'rfq.title': 'Hub selection',
    'rfq.intro': 'Requests for qualifications to choose the Alliance Hub: questions, sealed responses, weighted scoring by every stakeholder group.',
    'rfq.list_title': 'Requests',
    'rfq.none': 'No RFQs yet.',
    'rfq.status.draft': 'Draft',
    'rfq.status.published': 'Open for responses',
    'rfq.status.closed': 'Closed: evaluation',
    'rfq.status.decided': 'Decided',
    'rfq.closes': 'Closes {date}',
    'rfq.closed_at': 'Closed {date}',
    'rfq.deadline_was': 'Deadline {date}',
    'rfq.new': 'Start a new RFQ',
    'rfq.new_intro': 'The template holds the hub-selection questions and the key characteristics as weighted criteria. Change any of it before publishing.',
    'rfq.start_template': 'Start from the template',
    'rfq.create_draft': 'Create the draft',
    'rfq.back': 'All RFQs',
    'rfq.counts': '{respondents} invited · {responded} answering · {submitted} submitted as final',
    'rfq.actions': 'Manage',
    'rfq.edit_draft': 'Edit the draft',
    'rfq.save_draft': 'Save the draft',
    'rfq.draft_saved': 'Draft saved.',
    'rfq.draft_note': 'A draft: respondents see nothing yet. Edit the questions and criteria, then publish.',
    'rfq.publish': 'Publish',
    'rfq.published_done': 'The RFQ is published.',
    'rfq.published_note': 'Open for responses until the deadline. Responses stay sealed until the close. Changes now go out as addenda.',
    'rfq.close_now': 'Close now',
    'rfq.closed_done': 'The RFQ is closed. Evaluation can start.',
    'rfq.closed_note': 'Closed: the responses are open to the evaluators. Select the Hub from the results.',
    'rfq.decided_note': 'Decided. Selected: {orgs}.',
    'rfq.addendum_title': 'Publish an addendum',
    'rfq.addendum_text': 'Addendum (markdown)',
    'rfq.addendum_hint': 'Every respondent sees it on their page.',
    'rfq.addendum_section': 'Section of a new question (optional)',
    'rfq.addendum_question': 'New question (optional)',
    'rfq.addendum_default_section': 'Addendum',
    'rfq.addendum_publish': 'Publish the addendum',
    'rfq.addendum_done': 'Addendum published.',
    'rfq.about': 'About this request',
    'rfq.addenda': 'Addenda',
    'rfq.questions': 'Questions',
    'rfq.show_questions': { one: 'Show the question', other: 'Show the {count} questions' },
    'rfq.show_criteria': { one: 'Show the criterion', other: 'Show the {count} criteria and their weights' },
    'rfq.from_addendum': '(added by an addendum)',
    'rfq.criteria': 'Criteria',
    'rfq.weight_share': 'weight {weight} · {share} of the total',
    'rfq.scored_1_to': 'scored 1 to {max}',
    'rfq.respondents': 'Respondents',
    'rfq.no_respondents': 'Nobody invited yet.',
    'rfq.resp_answered': { one: '{n} of {count} answered', other: '{n} of {count} answered' },
    'rfq.resp_final': 'submitted {date}',
    'rfq.invite_title': 'Invite a respondent',
    'rfq.invite_hint': 'Respondents need no account: they get a secret link to their response page.',
    'rfq.invite_org': 'Organization',
    'rfq.invite_email': 'Contact email',
    'rfq.invite_submit': 'Invite',
    'rfq.invite_done': '{org} is invited. Send them this link:',
    'rfq.respond_link': 'Secret response link',
    'rfq.copy_link': 'Copy link',
    'rfq.link_copied': 'Link copied.',
    'rfq.link_once': 'This link is shown only now. Anyone with it can answer for this organization.',
    'rfq.clarifications': 'Clarifications',
    'rfq.clar_intro': 'Respondents’ questions. An answer is published to every respondent; who asked is never shown.',
    'rfq.clar_waiting': 'Waiting for an answer.',
    'rfq.clar_answer': 'Answer',
    'rfq.clar_answer_hint': 'Markdown. Every respondent will see it.',
    'rfq.clar_publish': 'Publish the answer',
    'rfq.clar_done': 'Answer published to every respondent.',
    'rfq.evaluators': 'Evaluators',
    'rfq.evaluators_intro': 'Evaluators score in a stakeholder group: design team, funders or providers.',
    'rfq.no_evaluators': 'No evaluators yet.',
    'rfq.group_title.design_team': 'Design team',
    'rfq.group_title.funder': 'Funders',
    'rfq.group_title.provider': 'Providers',
    'rfq.ev_assign_title': 'Assign an evaluator',
    'rfq.ev_member': 'Member',
    'rfq.ev_choose': 'Choose a member…',
    'rfq.ev_group': 'Group',
    'rfq.ev_group_auto': 'From their main role',
    'rfq.ev_assign': 'Assign',
    'rfq.ev_done': 'Evaluator assigned.',
    'rfq.your_evaluation': 'Your evaluation',
    'rfq.sealed': 'Responses are sealed until the RFQ closes. Scoring opens then.',
    'rfq.scores_final': 'The RFQ is decided: scores are final.',
    'rfq.results': 'Results',
    'rfq.side_by_side': 'Answers side by side',
    'rfq.live_published': 'The RFQ was published.',
    'rfq.live_closed': 'The RFQ closed: evaluation can start.',
    'rfq.live_decided': 'The Hub was selected.',
    'rfq.live_addendum': 'An addendum was published.',
    'rfq.live_response': 'A respondent saved or submitted answers.',
    'rfq.live_question': 'A respondent asked a question.',
  },
  es: {
    ...editorStringsEs,
    ...evaluateStringsEs,
    ...respondStringsEs,
    'rfq.link': 'Selección del Hub (RFQ)',
    'rfq.title': 'Selección del Hub',
    'rfq.intro': 'Solicitudes de calificaciones (RFQ) para elegir el Hub de la Alianza: preguntas, respuestas selladas y puntuación ponderada por cada grupo de interés.',
    'rfq.list_title': 'Solicitudes',
    'rfq.none': 'Todavía no hay solicitudes.',
    'rfq.status.draft': 'Borrador',
    'rfq.status.published': 'Abierta a respuestas',
    'rfq.status.closed': 'Cerrada: en evaluación',
    'rfq.status.decided': 'Decidida',
    'rfq.closes': 'Cierra el {date}',
    'rfq.closed_at': 'Cerró el {date}',
    'rfq.deadline_was': 'Fecha límite: {date}',
    'rfq.new': 'Empezar una solicitud nueva',
    'rfq.new_intro': 'La plantilla incluye las preguntas para elegir el Hub y las características clave como criterios ponderados. Puede cambiar cualquier parte antes de publicarla.',
    'rfq.start_template': 'Empezar con la plantilla',
    'rfq.create_draft': 'Crear el borrador',
    'rfq.back': 'Todas las solicitudes',
    'rfq.counts': '{respondents} invitados · {responded} respondiendo · {submitted} con respuesta final enviada',
    'rfq.actions': 'Administrar',
    'rfq.edit_draft': 'Editar el borrador',
    'rfq.save_draft': 'Guardar el borrador',
    'rfq.draft_saved': 'Borrador guardado.',
    'rfq.draft_note': 'Es un borrador: quienes responden todavía no ven nada. Edite las preguntas y los criterios y después publíquela.',
    'rfq.publish': 'Publicar',
    'rfq.published_done': 'La solicitud está publicada.',
    'rfq.published_note': 'Abierta a respuestas hasta la fecha límite. Las respuestas quedan selladas hasta el cierre. Los cambios ahora se publican como adendas.',
    'rfq.close_now': 'Cerrar ahora',
    'rfq.closed_done': 'La solicitud está cerrada. Puede empezar la evaluación.',
    'rfq.closed_note': 'Cerrada: las respuestas están abiertas para quienes evalúan. Seleccione el Hub a partir de los resultados.',
    'rfq.decided_note': 'Decidida. Seleccionado: {orgs}.',
    'rfq.addendum_title': 'Publicar una adenda',
    'rfq.addendum_text': 'Adenda (Markdown)',
    'rfq.addendum_hint': 'Cada organización que responde la ve en su página.',
    'rfq.addendum_section': 'Sección de una pregunta nueva (opcional)',
    'rfq.addendum_question': 'Pregunta nueva (opcional)',
    'rfq.addendum_default_section': 'Adenda',
    'rfq.addendum_publish': 'Publicar la adenda',
    'rfq.addendum_done': 'Adenda publicada.',
    'rfq.about': 'Sobre esta solicitud',
    'rfq.addenda': 'Adendas',
    'rfq.questions': 'Preguntas',
    'rfq.show_questions': { one: 'Mostrar la pregunta', other: 'Mostrar las {count} preguntas' },
    'rfq.show_criteria': { one: 'Mostrar el criterio', other: 'Mostrar los {count} criterios y sus pesos' },
    'rfq.from_addendum': '(agregada por una adenda)',
    'rfq.criteria': 'Criterios',
    'rfq.weight_share': 'peso {weight} · {share} del total',
    'rfq.scored_1_to': 'puntuación de 1 a {max}',
    'rfq.respondents': 'Organizaciones que responden',
    'rfq.no_respondents': 'Todavía no se invitó a nadie.',
    'rfq.resp_answered': { one: '{n} de {count} respondida', other: '{n} de {count} respondidas' },
    'rfq.resp_final': 'enviada el {date}',
    'rfq.invite_title': 'Invitar a una organización a responder',
    'rfq.invite_hint': 'Quienes responden no necesitan una cuenta: reciben un enlace secreto a su página de respuesta.',
    'rfq.invite_org': 'Organización',
    'rfq.invite_email': 'Correo de contacto',
    'rfq.invite_submit': 'Invitar',
    'rfq.invite_done': '{org} está invitada. Envíele este enlace:',
    'rfq.respond_link': 'Enlace secreto para responder',
    'rfq.copy_link': 'Copiar enlace',
    'rfq.link_copied': 'Enlace copiado.',
    'rfq.link_once': 'Este enlace se muestra solo ahora. Cualquier persona que lo tenga puede responder por esta organización.',
    'rfq.clarifications': 'Aclaraciones',
    'rfq.clar_intro': 'Las preguntas de quienes responden. Cada respuesta se publica para todas las organizaciones; nunca se muestra quién preguntó.',
    'rfq.clar_waiting': 'Esperando una respuesta.',
    'rfq.clar_answer': 'Respuesta',
    'rfq.clar_answer_hint': 'Markdown. Todas las organizaciones que responden la verán.',
    'rfq.clar_publish': 'Publicar la respuesta',
    'rfq.clar_done': 'Respuesta publicada para todas las organizaciones.',
    'rfq.evaluators': 'Evaluadores',
    'rfq.evaluators_intro': 'Quienes evalúan puntúan dentro de un grupo de interés: equipo de diseño, financiadores o proveedores de cuidado.',
    'rfq.no_evaluators': 'Todavía no hay evaluadores.',
    'rfq.group_title.design_team': 'Equipo de diseño',
    'rfq.group_title.funder': 'Financiadores',
    'rfq.group_title.provider': 'Proveedores de cuidado',
    'rfq.ev_assign_title': 'Asignar un evaluador',
    'rfq.ev_member': 'Miembro',
    'rfq.ev_choose': 'Elija un miembro…',
    'rfq.ev_group': 'Grupo',
    'rfq.ev_group_auto': 'Según su función principal',
    'rfq.ev_assign': 'Asignar',
    'rfq.ev_done': 'Evaluador asignado.',
    'rfq.your_evaluation': 'Su evaluación',
    'rfq.sealed': 'Las respuestas están selladas hasta que cierre la solicitud. Entonces se abre la puntuación.',
    'rfq.scores_final': 'La solicitud está decidida: las puntuaciones son definitivas.',
    'rfq.results': 'Resultados',
    'rfq.side_by_side': 'Respuestas lado a lado',
    'rfq.live_published': 'Se publicó la solicitud.',
    'rfq.live_closed': 'La solicitud cerró: puede empezar la evaluación.',
    'rfq.live_decided': 'Se seleccionó el Hub.',
    'rfq.live_addendum': 'Se publicó una adenda.',
    'rfq.live_response': 'Una organización guardó o envió respuestas.',
    'rfq.live_question': 'Una organización hizo una pregunta.',
  },
};
