// Discussions: the threads of a coalition.
//
//   #/c/<slug>/threads                  thread list (unread counts), search, new thread
//   #/c/<slug>/threads/<id>             one thread (discussions-thread.js)
//   #/c/<slug>/threads/<id>/m/<msg>     the same, scrolled to one message
//
// The list is kept live from the coalition's events (thread.created and
// message.*): each one reloads thread.list, which carries this member's
// unread counts. Mentions of the signed-in member show up as notices.

import { h, clear, field, newKey } from '../dom.js';
import { t, errorText, formatDate } from '../i18n.js';
import {
  addStylesheet, SLUG, threadsHref, threadHref, authorName, snippetNodes, watchMentions,
  mentionsOf, onMention, mentionText, loadMembers, mentionSuggester,
} from './discussions-util.js';
import * as threadView from './discussions-thread.js';
import { previewToggle } from './discussions-preview.js';

export const link = { id: 'disc.area', href: (slug) => threadsHref(slug) };

export const routes = [
  { pattern: new RegExp(`^#/c/${SLUG}/threads/?$`, 'i'), view: { render: renderList } },
  { pattern: new RegExp(`^#/c/${SLUG}/threads/(\\d+)$`, 'i'), view: threadView },
  { pattern: new RegExp(`^#/c/${SLUG}/threads/(\\d+)/m/(\\d+)$`, 'i'), view: threadView },
];

