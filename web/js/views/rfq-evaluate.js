// RFQ evaluation, after the close: an evaluator's panel per respondent (the
// answers, a conflict-of-interest declaration that recuses them, a score
// from 1 to the criterion's highest for each criterion with an optional
// comment), the results table (rfq.results with the balance_groups and
// normalize toggles, ties shown as ties, where evaluators disagree most) and
// the answers of every respondent to one question side by side.

import { h, clear, append, newKey } from '../dom.js';
import { t, errorText, formatNumber } from '../i18n.js';
import { respondentsChart, chartStrings, chartStringsEs } from './rfq-chart.js';
import { pendingNote } from '../pending.js';

function richText(html) {
  const div = h('div', { class: 'md' });
  div.innerHTML = html || ''; // rendered and sanitized by the daemon
  return div;
}

function fmt(n, digits = 2) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return formatNumber(n, { maximumFractionDigits: digits });
}

// ctx: {app, rfq, me, respondents, conflicts, onChange()}
export function evaluatorPanel(ctx) {
  const { app, rfq, me } = ctx;
  const conn = app.conn;
  const wrap = h('div', { class: 'rfq-eval', id: 'rfq-eval' });
  const criteria = rfq.criteria || [];
  const questions = rfq.questions || [];
  const recused = new Set(me.recused || []);
  let answersBy = new Map(); // respondent id -> [{question, body, html}]
  let myScores = new Map(); // `${respondent}:${criterion}` -> {score, comment}

  async function load() {
    const [resp, scores] = await Promise.all([
      conn.request('response.list', { rfq: rfq.id }).catch(() => ({ responses: [] })),
      conn.request('score.list', { rfq: rfq.id }).catch(() => ({ scores: [] })),
    ]);
    answersBy = new Map((resp.responses || []).map((r) => [r.respondent, r.answers || []]));
    myScores = new Map((scores.scores || []).filter((s) => s.evaluator === me.id)
      .map((s) => [`${s.respondent}:${s.criterion}`, s]));
    draw();
  }

  function draw() {
    clear(wrap);
    wrap.append(h('p', { class: 'muted' }, t('rfq.eval_intro', { group: t('rfq.group.' + me.group) })));
    for (const r of ctx.respondents) wrap.append(respondentPanel(r));
  }

  function respondentPanel(r) {
    const headId = `rfq-eval-${r.id}-title`;
    const sec = h('section', { class: 'rfq-eval-resp panel', 'aria-labelledby': headId, dataset: { respondentId: r.id } },
      h('h3', { id: headId }, r.organization));
    if (recused.has(r.id)) {
      const coi = (ctx.conflicts || []).find((c) => c.respondent === r.id && c.member === me.id);
      sec.append(h('p', { class: 'rfq-recused' }, h('span', { 'aria-hidden': 'true' }, '⊘ '),
        t('rfq.recused', { reason: coi ? coi.reason : '' })));
      return sec;
    }
    const answers = answersBy.get(r.id) || [];
    append(sec, [
      h('details', { class: 'rfq-answers' },
        h('summary', null, t('rfq.read_answers', { count: answers.filter((a) => a.body).length })),
        questions.map((q) => {
          const a = answers.find((x) => x.question === q.id);
          return h('div', { class: 'rfq-answer' },
            h('h4', null, q.text),
            a && a.body ? richText(a.html) : h('p', { class: 'empty' }, t('respond.no_answer')));
        })),
      scoreForm(r),
      coiForm(r)]);
    return sec;
  }

  function scoreForm(r) {
    const keys = new Map();
    const inputs = [];
    const status = h('p', { class: 'rfq-score-status', role: 'status' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const fields = criteria.map((c) => {
      const prior = myScores.get(`${r.id}:${c.id}`);
      const base = `rfq-s-${r.id}-${c.id}`;
      let read;
      let control;
      if (c.max <= 10) {
        const radios = [];
        for (let v = 1; v <= c.max; v++) {
          const input = h('input', { type: 'radio', name: base, id: `${base}-${v}`, value: String(v), checked: prior && prior.score === v });
          radios.push(input);
        }
        control = h('div', { class: 'rfq-scale' }, radios.map((input) =>
          h('span', { class: 'rfq-scale-item' }, input, h('label', { for: input.id }, input.value))));
        read = () => {
          const on = radios.find((x) => x.checked);
          return on ? Number(on.value) : null;
        };
      } else {
        const input = h('input', { type: 'number', id: `${base}-n`, min: '1', max: String(c.max), step: '1', value: prior ? prior.score : '' });
        control = h('div', { class: 'field' }, h('label', { for: input.id }, t('rfq.score_of', { max: c.max })), input);
        read = () => (input.value === '' ? null : Number(input.value));
      }
      const comment = h('textarea', { id: `${base}-comment`, rows: '2', maxlength: '8000' });
      comment.value = prior && prior.comment ? prior.comment : '';
      inputs.push({ c, read, comment, prior });
      return h('fieldset', { class: 'rfq-score-field', dataset: { criterionId: c.id } },
        h('legend', null, c.name, h('span', { class: 'muted' }, ' ' + t('rfq.weight_max', { weight: fmt(c.weight), max: c.max }))),
        c.description ? h('p', { class: 'hint' }, c.description) : null,
        control,
        h('div', { class: 'field' }, h('label', { for: comment.id }, t('rfq.comment')), comment));
    });
    const done = () => inputs.filter((i) => myScores.has(`${r.id}:${i.c.id}`)).length;
    status.textContent = t('rfq.scored_n', { n: done(), count: criteria.length });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('rfq.save_scores'),
      h('span', { class: 'visually-hidden' }, ' ' + r.organization));
    const form = h('form', { class: 'stack rfq-score-form', dataset: { respondentId: r.id } },
      h('h4', null, t('rfq.your_scores')), fields, error, status,
      pendingNote(app, (it) => it.op === 'score.submit' && it.args.rfq === rfq.id && it.args.respondent === r.id, 'queue.pending_score'),
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const todo = inputs.filter((i) => {
        const v = i.read();
        if (v === null) return false;
        const before = myScores.get(`${r.id}:${i.c.id}`);
        return !before || before.score !== v || (before.comment || '') !== i.comment.value;
      });
      if (!todo.length) {
        status.textContent = t('rfq.scored_n', { n: done(), count: criteria.length });
        return;
      }
      submit.disabled = true;
      for (const i of todo) {
        const v = i.read();
        if (!Number.isInteger(v) || v < 1 || v > i.c.max) {
          error.textContent = t('rfq.score_range', { name: i.c.name, max: i.c.max });
          error.hidden = false;
          submit.disabled = false;
          return;
        }
        const args = { rfq: rfq.id, respondent: r.id, criterion: i.c.id, score: v };
        if (i.comment.value.trim()) args.comment = i.comment.value;
        const k = `${i.c.id}:${v}:${i.comment.value}`;
        if (!keys.has(k)) keys.set(k, newKey());
        try {
          const reply = await conn.request('score.submit', args, { key: keys.get(k) });
          keys.delete(k);
          myScores.set(`${r.id}:${i.c.id}`, reply.score || { score: v, comment: args.comment || null });
        } catch (e) {
          if (e.code !== 'offline') keys.delete(k);
          error.textContent = `${i.c.name}: ${errorText(e)}`;
          error.hidden = false;
          submit.disabled = false;
          return;
        }
      }
      submit.disabled = false;
      status.textContent = t('rfq.scores_saved', { n: done(), count: criteria.length });
      app.announce(status.textContent);
      ctx.onChange();
    });
    return form;
  }

  function coiForm(r) {
    let key = newKey();
    const id = `rfq-coi-${r.id}`;
    const reason = h('textarea', { id, rows: '2', required: true, maxlength: '8000' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack rfq-coi-form' },
      h('p', { class: 'hint' }, t('rfq.coi_hint')),
      h('div', { class: 'field' }, h('label', { for: id }, t('rfq.coi_reason')), reason),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary' }, t('rfq.coi_declare'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      try {
        await conn.request('coi.declare', { rfq: rfq.id, respondent: r.id, reason: reason.value }, { key });
        key = newKey();
        app.announce(t('rfq.coi_done', { org: r.organization }));
        ctx.onChange(true, r.id);
      } catch (e) {
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
      }
    });
    return h('details', { class: 'rfq-coi' }, h('summary', null, t('rfq.coi_title')), form);
  }

  load();
  return wrap;
}

