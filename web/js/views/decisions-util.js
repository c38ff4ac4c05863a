// Pieces shared by the decisions views: the stylesheet, labels of kinds,
// thresholds, choices and outcomes, the tally (bars and ranked rounds) and
// the receipts kept in this browser.

import { h } from '../dom.js';
import { t, roleLabel, formatDate, formatNumber, formatDecimal, formatPercent, ROLES } from '../i18n.js';

let cssAdded = false;
export function addStylesheet() {
  if (cssAdded) return;
  cssAdded = true;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/decisions.css' }));
}

export const SLUG = '([a-z0-9][a-z0-9_-]*)';
export const KINDS = ['proposal', 'choice', 'approval', 'ranked', 'consent'];
export const THRESHOLDS = ['majority', 'two_thirds', 'unanimous', 'no_blocks'];
export const PROPOSAL = ['agree', 'abstain', 'disagree', 'block'];
export const CONSENT = [5, 4, 3, 2, 1, 0];

export function decisionsHref(slug) {
  return '#/c/' + encodeURIComponent(slug) + '/decisions';
}

export function decisionHref(slug, id) {
  return decisionsHref(slug) + '/' + id;
}

export const kindLabel = (k) => t('dec.kind_' + k);
export const thresholdLabel = (k) => t('dec.threshold_' + k);
export const consentLabel = (n) => t('dec.consent_' + n);

export function rolesText(roles) {
  return (roles || []).slice().sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b)).map(roleLabel).join(', ');
}

// A choice as the voter made it, in words.
export function choiceText(kind, choice) {
  if (choice === null || choice === undefined) return '';
  if (kind === 'proposal') return t('dec.choice_' + choice);
  if (kind === 'consent') return `${choice} · ${consentLabel(choice)}`;
  if (kind === 'ranked' && Array.isArray(choice)) return choice.map((c, i) => `${i + 1}. ${c}`).join('  ');
  if (Array.isArray(choice)) return choice.join(', ');
  return String(choice);
}

// The label of one key of tally.counts.
export function countLabel(kind, key) {
  if (kind === 'proposal') return t('dec.choice_' + key);
  if (kind === 'consent') return `${key} · ${consentLabel(key)}`;
  return key;
}

// The keys of tally.counts in display order.
export function countKeys(decision, counts) {
  if (decision.kind === 'proposal') return PROPOSAL;
  if (decision.kind === 'consent') return CONSENT.map(String);
  const opts = decision.options || [];
  return opts.length ? opts : Object.keys(counts || {});
}

export function outcomeText(outcome) {
  if (!outcome) return '';
  const parts = [t('dec.result_' + outcome.result)];
  if (outcome.winner) parts.push(t('dec.winner', { winner: outcome.winner }));
  if (outcome.tied && outcome.tied.length) parts.push(t('dec.tied_between', { options: outcome.tied.join(', ') }));
  if (outcome.reason) parts.push(t('dec.reason_' + outcome.reason));
  return parts.join(' · ');
}

// The count of a row of a tally and its share of all ballots, in the
// member's language: "3" and " (60%)".
export function countText(value) {
  return formatNumber(value);
}

export function shareText(value, total) {
  return ` (${formatPercent(total ? value / total : 0)})`;
}

// Horizontal bars for counts (a <table> underneath, so the numbers are read
// as data); widths are set through the CSSOM, which the CSP allows.
export function countsTable(decision, counts, caption) {
  const keys = countKeys(decision, counts);
  const values = keys.map((k) => Number((counts || {})[k] || 0));
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const body = h('tbody');
  keys.forEach((k, i) => {
    const bar = h('span', { class: 'bar-fill' + (decision.kind === 'proposal' ? ' c-' + k : '') });
    bar.style.width = `${(values[i] / max) * 100}%`;
    body.append(h('tr', { dataset: { key: k } },
      h('th', { scope: 'row' }, countLabel(decision.kind, k)),
      h('td', { class: 'bar-cell' }, h('span', { class: 'tally-bar', 'aria-hidden': 'true' }, bar)),
      h('td', { class: 'num' }, countText(values[i]), h('span', { class: 'muted pct' }, shareText(values[i], total)))));
  });
  return h('table', { class: 'tally-table' },
    caption ? h('caption', null, caption) : null,
    h('colgroup', null, h('col', { class: 'col-label' }), h('col', { class: 'col-bar' }), h('col', { class: 'col-num' })),
    h('thead', { class: 'visually-hidden' }, h('tr', null,
      h('th', { scope: 'col' }, t('dec.col_choice')),
      h('th', { scope: 'col' }, t('dec.col_bar')),
      h('th', { scope: 'col' }, t('dec.col_count')))),
    body);
}

// The rounds of an instant-runoff count, one table per round.
export function roundsView(decision, rounds) {
  const ol = h('ol', { class: 'rounds' });
  for (const r of rounds || []) {
    const note = [];
    if (r.eliminated) note.push(t('dec.round_eliminated', { option: r.eliminated }));
    if (r.tie_break) note.push(t('dec.tie_break_' + r.tie_break));
    if (r.exhausted) note.push(t('dec.round_exhausted', { count: r.exhausted }));
    const sub = { ...decision, options: (decision.options || []).filter((o) => o in (r.counts || {})) };
    ol.append(h('li', { class: 'round', dataset: { round: r.round } },
      h('h4', null, t('dec.round', { n: r.round })),
      countsTable(sub, r.counts),
      note.length ? h('p', { class: 'round-note' }, note.join(' ')) : null));
  }
  return ol;
}

export function tallySummary(tally) {
  if (!tally || tally.cast === null || tally.cast === undefined) return '';
  const parts = [t('dec.cast_of', { cast: tally.cast, eligible: tally.eligible })];
  if (tally.quorum_met !== null && tally.quorum_met !== undefined) {
    parts.push(tally.quorum_met ? t('dec.quorum_met') : t('dec.quorum_not_met'));
  }
  if (typeof tally.mean === 'number') parts.push(t('dec.mean', { mean: formatDecimal(tally.mean, 1) }));
  return parts.join(' · ');
}

// Status of a decision for its card and header.
export function statusText(d) {
  if (d.status === 'closed') return t('dec.closed_on', { date: formatDate(d.closed_at || d.closes_at) });
  return t('dec.closes_on', { date: formatDate(d.closes_at) });
}

// My position, for the list and the ballot panel.
export function myStatus(d) {
  const me = d.me || {};
  if (me.voted_by) return { cls: 'voted', text: t('dec.voted_by', { name: me.voted_by.name || t('dec.someone') }) };
  if (me.voted) return { cls: 'voted', text: t('dec.you_voted') };
  if (!me.eligible) return { cls: 'not-eligible', text: t('dec.not_eligible') };
  if (d.status === 'closed') return { cls: 'missed', text: t('dec.did_not_vote') };
  return { cls: 'awaiting', text: t('dec.awaiting_vote') };
}

// --- receipts kept in this browser -------------------------------------------------
// Per member and decision: the voter needs the receipt to verify the ballot
// and, for a secret ballot, to change it. Nothing else is stored.

function receiptKey(memberId, decisionId) {
  return `roundtable.receipt.${memberId}.${decisionId}`;
}

export function savedReceipt(memberId, decisionId) {
  try {
    return localStorage.getItem(receiptKey(memberId, decisionId));
  } catch (e) {
    return null;
  }
}

export function saveReceipt(memberId, decisionId, receipt) {
  try {
    localStorage.setItem(receiptKey(memberId, decisionId), receipt);
  } catch (e) { /* private mode: the receipt is still shown */ }
}