function renderList(app, slug) {
  addStylesheet();
  watchMentions(app);
  const conn = app.conn;
  let alive = true;
  const offs = [];
  const rows = new Map(); // thread id -> {li, sig}

  const heading = h('h1', { id: 'disc-title' }, t('disc.title'));
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': t('disc.breadcrumbs') },
    h('a', { href: '#/c/' + encodeURIComponent(slug), id: 'disc-coalition-link' }, t('disc.back_to_coalition')));
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const status = h('p', { class: 'loading' }, t('app.loading'));
  const list = h('ul', { class: 'thread-list', id: 'thread-list', 'aria-labelledby': 'threads-title' });
  const mentionBox = h('section', { class: 'panel mentions', id: 'mention-inbox', 'aria-labelledby': 'mentions-title', hidden: true },
    h('h2', { id: 'mentions-title' }, t('disc.mentions_title')),
    h('ul', { class: 'mention-items', 'aria-live': 'polite' }));

  // --- threads ------------------------------------------------------------------

  function threadRow(th) {
    const unread = th.unread || 0;
    return h('li', { class: 'thread-row' + (unread ? ' has-unread' : ''), dataset: { threadId: th.id } },
      h('div', { class: 'thread-main' },
        h('a', { class: 'thread-title', href: threadHref(slug, th.id) }, th.title),
        unread ? h('span', { class: 'unread-badge' }, t('disc.unread', { count: unread })) : null),
      h('p', { class: 'thread-meta muted' },
        t('disc.message_count', { count: th.message_count || 0 }),
        th.last_message_at ? ' · ' + t('disc.last_message', { date: formatDate(th.last_message_at) }) : '',
        th.created_by ? ' · ' + t('disc.started_by', { name: th.created_by.name }) : ''));
  }

  function showThreads(threads) {
    status.hidden = true;
    const sorted = threads.slice().sort((a, b) =>
      String(b.last_message_at || b.created_at || '').localeCompare(String(a.last_message_at || a.created_at || '')) || b.id - a.id);
    if (!sorted.length) {
      status.textContent = t('disc.no_threads');
      status.className = 'empty';
      status.hidden = false;
    }
    const keep = new Set();
    let prev = null;
    for (const th of sorted) {
      keep.add(th.id);
      const sig = JSON.stringify([th.title, th.unread, th.message_count, th.last_message_at]);
      let row = rows.get(th.id);
      if (!row || row.sig !== sig) {
        const li = threadRow(th);
        if (row) row.li.replaceWith(li);
        row = { li, sig };
        rows.set(th.id, row);
      }
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== row.li) list.insertBefore(row.li, want);
      prev = row.li;
    }
    for (const [id, row] of rows) {
      if (!keep.has(id)) {
        row.li.remove();
        rows.delete(id);
      }
    }
  }

  let loadSeq = 0;
  async function loadThreads() {
    const mine = ++loadSeq;
    try {
      const data = await conn.request('thread.list', { coalition: slug });
      if (!alive || mine !== loadSeq) return;
      failure.hidden = true;
      showThreads(data.threads || []);
      // Polite from now on: changed rows are read out, the first list is not.
      setTimeout(() => list.setAttribute('aria-live', 'polite'), 0);
    } catch (e) {
      if (!alive || mine !== loadSeq) return;
      status.hidden = true;
      failure.textContent = e.code === 'not_found' ? t('disc.no_coalition') : errorText(e);
      failure.hidden = false;
    }
  }

  let reloadTimer = null;
  function reloadSoon() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(loadThreads, 250);
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug) return;
    if (/^(thread|message)\./.test(ev.event)) reloadSoon();
  }));
  offs.push(conn.on('session', (who) => { if (alive && who) reloadSoon(); }));

  // --- mentions -------------------------------------------------------------------

  function showMentions() {
    const items = mentionsOf(slug);
    const ul = mentionBox.querySelector('ul');
    clear(ul);
    for (const item of items) {
      ul.append(h('li', null, h('a', { href: threadHref(slug, item.thread.id, item.message.id) }, mentionText(item))));
    }
    mentionBox.hidden = items.length === 0;
  }
  offs.push(onMention((item) => {
    if (!alive || item.slug !== slug) return;
    showMentions();
    app.announce(mentionText(item));
  }));

  // --- search ----------------------------------------------------------------------

  const searchInput = h('input', { type: 'search', id: 'disc-search-q', name: 'q', maxlength: 500, autocomplete: 'off', required: true });
  const searchStatus = h('p', { class: 'muted', id: 'disc-search-status', role: 'status' });
  const searchResults = h('ol', { class: 'search-hits', id: 'search-results' });
  const searchForm = h('form', { class: 'search-form', role: 'search', id: 'disc-search-form', 'aria-label': t('disc.search_form') },
    h('label', { for: 'disc-search-q' }, t('disc.search_label')),
    h('div', { class: 'search-row' }, searchInput,
      h('button', { type: 'submit', class: 'secondary' }, t('disc.search_submit'))));
  let searchSeq = 0;
  searchForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const q = searchInput.value.trim();
    if (!q) return;
    const mine = ++searchSeq;
    searchStatus.textContent = t('disc.searching');
    try {
      const data = await conn.request('search', { coalition: slug, q, limit: 20 });
      if (!alive || mine !== searchSeq) return;
      const hits = data.hits || [];
      clear(searchResults);
      for (const hit of hits) {
        const msg = hit.message || {};
        const th = hit.thread || {};
        searchResults.append(h('li', { class: 'search-hit' },
          h('a', { href: threadHref(slug, th.id, msg.id), class: 'hit-thread' }, th.title || t('disc.thread')),
          h('p', { class: 'snippet' }, snippetNodes(hit.snippet)),
          h('p', { class: 'muted hit-meta' }, authorName(msg),
            msg.created_at ? ' · ' + formatDate(msg.created_at) : '')));
      }
      searchStatus.textContent = hits.length ? t('disc.search_hits', { count: hits.length, q }) : t('disc.search_none', { q });
    } catch (e) {
      if (!alive || mine !== searchSeq) return;
      clear(searchResults);
      searchStatus.textContent = e.field === 'q' ? t('disc.search_bad') : errorText(e);
    }
  });

  // --- new thread -------------------------------------------------------------------

  function newThreadForm() {
    let key = newKey();
    const title = field({ label: t('disc.new_title'), name: 'title', type: 'text', required: true, maxlength: 200, autocomplete: 'off' });
    const bodyId = 'new-thread-body';
    const body = h('textarea', { id: bodyId, name: 'body', rows: 5, required: true, 'aria-describedby': 'new-thread-body-hint' });
    const suggest = mentionSuggester(body, () => members, 'new-thread');
    const preview = previewToggle(body, 'new-thread');
    const anon = h('input', { type: 'checkbox', id: 'new-thread-anon', name: 'allow_anonymous', checked: true });
    const error = h('p', { class: 'error', id: 'new-thread-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('disc.new_submit'));
    const form = h('form', { class: 'stack', id: 'new-thread-form' },
      title.wrap,
      h('div', { class: 'field' },
        h('label', { for: bodyId }, t('disc.new_body')),
        h('p', { class: 'hint', id: 'new-thread-body-hint' }, t('disc.markdown_hint')),
        body, suggest.el),
      preview.region,
      h('div', { class: 'check' }, anon, h('label', { for: 'new-thread-anon' }, t('disc.new_allow_anon'))),
      error,
      h('div', { class: 'actions' }, submit, preview.button));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!form.reportValidity()) return;
      if (!title.input.value.trim() || !body.value.trim()) {
        error.textContent = t('disc.empty');
        error.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const data = await conn.request('thread.create', {
          coalition: slug, title: title.input.value.trim(), body: body.value, allow_anonymous: anon.checked,
        }, { key });
        if (!alive) return;
        key = newKey();
        app.navigate(threadHref(slug, data.thread.id));
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        const target = e.field === 'title' ? title.input : e.field === 'body' ? body : null;
        if (target) target.focus();
      } finally {
        submit.disabled = false;
      }
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'new-thread-title' },
      h('h2', { id: 'new-thread-title' }, t('disc.new_heading')),
      form);
  }

  let members = [];
  const canPost = h('div', { id: 'new-thread-area' });

  const el = h('article', { class: 'disc disc-list', 'aria-labelledby': 'disc-title', dataset: { slug } },
    h('header', { class: 'page-head' }, crumbs, heading),
    failure,
    mentionBox,
    h('div', { class: 'disc-columns' },
      h('section', { class: 'panel', 'aria-labelledby': 'threads-title' },
        h('h2', { id: 'threads-title' }, t('disc.threads')),
        status,
        list),
      h('div', { class: 'disc-side' },
        h('section', { class: 'panel', 'aria-labelledby': 'search-title' },
          h('h2', { id: 'search-title' }, t('disc.search_heading')),
          searchForm, searchStatus, searchResults),
        canPost)));

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    loadThreads();
    showMentions();
    try {
      const info = await loadMembers(app, slug);
      if (!alive) return;
      members = info.members;
      const roles = (info.me && info.me.roles) || [];
      // Observers read; every other role may write.
      if (roles.some((r) => r !== 'observer')) canPost.append(newThreadForm());
    } catch (e) {
      if (!alive) return;
      if (e.code === 'not_found') {
        failure.textContent = t('disc.no_coalition');
        failure.hidden = false;
      }
    }
    await subscribed;
  }
  load();

  return {
    el,
    title: t('disc.title'),
    destroy() {
      alive = false;
      clearTimeout(reloadTimer);
      for (const off of offs) off();
    },
  };
}