// ctx: {app, rfq, respondents, canSelect, onChange()}
export function resultsPanel(ctx) {
  const { app, rfq } = ctx;
  const conn = app.conn;
  const balance = h('input', { type: 'checkbox', id: 'rfq-balance' });
  const normalize = h('input', { type: 'checkbox', id: 'rfq-normalize' });
  const out = h('div', { id: 'rfq-results-out', 'aria-live': 'polite' });
  const progress = h('p', { class: 'muted', id: 'rfq-results-progress' });
  const selectArea = h('div', { id: 'rfq-select-area' });
  const wrap = h('div', { class: 'rfq-results' },
    h('fieldset', { class: 'rfq-toggles' }, h('legend', null, t('rfq.results_options')),
      h('div', { class: 'rfq-check' }, balance, h('label', { for: 'rfq-balance' }, t('rfq.balance_groups'))),
      h('p', { class: 'hint' }, t('rfq.balance_hint')),
      h('div', { class: 'rfq-check' }, normalize, h('label', { for: 'rfq-normalize' }, t('rfq.normalize'))),
      h('p', { class: 'hint' }, t('rfq.normalize_hint'))),
    progress, out,
    h('p', null, h('a', { href: `/export/rfq/${rfq.id}.csv`, download: `rfq-${rfq.id}-scores.csv`, id: 'rfq-export' }, t('rfq.export_csv'))),
    selectArea);
  let seq = 0;
  let last = null;

  async function load() {
    const mine = ++seq;
    const args = { rfq: rfq.id };
    if (balance.checked) args.balance_groups = true;
    if (normalize.checked) args.normalize = true;
    let data;
    try {
      data = await conn.request('rfq.results', args);
    } catch (e) {
      if (mine !== seq) return;
      clear(out);
      out.append(h('p', { class: e.code === 'forbidden' ? 'muted' : 'error' },
        e.code === 'forbidden' ? t('rfq.results_not_yours') : errorText(e)));
      drawSelect();
      return;
    }
    if (mine !== seq) return;
    last = data;
    draw(data);
  }
  balance.addEventListener('change', load);
  normalize.addEventListener('change', load);

  function draw(data) {
    progress.textContent = t('rfq.evaluators_done', { done: data.evaluators_done, count: data.evaluators_total });
    clear(out);
    const criteria = rfq.criteria || [];
    const rows = data.respondents || [];
    const rankCount = new Map();
    for (const r of rows) if (r.rank) rankCount.set(r.rank, (rankCount.get(r.rank) || 0) + 1);
    const table = h('table', { class: 'rfq-results-table', id: 'rfq-results-table' },
      h('caption', { class: 'visually-hidden' }, t('rfq.results_caption')),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('rfq.rank')),
        h('th', { scope: 'col' }, t('rfq.organization')),
        h('th', { scope: 'col' }, t('rfq.total')),
        criteria.map((c) => h('th', { scope: 'col', dataset: { criterionId: c.id } }, c.name, h('span', { class: 'rfq-th-weight' }, ' ×' + fmt(c.weight)))))),
      h('tbody', null, rows.map((r) => {
        const tie = r.rank && rankCount.get(r.rank) > 1;
        return h('tr', { dataset: { respondentId: r.respondent }, class: r.selected ? 'rfq-selected' : null },
          h('td', { class: 'rfq-rank' }, r.rank ? (tie ? t('rfq.rank_tie', { rank: r.rank }) : String(r.rank)) : '—'),
          h('th', { scope: 'row' }, r.organization, r.selected ? h('span', { class: 'rfq-chosen' }, ' ', t('rfq.chosen')) : null),
          h('td', { class: 'rfq-total' }, r.visible ? fmt(r.total) : t('rfq.hidden_until_scored')),
          criteria.map((c) => {
            const s = (r.criteria || []).find((x) => x.criterion === c.id);
            return h('td', null, s && s.n ? [h('span', { class: 'rfq-mean' }, fmt(s.mean)),
              h('span', { class: 'rfq-sd' }, ' ' + t('rfq.sd_n', { sd: fmt(s.sd), n: s.n }))] : '—');
          }));
      })));
    const hiddenAny = rows.some((r) => !r.visible);
    append(out, [
      h('div', { class: 'rfq-table-wrap', role: 'region', tabindex: '0', 'aria-label': t('rfq.results_caption') }, table),
      h('p', { class: 'hint' }, t('rfq.results_legend')),
      hiddenAny ? h('p', { class: 'hint' }, t('rfq.hidden_note')) : null]);
    const chart = respondentsChart(data, criteria, fmt);
    if (chart) out.append(h('h3', null, t('rfq.chart_title')), chart);
    const dis = data.disagreements || [];
    if (dis.length) {
      out.append(h('h3', null, t('rfq.disagreements')),
        h('ul', { class: 'rfq-disagreements' }, dis.map((d) => {
          const c = criteria.find((x) => x.id === d.criterion);
          return h('li', null, t('rfq.disagreement', { org: d.organization, criterion: c ? c.name : '#' + d.criterion, sd: fmt(d.sd), n: d.n }));
        })));
    }
    drawSelect();
  }

  function drawSelect() {
    if (!ctx.canSelect || rfq.status !== 'closed') {
      clear(selectArea);
      return;
    }
    if (selectArea.firstChild) return; // built once: what is ticked stays ticked
    let key = newKey();
    const boxes = (ctx.respondents || []).map((r) => {
      const id = 'rfq-pick-' + r.id;
      const input = h('input', { type: 'checkbox', id, value: String(r.id) });
      return { input, el: h('li', null, input, h('label', { for: id }, r.organization)) };
    });
    const note = h('textarea', { id: 'rfq-select-note', rows: '3' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const form = h('form', { class: 'stack', id: 'rfq-select-form' },
      h('fieldset', null, h('legend', null, t('rfq.select_which')),
        h('p', { class: 'hint' }, t('rfq.select_hint')),
        h('ul', { class: 'checkboxes' }, boxes.map((b) => b.el))),
      h('div', { class: 'field' }, h('label', { for: 'rfq-select-note' }, t('rfq.select_note')), note),
      error,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('rfq.select_submit'))));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const chosen = boxes.filter((b) => b.input.checked).map((b) => Number(b.input.value));
      if (!chosen.length) {
        error.textContent = t('rfq.select_none');
        error.hidden = false;
        boxes[0] && boxes[0].input.focus();
        return;
      }
      const args = { rfq: rfq.id, respondents: chosen };
      if (note.value.trim()) args.note = note.value;
      try {
        await conn.request('rfq.select', args, { key });
        key = newKey();
        app.announce(t('rfq.selected_done'));
        ctx.onChange(true);
      } catch (e) {
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
      }
    });
    selectArea.append(h('section', { class: 'rfq-select', 'aria-labelledby': 'rfq-select-title' },
      h('h3', { id: 'rfq-select-title' }, t('rfq.select_title')), form));
  }

  load();
  return { el: wrap, reload: load, last: () => last };
}

