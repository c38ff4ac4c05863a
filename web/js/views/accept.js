// Accept an invitation: /#/invite/<token>. Choose a password (or give the
// password of the account you already have) and join the coalition.

import { h, field } from '../dom.js';
import { t, errorText } from '../i18n.js';

const MIN_PASSWORD = 8;

export function render(app, token) {
  let alive = true;

  if (app.session) {
    const button = h('button', { type: 'button', class: 'secondary' }, t('accept.sign_out_first'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      await app.signOut();
    });
    const el = h('section', { class: 'panel narrow', 'aria-labelledby': 'accept-title' },
      h('h1', { id: 'accept-title' }, t('accept.title')),
      h('p', null, t('accept.signed_in_as', { name: app.session.member.name })),
      h('div', { class: 'actions' }, button));
    return { el, title: t('accept.title') };
  }

  const name = field({ label: t('accept.name'), hint: t('accept.name_hint'), name: 'name', type: 'text', autocomplete: 'name', maxlength: 200 });
  const password = field({ label: t('accept.password'), hint: t('accept.password_hint'), name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: MIN_PASSWORD });
  const confirm = field({ label: t('accept.confirm'), name: 'confirm', type: 'password', autocomplete: 'new-password', required: true });
  const error = h('p', { class: 'error', id: 'accept-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('accept.submit'));
  const form = h('form', { class: 'stack', id: 'accept-form' },
    name.wrap, password.wrap, confirm.wrap, error, h('div', { class: 'actions' }, submit));

  confirm.input.addEventListener('input', () => {
    confirm.input.setCustomValidity(confirm.input.value && confirm.input.value !== password.input.value ? t('accept.mismatch') : '');
  });

  function fail(message, focusEl) {
    error.textContent = message;
    error.hidden = false;
    if (focusEl) {
      focusEl.setAttribute('aria-invalid', 'true');
      focusEl.focus();
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    password.input.removeAttribute('aria-invalid');
    confirm.input.setCustomValidity(confirm.input.value !== password.input.value ? t('accept.mismatch') : '');
    if (!form.reportValidity()) return;
    submit.disabled = true;
    submit.textContent = t('accept.busy');
    try {
      await app.acceptInvite(token, password.input.value, name.input.value.trim());
      // Signed in now: the app shows the coalition.
    } catch (e) {
      if (!alive) return;
      if (e.code === 'not_found') fail(t('accept.invalid'));
      else if (e.code === 'unauthenticated') fail(t('accept.wrong_password'), password.input);
      else fail(errorText(e), e.field === 'password' ? password.input : e.field === 'name' ? name.input : null);
      submit.disabled = false;
      submit.textContent = t('accept.submit');
    }
  });

  const el = h('section', { class: 'panel narrow', 'aria-labelledby': 'accept-title' },
    h('h1', { id: 'accept-title' }, t('accept.title')),
    h('p', { class: 'lead' }, t('accept.intro')),
    form);
  return { el, title: t('accept.title'), destroy() { alive = false; } };
}
