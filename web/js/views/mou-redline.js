// The redline of two MOU versions, built from the unified diff that mou.diff
// returns: deleted lines in <del>, inserted lines in <ins>, each also marked
// with a visible sign and words for screen readers, so nothing relies on
// colour. Where one line was replaced by another, the words that changed are
// marked inside the line as well.

import { h } from '../dom.js';
import { t } from '../i18n.js';

// Parses a unified diff into hunks: [{header, oldStart, newStart, lines: [{type, text}]}]
// (type: 'context', 'del', 'ins'). File headers and "\ No newline" lines are skipped.
export function parseUnifiedDiff(diff) {
  const hunks = [];
  let hunk = null;
  for (const raw of String(diff || '').split('\n')) {
    const m = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/.exec(raw);
    if (m) {
      hunk = { header: raw, oldStart: Number(m[1]), newStart: Number(m[3]), lines: [] };
      hunks.push(hunk);
      continue;
    }
    if (!hunk) continue; // diff --git, index, ---, +++
    if (raw.startsWith('\\')) continue;
    if (raw.startsWith('+')) hunk.lines.push({ type: 'ins', text: raw.slice(1) });
    else if (raw.startsWith('-')) hunk.lines.push({ type: 'del', text: raw.slice(1) });
    else if (raw.startsWith(' ')) hunk.lines.push({ type: 'context', text: raw.slice(1) });
    else if (raw === '') hunk.lines.push({ type: 'context', text: '', blank: true });
  }
  // A trailing empty line comes from the final newline, not from the text.
  for (const hk of hunks) {
    while (hk.lines.length && hk.lines[hk.lines.length - 1].blank) hk.lines.pop();
  }
  return hunks;
}

// Word-level difference of two lines: the common prefix and suffix (in words)
// stay plain, the middle is marked.
function wordSplit(a, b) {
  const wa = a.split(/(\s+)/);
  const wb = b.split(/(\s+)/);
  let pre = 0;
  while (pre < wa.length && pre < wb.length && wa[pre] === wb[pre]) pre++;
  let suf = 0;
  while (suf < wa.length - pre && suf < wb.length - pre && wa[wa.length - 1 - suf] === wb[wb.length - 1 - suf]) suf++;
  return {
    a: [wa.slice(0, pre).join(''), wa.slice(pre, wa.length - suf).join(''), wa.slice(wa.length - suf).join('')],
    b: [wb.slice(0, pre).join(''), wb.slice(pre, wb.length - suf).join(''), wb.slice(wb.length - suf).join('')],
  };
}

function lineEl(type, parts) {
  const sign = type === 'ins' ? '+' : type === 'del' ? '−' : ' ';
  const words = type === 'ins' ? t('mou.redline_inserted') : type === 'del' ? t('mou.redline_deleted') : null;
  const Tag = type === 'ins' ? 'ins' : type === 'del' ? 'del' : 'span';
  let content;
  if (Array.isArray(parts)) {
    const [pre, mid, post] = parts;
    const mark = type === 'ins' ? 'ins' : 'del';
    content = h('span', { class: 'mou-rl-text' }, pre, mid ? h('mark', { class: 'mou-rl-word mou-rl-word-' + mark }, mid) : null, post);
  } else {
    content = h('span', { class: 'mou-rl-text' }, parts === '' ? '\u00a0' : parts);
  }
  return h('div', { class: 'mou-rl-line mou-rl-' + type },
    h('span', { class: 'mou-rl-sign', 'aria-hidden': 'true' }, sign),
    words ? h('span', { class: 'visually-hidden' }, words + ': ') : null,
    h(Tag, { class: 'mou-rl-body' }, content));
}

export function redline(diff) {
  const hunks = parseUnifiedDiff(diff);
  const legend = h('p', { class: 'mou-rl-legend', id: 'mou-rl-legend' },
    h('span', { class: 'mou-rl-legend-title' }, t('mou.redline_legend'), ' '),
    h('span', { class: 'mou-rl-key mou-rl-key-ins' }, h('span', { class: 'mou-rl-sign', 'aria-hidden': 'true' }, '+'), h('ins', null, t('mou.redline_inserted_key'))),
    ' ',
    h('span', { class: 'mou-rl-key mou-rl-key-del' }, h('span', { class: 'mou-rl-sign', 'aria-hidden': 'true' }, '−'), h('del', null, t('mou.redline_deleted_key'))),
    ' ',
    h('span', { class: 'mou-rl-key mou-rl-key-context' }, t('mou.redline_unchanged_key')));
  if (!hunks.length) {
    return h('div', { class: 'mou-redline' }, legend, h('p', { class: 'empty' }, t('mou.redline_same')));
  }
  let ins = 0;
  let del = 0;
  const blocks = hunks.map((hk) => {
    const out = [];
    const lines = hk.lines;
    for (let i = 0; i < lines.length;) {
      if (lines[i].type === 'context') {
        out.push(lineEl('context', lines[i].text));
        i++;
        continue;
      }
      // A run of deletions followed by a run of insertions: pair them up for word marks.
      const dels = [];
      const inss = [];
      while (i < lines.length && lines[i].type === 'del') dels.push(lines[i++].text);
      while (i < lines.length && lines[i].type === 'ins') inss.push(lines[i++].text);
      del += dels.length;
      ins += inss.length;
      const paired = dels.length === inss.length;
      dels.forEach((d, k) => out.push(lineEl('del', paired ? wordSplit(d, inss[k]).a : d)));
      inss.forEach((n, k) => out.push(lineEl('ins', paired ? wordSplit(dels[k], n).b : n)));
    }
    return h('section', { class: 'mou-rl-hunk' },
      h('h4', { class: 'mou-rl-where' }, t('mou.redline_at', { line: hk.newStart })),
      out);
  });
  return h('div', { class: 'mou-redline', 'aria-describedby': 'mou-rl-legend', dataset: { ins, del } },
    legend,
    h('p', { class: 'mou-rl-summary' }, t('mou.redline_ins', { count: ins }), ', ', t('mou.redline_del', { count: del }), '.'),
    blocks);
}
