// Pieces shared by several views.

import { h } from '../dom.js';
import { t, roleLabel, ROLES } from '../i18n.js';

// Roles in their canonical order, as a list of small labels.
export function roleChips(roles) {
  const sorted = (roles || []).slice().sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
  if (sorted.length === 0) return h('span', { class: 'muted' }, t('coalition.no_roles'));
  return h('ul', { class: 'chips' },
    sorted.map((r) => h('li', { class: 'chip role-' + r, dataset: { role: r } }, roleLabel(r))));
}
