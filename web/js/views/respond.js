// The respondent page of an RFQ (#/respond/<respondent_token>): no account,
// the secret link is the sign-in. The RFQ's questions by section, an answer
// in markdown for each, "save draft" and "submit final answers", the addenda
// and the published clarifications, a form to ask a question, and once the
// deadline has passed (or the answers were submitted as final) a read-only
// view of the frozen answers.
//
// Respondents receive no events (they have no session): the page checks for
// new addenda and clarifications every minute, and at the deadline.

import { h, clear, append, newKey } from '../dom.js';
import { t, errorText, formatDate } from '../i18n.js';

const POLL_MS = 60000;

function richText(html) {
  const div = h('div', { class: 'md' });
  div.innerHTML = html || ''; // rendered and sanitized by the daemon
  return div;
}

export function render(app, token) {
  const conn = app.conn;
  let alive = true;
  let data = null; // the last response.get reply
  let pollTimer = null;
  let deadlineTimer = null;
  let saveKey = newKey();
  let askKey = newKey();
  const boxes = new Map(); // question id -> textarea
  let dirty = false;

  const heading = h('h1', { id: 'resp-title' }, t('app.loading'));
  const who = h('p', { class: 'lead', id: 'resp-who' });
  const deadline = h('p', { class: 'resp-deadline', id: 'resp-deadline' });
  const failure = h('div', { class: 'error', role: 'alert', hidden: true });
  const state = h('div', { class: 'resp-state', id: 'resp-state', role: 'status' });
  const intro = h('div', { class: 'resp-intro' });
  const addenda = h('div', { id: 'resp-addenda', 'aria-live': 'polite' });
  const clarifications = h('div', { id: 'resp-clarifications', 'aria-live': 'polite' });
  const answersArea = h('div', { id: 'resp-answers' });
  const askArea = h('div', { id: 'resp-ask-area' });
  const body = h('div', { class: 'resp-body', hidden: true },
    h('section', { class: 'panel', 'aria-labelledby': 'resp-about-title' },
      h('h2', { id: 'resp-about-title' }, t('respond.about')), intro),
    addenda,
    h('section', { class: 'panel', 'aria-labelledby': 'resp-answers-title' },
      h('h2', { id: 'resp-answers-title' }, t('respond.your_answers')), answersArea),
    clarifications,
    askArea);
  const el = h('article', { class: 'respond rfq', 'aria-labelledby': 'resp-title' },
    h('header', { class: 'page-head' }, h('p', { class: 'muted resp-kicker' }, t('respond.kicker')), heading, who, deadline),
    failure, state, body);

  const isOpen = () => !!(data && data.open);

  function renderHead() {
    const rfq = data.rfq;
    heading.textContent = rfq.title;
    document.title = `${rfq.title} · ${t('app.name')}`;
    who.textContent = t('respond.for', { org: data.respondent.organization });
    deadline.textContent = t('respond.deadline', { date: formatDate(rfq.closes_at) });
    clear(intro);
    intro.append(richText(rfq.html));
    clear(state);
    state.className = 'resp-state ' + (isOpen() ? 'notice' : 'resp-frozen');
    if (isOpen()) {
      state.append(h('p', null, t('respond.open_note')));
    } else if (data.final) {
      state.append(h('p', null, h('strong', null, t('respond.frozen_final', { date: formatDate(data.respondent.final_at) }))));
    } else if (rfq.status === 'draft') {
      state.append(h('p', null, t('respond.not_yet')));
    } else {
      state.append(h('p', null, h('strong', null, t('respond.frozen_closed', { date: formatDate(rfq.closed_at || rfq.closes_at) }))));
    }
  }

  function renderAddenda() {
    clear(addenda);
    const list = data.rfq.addenda || [];
    if (!list.length) return;
    addenda.append(h('section', { class: 'panel resp-addenda', 'aria-labelledby': 'resp-addenda-title' },
      h('h2', { id: 'resp-addenda-title' }, t('respond.addenda')),
      h('ol', { class: 'rfq-addenda' }, list.map((a) => h('li', { dataset: { addendumId: a.id } },
        h('p', { class: 'muted' }, formatDate(a.at || a.created_at)),
        richText(a.html))))));
  }

  function renderClarifications() {
    clear(clarifications);
    const list = (data.clarifications || []).filter((c) => c.answer);
    clarifications.append(h('section', { class: 'panel', 'aria-labelledby': 'resp-clar-title' },
      h('h2', { id: 'resp-clar-title' }, t('respond.clarifications')),
      h('p', { class: 'muted' }, t('respond.clarifications_intro')),
      list.length ? h('ol', { class: 'rfq-clarifications' }, list.map((c) => h('li', { dataset: { clarificationId: c.id } },
        h('div', { class: 'rfq-clar-q' }, h('span', { class: 'label' }, t('respond.q')), richText(c.question_html)),
        h('div', { class: 'rfq-clar-a' }, h('span', { class: 'label' }, t('respond.a')), richText(c.answer_html)))))
        : h('p', { class: 'empty' }, t('respond.no_clarifications'))));
  }

  function answerOf(qid) {
    const a = (data.answers || []).find((x) => x.question === qid);
    return a || null;
  }

  function renderAnswers() {
    clear(answersArea);
    boxes.clear();
    dirty = false;
    const questions = data.rfq.questions || [];
    const sections = [];
    for (const q of questions) {
      let s = sections.find((x) => x.name === q.section);
      if (!s) sections.push(s = { name: q.section, questions: [] });
      s.questions.push(q);
    }
    const open = isOpen();
    let n = 0;
    const parts = sections.map((s, si) => h('section', { class: 'resp-section', 'aria-labelledby': 'resp-sec-' + si },
      h('h3', { id: 'resp-sec-' + si }, s.name),
      h('ol', { class: 'resp-questions', start: String(n + 1) }, s.questions.map((q) => {
        n += 1;
        const a = answerOf(q.id);
        const id = 'resp-q-' + q.id;
        const label = h('label', { for: id, id: id + '-label', class: 'resp-q-text' }, q.text);
        const extra = q.addendum ? h('p', { class: 'hint' }, t('respond.added_by_addendum')) : null;
        if (open) {
          const ta = h('textarea', { id, rows: '5', 'aria-describedby': 'resp-md-hint', dataset: { question: q.id } });
          ta.value = a ? a.body : '';
          ta.addEventListener('input', () => { dirty = true; });
          boxes.set(q.id, ta);
          return h('li', { class: 'resp-q', dataset: { questionId: q.id } }, label, extra, ta);
        }
        return h('li', { class: 'resp-q', dataset: { questionId: q.id } },
          h('p', { class: 'resp-q-text', id: id + '-label' }, q.text), extra,
          a && a.body ? h('div', { class: 'resp-frozen-answer', 'aria-labelledby': id + '-label', role: 'group' }, richText(a.html))
            : h('p', { class: 'empty' }, t('respond.no_answer')));
      }))));
    if (!open) {
      answersArea.append(...parts);
      return;
    }
    const status = h('p', { class: 'resp-save-status', id: 'resp-save-status', role: 'status' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const confirm = h('input', { type: 'checkbox', id: 'resp-final-ok' });
    const saveBtn = h('button', { type: 'submit', class: 'secondary', id: 'resp-save', value: 'draft' }, t('respond.save_draft'));
    const finalBtn = h('button', { type: 'button', class: 'primary', id: 'resp-final', disabled: true }, t('respond.submit_final'));
    confirm.addEventListener('change', () => { finalBtn.disabled = !confirm.checked; });
    const form = h('form', { class: 'stack', id: 'resp-form' },
      h('p', { class: 'hint', id: 'resp-md-hint' }, t('respond.md_hint')),
      parts,
      error, status,
      h('div', { class: 'actions' }, saveBtn),
      h('fieldset', { class: 'resp-final-box' }, h('legend', null, t('respond.final_title')),
        h('div', { class: 'resp-check' }, confirm, h('label', { for: 'resp-final-ok' }, t('respond.final_confirm'))),
        h('div', { class: 'actions' }, finalBtn)));
    async function send(final) {
      error.hidden = true;
      status.textContent = t('respond.saving');
      saveBtn.disabled = true;
      finalBtn.disabled = true;
      const answers = [...boxes].map(([question, ta]) => ({ question, body: ta.value }));
      const args = { respondent_token: token, answers };
      if (final) args.final = true;
      try {
        const reply = await conn.request('response.submit', args, { key: saveKey });
        if (!alive) return;
        saveKey = newKey();
        data = reply;
        dirty = false;
        const msg = final ? t('respond.submitted') : t('respond.saved', { date: formatDate(new Date().toISOString()) });
        app.announce(msg);
        if (final || !isOpen()) {
          renderAll();
          state.setAttribute('tabindex', '-1');
          state.focus();
        } else {
          status.textContent = msg;
        }
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') saveKey = newKey();
        status.textContent = '';
        error.textContent = e.code === 'closed' ? t('respond.too_late') : errorText(e);
        error.hidden = false;
        if (e.code === 'closed' || (e.code === 'conflict' && e.field === 'final')) load(true);
      } finally {
        saveBtn.disabled = false;
        finalBtn.disabled = !confirm.checked;
      }
    }
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send(false);
    });
    finalBtn.addEventListener('click', () => send(true));
    answersArea.append(form);
  }

  function renderAsk() {
    clear(askArea);
    if (!isOpen()) return;
    const text = h('textarea', { id: 'resp-ask-text', rows: '3', required: true, maxlength: '8000', 'aria-describedby': 'resp-ask-hint' });
    const status = h('p', { role: 'status', id: 'resp-ask-status' });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'secondary' }, t('respond.ask_send'));
    const form = h('form', { class: 'stack', id: 'resp-ask-form' },
      h('div', { class: 'field' }, h('label', { for: 'resp-ask-text' }, t('respond.ask_label')),
        h('p', { class: 'hint', id: 'resp-ask-hint' }, t('respond.ask_hint')), text),
      error, status, h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      submit.disabled = true;
      try {
        await conn.request('clarification.ask', { respondent_token: token, text: text.value }, { key: askKey });
        if (!alive) return;
        askKey = newKey();
        text.value = '';
        status.textContent = t('respond.ask_sent');
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') askKey = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
      } finally {
        submit.disabled = false;
      }
    });
    askArea.append(h('section', { class: 'panel', 'aria-labelledby': 'resp-ask-title' },
      h('h2', { id: 'resp-ask-title' }, t('respond.ask_title')), form));
  }

  function renderAll() {
    renderHead();
    renderAddenda();
    renderClarifications();
    renderAnswers();
    renderAsk();
  }

  function schedule() {
    clearTimeout(pollTimer);
    clearTimeout(deadlineTimer);
    if (!alive || !data || !isOpen()) return;
    pollTimer = setTimeout(() => load(false), POLL_MS);
    const left = new Date(data.rfq.closes_at).getTime() - Date.now();
    if (left > 0 && left < 2 ** 31 - 1) deadlineTimer = setTimeout(() => load(false), left + 1500);
  }

  // first: render everything. Later: only what others change (addenda,
  // clarifications, the open state), never the answers being typed.
  async function load(first) {
    let reply;
    try {
      reply = await conn.request('response.get', { respondent_token: token });
    } catch (e) {
      if (!alive) return;
      if (first || !data) {
        heading.textContent = t('respond.title');
        clear(failure);
        append(failure, [h('p', null, e.code === 'unauthenticated' ? t('respond.bad_link') : errorText(e))]);
        failure.hidden = false;
      }
      schedule();
      return;
    }
    if (!alive) return;
    const wasOpen = isOpen();
    const before = data;
    data = reply;
    failure.hidden = true;
    if (first || !before || wasOpen !== isOpen() || !dirty) {
      renderAll();
    } else {
      renderHead();
      renderAddenda();
      renderClarifications();
    }
    if (before && wasOpen && !isOpen()) app.announce(t('respond.now_frozen'));
    body.hidden = false;
    schedule();
  }

  load(true);
  return {
    el,
    title: t('respond.title'),
    destroy() {
      alive = false;
      clearTimeout(pollTimer);
      clearTimeout(deadlineTimer);
    },
  };
}

