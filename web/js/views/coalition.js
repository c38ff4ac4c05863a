// One coalition: its members (kept live by member.joined / member.updated
// events), your roles, and for conveners the invitation form and the list of
// invitations (kept live by member.invited and member.joined).

import { h, clear, field, newKey } from '../dom.js';
import { t, errorText, formatDate, roleLabel, ROLES } from '../i18n.js';
import { roleChips } from './common.js';
import { areas } from '../areas.js';

export function render(app, slug) {
  const conn = app.conn;
  let alive = true;
  let me = null; // {id, roles}
  const members = new Map(); // id -> {id, name, organization, roles}
  const offs = [];

  const heading = h('h1', { id: 'coalition-title' }, t('app.loading'));
  const description = h('p', { class: 'description lead', hidden: true });
  const myRoles = h('div', { class: 'my-roles', id: 'my-roles' });
  const memberCount = h('p', { class: 'muted', id: 'member-count' });
  const memberList = h('ul', { class: 'members', id: 'member-list', 'aria-labelledby': 'members-title' });
  const conveneArea = h('div', { id: 'convener-area' });
  const areaNav = h('nav', { class: 'area-nav', 'aria-label': t('coalition.areas') },
    h('ul', null, ...areas.filter((a) => a.link).map((a) =>
      h('li', null, h('a', { href: a.link.href(slug) }, t(a.link.id))))));
  const body = h('div', { class: 'coalition-body', hidden: true },
    areaNav,
    h('section', { class: 'panel my-roles-panel', 'aria-labelledby': 'my-roles-title' },
      h('h2', { id: 'my-roles-title' }, t('coalition.my_roles')),
      myRoles),
    h('section', { class: 'panel', 'aria-labelledby': 'members-title' },
      h('h2', { id: 'members-title' }, t('coalition.members')),
      memberCount,
      memberList),
    conveneArea);
  const failure = h('p', { class: 'error', role: 'alert', hidden: true });

  const el = h('article', { class: 'coalition', 'aria-labelledby': 'coalition-title', dataset: { slug } },
    h('header', { class: 'page-head' }, heading, description),
    failure,
    body);

  // --- members ----------------------------------------------------------------

  function renderMembers() {
    const sorted = [...members.values()].sort((a, b) => a.name.localeCompare(b.name));
    clear(memberList);
    for (const m of sorted) {
      const isMe = me && m.id === me.id;
      memberList.append(h('li', { class: 'member' + (isMe ? ' is-me' : ''), dataset: { memberId: m.id } },
        h('div', { class: 'member-main' },
          h('span', { class: 'member-name' }, m.name),
          isMe ? h('span', { class: 'you' }, ' (' + t('coalition.you') + ')') : null),
        h('div', { class: m.organization ? 'member-org' : 'member-org muted' },
          m.organization || t('coalition.no_org')),
        roleChips(m.roles)));
    }
    memberCount.textContent = t('coalition.member_count', { count: sorted.length });
  }

  function renderMyRoles() {
    clear(myRoles);
    myRoles.append(roleChips(me ? me.roles : []));
  }

  function isConvener() {
    return !!(me && me.roles && me.roles.includes('convener'));
  }

  function upsert(m) {
    if (!m || typeof m.id !== 'number') return;
    const before = members.get(m.id);
    members.set(m.id, { ...before, ...m, roles: m.roles || (before && before.roles) || [] });
    if (me && m.id === me.id && m.roles) {
      const wasConvener = isConvener();
      me = { ...me, roles: m.roles };
      renderMyRoles();
      if (wasConvener !== isConvener()) renderConvenerArea();
    }
    renderMembers();
  }

  offs.push(conn.on('event', (ev) => {
    if (!alive || ev.coalition !== slug || !ev.data) return;
    if (ev.event === 'member.joined') {
      upsert(ev.data.member);
      if (ev.data.member) app.announce(t('coalition.member_joined', { name: ev.data.member.name }));
      if (isConvener()) loadInvites();
    } else if (ev.event === 'member.invited') {
      if (isConvener()) loadInvites(); // another convener's invitation
    } else if (ev.event === 'member.updated') {
      upsert(ev.data.member);
      if (ev.data.member) app.announce(t('coalition.member_updated', { name: ev.data.member.name }));
    }
  }));

  // --- conveners: invite form and invitations --------------------------------

  const inviteList = h('ul', { class: 'invites', id: 'invite-list', 'aria-labelledby': 'invites-title' });
  const inviteStatus = h('p', { class: 'muted' });

  function renderConvenerArea() {
    clear(conveneArea);
    body.classList.toggle('with-side', isConvener());
    if (!isConvener()) return;
    conveneArea.append(inviteForm(), h('section', { class: 'panel', 'aria-labelledby': 'invites-title' },
      h('h2', { id: 'invites-title' }, t('invite.pending_title')),
      inviteStatus,
      inviteList));
    loadInvites();
  }

  let invitesSeq = 0;
  function loadInvites() {
    const mine = ++invitesSeq;
    conn.request('invite.list', { coalition: slug }).then((data) => {
      if (!alive || mine !== invitesSeq) return;
      renderInvites(data.invites || []);
    }, (e) => {
      if (!alive || mine !== invitesSeq) return;
      inviteStatus.textContent = errorText(e);
    });
  }

  function renderInvites(invites) {
    clear(inviteList);
    const sorted = invites.slice().sort((a, b) =>
      (a.accepted_at ? 1 : 0) - (b.accepted_at ? 1 : 0) || String(b.created_at).localeCompare(String(a.created_at)));
    inviteStatus.textContent = sorted.length ? '' : t('invite.pending_none');
    inviteStatus.hidden = sorted.length > 0;
    for (const inv of sorted) {
      inviteList.append(h('li', { class: 'invite' + (inv.accepted_at ? ' accepted' : ''), dataset: { inviteId: inv.id } },
        h('div', { class: 'member-main' },
          h('span', { class: 'member-name' }, inv.name),
          ' ',
          h('span', { class: 'email' }, inv.email)),
        inv.organization ? h('div', { class: 'member-org' }, inv.organization) : null,
        roleChips(inv.roles),
        h('p', { class: 'invite-status' }, inv.accepted_at
          ? t('invite.status_accepted', { date: formatDate(inv.accepted_at) })
          : t('invite.status_pending', { date: formatDate(inv.created_at) }))));
    }
  }

  function inviteForm() {
    let key = newKey(); // one key per invitation, so a retry never makes two
    const name = field({ label: t('invite.name'), name: 'name', type: 'text', required: true, autocomplete: 'off', maxlength: 200 });
    const email = field({ label: t('invite.email'), name: 'email', type: 'email', required: true, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: 320 });
    const org = field({ label: t('invite.org'), hint: t('invite.org_hint'), name: 'organization', type: 'text', autocomplete: 'off', maxlength: 200 });
    const boxes = ROLES.map((role) => {
      const id = 'invite-role-' + role;
      const input = h('input', { type: 'checkbox', id, name: 'roles', value: role });
      return { input, el: h('li', null, input, h('label', { for: id }, roleLabel(role))) };
    });
    const rolesHint = h('p', { class: 'hint', id: 'invite-roles-hint' }, t('invite.roles_hint'));
    const roles = h('fieldset', { class: 'roles-field', 'aria-describedby': 'invite-roles-hint' },
      h('legend', null, t('invite.roles')),
      rolesHint,
      h('ul', { class: 'checkboxes' }, boxes.map((b) => b.el)));
    const error = h('p', { class: 'error', id: 'invite-error', role: 'alert', hidden: true });
    const submit = h('button', { type: 'submit', class: 'primary' }, t('invite.submit'));
    const result = h('div', { class: 'invite-result', id: 'invite-result', tabindex: '-1', hidden: true });

    const form = h('form', { class: 'stack', id: 'invite-form' },
      name.wrap, email.wrap, org.wrap, roles, error, h('div', { class: 'actions' }, submit));

    function fail(message, focusEl) {
      error.textContent = message;
      error.hidden = false;
      if (focusEl) focusEl.focus();
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      result.hidden = true;
      for (const f of [name, email, org]) f.input.removeAttribute('aria-invalid');
      if (!form.reportValidity()) return;
      const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (chosen.length === 0) {
        fail(t('invite.roles_required'), boxes[0].input);
        return;
      }
      const args = { coalition: slug, name: name.input.value.trim(), email: email.input.value.trim(), roles: chosen };
      const organization = org.input.value.trim();
      if (organization) args.organization = organization;
      submit.disabled = true;
      submit.textContent = t('invite.busy');
      try {
        const data = await conn.request('member.invite', args, { key });
        if (!alive) return;
        key = newKey(); // the next invitation is a new request
        showResult(args.name, data.invite_token);
        form.reset();
        loadInvites();
      } catch (e) {
        if (!alive) return;
        // A refused request changed nothing; the corrected one is a new request.
        if (e.code !== 'offline') key = newKey();
        const target = { name: name.input, email: email.input, organization: org.input, roles: boxes[0].input }[e.field];
        if (target && target !== boxes[0].input) target.setAttribute('aria-invalid', 'true');
        fail(errorText(e), target);
      } finally {
        submit.disabled = false;
        submit.textContent = t('invite.submit');
      }
    });

    function showResult(who, token) {
      const link = `${location.origin}${location.pathname}#/invite/${encodeURIComponent(token)}`;
      const linkId = 'invite-link';
      const input = h('input', { id: linkId, class: 'invite-link', type: 'text', readonly: true, value: link });
      const copied = h('span', { class: 'copied', role: 'status' });
      const copy = h('button', { type: 'button', class: 'secondary' }, t('invite.copy'));
      copy.addEventListener('click', async () => {
        input.select();
        try {
          await navigator.clipboard.writeText(link);
          copied.textContent = t('invite.copied');
        } catch (e) {
          copied.textContent = ''; // the link is selected for a manual copy
        }
      });
      input.addEventListener('focus', () => input.select());
      clear(result);
      result.append(
        h('p', null, t('invite.created', { name: who })),
        h('label', { for: linkId, class: 'visually-hidden' }, t('invite.link_label')),
        h('div', { class: 'copy-row' }, input, copy),
        copied);
      result.hidden = false;
      result.focus();
    }

    return h('section', { class: 'panel', 'aria-labelledby': 'invite-title' },
      h('h2', { id: 'invite-title' }, t('invite.title')),
      h('p', { class: 'muted' }, t('invite.intro')),
      form,
      result);
  }

  // --- load -------------------------------------------------------------------

  async function load() {
    // Subscribe first: every change after the snapshot below then arrives as
    // an event, and applying one twice is harmless.
    const subscribed = conn.subscribe(slug).catch((e) => e);
    let data;
    try {
      data = await conn.request('coalition.get', { coalition: slug });
    } catch (e) {
      if (!alive) return;
      heading.textContent = e.code === 'not_found' ? t('app.not_found_title') : t('error.unknown');
      failure.textContent = errorText(e);
      failure.hidden = false;
      return;
    }
    if (!alive) return;
    const c = data.coalition || {};
    heading.textContent = c.name || slug;
    document.title = `${c.name || slug} · ${t('app.name')}`;
    if (c.description) {
      description.textContent = c.description;
      description.hidden = false;
    }
    me = data.me || null;
    if (!me && app.session) {
      const mine = (app.session.coalitions || []).find((x) => x.slug === slug);
      me = { id: app.session.member.id, roles: mine ? mine.roles : [] };
    }
    for (const m of data.members || []) {
      const prior = members.get(m.id);
      if (!prior) members.set(m.id, m); // an event may already have brought newer data
    }
    renderMyRoles();
    renderMembers();
    renderConvenerArea();
    body.hidden = false;
    await subscribed;
  }

  load();

  return {
    el,
    title: slug,
    destroy() {
      alive = false;
      for (const off of offs) off();
    },
  };
}