// Every respondent's answer to one question, side by side.
export function sideBySide(ctx) {
  const { app, rfq } = ctx;
  const select = h('select', { id: 'rfq-sbs-question' },
    h('option', { value: '' }, t('rfq.sbs_choose')),
    (rfq.questions || []).map((q, i) => h('option', { value: String(q.id) }, `${i + 1}. ${q.section}: ${q.text}`)));
  const out = h('div', { class: 'rfq-sbs-out', id: 'rfq-sbs-out', 'aria-live': 'polite' });
  select.addEventListener('change', async () => {
    clear(out);
    if (!select.value) return;
    let data;
    try {
      data = await app.conn.request('response.list', { rfq: rfq.id, question: Number(select.value) });
    } catch (e) {
      out.append(h('p', { class: 'error' }, errorText(e)));
      return;
    }
    const qid = Number(select.value);
    out.append(h('ul', { class: 'rfq-sbs' }, (data.responses || []).map((r) => {
      const a = (r.answers || []).find((x) => x.question === qid);
      return h('li', { class: 'rfq-sbs-col' }, h('h4', null, r.organization),
        a && a.body ? richText(a.html) : h('p', { class: 'empty' }, t('respond.no_answer')));
    })));
  });
  return h('div', { class: 'rfq-sbs-wrap' },
    h('div', { class: 'field' }, h('label', { for: 'rfq-sbs-question' }, t('rfq.sbs_question')), select), out);
}

