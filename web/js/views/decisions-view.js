// One decision: its markdown body and rules, the ballot form of its kind
// (proposal buttons, single choice, approval, a keyboard-operable ranking,
// fist to five), an optional reason, the receipt with a "verify" button, the
// tally (live when results are live, announced politely), the ballots or
// reasons once visible, closing with an outcome statement for conveners and
// the creator, and the outcome with the rounds of a ranked count.

import { h, clear, newKey } from '../dom.js';
import { t, errorText, formatDate, formatPercent } from '../i18n.js';
import {
  addStylesheet, decisionsHref, kindLabel, thresholdLabel, consentLabel, rolesText, choiceText,
  countsTable, countKeys, roundsView, tallySummary, outcomeText, statusText, myStatus, savedReceipt,
  saveReceipt, countText, shareText, PROPOSAL, CONSENT,
} from './decisions-util.js';
import { pendingNote } from '../pending.js';

export function render(app, slug, idParam) {
  addStylesheet();
  const conn = app.conn;
  const id = Number(idParam);
  const memberId = app.session ? app.session.member.id : 0;
  let alive = true;
  const offs = [];

  let decision = null;
  let tally = null;
  let me = {};
  let ballots = null; // open ballots [{voter, organization, choice, reason, cast_at}]
  let reasons = null; // secret: [{choice, reason}]
  let roles = [];
  let formFor = ''; // what the ballot form was built for
  let localBallot = null; // my ballot as cast from this page (a secret one is not sent back)
  let verifyTried = false;

  const heading = h('h1', { id: 'decision-title' }, t('app.loading'));
  const meta = h('p', { class: 'decision-head-meta' });
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const bodyPanel = h('section', { class: 'panel', 'aria-labelledby': 'decision-title', id: 'decision-body' });
  const outcomePanel = h('section', { class: 'panel outcome-panel', id: 'outcome-panel', 'aria-labelledby': 'outcome-title', hidden: true, tabindex: '-1' });
  const tallyBox = h('div', { id: 'tally' }); // aria-live once first shown
  const roundsBox = h('div', { id: 'rounds' });
  const resultsPanel = h('section', { class: 'panel', id: 'results-panel', 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title' }, t('dec.results_heading')), tallyBox, roundsBox);
  const ballotsPanel = h('section', { class: 'panel', id: 'ballots-panel', 'aria-labelledby': 'ballots-title', hidden: true });
  const ballotPanel = h('section', { class: 'panel ballot-panel', id: 'ballot-panel', 'aria-labelledby': 'ballot-title' });
  const ballotStatus = h('p', { class: 'ballot-status', id: 'ballot-status', role: 'status' });
  const ballotFormArea = h('div', { id: 'ballot-form-area' });
  const receiptArea = h('div', { id: 'receipt-area' });
  const closeArea = h('div', { id: 'close-area' });
  ballotPanel.append(h('h2', { id: 'ballot-title' }, t('dec.ballot_heading')), ballotStatus, ballotFormArea,
    pendingNote(app, (it) => it.op === 'ballot.cast' && it.args.decision === id, 'queue.pending_ballot', 'ballot-pending'),
    receiptArea);

  const el = h('article', { class: 'dec dec-view', 'aria-labelledby': 'decision-title', dataset: { slug, decisionId: id } },
    h('header', { class: 'page-head' },
      h('nav', { class: 'crumbs', 'aria-label': t('dec.breadcrumbs') },
        h('a', { href: decisionsHref(slug), id: 'back-to-decisions' }, t('dec.back_to_list'))),
      heading, meta),
    failure,
    // Reading (and focus) order: outcome, text, my ballot, closing, results,
    // ballots. Wide screens put the ballot and closing in a side column.
    h('div', { class: 'dec-columns', id: 'decision-columns', hidden: true },
      h('div', { class: 'dec-main' }, outcomePanel, bodyPanel),
      h('div', { class: 'dec-side' }, ballotPanel, closeArea),
      h('div', { class: 'dec-main2' }, resultsPanel, ballotsPanel)));

  const isOpen = () => decision && decision.status !== 'closed';
  const canClose = () => decision && (roles.includes('convener') || (decision.created_by && decision.created_by.id === memberId));

  // --- header, body and rules --------------------------------------------------------------

  function renderHead() {
    heading.textContent = decision.title;
    document.title = `${decision.title} · ${t('app.name')}`;
    clear(meta);
    meta.append(
      h('span', { class: 'status-chip ' + (isOpen() ? 'open' : 'closed') }, isOpen() ? t('dec.status_open') : t('dec.status_closed')),
      ' ',
      h('span', { class: 'muted' }, kindLabel(decision.kind), ' · ', statusText(decision)),
      decision.created_by && decision.created_by.name
        ? h('span', { class: 'muted block' }, t('dec.started_by', { name: decision.created_by.name, date: formatDate(decision.created_at) }))
        : null);
  }

  function fact(label, value) {
    return [h('dt', null, label), h('dd', null, value)];
  }

  function renderBody() {
    clear(bodyPanel);
    const md = h('div', { class: 'md decision-text' });
    md.innerHTML = decision.html || ''; // rendered and sanitized by the daemon
    const d = decision;
    bodyPanel.append(md,
      h('h2', { class: 'facts-title', id: 'facts-title' }, t('dec.facts')),
      h('dl', { class: 'facts', 'aria-labelledby': 'facts-title' },
        fact(t('dec.fact_kind'), kindLabel(d.kind)),
        d.options && d.options.length ? fact(t('dec.f_options'), d.options.join(' · ')) : null,
        fact(t('dec.fact_who'), rolesText(d.eligible_roles)),
        fact(t('dec.fact_quorum'), d.quorum ? t('dec.fact_quorum_value', { quorum: formatPercent(d.quorum / 100) }) : t('dec.fact_quorum_none')),
        fact(t('dec.fact_threshold'), thresholdLabel(d.threshold)),
        fact(t('dec.fact_results'), d.results === 'live' ? t('dec.fact_results_live') : t('dec.fact_results_after')),
        fact(t('dec.fact_ballot'), d.secret ? t('dec.fact_secret') : t('dec.fact_open_ballot')),
        fact(t('dec.fact_per_org'), d.per_organization ? t('dec.fact_per_org_yes') : t('dec.fact_per_org_no')),
        isOpen() ? fact(t('dec.fact_closes'), formatDate(d.closes_at)) : fact(t('dec.fact_closed'), formatDate(d.closed_at || d.closes_at)),
        d.mou ? fact(t('dec.fact_mou'), t('dec.fact_mou_value', { mou: String(d.mou), commit: String(d.commit || '').slice(0, 12) })) : null));
  }

  // --- outcome -----------------------------------------------------------------------------

  function renderOutcome() {
    clear(outcomePanel);
    outcomePanel.hidden = isOpen();
    if (isOpen()) return;
    const outcome = decision.outcome || (tally && tally.outcome) || null;
    outcomePanel.append(h('h2', { id: 'outcome-title' }, t('dec.outcome_heading')));
    if (outcome) {
      outcomePanel.append(h('p', { class: 'outcome-line big result-' + outcome.result, id: 'outcome-result' }, outcomeText(outcome)));
      if (outcome.adopted) {
        outcomePanel.append(h('p', { class: 'notice' }, t('dec.adopted', { mou: String(outcome.adopted.mou), commit: String(outcome.adopted.commit).slice(0, 12) })));
      }
    }
    if (decision.outcome_statement_html) {
      const md = h('div', { class: 'md outcome-statement', id: 'outcome-statement' });
      md.innerHTML = decision.outcome_statement_html; // rendered by the daemon
      outcomePanel.append(h('h3', null, t('dec.outcome_statement')), md);
    }
    const when = formatDate(decision.closed_at || decision.closes_at);
    outcomePanel.append(h('p', { class: 'muted' }, decision.closed_by && decision.closed_by.name
      ? t('dec.closed_by', { name: decision.closed_by.name, date: when })
      : t('dec.closed_by_timer', { date: when })));
    outcomePanel.append(h('p', null, h('a', { href: `/export/decision/${id}.csv`, download: '' }, t('dec.export'))));
  }

  // --- tally ---------------------------------------------------------------------------------

  function renderTally() {
    clear(roundsBox);
    if (!tally || tally.hidden || tally.cast === null || tally.cast === undefined) {
      clear(tallyBox);
      tallyBox.append(h('p', { class: 'notice', id: 'results-hidden' }, t('dec.results_hidden', { date: formatDate(decision.closes_at) })));
      return;
    }
    // Update in place when the shape is the same, so the live region reads
    // only what changed.
    const summary = tallySummary(tally);
    const provisional = isOpen() && tally.outcome && tally.outcome.provisional
      ? t('dec.provisional', { outcome: outcomeText(tally.outcome.provisional) }) : '';
    const keys = countKeys(decision, tally.counts);
    const table = tallyBox.querySelector('table.tally-table');
    const sameShape = table && tallyBox.dataset.keys === JSON.stringify(keys) && tallyBox.dataset.open === String(isOpen());
    if (sameShape) {
      setText(tallyBox.querySelector('#tally-summary'), summary);
      setText(tallyBox.querySelector('#tally-provisional'), provisional);
      const values = keys.map((k) => Number((tally.counts || {})[k] || 0));
      const max = Math.max(1, ...values);
      const total = values.reduce((a, b) => a + b, 0);
      keys.forEach((k, i) => {
        const row = [...table.tBodies[0].rows].find((r) => r.dataset.key === k);
        if (!row) return;
        row.querySelector('.bar-fill').style.width = `${(values[i] / max) * 100}%`;
        const num = row.querySelector('td.num');
        const text = countText(values[i]);
        if (num.firstChild.nodeValue !== text) num.firstChild.nodeValue = text;
        setText(num.querySelector('.pct'), shareText(values[i], total));
      });
    } else {
      clear(tallyBox);
      tallyBox.dataset.keys = JSON.stringify(keys);
      tallyBox.dataset.open = String(isOpen());
      if (isOpen() && decision.results === 'live') tallyBox.append(h('p', { class: 'muted small-note' }, t('dec.results_live_note')));
      tallyBox.append(
        h('p', { class: 'tally-summary', id: 'tally-summary' }, summary),
        h('p', { class: 'provisional', id: 'tally-provisional' }, provisional),
        countsTable(decision, tally.counts, decision.kind === 'ranked' ? t('dec.first_round') : null));
    }
    if (decision.kind === 'ranked' && tally.rounds && tally.rounds.length) {
      roundsBox.append(h('h3', { id: 'rounds-title' }, t('dec.rounds_heading')), roundsView(decision, tally.rounds));
    }
  }

  function setText(node, text) {
    if (node && node.textContent !== text) node.textContent = text;
  }

  // --- ballots and reasons ------------------------------------------------------------------

  function renderBallots() {
    clear(ballotsPanel);
    if (ballots === null && reasons === null) {
      ballotsPanel.hidden = true;
      return;
    }
    ballotsPanel.hidden = false;
    if (decision.secret) {
      ballotsPanel.append(h('h2', { id: 'ballots-title' }, t('dec.reasons_heading')),
        h('p', { class: 'muted' }, t('dec.reasons_secret')));
      const list = (reasons || []).filter((r) => r.reason);
      if (!list.length) ballotsPanel.append(h('p', { class: 'empty' }, t('dec.no_reasons')));
      else {
        ballotsPanel.append(h('ul', { class: 'ballot-list' }, list.map((r) =>
          h('li', null, h('span', { class: 'ballot-choice' }, choiceText(decision.kind, r.choice)),
            h('p', { class: 'ballot-reason' }, r.reason)))));
      }
      return;
    }
    ballotsPanel.append(h('h2', { id: 'ballots-title' }, t('dec.ballots_heading')));
    if (!ballots.length) {
      ballotsPanel.append(h('p', { class: 'empty' }, t('dec.no_ballots')));
      return;
    }
    ballotsPanel.append(h('ul', { class: 'ballot-list', id: 'ballot-list' }, ballots.map((b) =>
      h('li', null,
        h('span', { class: 'ballot-voter' }, (b.voter && b.voter.name) || t('dec.someone')),
        b.organization ? h('span', { class: 'muted' }, ' ', t('dec.ballot_org', { org: b.organization })) : null,
        ': ', h('span', { class: 'ballot-choice' }, choiceText(decision.kind, b.choice)),
        b.reason ? h('p', { class: 'ballot-reason' }, b.reason) : null))));
  }

  // --- my ballot -------------------------------------------------------------------------------

  function renderMyStatus() {
    const s = myStatus({ ...decision, me });
    let text = s.text;
    if (me.voted_by) text = t('dec.ballot_org_done', { name: me.voted_by.name || t('dec.someone') });
    else if (me.ballot) text = t('dec.ballot_current', { choice: choiceText(decision.kind, me.ballot.choice) });
    else if (!me.eligible) text = t('dec.ballot_not_eligible', { roles: rolesText(decision.eligible_roles) });
    if (!isOpen()) text = t('dec.ballot_closed') + (me.voted ? ' ' + t('dec.you_voted') + '.' : '');
    ballotStatus.textContent = text;
    ballotStatus.className = 'ballot-status ' + s.cls;
  }

  function renderBallotForm() {
    const key = JSON.stringify([isOpen(), me.eligible, !!me.voted_by]);
    if (key === formFor) return;
    formFor = key;
    clear(ballotFormArea);
    if (!isOpen() || !me.eligible || me.voted_by) return;
    ballotFormArea.append(ballotForm());
  }

  function ballotForm() {
    const previous = me.ballot ? me.ballot.choice : undefined;
    const reason = h('textarea', { id: 'ballot-reason', name: 'reason', rows: 2, maxlength: 2000, 'aria-describedby': 'ballot-reason-hint' });
    if (me.ballot && me.ballot.reason) reason.value = me.ballot.reason;
    const reasonField = h('div', { class: 'field' },
      h('label', { for: 'ballot-reason' }, t('dec.reason')),
      h('p', { class: 'hint', id: 'ballot-reason-hint' }, decision.secret ? t('dec.reason_hint_secret') : t('dec.reason_hint')),
      reason);
    const receiptInput = h('input', { type: 'text', id: 'ballot-receipt', name: 'receipt', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'ballot-receipt-hint' });
    const receiptField = h('div', { class: 'field', id: 'ballot-receipt-field' },
      h('label', { for: 'ballot-receipt' }, t('dec.secret_receipt_label')),
      h('p', { class: 'hint', id: 'ballot-receipt-hint' }, t('dec.secret_receipt_hint')),
      receiptInput);
    const updateReceiptField = () => {
      receiptField.hidden = !(decision.secret && me.voted && !savedReceipt(memberId, id));
    };
    updateReceiptField();
    const error = h('p', { class: 'error', id: 'ballot-error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack ballot-form', id: 'ballot-form', dataset: { kind: decision.kind } });
    let submitButton = null;
    let getChoice = null; // returns the choice or throws a message

    function fail(message, focusEl) {
      error.textContent = message;
      error.hidden = false;
      if (focusEl) focusEl.focus();
    }

    async function cast(choice, button) {
      error.hidden = true;
      const args = { decision: id, choice };
      if (reason.value.trim()) args.reason = reason.value.trim();
      if (decision.secret && me.voted) {
        const r = savedReceipt(memberId, id) || receiptInput.value.trim();
        if (r) args.receipt = r;
      }
      const buttons = [...form.querySelectorAll('button')];
      buttons.forEach((b) => { b.disabled = true; });
      const label = button.textContent;
      if (button.type === 'submit') button.textContent = t('dec.casting');
      try {
        // A new key per ballot: the connection resends this same request
        // (same key) if the socket drops, so it counts exactly once.
        const data = await conn.request('ballot.cast', args, { key: newKey() });
        if (!alive) return;
        localBallot = { choice, reason: args.reason || null };
        me = { ...me, voted: true, ballot: localBallot };
        if (data.receipt) saveReceipt(memberId, id, data.receipt);
        receiptInput.value = '';
        updateReceiptField();
        markChosen(choice);
        renderMyStatus();
        renderReceipt(data.receipt, true);
        app.announce(data.ballot && data.ballot.replaced ? t('dec.cast_replaced') : t('dec.cast_done'));
      } catch (e) {
        if (!alive) return;
        if (e.field === 'receipt') {
          receiptField.hidden = false;
          fail(errorText(e), receiptInput);
        } else {
          fail(errorText(e), e.field === 'reason' ? reason : null);
        }
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
        if (button.type === 'submit') button.textContent = label;
        if (submitButton) submitButton.textContent = me.voted ? t('dec.cast_change') : t('dec.cast');
      }
    }

    // Shows which choice is the current ballot (proposal buttons).
    let markChosen = () => {};

    if (decision.kind === 'proposal') {
      const buttons = PROPOSAL.map((c) => h('button', {
        type: 'button', class: 'vote-button c-' + c, dataset: { choice: c },
        'aria-pressed': previous === c ? 'true' : 'false',
      }, t('dec.choice_' + c)));
      markChosen = (choice) => buttons.forEach((b) => b.setAttribute('aria-pressed', b.dataset.choice === choice ? 'true' : 'false'));
      buttons.forEach((b) => b.addEventListener('click', () => cast(b.dataset.choice, b)));
      form.append(reasonField, receiptField,
        h('fieldset', { class: 'proposal-buttons' },
          h('legend', null, t('dec.proposal_legend')),
          h('div', { class: 'vote-buttons' }, buttons)),
        error);
      form.addEventListener('submit', (ev) => ev.preventDefault());
      return form;
    }

    let fieldset;
    if (decision.kind === 'choice' || decision.kind === 'consent') {
      const values = decision.kind === 'choice' ? decision.options : CONSENT;
      const inputs = values.map((v, i) => {
        const inputId = `ballot-opt-${i}`;
        const input = h('input', { type: 'radio', id: inputId, name: 'choice', value: String(v), checked: previous !== undefined && String(previous) === String(v) });
        return { input, el: h('li', { class: 'check' }, input, h('label', { for: inputId },
          decision.kind === 'consent' ? `${v} · ${consentLabel(v)}` : v)) };
      });
      fieldset = h('fieldset', { class: 'choices' },
        h('legend', null, decision.kind === 'choice' ? t('dec.choice_legend') : t('dec.consent_legend')),
        h('ul', { class: 'plain' + (decision.kind === 'consent' ? ' consent-scale' : '') }, inputs.map((x) => x.el)));
      getChoice = () => {
        const picked = inputs.find((x) => x.input.checked);
        if (!picked) throw { message: t('dec.choice_required'), focus: inputs[0].input };
        return decision.kind === 'consent' ? Number(picked.input.value) : picked.input.value;
      };
    } else if (decision.kind === 'approval') {
      const prev = Array.isArray(previous) ? previous : [];
      const inputs = decision.options.map((v, i) => {
        const inputId = `ballot-opt-${i}`;
        const input = h('input', { type: 'checkbox', id: inputId, name: 'choice', value: v, checked: prev.includes(v) });
        return { input, el: h('li', { class: 'check' }, input, h('label', { for: inputId }, v)) };
      });
      fieldset = h('fieldset', { class: 'choices' },
        h('legend', null, t('dec.approval_legend')),
        h('ul', { class: 'plain' }, inputs.map((x) => x.el)));
      getChoice = () => {
        const picked = inputs.filter((x) => x.input.checked).map((x) => x.input.value);
        if (!picked.length) throw { message: t('dec.approval_required'), focus: inputs[0].input };
        return picked;
      };
    } else if (decision.kind === 'ranked') {
      const ranking = rankingWidget(decision.options, Array.isArray(previous) ? previous : []);
      fieldset = ranking.el;
      getChoice = () => {
        const order = ranking.value();
        if (!order.length) throw { message: t('dec.ranked_required'), focus: ranking.firstButton() };
        return order;
      };
    } else {
      return h('p', { class: 'error' }, t('error.unknown'));
    }
    submitButton = h('button', { type: 'submit', class: 'primary', id: 'cast-ballot' }, me.voted ? t('dec.cast_change') : t('dec.cast'));
    form.append(fieldset, reasonField, receiptField, error, h('div', { class: 'actions' }, submitButton));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      let choice;
      try {
        choice = getChoice();
      } catch (e) {
        fail(e.message, e.focus);
        return;
      }
      cast(choice, submitButton);
    });
    return form;
  }

  // Ranked choice: an ordered list with Up / Down / Leave out buttons and a
  // list of options not ranked with a Rank button. Focus follows the option
  // that moved; a polite status line says where it went.
  function rankingWidget(options, initial) {
    let ranked = initial.filter((o) => options.includes(o));
    const status = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'ranking-status' });
    const rankedList = h('ol', { class: 'ranking', id: 'ranking', 'aria-labelledby': 'ranking-legend' });
    const unrankedTitle = h('h3', { class: 'unranked-title', id: 'unranked-title' }, t('dec.ranked_unranked'));
    const unrankedList = h('ul', { class: 'unranked', id: 'unranked', 'aria-labelledby': 'unranked-title' });

    function button(action, option, label, shortLabel, disabled) {
      return h('button', {
        type: 'button', class: 'small secondary rank-' + action, 'aria-label': label,
        dataset: { action, option }, disabled: disabled || undefined,
        onclick: () => act(action, option),
      }, shortLabel);
    }

    function draw(focus) {
      clear(rankedList);
      clear(unrankedList);
      ranked.forEach((o, i) => {
        rankedList.append(h('li', { class: 'rank-item', dataset: { option: o } },
          h('span', { class: 'rank-pos', 'aria-hidden': 'true' }, String(i + 1)),
          h('span', { class: 'rank-name' }, o),
          h('span', { class: 'rank-buttons' },
            button('up', o, t('dec.ranked_up', { option: o }), t('dec.ranked_up_short'), i === 0),
            button('down', o, t('dec.ranked_down', { option: o }), t('dec.ranked_down_short'), i === ranked.length - 1),
            button('remove', o, t('dec.ranked_remove', { option: o }), t('dec.ranked_remove_short')))));
      });
      const rest = options.filter((o) => !ranked.includes(o));
      for (const o of rest) {
        unrankedList.append(h('li', { class: 'rank-item', dataset: { option: o } },
          h('span', { class: 'rank-name' }, o),
          h('span', { class: 'rank-buttons' }, button('add', o, t('dec.ranked_add', { option: o }), t('dec.ranked_add_short')))));
      }
      unrankedTitle.hidden = rest.length === 0;
      if (focus) {
        const find = (action) => [...el.querySelectorAll(`#ranking button, #unranked button`)]
          .find((b) => b.dataset.option === focus.option && b.dataset.action === action && !b.disabled);
        const target = find(focus.action) || find(focus.action === 'up' ? 'down' : focus.action === 'down' ? 'up' : focus.action === 'add' ? 'remove' : 'add')
          || find('remove') || find('add') || rankedList.querySelector('button:not([disabled])') || unrankedList.querySelector('button');
        if (target) target.focus();
      }
    }

    function act(action, o) {
      const i = ranked.indexOf(o);
      if (action === 'up' && i > 0) {
        [ranked[i - 1], ranked[i]] = [ranked[i], ranked[i - 1]];
        status.textContent = t('dec.ranked_moved', { option: o, n: i });
      } else if (action === 'down' && i >= 0 && i < ranked.length - 1) {
        [ranked[i + 1], ranked[i]] = [ranked[i], ranked[i + 1]];
        status.textContent = t('dec.ranked_moved', { option: o, n: i + 2 });
      } else if (action === 'remove' && i >= 0) {
        ranked.splice(i, 1);
        status.textContent = t('dec.ranked_removed', { option: o });
      } else if (action === 'add' && i < 0) {
        ranked.push(o);
        status.textContent = t('dec.ranked_added', { option: o, n: ranked.length });
      }
      ranked = ranked.slice();
      draw({ action, option: o });
    }

    draw(null);
    const fieldset = h('fieldset', { class: 'ranking-field' },
      h('legend', { id: 'ranking-legend' }, t('dec.ranked_legend')),
      h('p', { class: 'hint' }, t('dec.ranked_hint')),
      rankedList, unrankedTitle, unrankedList, status);
    return {
      el: fieldset,
      value: () => ranked.slice(),
      firstButton: () => fieldset.querySelector('button:not([disabled])'),
    };
  }

  // --- receipt and verify --------------------------------------------------------------------------

  function renderReceipt(receipt, focus) {
    clear(receiptArea);
    if (!receipt) return;
    const input = h('input', { type: 'text', id: 'receipt-value', class: 'receipt', readonly: true, value: receipt });
    const copied = h('span', { class: 'copied', role: 'status' });
    const result = h('div', { class: 'verify-result', id: 'verify-result', role: 'status' });
    const copy = h('button', { type: 'button', class: 'secondary small' }, t('dec.copy'));
    const verify = h('button', { type: 'button', class: 'secondary', id: 'verify-ballot' }, t('dec.verify'));
    copy.addEventListener('click', async () => {
      input.select();
      try {
        await navigator.clipboard.writeText(receipt);
        copied.textContent = t('dec.copied');
      } catch (e) {
        copied.textContent = '';
      }
    });
    input.addEventListener('focus', () => input.select());
    verify.addEventListener('click', async () => {
      verify.disabled = true;
      verify.textContent = t('dec.verifying');
      clear(result);
      try {
        const data = await conn.request('decision.verify', { decision: id, receipt });
        if (!alive) return;
        if (data.status === 'replaced') {
          result.append(h('p', null, t('dec.verify_replaced')));
        } else {
          result.append(h('p', { class: 'verified' }, t('dec.verify_counted', { choice: choiceText(decision.kind, data.counted_as || (data.ballot && data.ballot.choice)) })));
          if (data.rounds && data.rounds.length) {
            result.append(h('p', { class: 'muted' }, t('dec.verify_path')), h('ul', { class: 'path plain' }, data.rounds.map((r) =>
              h('li', null, r.counted_for
                ? t('dec.verify_round', { round: r.round, option: r.counted_for })
                : t('dec.verify_round_exhausted', { round: r.round })))));
          }
          if (data.final) result.append(h('p', { class: 'muted' }, t('dec.verify_final')));
        }
      } catch (e) {
        if (alive) result.append(h('p', { class: 'error' }, errorText(e)));
      } finally {
        verify.disabled = false;
        verify.textContent = t('dec.verify');
      }
    });
    const box = h('div', { class: 'receipt-box', id: 'receipt-box', tabindex: '-1' },
      h('h3', null, t('dec.receipt_heading')),
      h('p', { class: 'hint' }, t('dec.receipt_intro')),
      h('label', { for: 'receipt-value', class: 'visually-hidden' }, t('dec.receipt_label')),
      h('div', { class: 'copy-row' }, input, copy),
      copied,
      h('div', { class: 'actions' }, verify),
      result);
    receiptArea.append(box);
    if (focus) box.focus();
  }

  // --- close -------------------------------------------------------------------------------------------

  function renderClose() {
    clear(closeArea);
    if (!isOpen() || !canClose()) return;
    let key = newKey();
    const statement = h('textarea', { id: 'close-statement', rows: 4, 'aria-describedby': 'close-statement-hint' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'button', class: 'secondary', id: 'close-decision' }, t('dec.close_submit'));
    const confirmBox = h('div', { class: 'confirm-close', hidden: true, role: 'group', 'aria-label': t('dec.close_heading') },
      h('p', null, t('dec.close_confirm')));
    const yes = h('button', { type: 'button', class: 'danger', id: 'close-confirm' }, t('dec.close_yes'));
    const no = h('button', { type: 'button', class: 'secondary' }, t('dec.cancel'));
    confirmBox.append(h('div', { class: 'actions' }, yes, no));
    submit.addEventListener('click', () => {
      confirmBox.hidden = false;
      submit.hidden = true;
      no.focus();
    });
    no.addEventListener('click', () => {
      confirmBox.hidden = true;
      submit.hidden = false;
      submit.focus();
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      error.hidden = true;
      const args = { decision: id };
      if (statement.value.trim()) args.outcome_statement = statement.value;
      try {
        const data = await conn.request('decision.close', args, { key });
        if (!alive) return;
        decision = data.decision;
        tally = data.tally || tally;
        await reload(true);
        if (alive) outcomePanel.focus();
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        yes.disabled = false;
        if (e.code === 'closed') reload(true);
      }
    });
    closeArea.append(h('section', { class: 'panel', 'aria-labelledby': 'close-title', id: 'close-panel' },
      h('h2', { id: 'close-title' }, t('dec.close_heading')),
      h('p', { class: 'muted' }, t('dec.close_intro')),
      h('div', { class: 'field' },
        h('label', { for: 'close-statement' }, t('dec.close_statement')),
        h('p', { class: 'hint', id: 'close-statement-hint' }, t('dec.close_statement_hint')),
        statement),
      error,
      h('div', { class: 'actions' }, submit),
      confirmBox));
  }

  // --- load and live events ----------------------------------------------------------------------------

  function apply(data, full) {
    const wasOpen = decision ? isOpen() : null;
    decision = data.decision;
    tally = data.tally || null;
    me = data.me || {};
    // A secret ballot is never sent back by decision.get: what this page cast,
    // or what the receipt kept in this browser verifies, stands in for it.
    if (me.voted && !me.ballot && localBallot) me = { ...me, ballot: localBallot };
    if (me.voted && !me.ballot && !verifyTried && savedReceipt(memberId, id)) {
      verifyTried = true;
      conn.request('decision.verify', { decision: id, receipt: savedReceipt(memberId, id) }).then((v) => {
        if (!alive || !v || v.status !== 'counted' || !v.ballot || me.ballot) return;
        localBallot = v.ballot;
        me = { ...me, ballot: localBallot };
        renderMyStatus();
      }, () => {});
    }
    ballots = data.ballots !== undefined ? data.ballots : null;
    reasons = data.reasons !== undefined ? data.reasons : null;
    renderHead();
    if (full || wasOpen !== isOpen()) {
      renderBody();
      renderClose();
    }
    renderOutcome();
    renderTally();
    renderBallots();
    renderMyStatus();
    renderBallotForm();
    const saved = savedReceipt(memberId, id);
    if (saved && !receiptArea.firstChild) renderReceipt(saved, false);
  }

  let loadSeq = 0;
  async function reload(full) {
    const mine = ++loadSeq;
    const data = await conn.request('decision.get', { decision: id });
    if (!alive || mine !== loadSeq) return;
    apply(data, full);
  }

  let timer = null;
  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => reload(false).catch(() => {}), 200);
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || !decision) return;
    const d = ev.data.decision;
    const target = typeof d === 'object' && d ? d.id : d;
    if (target !== id) return;
    if (ev.event === 'tally.updated' && ev.data.tally) {
      tally = ev.data.tally;
      renderTally();
    } else if (ev.event === 'decision.closed') {
      const wasOpen = isOpen();
      reload(true).then(() => {
        if (wasOpen && alive) app.announce(t('dec.closed_live') + ' ' + outcomeText(decision.outcome || (tally && tally.outcome)));
      }, () => {});
    } else if (ev.event === 'ballot.cast') {
      reloadSoon(); // the ballots list, my status
    }
  }));
  offs.push(conn.on('session', (who) => { if (alive && who && decision) reloadSoon(); }));

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    try {
      const [data, info] = await Promise.all([
        conn.request('decision.get', { decision: id }),
        conn.request('coalition.get', { coalition: slug }).catch(() => null),
      ]);
      if (!alive) return;
      roles = (info && info.me && info.me.roles) || [];
      apply(data, true);
      el.querySelector('#decision-columns').hidden = false;
      setTimeout(() => tallyBox.setAttribute('aria-live', 'polite'), 0);
    } catch (e) {
      if (!alive) return;
      heading.textContent = e.code === 'not_found' ? t('app.not_found_title') : t('error.unknown');
      failure.textContent = e.code === 'not_found' ? t('app.not_found_body') : errorText(e);
      failure.hidden = false;
      return;
    }
    await subscribed;
  }
  load();

  return {
    el,
    title: t('dec.title'),
    destroy() {
      alive = false;
      clearTimeout(timer);
      for (const off of offs) off();
    },
  };
}
