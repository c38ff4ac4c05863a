// One thread: its messages oldest to newest (the newest page first, "load
// earlier" pages back with before/limit), replies with a reference to the
// message they answer, edits with their history, tombstones, a composer with
// reply-to, the anonymous option and @mention suggestions, read markers as
// messages scroll into view, and live message.created / edited / deleted
// events of the coalition filtered to this thread.

import { h, clear, newKey } from '../dom.js';
import { t, errorText, formatDate } from '../i18n.js';
import {
  addStylesheet, threadsHref, authorName, excerpt, highlightMentions, mentionSuggester,
  loadMembers, watchMentions,
} from './discussions-util.js';
import { previewToggle } from './discussions-preview.js';
import { pendingMessages } from '../pending.js';

const PAGE = 30;

export function render(app, slug, threadParam, messageParam) {
  addStylesheet();
  watchMentions(app);
  const conn = app.conn;
  const threadId = Number(threadParam);
  const focusMessage = messageParam ? Number(messageParam) : 0;
  let alive = true;
  const offs = [];

  let thread = null;
  const messages = new Map(); // id -> message
  const items = new Map(); // id -> li
  let more = false;
  let readUpto = 0;
  let me = { id: app.session ? app.session.member.id : 0, roles: [] };
  let members = [];
  let replyTo = null; // message id
  let draftKey = newKey();
  let posting = 0; // posts in flight: their own events are not announced

  const heading = h('h1', { id: 'thread-title' }, t('app.loading'));
  const meta = h('p', { class: 'muted thread-started', id: 'thread-started' });
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });
  const earlier = h('button', { type: 'button', class: 'secondary load-earlier', id: 'load-earlier', hidden: true }, t('disc.load_earlier'));
  // Live (polite, additions) once the first page is in: new messages are
  // read out, the page that was just opened or paged back to is not.
  const list = h('ol', { class: 'messages', id: 'message-list', 'aria-labelledby': 'messages-title', 'aria-relevant': 'additions' });
  const empty = h('p', { class: 'empty', hidden: true }, t('disc.no_messages'));
  const composeArea = h('div', { id: 'compose-area' });

  const el = h('article', { class: 'disc disc-thread', 'aria-labelledby': 'thread-title', dataset: { slug, threadId } },
    h('header', { class: 'page-head' },
      h('nav', { class: 'crumbs', 'aria-label': t('disc.breadcrumbs') },
        h('a', { href: threadsHref(slug), id: 'back-to-threads' }, t('disc.back_to_threads'))),
      heading, meta),
    failure,
    h('section', { class: 'panel messages-panel', 'aria-labelledby': 'messages-title', hidden: true, id: 'messages-panel' },
      h('h2', { id: 'messages-title', class: 'visually-hidden' }, t('disc.messages_label')),
      earlier, empty, list, pendingMessages(app, threadId)),
    composeArea);

  const canPost = () => (me.roles || []).some((r) => r !== 'observer');
  const isConvener = () => (me.roles || []).includes('convener');
  const isMine = (m) => !!(m.mine || (!m.anonymous && m.author && m.author.id === me.id));

  // --- messages -------------------------------------------------------------------

  function replyLabel(msg) {
    const target = messages.get(msg.reply_to);
    if (!target) return [t('disc.reply_to_earlier')];
    if (target.deleted) return [t('disc.reply_to_deleted')];
    return [t('disc.reply_to', { name: authorName(target) }), ' ',
      h('q', { class: 'reply-excerpt' }, excerpt(target.body, 60))];
  }

  function messageEl(msg) {
    const mine = isMine(msg);
    const name = authorName(msg);
    const li = h('li', {
      class: 'message' + (msg.deleted ? ' deleted' : '') + (msg.anonymous ? ' anonymous' : '') + (mine && !msg.anonymous ? ' mine' : ''),
      id: 'msg-' + msg.id, tabindex: '-1', dataset: { messageId: msg.id },
    });
    const head = h('div', { class: 'message-head' },
      h('span', { class: 'author' + (msg.anonymous ? ' anon' : '') }, msg.deleted && !msg.author ? t('disc.anonymous') : name),
      ' ',
      h('time', { datetime: msg.created_at, class: 'muted' }, formatDate(msg.created_at)),
      msg.edited_at && !msg.deleted ? h('span', { class: 'edited muted' }, ' · ' + t('disc.edited')) : null);
    li.append(head);
    if (msg.reply_to) {
      li.append(h('button', { type: 'button', class: 'reply-ref link-button', dataset: { replyTo: msg.reply_to },
        onclick: () => jumpTo(msg.reply_to) }, replyLabel(msg)));
    }
    const body = h('div', { class: 'message-body' });
    if (msg.deleted) {
      body.append(h('p', { class: 'tombstone' }, t('disc.deleted')));
    } else {
      const md = h('div', { class: 'md' });
      md.innerHTML = msg.html || ''; // rendered and sanitized by the daemon
      highlightMentions(md, members, me.id);
      body.append(md);
    }
    li.append(body);
    if (!msg.deleted) li.append(actionsEl(msg, mine, name));
    li.append(h('div', { class: 'history', hidden: true }));
    return li;
  }

  function actionsEl(msg, mine, name) {
    const bar = h('div', { class: 'message-actions', role: 'group', 'aria-label': t('disc.actions_for', { name }) });
    if (canPost()) bar.append(h('button', { type: 'button', class: 'small secondary act-reply', onclick: () => startReply(msg.id) }, t('disc.reply')));
    if (mine) bar.append(h('button', { type: 'button', class: 'small secondary act-edit', onclick: () => startEdit(msg.id) }, t('disc.edit')));
    if (mine || isConvener()) bar.append(h('button', { type: 'button', class: 'small secondary act-delete', onclick: () => confirmDelete(msg.id) }, t('disc.delete')));
    if (msg.edited_at) {
      bar.append(h('button', { type: 'button', class: 'small secondary act-history', 'aria-expanded': 'false',
        onclick: (ev) => toggleHistory(msg.id, ev.currentTarget) }, t('disc.history')));
    }
    return bar;
  }

  // Adds or replaces a message in id order.
  function put(msg) {
    const before = messages.get(msg.id);
    const merged = { ...before, ...msg };
    merged.mine = msg.mine !== undefined ? msg.mine : !!(before && before.mine);
    messages.set(msg.id, merged);
    const li = messageEl(merged);
    const old = items.get(msg.id);
    items.set(msg.id, li);
    if (old) {
      const active = old.contains(document.activeElement) ? document.activeElement : null;
      if (observer) observer.unobserve(old);
      old.replaceWith(li);
      observe(li);
      if (active) {
        // Keep the keyboard where it was: the same control, else the message.
        const same = active.classList && [...active.classList].find((c) => c.startsWith('act-') || c === 'reply-ref');
        const again = same && li.querySelector('.' + same);
        (again || li).focus();
      }
    } else {
      let next = null;
      for (const [id, other] of items) {
        if (id > msg.id && (!next || id < Number(next.dataset.messageId))) next = other;
      }
      if (next && next.isConnected) {
        const divider = next.previousElementSibling;
        list.insertBefore(li, divider && divider.classList.contains('new-divider') && divider.dataset.before === String(next.dataset.messageId) ? divider : next);
      } else {
        list.append(li);
      }
      observe(li);
    }
    // Replies to it show its author and excerpt.
    for (const [id, other] of messages) {
      if (other.reply_to === msg.id && id !== msg.id && items.has(id) && (!before || before.deleted !== merged.deleted || before.body !== merged.body)) {
        const oldLi = items.get(id);
        const ref = oldLi.querySelector('.reply-ref');
        if (ref) {
          clear(ref);
          ref.append(...replyLabel(other));
        }
      }
    }
    empty.hidden = messages.size > 0;
    return li;
  }

  function oldestId() {
    let min = 0;
    for (const id of messages.keys()) if (!min || id < min) min = id;
    return min;
  }

  // --- paging ---------------------------------------------------------------------

  async function fetchPage(before, limit) {
    const args = { thread: threadId, limit: limit || PAGE };
    if (before) args.before = before;
    return conn.request('thread.get', args);
  }

  let loadingEarlier = false;
  async function loadEarlier(limit) {
    if (loadingEarlier || !more) return false;
    loadingEarlier = true;
    earlier.disabled = true;
    earlier.textContent = t('disc.loading_earlier');
    const first = list.querySelector('li.message');
    const top = first ? first.getBoundingClientRect().top : 0;
    try {
      const data = await fetchPage(oldestId(), limit);
      if (!alive) return false;
      more = !!data.more;
      list.setAttribute('aria-live', 'off');
      for (const m of data.messages || []) put(m);
      setTimeout(() => list.setAttribute('aria-live', 'polite'), 0);
      // Keep what the reader was looking at in place.
      if (first && first.isConnected) window.scrollBy(0, first.getBoundingClientRect().top - top);
      return true;
    } catch (e) {
      if (alive) showFailure(e);
      return false;
    } finally {
      loadingEarlier = false;
      earlier.disabled = false;
      earlier.textContent = t('disc.load_earlier');
      const hadFocus = document.activeElement === earlier;
      earlier.hidden = !more;
      if (hadFocus && !more) {
        const oldest = list.querySelector('li.message');
        if (oldest) oldest.focus(); // the button is gone: the reader is at the start now
      }
    }
  }
  earlier.addEventListener('click', () => loadEarlier());

  async function jumpTo(id) {
    let tries = 0;
    while (alive && !items.has(id) && more && tries < 100) {
      tries += 1;
      if (!(await loadEarlier(200))) break; // big pages: the target may be far back
    }
    const li = items.get(id);
    if (!li) {
      app.announce(t('disc.not_loaded'));
      return;
    }
    li.classList.remove('target');
    void li.offsetWidth; // restart the highlight
    li.classList.add('target');
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: 'center' });
  }

  function showFailure(e) {
    failure.textContent = e.code === 'not_found' ? t('app.not_found_body') : errorText(e);
    failure.hidden = false;
  }

  // --- read markers ------------------------------------------------------------------

  let seenUpto = 0;
  let readTimer = null;
  let reading = false;
  const observer = 'IntersectionObserver' in window ? new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const id = Number(entry.target.dataset.messageId);
      if (id > seenUpto) seenUpto = id;
    }
    scheduleRead();
  }, { threshold: 0.4 }) : null;

  function observe(li) {
    if (observer) observer.observe(li);
  }

  function scheduleRead() {
    if (seenUpto <= readUpto) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 600);
  }

  async function sendRead() {
    if (!alive || reading || seenUpto <= readUpto || document.visibilityState !== 'visible') return;
    reading = true;
    const upto = seenUpto;
    try {
      const data = await conn.request('thread.read', { thread: threadId, upto }, { key: newKey() });
      const got = data && data.thread && typeof data.thread.read_upto === 'number' ? data.thread.read_upto : upto;
      if (got > readUpto) readUpto = got;
    } catch (e) {
      /* the marker is retried with the next message seen */
    } finally {
      reading = false;
      if (alive && seenUpto > readUpto) scheduleRead();
    }
  }
  const onVisible = () => { if (document.visibilityState === 'visible') scheduleRead(); };
  document.addEventListener('visibilitychange', onVisible);

  // --- reply, edit, delete, history -------------------------------------------------------

  let compose = null; // {textarea, banner, ...} once the composer exists

  function startReply(id) {
    if (!compose) return;
    replyTo = id;
    const target = messages.get(id);
    compose.bannerText.textContent = t('disc.replying_to', { name: authorName(target), excerpt: excerpt(target && target.body, 60) });
    compose.banner.hidden = false;
    compose.textarea.focus();
  }

  function cancelReply() {
    replyTo = null;
    if (compose) compose.banner.hidden = true;
  }

  function startEdit(id) {
    const msg = messages.get(id);
    const li = items.get(id);
    if (!msg || !li || li.querySelector('.edit-form')) return;
    let key = newKey();
    const body = li.querySelector('.message-body');
    const actions = li.querySelector('.message-actions');
    const areaId = 'edit-' + id;
    const textarea = h('textarea', { id: areaId, rows: Math.min(12, Math.max(3, msg.body.split('\n').length + 1)), required: true });
    textarea.value = msg.body;
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'primary small' }, t('disc.save'));
    const cancel = h('button', { type: 'button', class: 'secondary small' }, t('disc.cancel'));
    const form = h('form', { class: 'edit-form stack' },
      h('label', { for: areaId, class: 'visually-hidden' }, t('disc.edit_label')),
      textarea, error, h('div', { class: 'actions' }, save, cancel));
    body.hidden = true;
    if (actions) actions.hidden = true;
    body.after(form);
    textarea.focus();
    const stop = () => {
      form.remove();
      body.hidden = false;
      if (actions) actions.hidden = false;
      const edit = li.querySelector('.act-edit');
      if (edit) edit.focus();
    };
    cancel.addEventListener('click', stop);
    textarea.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') { ev.preventDefault(); stop(); }
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!textarea.value.trim()) {
        error.textContent = t('disc.empty');
        error.hidden = false;
        return;
      }
      save.disabled = true;
      try {
        const data = await conn.request('message.edit', { message: id, body: textarea.value }, { key });
        if (!alive) return;
        const fresh = put(data.message);
        fresh.focus();
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') key = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        save.disabled = false;
      }
    });
  }

  function confirmDelete(id) {
    const li = items.get(id);
    if (!li || li.querySelector('.confirm-delete')) return;
    const actions = li.querySelector('.message-actions');
    const key = newKey();
    const yes = h('button', { type: 'button', class: 'small danger' }, t('disc.delete'));
    const no = h('button', { type: 'button', class: 'small secondary' }, t('disc.cancel'));
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const box = h('div', { class: 'confirm-delete', role: 'group', 'aria-label': t('disc.delete') },
      h('p', null, t('disc.delete_confirm')), h('div', { class: 'actions' }, yes, no), error);
    if (actions) actions.hidden = true;
    li.append(box);
    no.focus();
    no.addEventListener('click', () => {
      box.remove();
      if (actions) {
        actions.hidden = false;
        const del = actions.querySelector('.act-delete');
        if (del) del.focus();
      }
    });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        const data = await conn.request('message.delete', { message: id }, { key });
        if (!alive) return;
        if (replyTo === id) cancelReply();
        put(data.message).focus();
      } catch (e) {
        if (!alive) return;
        error.textContent = errorText(e);
        error.hidden = false;
        yes.disabled = false;
      }
    });
  }

  async function toggleHistory(id, button) {
    const li = items.get(id);
    const box = li && li.querySelector('.history');
    if (!box) return;
    if (!box.hidden) {
      box.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.textContent = t('disc.history');
      return;
    }
    button.disabled = true;
    try {
      const data = await conn.request('message.history', { message: id });
      if (!alive) return;
      const versions = data.versions || [];
      clear(box);
      box.append(h('h3', { class: 'history-title' }, t('disc.history_title')));
      const ol = h('ol', { class: 'versions' });
      versions.forEach((v, i) => {
        const md = h('div', { class: 'md' });
        md.innerHTML = v.html || ''; // rendered by the daemon
        const current = i === versions.length - 1;
        ol.append(h('li', { class: 'version' + (current ? ' current' : '') },
          h('p', { class: 'version-date muted' }, current
            ? t('disc.history_current', { date: formatDate(v.at) })
            : t('disc.history_version', { date: formatDate(v.at) })),
          md));
      });
      if (!versions.length) box.append(h('p', { class: 'muted' }, t('disc.history_none')));
      else box.append(ol);
      box.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      button.textContent = t('disc.history_hide');
    } catch (e) {
      if (alive) app.announce(errorText(e));
    } finally {
      button.disabled = false;
    }
  }

  // --- composer ------------------------------------------------------------------------

  function renderComposer() {
    clear(composeArea);
    compose = null;
    if (!thread) return;
    if (!canPost()) {
      composeArea.append(h('p', { class: 'muted panel' }, t('disc.read_only')));
      return;
    }
    const textarea = h('textarea', { id: 'compose-body', name: 'body', rows: 4, required: true, 'aria-describedby': 'compose-hint' });
    const suggest = mentionSuggester(textarea, () => members, 'compose');
    const preview = previewToggle(textarea, 'compose');
    const bannerText = h('span', { id: 'reply-banner-text' });
    const banner = h('div', { class: 'reply-banner', id: 'reply-banner', hidden: true },
      bannerText, ' ',
      h('button', { type: 'button', class: 'link-button', onclick: () => { cancelReply(); textarea.focus(); } }, t('disc.cancel_reply')));
    const anon = h('input', { type: 'checkbox', id: 'compose-anon', name: 'anonymous', 'aria-describedby': 'compose-anon-hint' });
    const anonWrap = thread.allow_anonymous
      ? h('div', { class: 'check' }, anon, h('label', { for: 'compose-anon' }, t('disc.compose_anon')),
        h('p', { class: 'hint', id: 'compose-anon-hint' }, t('disc.compose_anon_hint')))
      : h('p', { class: 'hint' }, t('disc.compose_no_anon'));
    const error = h('p', { class: 'error', id: 'compose-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('disc.post'));
    const form = h('form', { class: 'stack', id: 'compose-form' },
      banner,
      h('div', { class: 'field' },
        h('label', { for: 'compose-body' }, t('disc.compose_label')),
        h('p', { class: 'hint', id: 'compose-hint' }, t('disc.markdown_hint')),
        textarea, suggest.el),
      preview.region,
      anonWrap, error, h('div', { class: 'actions' }, submit, preview.button));
    textarea.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); }
    });
    textarea.addEventListener('input', () => { error.hidden = true; });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      if (!textarea.value.trim()) {
        error.textContent = t('disc.empty');
        error.hidden = false;
        textarea.focus();
        return;
      }
      const args = { thread: threadId, body: textarea.value };
      if (replyTo) args.reply_to = replyTo;
      if (thread.allow_anonymous && anon.checked) args.anonymous = true;
      submit.disabled = true;
      submit.textContent = t('disc.posting');
      posting += 1;
      const key = draftKey;
      const sending = conn.request('message.post', args, { key });
      if (app.queue && app.queue.waiting((it) => it.key === key).length) {
        // Offline: kept on this device and shown below the messages as
        // waiting (web/js/pending.js); the composer is free for the next one.
        draftKey = newKey();
        textarea.value = '';
        preview.reset();
        anon.checked = false;
        cancelReply();
        submit.disabled = false;
        submit.textContent = t('disc.post');
        sending.then((data) => { if (alive) put({ ...data.message, mine: true }); }, () => {})
          .finally(() => { posting -= 1; });
        textarea.focus();
        return;
      }
      try {
        const data = await sending;
        if (!alive) return;
        draftKey = newKey();
        put({ ...data.message, mine: true });
        textarea.value = '';
        preview.reset();
        anon.checked = false;
        cancelReply();
        if (data.message.id > seenUpto) seenUpto = data.message.id;
        scheduleRead();
        const li = items.get(data.message.id);
        if (li) li.scrollIntoView({ block: 'nearest' });
        textarea.focus();
      } catch (e) {
        if (!alive) return;
        if (e.code !== 'offline') draftKey = newKey();
        error.textContent = errorText(e);
        error.hidden = false;
        textarea.focus();
      } finally {
        posting -= 1;
        submit.disabled = false;
        submit.textContent = t('disc.post');
      }
    });
    compose = { textarea, banner, bannerText, anon };
    composeArea.append(h('section', { class: 'panel compose', 'aria-labelledby': 'compose-title' },
      h('h2', { id: 'compose-title' }, t('disc.compose_heading')),
      form));
  }

  // --- live events ------------------------------------------------------------------------

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data || !thread) return;
    const msg = ev.data.message;
    if (ev.event === 'thread.updated' && ev.data.thread && ev.data.thread.id === threadId) {
      const allowBefore = thread.allow_anonymous;
      thread = { ...thread, ...ev.data.thread };
      heading.textContent = thread.title;
      if (allowBefore !== thread.allow_anonymous) renderComposer();
      return;
    }
    if (!msg || msg.thread !== threadId) return;
    if (ev.event === 'message.created') {
      const known = messages.has(msg.id);
      put(msg);
      if (!known && !isMine(messages.get(msg.id)) && !(posting && msg.anonymous)) {
        app.announce(msg.anonymous || !msg.author ? t('disc.new_from_anon') : t('disc.new_from', { name: msg.author.name }));
      }
    } else if (ev.event === 'message.edited' || ev.event === 'message.deleted') {
      if (!messages.has(msg.id)) return; // on a page not loaded: seen when loaded
      const li = items.get(msg.id);
      if (li && li.querySelector('.edit-form') && ev.event === 'message.edited') {
        messages.set(msg.id, { ...messages.get(msg.id), ...msg }); // keep the open editor
        return;
      }
      put(msg);
    }
  }));

  // After a reconnect the connection catches up with the missed events; the
  // thread's header (title, read marker) is refreshed too.
  offs.push(conn.on('session', (who) => {
    if (!alive || !who || !thread) return;
    fetchPage().then((data) => {
      if (!alive) return;
      for (const m of data.messages || []) put(m);
    }, () => {});
  }));

  // --- load ---------------------------------------------------------------------------------

  async function load() {
    const subscribed = conn.subscribe(slug).catch((e) => e);
    const who = loadMembers(app, slug).then((info) => {
      members = info.members;
      me = { ...me, ...info.me };
    }, () => {});
    let data;
    try {
      [data] = await Promise.all([fetchPage(), who]);
    } catch (e) {
      if (!alive) return;
      heading.textContent = e.code === 'not_found' ? t('app.not_found_title') : t('error.unknown');
      showFailure(e);
      return;
    }
    if (!alive) return;
    thread = data.thread;
    more = !!data.more;
    readUpto = thread.read_upto || 0;
    heading.textContent = thread.title;
    document.title = `${thread.title} · ${t('app.name')}`;
    if (thread.created_by) meta.textContent = t('disc.started_line', { name: thread.created_by.name, date: formatDate(thread.created_at) });
    el.querySelector('#messages-panel').hidden = false;
    const page = data.messages || [];
    for (const m of page) put(m);
    earlier.hidden = !more;
    empty.hidden = messages.size > 0;
    // A divider before the first message that is new to this reader: a list
    // item of its own ("New messages"), read in its place by screen readers.
    const firstNew = page.find((m) => m.id > readUpto && !isMine(m) && !m.deleted);
    let divider = null;
    if (firstNew) {
      divider = h('li', { class: 'new-divider', dataset: { before: firstNew.id } },
        h('span', null, t('disc.new_messages')));
      list.insertBefore(divider, items.get(firstNew.id));
    }
    renderComposer();
    setTimeout(() => list.setAttribute('aria-live', 'polite'), 0);
    if (focusMessage) {
      await jumpTo(focusMessage);
    } else if (divider) {
      divider.scrollIntoView({ block: 'start' });
    } else if (page.length) {
      items.get(page[page.length - 1].id).scrollIntoView({ block: 'nearest' });
    }
    await subscribed;
  }
  load();

  return {
    el,
    title: t('disc.title'),
    destroy() {
      alive = false;
      clearTimeout(readTimer);
      if (observer) observer.disconnect();
      document.removeEventListener('visibilitychange', onVisible);
      for (const off of offs) off();
    },
  };
}
