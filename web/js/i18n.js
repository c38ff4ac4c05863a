// Every string the web client shows, in one table keyed by id.
//
// English is the only language today. To add one, add a table under its
// language tag with the same ids; anything missing falls back to English.
// Placeholders are written {name} and filled from the params object.

const tables = {
  en: {
    'app.name': 'Roundtable',
    'app.skip': 'Skip to content',
    'app.nav_label': 'Main',
    'app.coalitions': 'Coalitions',
    'app.signed_in_as': 'Signed in as {name}',
    'app.sign_out': 'Sign out',
    'app.loading': 'Loading…',
    'app.not_found_title': 'Page not found',
    'app.not_found_body': 'There is nothing at this address.',
    'app.back_home': 'Back to your coalitions',
    'app.session_ended': 'Your session has ended. Please sign in again.',

    'coalition.areas': 'Areas of this coalition',
    'conn.label': 'Connection',
    'conn.connecting': 'Connecting…',
    'conn.online': 'Online',
    'conn.offline': 'Offline — reconnecting',
    'conn.retry': 'Reconnect now',

    'signin.title': 'Sign in',
    'signin.intro': 'Sign in with the email address and password you use for your alliance.',
    'signin.email': 'Email',
    'signin.password': 'Password',
    'signin.submit': 'Sign in',
    'signin.busy': 'Signing in…',
    'signin.failed': 'That email and password do not match. Please try again.',
    'signin.rate_limited': 'Too many attempts. Please wait a few minutes and try again.',

    'coalitions.title': 'Your coalitions',
    'coalitions.none': 'You are not a member of any coalition yet. Ask a convener for an invitation.',
    'coalitions.roles': 'Your roles',
    'coalitions.not_member': 'Not a member',

    'coalition.members': 'Members',
    'coalition.member_count': { one: '{count} member', other: '{count} members' },
    'coalition.my_roles': 'Your roles',
    'coalition.you': 'you',
    'coalition.no_org': 'No organization',
    'coalition.no_roles': 'No roles',
    'coalition.member_joined': '{name} joined the coalition.',
    'coalition.member_updated': '{name}’s roles were updated.',

    'invite.title': 'Invite a member',
    'invite.intro': 'The person you invite gets a link. Opening it lets them set a password and join.',
    'invite.name': 'Name',
    'invite.email': 'Email',
    'invite.org': 'Organization (optional)',
    'invite.org_hint': 'The center, home or agency they represent.',
    'invite.roles': 'Roles',
    'invite.roles_hint': 'Choose at least one.',
    'invite.roles_required': 'Choose at least one role.',
    'invite.submit': 'Create invitation',
    'invite.busy': 'Creating…',
    'invite.created': 'Invitation for {name} created. Send them this link:',
    'invite.link_label': 'Invitation link',
    'invite.copy': 'Copy link',
    'invite.copied': 'Link copied.',
    'invite.pending_title': 'Invitations',
    'invite.pending_none': 'No invitations yet.',
    'invite.status_pending': 'Waiting since {date}',
    'invite.status_accepted': 'Accepted {date}',

    'accept.title': 'Join your coalition',
    'accept.intro': 'You have been invited to Roundtable. Choose a password to accept the invitation. If you already have an account, use its password.',
    'accept.name': 'Your name (optional)',
    'accept.name_hint': 'Leave empty to keep the name in your invitation.',
    'accept.password': 'Password',
    'accept.password_hint': 'At least 8 characters.',
    'accept.confirm': 'Password again',
    'accept.mismatch': 'The two passwords are not the same.',
    'accept.submit': 'Accept invitation',
    'accept.busy': 'Joining…',
    'accept.wrong_password': 'An account with this email already exists, and that is not its password.',
    'accept.invalid': 'This invitation link is not valid or has already been used.',
    'accept.signed_in_as': 'You are signed in as {name}. Sign out first to accept this invitation for someone else.',
    'accept.sign_out_first': 'Sign out and continue',

    'role.convener': 'Convener',
    'role.design_team': 'Design team',
    'role.provider': 'Provider',
    'role.funder': 'Funder',
    'role.hub': 'Hub',
    'role.parent': 'Parent',
    'role.observer': 'Observer',

    'error.bad_request': 'Something in the form is not right.',
    'error.unauthenticated': 'Please sign in.',
    'error.forbidden': 'You do not have permission to do that.',
    'error.not_found': 'Not found.',
    'error.conflict': 'That conflicts with a change someone else made.',
    'error.closed': 'This is closed.',
    'error.too_large': 'That is too large.',
    'error.rate_limited': 'Too many attempts. Please wait a little and try again.',
    'error.internal': 'Something went wrong on the server.',
    'error.offline': 'You are offline. Please try again when the connection is back.',
    'error.network': 'Could not reach the server. Please try again.',
    'error.unknown': 'Something went wrong.',
  },
};

export const ROLES = ['convener', 'design_team', 'provider', 'funder', 'hub', 'parent', 'observer'];

let locale = 'en';

// Adds an area's strings ({lang: {id: text}}) to the tables.
export function extendStrings(more) {
  for (const [lang, table] of Object.entries(more || {})) {
    tables[lang] = Object.assign(tables[lang] || {}, table);
  }
}

export function setLocale(tag) {
  if (tables[tag]) locale = tag;
  document.documentElement.lang = locale;
}

export function getLocale() {
  return locale;
}

function lookup(id) {
  const table = tables[locale];
  if (table && id in table) return table[id];
  return tables.en[id];
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    params && name in params ? String(params[name]) : whole);
}

// t('id', {params}) -> string. A plural entry ({one, other, ...}) is chosen by params.count.
export function t(id, params) {
  let entry = lookup(id);
  if (entry === undefined) return id;
  if (typeof entry === 'object') {
    const rule = new Intl.PluralRules(locale).select(Number(params && params.count) || 0);
    entry = entry[rule] ?? entry.other;
  }
  return fill(entry, params);
}

export function roleLabel(role) {
  const id = 'role.' + role;
  return lookup(id) === undefined ? role : t(id);
}

export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// A message for an error reply {code, message, field}: the local text for its code.
export function errorText(err) {
  if (!err) return t('error.unknown');
  // A bad_request from the server names what was wrong more precisely than we can.
  if (err.code === 'bad_request' && err.message) return err.message;
  const known = lookup('error.' + err.code);
  return known === undefined ? (err.message || t('error.unknown')) : t('error.' + err.code);
}