export const evaluateStrings = {
  ...chartStrings,
  'rfq.group.design_team': 'design team',
  'rfq.group.funder': 'funders',
  'rfq.group.provider': 'providers',
  'rfq.eval_intro': 'You evaluate for the {group} group. Score each respondent on every criterion; you see the others’ scores for a respondent once you have scored it on every criterion.',
  'rfq.recused': 'You declared a conflict of interest and are recused from this respondent: {reason}',
  'rfq.read_answers': { one: 'Read their answers ({count} answered)', other: 'Read their answers ({count} answered)' },
  'rfq.your_scores': 'Your scores',
  'rfq.weight_max': '(weight {weight}, 1 to {max})',
  'rfq.score_of': 'Score, 1 to {max}',
  'rfq.comment': 'Comment (optional)',
  'rfq.save_scores': 'Save scores',
  'rfq.scored_n': { one: 'You scored {n} of {count} criterion.', other: 'You scored {n} of {count} criteria.' },
  'rfq.scores_saved': { one: 'Scores saved: {n} of {count} criterion.', other: 'Scores saved: {n} of {count} criteria.' },
  'rfq.score_range': '{name}: a score is a whole number from 1 to {max}.',
  'rfq.coi_title': 'Declare a conflict of interest',
  'rfq.coi_hint': 'If you have a tie to this organization (a contract, a family member, a board seat), declare it: you will not score it, and any score you gave it is removed.',
  'rfq.coi_reason': 'What is the conflict?',
  'rfq.coi_declare': 'Declare and recuse me',
  'rfq.coi_done': 'You are recused from {org}.',
  'rfq.results_options': 'How to count',
  'rfq.results_not_yours': 'Only conveners and the assigned evaluators see the scores.',
  'rfq.balance_groups': 'Each stakeholder group weighs the same',
  'rfq.balance_hint': 'So that eight design-team members cannot drown out two providers.',
  'rfq.normalize': 'Even out harsh and lenient evaluators',
  'rfq.normalize_hint': 'Each evaluator’s scores are turned into z-scores before they are averaged.',
  'rfq.evaluators_done': { one: '{done} of {count} evaluator has scored everything.', other: '{done} of {count} evaluators have scored everything.' },
  'rfq.results_caption': 'Results by respondent',
  'rfq.rank': 'Rank',
  'rfq.rank_tie': '{rank} (tie)',
  'rfq.organization': 'Organization',
  'rfq.total': 'Weighted total',
  'rfq.chosen': '(selected)',
  'rfq.hidden_until_scored': 'after you score it',
  'rfq.hidden_note': 'You see a respondent’s figures once you have scored it on every criterion.',
  'rfq.sd_n': '± {sd} (n={n})',
  'rfq.results_legend': 'Each cell: the mean score, ± its standard deviation, and how many evaluators scored.',
  'rfq.disagreements': 'Where evaluators disagree most',
  'rfq.disagreement': '{org}, {criterion}: standard deviation {sd} across {n} evaluators',
  'rfq.export_csv': 'Download every score as CSV',
  'rfq.select_title': 'Select the Hub',
  'rfq.select_which': 'Selected respondents',
  'rfq.select_hint': 'More than one Hub may be chosen (for example one for business and one for pedagogy).',
  'rfq.select_note': 'Note on the decision (optional)',
  'rfq.select_submit': 'Record the selection',
  'rfq.select_none': 'Choose at least one respondent.',
  'rfq.selected_done': 'The selection is recorded.',
  'rfq.sbs_question': 'Compare the answers to one question',
  'rfq.sbs_choose': 'Choose a question…',
};

