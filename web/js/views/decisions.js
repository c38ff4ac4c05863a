// Decisions: the votes of a coalition.
//
//   #/c/<slug>/decisions        open decisions (with my ballot status) and closed
//                               ones (with their outcome); conveners and the design
//                               team create new ones
//   #/c/<slug>/decisions/<id>   one decision (decisions-view.js)
//
// The list is kept live: decision.created, decision.closed, ballot.cast and
// tally.updated events reload decision.list.

import { h, field, newKey } from '../dom.js';
import { t, errorText, roleLabel, ROLES } from '../i18n.js';
import {
  addStylesheet, SLUG, KINDS, THRESHOLDS, decisionsHref, decisionHref, kindLabel, outcomeText,
  statusText, myStatus, rolesText,
} from './decisions-util.js';
import * as decisionView from './decisions-view.js';

export const link = { id: 'dec.area', href: (slug) => decisionsHref(slug) };

export const routes = [
  { pattern: new RegExp(`^#/c/${SLUG}/decisions/?$`, 'i'), view: { render: renderList } },
  { pattern: new RegExp(`^#/c/${SLUG}/decisions/(\\d+)$`, 'i'), view: decisionView },
];

function pad(n) {
  return String(n).padStart(2, '0');
}

// A datetime-local value (local time) for a Date.
function localValue(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function renderList(app, slug) {
  addStylesheet();
  const conn = app.conn;
  let alive = true;
  const offs = [];

  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const status = h('p', { class: 'loading' }, t('app.loading'));
  const openList = h('ul', { class: 'decision-list', id: 'open-decisions', 'aria-labelledby': 'open-title' });
  const closedList = h('ul', { class: 'decision-list', id: 'closed-decisions', 'aria-labelledby': 'closed-title' });
  const openEmpty = h('p', { class: 'empty', hidden: true }, t('dec.none_open'));
  const closedEmpty = h('p', { class: 'empty', hidden: true }, t('dec.none_closed'));
  const createArea = h('div', { id: 'decision-create-area' });

  function card(d) {
    const mine = myStatus(d);
    const open = d.status !== 'closed';
    return h('li', { class: 'decision-card' + (open ? ' open' : ' closed'), dataset: { decisionId: d.id } },
      h('div', { class: 'card-head' },
        h('a', { href: decisionHref(slug, d.id), class: 'decision-title' }, d.title),
        h('span', { class: 'my-status ' + mine.cls }, mine.text)),
      h('p', { class: 'muted decision-meta' },
        kindLabel(d.kind), ' · ', statusText(d),
        d.secret ? ' · ' + t('dec.secret_short') : '',
        ' · ', t('dec.who_votes_short', { roles: rolesText(d.eligible_roles) })),
      !open && d.outcome ? h('p', { class: 'outcome-line result-' + d.outcome.result }, outcomeText(d.outcome)) : null);
  }

  function show(decisions) {
    status.hidden = true;
    const open = decisions.filter((d) => d.status !== 'closed')
      .sort((a, b) => String(a.closes_at).localeCompare(String(b.closes_at)));
    const closed = decisions.filter((d) => d.status === 'closed')
      .sort((a, b) => String(b.closed_at || '').localeCompare(String(a.closed_at || '')));
    // Awaiting my vote first.
    open.sort((a, b) => Number(myStatus(b).cls === 'awaiting') - Number(myStatus(a).cls === 'awaiting'));
    replaceCards(openList, open);
    replaceCards(closedList, closed);
    openEmpty.hidden = open.length > 0;
    closedEmpty.hidden = closed.length > 0;
  }

  // Replaces only the cards that changed, so the live region reads only those.
  function replaceCards(list, decisions) {
    const old = new Map([...list.children].map((li) => [li.dataset.decisionId, li]));
    let prev = null;
    for (const d of decisions) {
      const sig = JSON.stringify([d.title, d.status, d.me, d.outcome, d.closes_at]);
      let li = old.get(String(d.id));
      if (!li || li.dataset.sig !== sig) {
        const fresh = card(d);
        fresh.dataset.sig = sig;
        if (li) li.replaceWith(fresh);
        li = fresh;
      }
      old.delete(String(d.id));
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== li) list.insertBefore(li, want);
      prev = li;
    }
    for (const li of old.values()) li.remove();
  }

  let seq = 0;
  async function loadList() {
    const mine = ++seq;
    try {
      const data = await conn.request('decision.list', { coalition: slug });
      if (!alive || mine !== seq) return;
      failure.hidden = true;
      show(data.decisions || []);
      // Polite from now on: changed cards are read out, the first list is not.
      setTimeout(() => {
        openList.setAttribute('aria-live', 'polite');
        closedList.setAttribute('aria-live', 'polite');
      }, 0);
    } catch (e) {
      if (!alive || mine !== seq) return;
      status.hidden = true;
      failure.textContent = e.code === 'not_found' ? t('dec.no_coalition') : errorText(e);
      failure.hidden = false;
    }
  }

  let timer = null;
  function reloadSoon() {
    clearTimeout(timer);
    timer = setTimeout(loadList, 250);
  }
  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug) return;
    if (/^(decision|ballot|tally)\./.test(ev.event)) reloadSoon();
  }));
  offs.push(conn.on('session', (who) => { if (alive && who) reloadSoon(); }));

  // --- create ------------------------------------------------------------------------

  function createForm() {
    let key = newKey();
    const title = field({ label: t('dec.f_title'), name: 'title', type: 'text', required: true, maxlength: 200, autocomplete: 'off' });
    const body = h('textarea', { id: 'dec-body', name: 'body', rows: 5, required: true, 'aria-describedby': 'dec-body-hint' });
    const kind = h('select', { id: 'dec-kind', name: 'kind' }, KINDS.map((k) => h('option', { value: k }, kindLabel(k))));
    const kindHint = h('p', { class: 'hint', id: 'dec-kind-hint' }, t('dec.kind_hint_proposal'));
    kind.setAttribute('aria-describedby', 'dec-kind-hint');
    const options = h('textarea', { id: 'dec-options', name: 'options', rows: 4, 'aria-describedby': 'dec-options-hint' });
    const optionsWrap = h('div', { class: 'field', hidden: true },
      h('label', { for: 'dec-options' }, t('dec.f_options')),
      h('p', { class: 'hint', id: 'dec-options-hint' }, t('dec.f_options_hint')),
      options);
    const roleBoxes = ROLES.map((role) => {
      const id = 'dec-role-' + role;
      const input = h('input', { type: 'checkbox', id, name: 'eligible_roles', value: role, checked: role === 'provider' });
      return { input, el: h('li', null, input, h('label', { for: id }, roleLabel(role))) };
    });
    const roles = h('fieldset', { class: 'roles-field', 'aria-describedby': 'dec-roles-hint' },
      h('legend', null, t('dec.f_roles')),
      h('p', { class: 'hint', id: 'dec-roles-hint' }, t('dec.f_roles_hint')),
      h('ul', { class: 'checkboxes' }, roleBoxes.map((b) => b.el)));
    const week = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    week.setSeconds(0, 0);
    const closes = field({ label: t('dec.f_closes'), hint: t('dec.f_closes_hint'), name: 'closes_at', type: 'datetime-local', required: true, value: localValue(week) });
    const quorum = field({ label: t('dec.f_quorum'), hint: t('dec.f_quorum_hint'), name: 'quorum', type: 'number', min: 0, max: 100, step: 1, value: 0, inputmode: 'numeric' });
    const threshold = h('select', { id: 'dec-threshold', name: 'threshold', 'aria-describedby': 'dec-threshold-hint' },
      h('option', { value: '' }, t('dec.threshold_default')),
      THRESHOLDS.map((k) => h('option', { value: k }, t('dec.threshold_' + k))));
    const resultsLive = h('input', { type: 'radio', id: 'dec-results-live', name: 'results', value: 'live', checked: true });
    const resultsAfter = h('input', { type: 'radio', id: 'dec-results-after', name: 'results', value: 'after_close' });
    const secret = h('input', { type: 'checkbox', id: 'dec-secret', name: 'secret', 'aria-describedby': 'dec-secret-hint' });
    const perOrg = h('input', { type: 'checkbox', id: 'dec-per-org', name: 'per_organization', 'aria-describedby': 'dec-per-org-hint' });
    const error = h('p', { class: 'error', id: 'decision-create-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('dec.f_submit'));

    kind.addEventListener('change', () => {
      const k = kind.value;
      optionsWrap.hidden = !['choice', 'approval', 'ranked'].includes(k);
      options.required = !optionsWrap.hidden;
      kindHint.textContent = t('dec.kind_hint_' + k);
    });

    const form = h('form', { class: 'stack', id: 'decision-create-form' },
      title.wrap,
      h('div', { class: 'field' },
        h('label', { for: 'dec-body' }, t('dec.f_body')),
        h('p', { class: 'hint', id: 'dec-body-hint' }, t('dec.f_body_hint')),
        body),
      h('div', { class: 'field' }, h('label', { for: 'dec-kind' }, t('dec.f_kind')), kindHint, kind),
      optionsWrap,
      roles,
      closes.wrap,
      h('div', { class: 'two-col' },
        quorum.wrap,
        h('div', { class: 'field' },
          h('label', { for: 'dec-threshold' }, t('dec.f_threshold')),
          h('p', { class: 'hint', id: 'dec-threshold-hint' }, t('dec.f_threshold_hint')),
          threshold)),
      h('fieldset', null,
        h('legend', null, t('dec.f_results')),
        h('div', { class: 'check' }, resultsLive, h('label', { for: 'dec-results-live' }, t('dec.results_live'))),
        h('div', { class: 'check' }, resultsAfter, h('label', { for: 'dec-results-after' }, t('dec.results_after_close')))),
      h('div', { class: 'check' }, secret, h('label', { for: 'dec-secret' }, t('dec.f_secret')),
        h('p', { class: 'hint', id: 'dec-secret-hint' }, t('dec.f_secret_hint'))),
      h('div', { class: 'check' }, perOrg, h('label', { for: 'dec-per-org' }, t('dec.f_per_org')),
        h('p', { class: 'hint', id: 'dec-per-org-hint' }, t('dec.f_per_org_hint'))),
      error,
      h('div', { class: 'actions' }, submit));

    function fail(message, target) {
      error.textContent = message;
      error.hidden = false;
      if (target) {
        if (target.matches('input, textarea, select')) target.setAttribute('aria-invalid', 'true');
        target.focus();
      }
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      form.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
      if (!form.reportValidity()) return;
      const chosenRoles = roleBoxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (!chosenRoles.length) { fail(t('dec.f_roles_required'), roleBoxes[0].input); return; }
      const when = new Date(closes.input.value);
      if (Number.isNaN(when.getTime()) || when.getTime() <= Date.now()) { fail(t('dec.f_closes_future'), closes.input); return; }
      const args = {
        coalition: slug,
        title: title.input.value.trim(),
        body: body.value,
        kind: kind.value,
        eligible_roles: chosenRoles,
        closes_at: when.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        quorum: Math.max(0, Math.min(100, Number(quorum.input.value) || 0)),
        results: resultsAfter.checked ? 'after_close' : 'live',
        secret: secret.checked,
        per_organization: perOrg.checked,
      };
      if (threshold.value) args.threshold = threshold.value;
      if (!optionsWrap.hidden) {
        const list = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
        if (list.length < 2) { fail(t('dec.f_options_required'), options); return; }
        if (new Set(list).size !== list.length) { fail(t('dec.f_options_unique'), options); return; }
        args.options = list;
      }
      submit.disabled = true;
      try {
        const data = await conn.request('decision.create', args, { key });
        if (!alive) return;
        key = newKey();
        app.navigate(decisionHref(slug, data.decision.id));
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        const target = {
          title: title.input, body, kind, options, eligible_roles: roleBoxes[0].input, closes_at: closes.input,
          quorum: quorum.input, threshold,
        }[e.field];
        fail(errorText(e), target);
      } finally {
        submit.disabled = false;
      }
    });

    return h('section', { class: 'panel', 'aria-labelledby': 'create-title' },
      h('details', { class: 'create-details', id: 'create-details' },
        h('summary', null, h('h2', { id: 'create-title' }, t('dec.create_heading'))),
        form));
  }

  const el = h('article', { class: 'dec dec-list', 'aria-labelledby': 'dec-title', dataset: { slug } },
    h('header', { class: 'page-head' },
      h('nav', { class: 'crumbs', 'aria-label': t('dec.breadcrumbs') },
        h('a', { href: '#/c/' + encodeURIComponent(slug) }, t('dec.back_to_coalition'))),
      h('h1', { id: 'dec-title' }, t('dec.title'))),
    failure,
    status,
    h('section', { class: 'panel', 'aria-labelledby': 'open-title' },
      h('h2', { id: 'open-title' }, t('dec.open_heading')), openEmpty, openList),
    createArea,
    h('section', { class: 'panel', 'aria-labelledby': 'closed-title' },
      h('h2', { id: 'closed-title' }, t('dec.closed_heading')), closedEmpty, closedList));

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    loadList();
    try {
      const data = await conn.request('coalition.get', { coalition: slug });
      if (!alive) return;
      const roles = (data.me && data.me.roles) || [];
      if (roles.includes('convener') || roles.includes('design_team')) createArea.append(createForm());
    } catch (e) { /* the list shows the error */ }
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

export const strings = {
  en: {
    'dec.area': 'Decisions',
    'dec.title': 'Decisions',
    'dec.breadcrumbs': 'Breadcrumbs',
    'dec.back_to_coalition': '← Back to the coalition',
    'dec.back_to_list': '← All decisions',
    'dec.no_coalition': 'This coalition does not exist, or you are not a member.',
    'dec.open_heading': 'Open decisions',
    'dec.closed_heading': 'Closed decisions',
    'dec.none_open': 'No open decisions.',
    'dec.none_closed': 'No closed decisions yet.',
    'dec.secret_short': 'secret ballot',
    'dec.who_votes_short': 'voting: {roles}',
    'dec.closes_on': 'closes {date}',
    'dec.closed_on': 'closed {date}',
    'dec.you_voted': 'You voted',
    'dec.voted_by': '{name} voted for your organization',
    'dec.someone': 'Someone',
    'dec.not_eligible': 'Not eligible to vote',
    'dec.did_not_vote': 'You did not vote',
    'dec.awaiting_vote': 'Awaiting your vote',

    'dec.kind_proposal': 'Proposal',
    'dec.kind_choice': 'Single choice',
    'dec.kind_approval': 'Approval',
    'dec.kind_ranked': 'Ranked choice',
    'dec.kind_consent': 'Consent (fist to five)',
    'dec.kind_hint_proposal': 'Members agree, abstain, disagree or block.',
    'dec.kind_hint_choice': 'Members pick one of the options.',
    'dec.kind_hint_approval': 'Members approve any number of the options.',
    'dec.kind_hint_ranked': 'Members rank the options; counted by instant runoff, round by round.',
    'dec.kind_hint_consent': 'Members show 0 (block) to 5 (full support) fingers.',
    'dec.threshold_default': 'Default for the kind',
    'dec.threshold_majority': 'Majority',
    'dec.threshold_two_thirds': 'Two thirds',
    'dec.threshold_unanimous': 'Unanimous',
    'dec.threshold_no_blocks': 'No blocks',
    'dec.choice_agree': 'Agree',
    'dec.choice_abstain': 'Abstain',
    'dec.choice_disagree': 'Disagree',
    'dec.choice_block': 'Block',
    'dec.consent_0': 'Block',
    'dec.consent_1': 'Serious concerns',
    'dec.consent_2': 'Some concerns',
    'dec.consent_3': 'Can live with it',
    'dec.consent_4': 'Support',
    'dec.consent_5': 'Full support',

    'dec.result_open': 'Open',
    'dec.result_passed': 'Passed',
    'dec.result_failed': 'Did not pass',
    'dec.result_tied': 'Tied',
    'dec.winner': 'chosen: {winner}',
    'dec.tied_between': 'tied between {options}',
    'dec.reason_threshold_not_met': 'the threshold was not met',
    'dec.reason_quorum_not_met': 'the quorum was not met',
    'dec.reason_blocked': 'blocked',
    'dec.reason_no_ballots': 'no ballots were cast',

    'dec.create_heading': 'New decision',
    'dec.f_title': 'Title',
    'dec.f_body': 'What is being decided',
    'dec.f_body_hint': 'Markdown works: **bold**, *italic*, lists, links.',
    'dec.f_kind': 'Kind of vote',
    'dec.f_options': 'Options',
    'dec.f_options_hint': 'One per line, at least two.',
    'dec.f_options_required': 'List at least two options, one per line.',
    'dec.f_options_unique': 'Each option may be listed only once.',
    'dec.f_roles': 'Who votes',
    'dec.f_roles_hint': 'Members with any of these roles may vote.',
    'dec.f_roles_required': 'Choose at least one role that votes.',
    'dec.f_closes': 'Voting closes',
    'dec.f_closes_hint': 'In your local time. The decision closes by itself then.',
    'dec.f_closes_future': 'The closing time must be in the future.',
    'dec.f_quorum': 'Quorum (percent)',
    'dec.f_quorum_hint': 'Share of eligible voters who must vote; 0 for none.',
    'dec.f_threshold': 'Threshold',
    'dec.f_threshold_hint': 'What it takes to pass.',
    'dec.f_results': 'Results',
    'dec.results_live': 'Live: everyone sees the tally as ballots come in',
    'dec.results_after_close': 'After the close: nobody sees the tally before then',
    'dec.f_secret': 'Secret ballot',
    'dec.f_secret_hint': 'Nobody, conveners included, can see who voted what.',
    'dec.f_per_org': 'One ballot per organization',
    'dec.f_per_org_hint': 'The first member of an organization to vote casts its ballot; only they can change it.',
    'dec.f_submit': 'Create decision',

    'dec.started_by': 'Proposed by {name} on {date}',
    'dec.status_open': 'Open',
    'dec.status_closed': 'Closed',
    'dec.facts': 'How this decision is made',
    'dec.fact_kind': 'Kind',
    'dec.fact_who': 'Who votes',
    'dec.fact_quorum': 'Quorum',
    'dec.fact_quorum_value': '{quorum} of eligible voters',
    'dec.fact_quorum_none': 'None',
    'dec.fact_threshold': 'Threshold',
    'dec.fact_results': 'Results',
    'dec.fact_results_live': 'Live',
    'dec.fact_results_after': 'After the close',
    'dec.fact_ballot': 'Ballot',
    'dec.fact_secret': 'Secret',
    'dec.fact_open_ballot': 'Open (names shown)',
    'dec.fact_per_org': 'Counting',
    'dec.fact_per_org_yes': 'One ballot per organization',
    'dec.fact_per_org_no': 'One ballot per member',
    'dec.fact_closes': 'Closes',
    'dec.fact_closed': 'Closed',
    'dec.fact_mou': 'About',
    'dec.fact_mou_value': 'MOU {mou}, version {commit}',

    'dec.ballot_heading': 'Your ballot',
    'dec.ballot_closed': 'Voting has closed.',
    'dec.ballot_not_eligible': 'Only members with these roles vote: {roles}.',
    'dec.ballot_org_done': '{name} has cast your organization’s ballot; only they can change it.',
    'dec.ballot_current': 'Your ballot: {choice}',
    'dec.ballot_change': 'You can change your ballot until the close.',
    'dec.reason': 'Reason (optional)',
    'dec.reason_hint': 'Shown to members next to your ballot when the results are shown.',
    'dec.reason_hint_secret': 'Shown to members without your name when the results are shown.',
    'dec.cast': 'Cast ballot',
    'dec.cast_change': 'Change ballot',
    'dec.casting': 'Casting…',
    'dec.proposal_legend': 'Your position',
    'dec.choice_legend': 'Choose one',
    'dec.approval_legend': 'Approve any number',
    'dec.approval_required': 'Approve at least one option.',
    'dec.choice_required': 'Choose an option first.',
    'dec.consent_legend': 'Fingers: 0 blocks, 5 is full support',
    'dec.ranked_legend': 'Your ranking, most preferred first',
    'dec.ranked_hint': 'Use the up and down buttons to order. Leave out options you do not want to rank.',
    'dec.ranked_unranked': 'Not ranked',
    'dec.ranked_up': 'Move {option} up',
    'dec.ranked_down': 'Move {option} down',
    'dec.ranked_remove': 'Leave out {option}',
    'dec.ranked_add': 'Rank {option}',
    'dec.ranked_up_short': 'Up',
    'dec.ranked_down_short': 'Down',
    'dec.ranked_remove_short': 'Leave out',
    'dec.ranked_add_short': 'Rank',
    'dec.ranked_moved': '{option} is now number {n}.',
    'dec.ranked_removed': '{option} left out.',
    'dec.ranked_added': '{option} added as number {n}.',
    'dec.ranked_required': 'Rank at least one option.',
    'dec.secret_receipt_label': 'Receipt of your earlier ballot',
    'dec.secret_receipt_hint': 'A secret ballot can be changed only with its receipt.',

    'dec.receipt_heading': 'Your receipt',
    'dec.receipt_intro': 'Keep this receipt: with it you can check that your ballot was counted as cast. It is kept in this browser too.',
    'dec.receipt_label': 'Receipt',
    'dec.copy': 'Copy',
    'dec.copied': 'Copied.',
    'dec.verify': 'Verify my ballot',
    'dec.verifying': 'Checking…',
    'dec.verify_counted': 'Your ballot is counted as cast: {choice}.',
    'dec.verify_final': 'The decision is closed: this is final.',
    'dec.verify_replaced': 'This receipt is of a ballot you replaced; your newer ballot counts.',
    'dec.verify_path': 'How your ranking was counted',
    'dec.verify_round': 'Round {round}: counted for {option}',
    'dec.verify_round_exhausted': 'Round {round}: no ranked option left',
    'dec.cast_done': 'Ballot cast.',
    'dec.cast_replaced': 'Ballot changed.',

    'dec.results_heading': 'Results',
    'dec.results_hidden': 'Results are shown after the close ({date}). Until then nobody, conveners included, sees the tally.',
    'dec.results_live_note': 'Live results: they change as ballots come in.',
    'dec.provisional': 'If it closed now: {outcome}',
    'dec.cast_of': '{cast} of {eligible} ballots cast',
    'dec.quorum_met': 'quorum met',
    'dec.quorum_not_met': 'quorum not met',
    'dec.mean': 'average {mean}',
    'dec.col_choice': 'Choice',
    'dec.col_bar': 'Share',
    'dec.col_count': 'Ballots',
    'dec.rounds_heading': 'Instant runoff, round by round',
    'dec.round': 'Round {n}',
    'dec.round_eliminated': '{option} was eliminated.',
    'dec.round_exhausted': { one: '{count} ballot had no ranked option left.', other: '{count} ballots had no ranked option left.' },
    'dec.tie_break_mentions': 'Tie for last broken by fewest mentions on all ballots.',
    'dec.tie_break_position': 'Tie for last broken by position in the list of options.',
    'dec.first_round': 'First preferences',

    'dec.outcome_heading': 'Outcome',
    'dec.outcome_statement': 'Outcome statement',
    'dec.closed_by': 'Closed by {name} on {date}',
    'dec.closed_by_timer': 'Closed automatically on {date}',
    'dec.adopted': 'MOU {mou}, version {commit}, is adopted.',
    'dec.export': 'Download results (CSV)',

    'dec.ballots_heading': 'Ballots',
    'dec.reasons_heading': 'Reasons given',
    'dec.reasons_secret': 'Secret ballot: reasons are shown without names, in random order.',
    'dec.no_ballots': 'No ballots yet.',
    'dec.no_reasons': 'No reasons given.',
    'dec.ballot_org': '({org})',

    'dec.close_heading': 'Close the decision',
    'dec.close_intro': 'Closing counts the ballots now and ends voting. It cannot be undone.',
    'dec.close_statement': 'Outcome statement (optional)',
    'dec.close_statement_hint': 'What was decided and what happens next. Markdown works.',
    'dec.close_submit': 'Close now',
    'dec.close_confirm': 'Close voting now? Nobody can vote or change a ballot after this.',
    'dec.close_yes': 'Yes, close it',
    'dec.cancel': 'Cancel',
    'dec.closed_live': 'This decision has just closed.',
    'dec.tally_updated': 'Results updated: {summary}',
  },
  es: {
    'dec.area': 'Decisiones',
    'dec.title': 'Decisiones',
    'dec.breadcrumbs': 'Ruta de navegación',
    'dec.back_to_coalition': '← Volver a la coalición',
    'dec.back_to_list': '← Todas las decisiones',
    'dec.no_coalition': 'Esta coalición no existe o usted no es miembro.',
    'dec.open_heading': 'Decisiones abiertas',
    'dec.closed_heading': 'Decisiones cerradas',
    'dec.none_open': 'No hay decisiones abiertas.',
    'dec.none_closed': 'Todavía no hay decisiones cerradas.',
    'dec.secret_short': 'voto secreto',
    'dec.who_votes_short': 'votan: {roles}',
    'dec.closes_on': 'cierra el {date}',
    'dec.closed_on': 'cerró el {date}',
    'dec.you_voted': 'Usted votó',
    'dec.voted_by': '{name} votó por su organización',
    'dec.someone': 'Alguien',
    'dec.not_eligible': 'No le corresponde votar',
    'dec.did_not_vote': 'Usted no votó',
    'dec.awaiting_vote': 'Falta su voto',

    'dec.kind_proposal': 'Propuesta',
    'dec.kind_choice': 'Opción única',
    'dec.kind_approval': 'Aprobación',
    'dec.kind_ranked': 'Voto por orden de preferencia',
    'dec.kind_consent': 'Consentimiento (de puño a cinco)',
    'dec.kind_hint_proposal': 'Los miembros están de acuerdo, se abstienen, están en desacuerdo o bloquean.',
    'dec.kind_hint_choice': 'Los miembros eligen una de las opciones.',
    'dec.kind_hint_approval': 'Los miembros aprueban cuantas opciones quieran.',
    'dec.kind_hint_ranked': 'Los miembros ordenan las opciones; se cuenta por segunda vuelta instantánea, ronda por ronda.',
    'dec.kind_hint_consent': 'Los miembros muestran de 0 (bloqueo) a 5 (apoyo total) dedos.',
    'dec.threshold_default': 'El predeterminado para este tipo',
    'dec.threshold_majority': 'Mayoría',
    'dec.threshold_two_thirds': 'Dos tercios',
    'dec.threshold_unanimous': 'Unanimidad',
    'dec.threshold_no_blocks': 'Sin bloqueos',
    'dec.choice_agree': 'De acuerdo',
    'dec.choice_abstain': 'Me abstengo',
    'dec.choice_disagree': 'En desacuerdo',
    'dec.choice_block': 'Bloqueo',
    'dec.consent_0': 'Bloqueo',
    'dec.consent_1': 'Preocupaciones serias',
    'dec.consent_2': 'Algunas preocupaciones',
    'dec.consent_3': 'Puedo aceptarlo',
    'dec.consent_4': 'Apoyo',
    'dec.consent_5': 'Apoyo total',

    'dec.result_open': 'Abierta',
    'dec.result_passed': 'Aprobada',
    'dec.result_failed': 'No se aprobó',
    'dec.result_tied': 'Empate',
    'dec.winner': 'elegida: {winner}',
    'dec.tied_between': 'empate entre {options}',
    'dec.reason_threshold_not_met': 'no se alcanzó el umbral',
    'dec.reason_quorum_not_met': 'no se alcanzó el quórum',
    'dec.reason_blocked': 'bloqueada',
    'dec.reason_no_ballots': 'nadie votó',

    'dec.create_heading': 'Nueva decisión',
    'dec.f_title': 'Título',
    'dec.f_body': 'Qué se decide',
    'dec.f_body_hint': 'Puede usar Markdown: **negrita**, *cursiva*, listas, enlaces.',
    'dec.f_kind': 'Tipo de votación',
    'dec.f_options': 'Opciones',
    'dec.f_options_hint': 'Una por línea, al menos dos.',
    'dec.f_options_required': 'Escriba al menos dos opciones, una por línea.',
    'dec.f_options_unique': 'Cada opción puede aparecer solo una vez.',
    'dec.f_roles': 'Quién vota',
    'dec.f_roles_hint': 'Pueden votar los miembros con cualquiera de estas funciones.',
    'dec.f_roles_required': 'Elija al menos una función que vote.',
    'dec.f_closes': 'La votación cierra',
    'dec.f_closes_hint': 'En su hora local. La decisión se cierra sola a esa hora.',
    'dec.f_closes_future': 'La hora de cierre debe ser en el futuro.',
    'dec.f_quorum': 'Quórum (porcentaje)',
    'dec.f_quorum_hint': 'Parte de los votantes con derecho que deben votar; 0 si no hay quórum.',
    'dec.f_threshold': 'Umbral',
    'dec.f_threshold_hint': 'Lo que hace falta para aprobarse.',
    'dec.f_results': 'Resultados',
    'dec.results_live': 'En vivo: todos ven el conteo a medida que llegan los votos',
    'dec.results_after_close': 'Después del cierre: nadie ve el conteo antes',
    'dec.f_secret': 'Voto secreto',
    'dec.f_secret_hint': 'Nadie, ni siquiera las personas convocantes, puede ver quién votó qué.',
    'dec.f_per_org': 'Un voto por organización',
    'dec.f_per_org_hint': 'El primer miembro de una organización que vota emite su voto; solo esa persona puede cambiarlo.',
    'dec.f_submit': 'Crear la decisión',

    'dec.started_by': 'Propuesta por {name} el {date}',
    'dec.status_open': 'Abierta',
    'dec.status_closed': 'Cerrada',
    'dec.facts': 'Cómo se toma esta decisión',
    'dec.fact_kind': 'Tipo',
    'dec.fact_who': 'Quién vota',
    'dec.fact_quorum': 'Quórum',
    'dec.fact_quorum_value': '{quorum} de los votantes con derecho',
    'dec.fact_quorum_none': 'Ninguno',
    'dec.fact_threshold': 'Umbral',
    'dec.fact_results': 'Resultados',
    'dec.fact_results_live': 'En vivo',
    'dec.fact_results_after': 'Después del cierre',
    'dec.fact_ballot': 'Voto',
    'dec.fact_secret': 'Secreto',
    'dec.fact_open_ballot': 'Abierto (se muestran los nombres)',
    'dec.fact_per_org': 'Conteo',
    'dec.fact_per_org_yes': 'Un voto por organización',
    'dec.fact_per_org_no': 'Un voto por miembro',
    'dec.fact_closes': 'Cierra',
    'dec.fact_closed': 'Cerrada',
    'dec.fact_mou': 'Sobre',
    'dec.fact_mou_value': 'MOU {mou}, versión {commit}',

    'dec.ballot_heading': 'Su voto',
    'dec.ballot_closed': 'La votación ya cerró.',
    'dec.ballot_not_eligible': 'Solo votan los miembros con estas funciones: {roles}.',
    'dec.ballot_org_done': '{name} ya emitió el voto de su organización; solo esa persona puede cambiarlo.',
    'dec.ballot_current': 'Su voto: {choice}',
    'dec.ballot_change': 'Puede cambiar su voto hasta el cierre.',
    'dec.reason': 'Motivo (opcional)',
    'dec.reason_hint': 'Los miembros lo ven junto a su voto cuando se muestran los resultados.',
    'dec.reason_hint_secret': 'Los miembros lo ven sin su nombre cuando se muestran los resultados.',
    'dec.cast': 'Votar',
    'dec.cast_change': 'Cambiar mi voto',
    'dec.casting': 'Enviando el voto…',
    'dec.proposal_legend': 'Su postura',
    'dec.choice_legend': 'Elija una',
    'dec.approval_legend': 'Apruebe cuantas quiera',
    'dec.approval_required': 'Apruebe al menos una opción.',
    'dec.choice_required': 'Primero elija una opción.',
    'dec.consent_legend': 'Dedos: 0 es bloqueo, 5 es apoyo total',
    'dec.ranked_legend': 'Su orden, de la preferida a la menos preferida',
    'dec.ranked_hint': 'Use los botones Subir y Bajar para ordenar. Deje fuera las opciones que no quiera clasificar.',
    'dec.ranked_unranked': 'Sin clasificar',
    'dec.ranked_up': 'Subir {option}',
    'dec.ranked_down': 'Bajar {option}',
    'dec.ranked_remove': 'Dejar fuera {option}',
    'dec.ranked_add': 'Clasificar {option}',
    'dec.ranked_up_short': 'Subir',
    'dec.ranked_down_short': 'Bajar',
    'dec.ranked_remove_short': 'Dejar fuera',
    'dec.ranked_add_short': 'Clasificar',
    'dec.ranked_moved': '{option} ahora es la número {n}.',
    'dec.ranked_removed': '{option} quedó fuera.',
    'dec.ranked_added': '{option} se agregó como la número {n}.',
    'dec.ranked_required': 'Clasifique al menos una opción.',
    'dec.secret_receipt_label': 'Recibo de su voto anterior',
    'dec.secret_receipt_hint': 'Un voto secreto solo se puede cambiar con su recibo.',

    'dec.receipt_heading': 'Su recibo',
    'dec.receipt_intro': 'Guarde este recibo: con él puede comprobar que su voto se contó tal como lo emitió. También se guarda en este navegador.',
    'dec.receipt_label': 'Recibo',
    'dec.copy': 'Copiar',
    'dec.copied': 'Copiado.',
    'dec.verify': 'Verificar mi voto',
    'dec.verifying': 'Verificando…',
    'dec.verify_counted': 'Su voto se contó tal como lo emitió: {choice}.',
    'dec.verify_final': 'La decisión está cerrada: esto es definitivo.',
    'dec.verify_replaced': 'Este recibo es de un voto que usted reemplazó; cuenta su voto más reciente.',
    'dec.verify_path': 'Cómo se contó su orden de preferencia',
    'dec.verify_round': 'Ronda {round}: contó para {option}',
    'dec.verify_round_exhausted': 'Ronda {round}: no quedaba ninguna opción clasificada',
    'dec.cast_done': 'Voto emitido.',
    'dec.cast_replaced': 'Voto cambiado.',

    'dec.results_heading': 'Resultados',
    'dec.results_hidden': 'Los resultados se muestran después del cierre ({date}). Hasta entonces nadie, ni siquiera las personas convocantes, ve el conteo.',
    'dec.results_live_note': 'Resultados en vivo: cambian a medida que llegan los votos.',
    'dec.provisional': 'Si cerrara ahora: {outcome}',
    'dec.cast_of': '{cast} de {eligible} votos emitidos',
    'dec.quorum_met': 'se alcanzó el quórum',
    'dec.quorum_not_met': 'no se alcanzó el quórum',
    'dec.mean': 'promedio {mean}',
    'dec.col_choice': 'Opción',
    'dec.col_bar': 'Proporción',
    'dec.col_count': 'Votos',
    'dec.rounds_heading': 'Segunda vuelta instantánea, ronda por ronda',
    'dec.round': 'Ronda {n}',
    'dec.round_eliminated': '{option} quedó eliminada.',
    'dec.round_exhausted': { one: '{count} voto ya no tenía opciones clasificadas.', other: '{count} votos ya no tenían opciones clasificadas.' },
    'dec.tie_break_mentions': 'El empate por el último lugar se resolvió por el menor número de menciones en todos los votos.',
    'dec.tie_break_position': 'El empate por el último lugar se resolvió por la posición en la lista de opciones.',
    'dec.first_round': 'Primeras preferencias',

    'dec.outcome_heading': 'Resultado',
    'dec.outcome_statement': 'Declaración del resultado',
    'dec.closed_by': 'Cerrada por {name} el {date}',
    'dec.closed_by_timer': 'Cerrada automáticamente el {date}',
    'dec.adopted': 'Se adopta el MOU {mou}, versión {commit}.',
    'dec.export': 'Descargar los resultados (CSV)',

    'dec.ballots_heading': 'Votos',
    'dec.reasons_heading': 'Motivos expresados',
    'dec.reasons_secret': 'Voto secreto: los motivos se muestran sin nombres y en orden aleatorio.',
    'dec.no_ballots': 'Todavía no hay votos.',
    'dec.no_reasons': 'Nadie expresó motivos.',
    'dec.ballot_org': '({org})',

    'dec.close_heading': 'Cerrar la decisión',
    'dec.close_intro': 'Al cerrar se cuentan los votos y termina la votación. No se puede deshacer.',
    'dec.close_statement': 'Declaración del resultado (opcional)',
    'dec.close_statement_hint': 'Qué se decidió y qué sigue. Puede usar Markdown.',
    'dec.close_submit': 'Cerrar ahora',
    'dec.close_confirm': '¿Cerrar la votación ahora? Después nadie podrá votar ni cambiar su voto.',
    'dec.close_yes': 'Sí, cerrarla',
    'dec.cancel': 'Cancelar',
    'dec.closed_live': 'Esta decisión acaba de cerrarse.',
    'dec.tally_updated': 'Resultados actualizados: {summary}',
  },
};
