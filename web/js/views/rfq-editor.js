// The editor of a draft RFQ: title, introduction, deadline, questions by
// section and weighted criteria, all editable before publishing. Used to
// create an RFQ from rfq.template and to change a draft (rfq.update).

import { h, newKey } from '../dom.js';
import { t, errorText } from '../i18n.js';

let rowCounter = 0;

// "2026-12-01T17:00:00Z" -> the value of a datetime-local input, in local time.
export function toLocalInput(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function fromLocalInput(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// opts: {initial: {title, body, closes_at, questions, criteria}, submitLabel,
//        onSubmit(args, key) -> Promise, onCancel?}
export function rfqEditor(opts) {
  const init = opts.initial || {};
  let key = newKey();
  const title = h('input', { type: 'text', id: 'rfq-ed-title', required: true, maxlength: '200', value: init.title || '' });
  const body = h('textarea', { id: 'rfq-ed-body', rows: '6', 'aria-describedby': 'rfq-ed-body-hint' });
  body.value = init.body || '';
  const closes = h('input', { type: 'datetime-local', id: 'rfq-ed-closes', required: true, value: toLocalInput(init.closes_at) });
  const qList = h('ol', { class: 'rfq-ed-rows', id: 'rfq-ed-questions' });
  const cList = h('ol', { class: 'rfq-ed-rows', id: 'rfq-ed-criteria' });
  const qRows = [];
  const cRows = [];
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, opts.submitLabel);

  function removeButton(label, onRemove) {
    return h('button', { type: 'button', class: 'secondary small rfq-ed-remove', onclick: onRemove },
      t('rfq.ed_remove'), h('span', { class: 'visually-hidden' }, ' ' + label));
  }

  function renumber() {
    qRows.forEach((r, i) => { r.num.textContent = t('rfq.ed_question_n', { n: i + 1 }); });
    cRows.forEach((r, i) => { r.num.textContent = t('rfq.ed_criterion_n', { n: i + 1 }); });
  }

  function addQuestion(q, focus) {
    const n = ++rowCounter;
    const num = h('legend', null);
    const section = h('input', { type: 'text', id: `rfq-ed-q${n}-section`, required: true, maxlength: '200', value: q.section || '', list: 'rfq-ed-sections' });
    const text = h('textarea', { id: `rfq-ed-q${n}-text`, rows: '2', required: true });
    text.value = q.text || '';
    const row = { num, section, text };
    const li = h('li', { class: 'rfq-ed-row' }, h('fieldset', null, num,
      h('div', { class: 'field' }, h('label', { for: section.id }, t('rfq.ed_section')), section),
      h('div', { class: 'field' }, h('label', { for: text.id }, t('rfq.ed_question_text')), text),
      removeButton(q.text || '', () => {
        qRows.splice(qRows.indexOf(row), 1);
        li.remove();
        renumber();
        addQ.focus();
      })));
    row.li = li;
    qRows.push(row);
    qList.append(li);
    renumber();
    if (focus) section.focus();
  }

  function addCriterion(c, focus) {
    const n = ++rowCounter;
    const num = h('legend', null);
    const name = h('input', { type: 'text', id: `rfq-ed-c${n}-name`, required: true, maxlength: '200', value: c.name || '' });
    const desc = h('textarea', { id: `rfq-ed-c${n}-desc`, rows: '2' });
    desc.value = c.description || '';
    const weight = h('input', { type: 'number', id: `rfq-ed-c${n}-weight`, required: true, min: '0.1', max: '1000', step: 'any', value: c.weight ?? 1 });
    const max = h('input', { type: 'number', id: `rfq-ed-c${n}-max`, required: true, min: '1', max: '100', step: '1', value: c.max ?? 5 });
    const row = { num, name, desc, weight, max };
    const li = h('li', { class: 'rfq-ed-row' }, h('fieldset', null, num,
      h('div', { class: 'field' }, h('label', { for: name.id }, t('rfq.ed_criterion_name')), name),
      h('div', { class: 'field' }, h('label', { for: desc.id }, t('rfq.ed_criterion_desc')), desc),
      h('div', { class: 'rfq-ed-pair' },
        h('div', { class: 'field' }, h('label', { for: weight.id }, t('rfq.ed_weight')), weight),
        h('div', { class: 'field' }, h('label', { for: max.id }, t('rfq.ed_max')), max)),
      removeButton(c.name || '', () => {
        cRows.splice(cRows.indexOf(row), 1);
        li.remove();
        renumber();
        addC.focus();
      })));
    row.li = li;
    cRows.push(row);
    cList.append(li);
    renumber();
    if (focus) name.focus();
  }

  const addQ = h('button', { type: 'button', class: 'secondary', id: 'rfq-ed-add-q', onclick: () => addQuestion({ section: qRows.length ? qRows[qRows.length - 1].section.value : '' }, true) }, t('rfq.ed_add_question'));
  const addC = h('button', { type: 'button', class: 'secondary', id: 'rfq-ed-add-c', onclick: () => addCriterion({ weight: 1, max: 5 }, true) }, t('rfq.ed_add_criterion'));
  for (const q of init.questions || []) addQuestion(q);
  for (const c of init.criteria || []) addCriterion(c);
  const sections = h('datalist', { id: 'rfq-ed-sections' },
    [...new Set((init.questions || []).map((q) => q.section))].map((s) => h('option', { value: s })));

  const form = h('form', { class: 'stack rfq-editor', id: 'rfq-editor' },
    h('div', { class: 'field' }, h('label', { for: 'rfq-ed-title' }, t('rfq.ed_title')), title),
    h('div', { class: 'field' }, h('label', { for: 'rfq-ed-body' }, t('rfq.ed_body')),
      h('p', { class: 'hint', id: 'rfq-ed-body-hint' }, t('rfq.ed_body_hint')), body),
    h('div', { class: 'field' }, h('label', { for: 'rfq-ed-closes' }, t('rfq.ed_closes')), closes),
    h('section', { class: 'rfq-ed-part', 'aria-labelledby': 'rfq-ed-q-title' },
      h('h3', { id: 'rfq-ed-q-title' }, t('rfq.questions')), sections, qList, addQ),
    h('section', { class: 'rfq-ed-part', 'aria-labelledby': 'rfq-ed-c-title' },
      h('h3', { id: 'rfq-ed-c-title' }, t('rfq.criteria')),
      h('p', { class: 'hint' }, t('rfq.ed_criteria_hint')), cList, addC),
    error,
    h('div', { class: 'actions' }, submit,
      opts.onCancel ? h('button', { type: 'button', class: 'secondary', onclick: opts.onCancel }, t('rfq.ed_cancel')) : null));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    if (!form.reportValidity()) return;
    if (!qRows.length || !cRows.length) {
      error.textContent = t('rfq.ed_need_both');
      error.hidden = false;
      return;
    }
    const closesAt = fromLocalInput(closes.value);
    if (!closesAt) {
      closes.focus();
      return;
    }
    const args = {
      title: title.value.trim(),
      body: body.value,
      closes_at: closesAt,
      questions: qRows.map((r) => ({ section: r.section.value.trim(), text: r.text.value.trim() })),
      criteria: cRows.map((r) => ({ name: r.name.value.trim(), description: r.desc.value.trim(), weight: Number(r.weight.value), max: Number(r.max.value) })),
    };
    submit.disabled = true;
    try {
      await opts.onSubmit(args, key);
      key = newKey();
    } catch (e) {
      if (e.code !== 'offline') key = newKey();
      error.textContent = errorText(e);
      error.hidden = false;
      const target = { title, closes_at: closes, body }[e.field];
      if (target) target.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export const editorStrings = {
  'rfq.ed_title': 'Title',
  'rfq.ed_body': 'Introduction (markdown)',
  'rfq.ed_body_hint': 'What the Hub will do and how to respond. Respondents read this first.',
  'rfq.ed_closes': 'Responses close at (your local time)',
  'rfq.ed_section': 'Section',
  'rfq.ed_question_text': 'Question',
  'rfq.ed_question_n': 'Question {n}',
  'rfq.ed_criterion_n': 'Criterion {n}',
  'rfq.ed_criterion_name': 'Name',
  'rfq.ed_criterion_desc': 'What it means',
  'rfq.ed_weight': 'Weight',
  'rfq.ed_max': 'Highest score',
  'rfq.ed_criteria_hint': 'Each criterion is scored from 1 to its highest score; its weight says how much it counts in the total.',
  'rfq.ed_add_question': 'Add a question',
  'rfq.ed_add_criterion': 'Add a criterion',
  'rfq.ed_remove': 'Remove',
  'rfq.ed_cancel': 'Cancel',
  'rfq.ed_need_both': 'An RFQ needs at least one question and one criterion.',
};

export const editorStringsEs = {
  'rfq.ed_title': 'Título',
  'rfq.ed_body': 'Introducción (Markdown)',
  'rfq.ed_body_hint': 'Qué hará el Hub y cómo responder. Es lo primero que leen quienes responden.',
  'rfq.ed_closes': 'Las respuestas cierran (en su hora local)',
  'rfq.ed_section': 'Sección',
  'rfq.ed_question_text': 'Pregunta',
  'rfq.ed_question_n': 'Pregunta {n}',
  'rfq.ed_criterion_n': 'Criterio {n}',
  'rfq.ed_criterion_name': 'Nombre',
  'rfq.ed_criterion_desc': 'Qué significa',
  'rfq.ed_weight': 'Peso',
  'rfq.ed_max': 'Puntuación más alta',
  'rfq.ed_criteria_hint': 'Cada criterio se puntúa de 1 a su puntuación más alta; su peso indica cuánto cuenta en el total.',
  'rfq.ed_add_question': 'Agregar una pregunta',
  'rfq.ed_add_criterion': 'Agregar un criterio',
  'rfq.ed_remove': 'Quitar',
  'rfq.ed_cancel': 'Cancelar',
  'rfq.ed_need_both': 'Una solicitud necesita al menos una pregunta y un criterio.',
};

