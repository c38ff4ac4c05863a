// Sign-in page: email and password, posted to /api/session.

import { h, field } from '../dom.js';
import { t, errorText } from '../i18n.js';

// A refused sign-in says how long to wait, when the server said (data.retry_after, seconds).
function rateLimited(e) {
  const seconds = Number(e.data && e.data.retry_after);
  return seconds > 0 ? t('signin.rate_limited_wait', { count: Math.ceil(seconds / 60) }) : t('signin.rate_limited');
}

export function render(app) {
  const email = field({ label: t('signin.email'), name: 'email', type: 'email', autocomplete: 'username', required: true, spellcheck: 'false', autocapitalize: 'none' });
  const password = field({ label: t('signin.password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert', hidden: true });
  const notice = app.notice ? h('p', { class: 'notice', role: 'status' }, app.notice) : null;
  app.notice = null;
  const submit = h('button', { type: 'submit', class: 'primary' }, t('signin.submit'));

  const form = h('form', { class: 'stack', id: 'signin-form', novalidate: false },
    email.wrap, password.wrap, error, h('div', { class: 'actions' }, submit));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = t('signin.busy');
    try {
      await app.signIn(email.input.value.trim(), password.input.value);
    } catch (e) {
      password.input.value = '';
      error.textContent = e.code === 'unauthenticated' ? t('signin.failed')
        : e.code === 'rate_limited' ? rateLimited(e) : errorText(e);
      error.hidden = false;
      password.input.setAttribute('aria-invalid', 'true');
      password.input.setAttribute('aria-describedby', error.id);
      password.input.focus();
    } finally {
      if (submit.isConnected) {
        submit.disabled = false;
        submit.textContent = t('signin.submit');
      }
    }
  });

  const el = h('section', { class: 'panel narrow', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, t('signin.title')),
    h('p', { class: 'lead' }, t('signin.intro')),
    notice,
    form);
  return { el, title: t('signin.title') };
}