export const evaluateStringsEs = {
  ...chartStringsEs,
  'rfq.group.design_team': 'equipo de diseño',
  'rfq.group.funder': 'financiadores',
  'rfq.group.provider': 'proveedores de cuidado',
  'rfq.eval_intro': 'Usted evalúa por el grupo de {group}. Puntúe a cada organización en todos los criterios; verá las puntuaciones de los demás para una organización cuando la haya puntuado en todos los criterios.',
  'rfq.recused': 'Usted declaró un conflicto de intereses y se abstiene de evaluar a esta organización: {reason}',
  'rfq.read_answers': { one: 'Leer sus respuestas ({count} respondida)', other: 'Leer sus respuestas ({count} respondidas)' },
  'rfq.your_scores': 'Sus puntuaciones',
  'rfq.weight_max': '(peso {weight}, de 1 a {max})',
  'rfq.score_of': 'Puntuación, de 1 a {max}',
  'rfq.comment': 'Comentario (opcional)',
  'rfq.save_scores': 'Guardar las puntuaciones',
  'rfq.scored_n': { one: 'Puntuó {n} de {count} criterio.', other: 'Puntuó {n} de {count} criterios.' },
  'rfq.scores_saved': { one: 'Puntuaciones guardadas: {n} de {count} criterio.', other: 'Puntuaciones guardadas: {n} de {count} criterios.' },
  'rfq.score_range': '{name}: la puntuación es un número entero de 1 a {max}.',
  'rfq.coi_title': 'Declarar un conflicto de intereses',
  'rfq.coi_hint': 'Si tiene un vínculo con esta organización (un contrato, un familiar, un puesto en su junta directiva), declárelo: no la puntuará y se quitará cualquier puntuación que le haya dado.',
  'rfq.coi_reason': '¿Cuál es el conflicto?',
  'rfq.coi_declare': 'Declarar y abstenerme',
  'rfq.coi_done': 'Usted se abstiene de evaluar a {org}.',
  'rfq.results_options': 'Cómo contar',
  'rfq.results_not_yours': 'Solo las personas convocantes y los evaluadores asignados ven las puntuaciones.',
  'rfq.balance_groups': 'Cada grupo de interés pesa lo mismo',
  'rfq.balance_hint': 'Así, ocho miembros del equipo de diseño no pueden opacar a dos proveedores de cuidado.',
  'rfq.normalize': 'Compensar a evaluadores estrictos y generosos',
  'rfq.normalize_hint': 'Las puntuaciones de cada evaluador se convierten en puntuaciones z antes de promediarlas.',
  'rfq.evaluators_done': { one: '{done} de {count} evaluador ya puntuó todo.', other: '{done} de {count} evaluadores ya puntuaron todo.' },
  'rfq.results_caption': 'Resultados por organización',
  'rfq.rank': 'Lugar',
  'rfq.rank_tie': '{rank} (empate)',
  'rfq.organization': 'Organización',
  'rfq.total': 'Total ponderado',
  'rfq.chosen': '(seleccionada)',
  'rfq.hidden_until_scored': 'cuando la puntúe',
  'rfq.hidden_note': 'Verá las cifras de una organización cuando la haya puntuado en todos los criterios.',
  'rfq.sd_n': '± {sd} (n={n})',
  'rfq.results_legend': 'Cada celda: la puntuación promedio, ± su desviación estándar, y cuántos evaluadores puntuaron.',
  'rfq.disagreements': 'Donde más difieren los evaluadores',
  'rfq.disagreement': '{org}, {criterion}: desviación estándar de {sd} entre {n} evaluadores',
  'rfq.export_csv': 'Descargar todas las puntuaciones en CSV',
  'rfq.select_title': 'Seleccionar el Hub',
  'rfq.select_which': 'Organizaciones seleccionadas',
  'rfq.select_hint': 'Se puede elegir más de un Hub (por ejemplo, uno para la parte administrativa y otro para la pedagógica).',
  'rfq.select_note': 'Nota sobre la decisión (opcional)',
  'rfq.select_submit': 'Registrar la selección',
  'rfq.select_none': 'Elija al menos una organización.',
  'rfq.selected_done': 'La selección quedó registrada.',
  'rfq.sbs_question': 'Comparar las respuestas a una pregunta',
  'rfq.sbs_choose': 'Elija una pregunta…',
};