export const respondStrings = {
  'respond.title': 'Your response',
  'respond.kicker': 'Request for qualifications',
  'respond.for': 'Responding for {org}',
  'respond.deadline': 'Responses close {date}',
  'respond.about': 'About this request',
  'respond.your_answers': 'Your answers',
  'respond.open_note': 'Save a draft as often as you like: only you can read it until the deadline. Submit your final answers when you are ready.',
  'respond.frozen_final': 'You submitted your final answers on {date}. They can no longer be changed.',
  'respond.frozen_closed': 'The deadline passed ({date}). Your answers are frozen: this is what the evaluators read.',
  'respond.not_yet': 'This request is not published yet.',
  'respond.now_frozen': 'The deadline has passed: your answers are now frozen.',
  'respond.addenda': 'Addenda',
  'respond.added_by_addendum': 'Added by an addendum.',
  'respond.clarifications': 'Clarifications',
  'respond.clarifications_intro': 'Questions respondents asked, and the answers every respondent sees. Who asked is never shown.',
  'respond.no_clarifications': 'No clarifications yet.',
  'respond.q': 'Question',
  'respond.a': 'Answer',
  'respond.md_hint': 'Answers are markdown: **bold**, *italic*, lists with -, links.',
  'respond.no_answer': 'No answer.',
  'respond.save_draft': 'Save draft',
  'respond.final_title': 'Submit',
  'respond.final_confirm': 'These are our final answers. I understand they cannot be changed after I submit them.',
  'respond.submit_final': 'Submit final answers',
  'respond.saving': 'Saving…',
  'respond.saved': 'Draft saved ({date}).',
  'respond.submitted': 'Your final answers were submitted. Thank you.',
  'respond.too_late': 'The deadline has passed: your answers can no longer be changed.',
  'respond.ask_title': 'Ask a question',
  'respond.ask_label': 'Your question',
  'respond.ask_hint': 'The answer is published to every respondent, without your name.',
  'respond.ask_send': 'Send the question',
  'respond.ask_sent': 'Your question was sent. Its answer will appear under Clarifications.',
  'respond.bad_link': 'This link is not valid. Check that you copied all of it, or ask the coalition for a new one.',
};

