// Pieces shared by several views.

import { h, newKey } from '../dom.js';
import { t, errorText, roleLabel, ROLES } from '../i18n.js';

// Roles in their canonical order, as a list of small labels.
export function roleChips(roles) {
  const sorted = (roles || []).slice().sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
  if (sorted.length === 0) return h('span', { class: 'muted' }, t('coalition.no_roles'));
  return h('ul', { class: 'chips' },
    sorted.map((r) => h('li', { class: 'chip role-' + r, dataset: { role: r } }, roleLabel(r))));
}

// One write action with its idempotency key: the key stays the same while the
// action is retried after a lost connection (so it goes out exactly once) and
// is renewed after a success or a refusal (the next attempt is a new action).
// send(key) returns the request's promise; a failure shows its text in
// errorEl. Resolves {ok: true, reply} or {ok: false}.
export function keyedAction(errorEl) {
  let key = newKey();
  return async (send) => {
    errorEl.hidden = true;
    try {
      const reply = await send(key);
      key = newKey();
      return { ok: true, reply };
    } catch (e) {
      if (e.code !== 'offline') key = newKey();
      errorEl.textContent = errorText(e);
      errorEl.hidden = false;
      return { ok: false };
    }
  };
}
