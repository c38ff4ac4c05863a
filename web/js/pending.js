// Writes waiting in the offline queue (web/js/queue.js), shown in the page
// where they were made: a note on a form ("Your ballot is saved on this
// device…") and the messages of a thread that wait to be sent. Each element
// keeps itself up to date while it is in the page and lets go of the queue
// once its view has removed it.

import { h, clear } from './dom.js';
import { t } from './i18n.js';

// Calls draw() now and whenever the queue changes, until el leaves the page.
function follow(queue, el, draw) {
  let seen = false;
  const off = queue.on(() => {
    if (el.isConnected) seen = true;
    else if (seen) {
      off();
      return;
    }
    draw();
  });
  draw();
}

// A polite status line, shown while a write matching match(item) waits.
// textId: the i18n id of what it says; id: the element's id.
export function pendingNote(app, match, textId = 'queue.pending', id = undefined) {
  const el = h('p', { class: 'pending-note', id, role: 'status', hidden: true });
  if (!app.queue) return el;
  follow(app.queue, el, () => {
    const n = app.queue.waiting(match).length;
    el.hidden = n === 0;
    el.textContent = n ? t(textId) : '';
  });
  return el;
}

// The messages of one thread that wait to be sent, below its messages, as
// their author will see them once posted (the text as written: it is
// rendered by the server when it arrives).
export function pendingMessages(app, threadId) {
  const list = h('ol', { class: 'messages pending-messages', id: 'pending-messages', hidden: true });
  const wrap = h('div', { class: 'pending-wrap' },
    h('h3', { class: 'visually-hidden', id: 'pending-messages-title' }, t('queue.pending_messages')),
    list);
  list.setAttribute('aria-labelledby', 'pending-messages-title');
  if (!app.queue) return wrap;
  const me = app.session ? app.session.member.name : '';
  follow(app.queue, wrap, () => {
    const items = app.queue.waiting((it) => it.op === 'message.post' && it.args && it.args.thread === threadId);
    clear(list);
    list.hidden = items.length === 0;
    for (const it of items) {
      list.append(h('li', { class: 'message pending' + (it.args.anonymous ? ' anonymous' : ' mine'), dataset: { key: it.key } },
        h('div', { class: 'message-head' },
          h('span', { class: 'author' }, it.args.anonymous ? t('queue.pending_anon') : me || t('queue.pending_you')),
          ' ',
          h('span', { class: 'pending-badge' }, t('queue.pending'))),
        h('div', { class: 'message-body pending-body' }, it.args.body)));
    }
  });
  return wrap;
}
