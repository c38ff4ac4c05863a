// Your coalitions: pick one to open (at its home: what needs you now).

import { h, clear } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { roleChips } from './common.js';

export function render(app) {
  const list = h('ul', { class: 'cards', id: 'coalition-list', 'aria-labelledby': 'coalitions-title' });
  const status = h('p', { class: 'loading' }, t('app.loading'));
  let alive = true;

  function show(coalitions) {
    clear(list);
    status.remove();
    const mine = coalitions.slice().sort((a, b) => a.name.localeCompare(b.name));
    if (mine.length === 0) {
      list.replaceWith(h('p', { class: 'empty' }, t('coalitions.none')));
      return;
    }
    for (const c of mine) {
      const roles = c.roles || [];
      list.append(h('li', { class: 'card coalition-card', dataset: { slug: c.slug } },
        h('h2', null, h('a', { href: '#/c/' + encodeURIComponent(c.slug) + '/home' }, c.name)),
        c.description ? h('p', { class: 'description' }, c.description) : null,
        roles.length
          ? h('div', { class: 'roles-line' }, h('span', { class: 'label' }, t('coalitions.roles') + ':'), ' ', roleChips(roles))
          : h('p', { class: 'muted' }, t('coalitions.not_member'))));
    }
  }

  app.conn.request('coalition.list', {}).then((data) => {
    if (alive) show(data.coalitions || []);
  }, (e) => {
    if (!alive) return;
    // Fall back to what sign-in told us.
    if (app.session && app.session.coalitions.length) show(app.session.coalitions);
    else status.replaceWith(h('p', { class: 'error', role: 'alert' }, errorText(e)));
  });

  const el = h('section', { 'aria-labelledby': 'coalitions-title' },
    h('h1', { id: 'coalitions-title' }, t('coalitions.title')),
    status,
    list);
  return { el, title: t('coalitions.title'), destroy() { alive = false; } };
}