export const respondStringsEs = {
  'respond.title': 'Su respuesta',
  'respond.kicker': 'Solicitud de calificaciones',
  'respond.for': 'Responde por {org}',
  'respond.deadline': 'Las respuestas cierran el {date}',
  'respond.about': 'Sobre esta solicitud',
  'respond.your_answers': 'Sus respuestas',
  'respond.open_note': 'Guarde un borrador tantas veces como quiera: solo usted puede leerlo hasta la fecha límite. Envíe sus respuestas finales cuando esté listo.',
  'respond.frozen_final': 'Envió sus respuestas finales el {date}. Ya no se pueden cambiar.',
  'respond.frozen_closed': 'La fecha límite pasó ({date}). Sus respuestas quedaron fijas: esto es lo que leen quienes evalúan.',
  'respond.not_yet': 'Esta solicitud todavía no está publicada.',
  'respond.now_frozen': 'La fecha límite pasó: sus respuestas ahora quedaron fijas.',
  'respond.addenda': 'Adendas',
  'respond.added_by_addendum': 'Agregada por una adenda.',
  'respond.clarifications': 'Aclaraciones',
  'respond.clarifications_intro': 'Las preguntas que hicieron las organizaciones y las respuestas que todas ven. Nunca se muestra quién preguntó.',
  'respond.no_clarifications': 'Todavía no hay aclaraciones.',
  'respond.q': 'Pregunta',
  'respond.a': 'Respuesta',
  'respond.md_hint': 'Las respuestas usan Markdown: **negrita**, *cursiva*, listas con -, enlaces.',
  'respond.no_answer': 'Sin respuesta.',
  'respond.save_draft': 'Guardar el borrador',
  'respond.final_title': 'Enviar',
  'respond.final_confirm': 'Estas son nuestras respuestas finales. Entiendo que no se pueden cambiar después de enviarlas.',
  'respond.submit_final': 'Enviar las respuestas finales',
  'respond.saving': 'Guardando…',
  'respond.saved': 'Borrador guardado ({date}).',
  'respond.submitted': 'Se enviaron sus respuestas finales. Gracias.',
  'respond.too_late': 'La fecha límite pasó: sus respuestas ya no se pueden cambiar.',
  'respond.ask_title': 'Hacer una pregunta',
  'respond.ask_label': 'Su pregunta',
  'respond.ask_hint': 'La respuesta se publica para todas las organizaciones, sin su nombre.',
  'respond.ask_send': 'Enviar la pregunta',
  'respond.ask_sent': 'Se envió su pregunta. La respuesta aparecerá en Aclaraciones.',
  'respond.bad_link': 'Este enlace no es válido. Revise que lo copió completo o pida uno nuevo a la coalición.',
};