export const strings = {
  en: {
    'disc.area': 'Discussions',
    'disc.title': 'Discussions',
    'disc.breadcrumbs': 'Breadcrumbs',
    'disc.back_to_coalition': '← Back to the coalition',
    'disc.back_to_threads': '← All discussions',
    'disc.no_coalition': 'This coalition does not exist, or you are not a member.',
    'disc.threads': 'Threads',
    'disc.thread': 'Thread',
    'disc.no_threads': 'No threads yet. Start the first one.',
    'disc.unread': { one: '{count} unread', other: '{count} unread' },
    'disc.message_count': { one: '{count} message', other: '{count} messages' },
    'disc.last_message': 'last {date}',
    'disc.started_by': 'started by {name}',
    'disc.started_line': 'Started by {name} on {date}',
    'disc.anonymous': 'Anonymous',
    'disc.mentions_title': 'You were mentioned',
    'disc.mentioned_by': '{name} mentioned you in “{thread}”',
    'disc.mentioned_anon': 'Someone mentioned you in “{thread}”',
    'disc.mention_suggestions': 'Members to mention',

    'disc.search_heading': 'Search',
    'disc.search_label': 'Search messages',
    'disc.search_form': 'Search the discussions',
    'disc.search_submit': 'Search',
    'disc.searching': 'Searching…',
    'disc.search_hits': { one: '{count} message matches “{q}”.', other: '{count} messages match “{q}”.' },
    'disc.search_none': 'No message matches “{q}”.',
    'disc.search_bad': 'Type at least one word to search for.',

    'disc.new_heading': 'Start a thread',
    'disc.new_title': 'Title',
    'disc.new_body': 'First message',
    'disc.new_allow_anon': 'Allow anonymous messages in this thread',
    'disc.new_submit': 'Start thread',
    'disc.markdown_hint': 'Markdown works: **bold**, *italic*, lists, links. Type @ and a name to mention someone.',
    'disc.empty': 'Please write something first.',
    'disc.preview': 'Preview',
    'disc.preview_hide': 'Hide preview',
    'disc.preview_note': 'Preview — the posted message may differ in small details.',
    'disc.preview_empty': 'Nothing to preview yet.',

    'disc.load_earlier': 'Load earlier messages',
    'disc.loading_earlier': 'Loading…',
    'disc.new_messages': 'New messages',
    'disc.messages_label': 'Messages',
    'disc.no_messages': 'No messages yet.',
    'disc.reply_to': 'In reply to {name}',
    'disc.reply_to_deleted': 'In reply to a deleted message',
    'disc.reply_to_earlier': 'In reply to an earlier message',
    'disc.deleted': 'Message deleted',
    'disc.edited': 'edited',
    'disc.reply': 'Reply',
    'disc.edit': 'Edit',
    'disc.delete': 'Delete',
    'disc.delete_confirm': 'Delete this message? A note that it was deleted stays in the thread.',
    'disc.history': 'View history',
    'disc.history_hide': 'Hide history',
    'disc.history_title': 'Earlier versions',
    'disc.history_version': 'Version of {date}',
    'disc.history_current': 'Current version, {date}',
    'disc.history_none': 'No earlier versions.',
    'disc.save': 'Save',
    'disc.cancel': 'Cancel',
    'disc.edit_label': 'Edit your message',
    'disc.actions_for': 'Actions for the message of {name}',
    'disc.compose_heading': 'Write a message',
    'disc.compose_label': 'Your message',
    'disc.compose_anon': 'Post anonymously',
    'disc.compose_anon_hint': 'Your name is shown to nobody, conveners included. You can still edit or delete the message.',
    'disc.compose_no_anon': 'This thread does not take anonymous messages.',
    'disc.replying_to': 'Replying to {name}: “{excerpt}”',
    'disc.cancel_reply': 'Cancel reply',
    'disc.post': 'Post message',
    'disc.posting': 'Posting…',
    'disc.read_only': 'You can read this thread; observers do not post.',
    'disc.new_from': 'New message from {name}',
    'disc.new_from_anon': 'New anonymous message',
    'disc.message_edited': 'A message was edited',
    'disc.message_deleted': 'A message was deleted',
    'disc.not_loaded': 'That message could not be found in this thread.',
  },
  es: {
    'disc.area': 'Conversaciones',
    'disc.title': 'Conversaciones',
    'disc.breadcrumbs': 'Ruta de navegación',
    'disc.back_to_coalition': '← Volver a la coalición',
    'disc.back_to_threads': '← Todas las conversaciones',
    'disc.no_coalition': 'Esta coalición no existe o usted no es miembro.',
    'disc.threads': 'Hilos',
    'disc.thread': 'Hilo',
    'disc.no_threads': 'Todavía no hay hilos. Empiece el primero.',
    'disc.unread': { one: '{count} sin leer', other: '{count} sin leer' },
    'disc.message_count': { one: '{count} mensaje', other: '{count} mensajes' },
    'disc.last_message': 'último: {date}',
    'disc.started_by': 'iniciado por {name}',
    'disc.started_line': 'Iniciado por {name} el {date}',
    'disc.anonymous': 'Anónimo',
    'disc.mentions_title': 'Lo mencionaron',
    'disc.mentioned_by': '{name} lo mencionó en «{thread}»',
    'disc.mentioned_anon': 'Alguien lo mencionó en «{thread}»',
    'disc.mention_suggestions': 'Miembros para mencionar',

    'disc.search_heading': 'Buscar',
    'disc.search_label': 'Buscar mensajes',
    'disc.search_form': 'Buscar en las conversaciones',
    'disc.search_submit': 'Buscar',
    'disc.searching': 'Buscando…',
    'disc.search_hits': { one: '{count} mensaje coincide con «{q}».', other: '{count} mensajes coinciden con «{q}».' },
    'disc.search_none': 'Ningún mensaje coincide con «{q}».',
    'disc.search_bad': 'Escriba al menos una palabra para buscar.',

    'disc.new_heading': 'Empezar un hilo',
    'disc.new_title': 'Título',
    'disc.new_body': 'Primer mensaje',
    'disc.new_allow_anon': 'Permitir mensajes anónimos en este hilo',
    'disc.new_submit': 'Empezar el hilo',
    'disc.markdown_hint': 'Puede usar Markdown: **negrita**, *cursiva*, listas, enlaces. Escriba @ y un nombre para mencionar a alguien.',
    'disc.empty': 'Primero escriba algo.',
    'disc.preview': 'Vista previa',
    'disc.preview_hide': 'Ocultar la vista previa',
    'disc.preview_note': 'Vista previa: el mensaje publicado puede variar en pequeños detalles.',
    'disc.preview_empty': 'Todavía no hay nada que mostrar.',

    'disc.load_earlier': 'Cargar mensajes anteriores',
    'disc.loading_earlier': 'Cargando…',
    'disc.new_messages': 'Mensajes nuevos',
    'disc.messages_label': 'Mensajes',
    'disc.no_messages': 'Todavía no hay mensajes.',
    'disc.reply_to': 'En respuesta a {name}',
    'disc.reply_to_deleted': 'En respuesta a un mensaje eliminado',
    'disc.reply_to_earlier': 'En respuesta a un mensaje anterior',
    'disc.deleted': 'Mensaje eliminado',
    'disc.edited': 'editado',
    'disc.reply': 'Responder',
    'disc.edit': 'Editar',
    'disc.delete': 'Eliminar',
    'disc.delete_confirm': '¿Eliminar este mensaje? En el hilo queda una nota de que se eliminó.',
    'disc.history': 'Ver el historial',
    'disc.history_hide': 'Ocultar el historial',
    'disc.history_title': 'Versiones anteriores',
    'disc.history_version': 'Versión del {date}',
    'disc.history_current': 'Versión actual, {date}',
    'disc.history_none': 'No hay versiones anteriores.',
    'disc.save': 'Guardar',
    'disc.cancel': 'Cancelar',
    'disc.edit_label': 'Edite su mensaje',
    'disc.actions_for': 'Acciones para el mensaje de {name}',
    'disc.compose_heading': 'Escribir un mensaje',
    'disc.compose_label': 'Su mensaje',
    'disc.compose_anon': 'Publicar de forma anónima',
    'disc.compose_anon_hint': 'Nadie verá su nombre, ni siquiera las personas convocantes. Aun así puede editar o eliminar el mensaje.',
    'disc.compose_no_anon': 'Este hilo no acepta mensajes anónimos.',
    'disc.replying_to': 'Respondiendo a {name}: «{excerpt}»',
    'disc.cancel_reply': 'Cancelar la respuesta',
    'disc.post': 'Publicar el mensaje',
    'disc.posting': 'Publicando…',
    'disc.read_only': 'Puede leer este hilo; las personas observadoras no publican.',
    'disc.new_from': 'Mensaje nuevo de {name}',
    'disc.new_from_anon': 'Mensaje anónimo nuevo',
    'disc.message_edited': 'Se editó un mensaje',
    'disc.message_deleted': 'Se eliminó un mensaje',
    'disc.not_loaded': 'No se encontró ese mensaje en este hilo.',
  },
};
