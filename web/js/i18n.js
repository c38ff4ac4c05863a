// Every string the web client shows, in one table per language keyed by id.
//
// English (en) and Spanish (es) today. Each area module brings its own
// tables (its `strings` export, merged with extendStrings). To add a
// language, add a table under its tag with the same ids and list it in
// LOCALES; anything missing falls back to English. Placeholders are written
// {name} and filled from the params object; a plural entry is an object of
// Intl.PluralRules categories ({one, other, ...}) chosen by params.count.
// A number given as a param is written in the chosen language (1,234.5);
// pass identifiers as strings. Dates and numbers: format.js.

import { setFormatLocale, formatNumber } from './format.js';

export { formatNumber, formatDate, formatDay, formatDecimal, formatPercent } from './format.js';

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
    'app.language': 'Language',
    'app.language_changed': 'The page is now in English.',

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
    'signin.rate_limited_wait': { one: 'Too many attempts. Please try again in {count} minute.', other: 'Too many attempts. Please try again in {count} minutes.' },

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
    'error.bad_request_field': 'Something in the form is not right. Check {field}.',
    'error.unauthenticated': 'Please sign in.',
    'error.forbidden': 'You do not have permission to do that.',
    'error.not_found': 'Not found.',
    'error.conflict': 'That conflicts with a change someone else made.',
    'error.closed': 'This is closed.',
    'error.too_large': 'That is too large.',
    'error.too_large_field': 'That is too long: {field}.',
    'error.rate_limited': 'Too many attempts. Please wait a little and try again.',
    'error.internal': 'Something went wrong on the server.',
    'error.unavailable': 'This cannot be changed until the server administrator repairs its storage. You can still read it.',
    'error.offline': 'You are offline. Please try again when the connection is back.',
    'error.network': 'Could not reach the server. Please try again.',
    'error.timeout': 'The server did not answer in time. Please try again.',
    'error.unknown': 'Something went wrong.',

    // Names of request arguments, for errors that name a field.
    'field.title': 'the title',
    'field.body': 'the text',
    'field.name': 'the name',
    'field.email': 'the email',
    'field.password': 'the password',
    'field.organization': 'the organization',
    'field.roles': 'the roles',
    'field.options': 'the options',
    'field.closes_at': 'the closing time',
    'field.quorum': 'the quorum',
    'field.threshold': 'the threshold',
    'field.kind': 'the kind of vote',
    'field.eligible_roles': 'who votes',
    'field.reason': 'the reason',
    'field.choice': 'your choice',
    'field.ranking': 'your ranking',
    'field.receipt': 'the receipt',
    'field.statement': 'the outcome statement',
    'field.status': 'the status',
    'field.value': 'the value',
    'field.note': 'the note',
    'field.message': 'the note',
    'field.q': 'the search',
    'field.answers': 'the answers',
    'field.question': 'the question',
    'field.questions': 'the questions',
    'field.criteria': 'the criteria',
    'field.scores': 'the scores',
    'field.score': 'the score',
    'field.comment': 'the comment',
    'field.parties': 'the parties',
    'field.baseline': 'the baseline',
    'field.target': 'the target',
    'field.due': 'the due date',
  },
  es: {
    'app.name': 'Roundtable',
    'app.skip': 'Saltar al contenido',
    'app.nav_label': 'Principal',
    'app.coalitions': 'Coaliciones',
    'app.signed_in_as': 'Sesión iniciada como {name}',
    'app.sign_out': 'Cerrar sesión',
    'app.loading': 'Cargando…',
    'app.not_found_title': 'Página no encontrada',
    'app.not_found_body': 'No hay nada en esta dirección.',
    'app.back_home': 'Volver a sus coaliciones',
    'app.session_ended': 'Su sesión terminó. Por favor, inicie sesión de nuevo.',
    'app.language': 'Idioma',
    'app.language_changed': 'La página ahora está en español.',

    'coalition.areas': 'Secciones de esta coalición',
    'conn.label': 'Conexión',
    'conn.connecting': 'Conectando…',
    'conn.online': 'En línea',
    'conn.offline': 'Sin conexión — reconectando',
    'conn.retry': 'Reconectar ahora',

    'signin.title': 'Iniciar sesión',
    'signin.intro': 'Inicie sesión con el correo electrónico y la contraseña que usa para su alianza.',
    'signin.email': 'Correo electrónico',
    'signin.password': 'Contraseña',
    'signin.submit': 'Iniciar sesión',
    'signin.busy': 'Iniciando sesión…',
    'signin.failed': 'El correo y la contraseña no coinciden. Por favor, inténtelo de nuevo.',
    'signin.rate_limited': 'Demasiados intentos. Espere unos minutos y vuelva a intentarlo.',
    'signin.rate_limited_wait': { one: 'Demasiados intentos. Vuelva a intentarlo en {count} minuto.', other: 'Demasiados intentos. Vuelva a intentarlo en {count} minutos.' },

    'coalitions.title': 'Sus coaliciones',
    'coalitions.none': 'Todavía no es miembro de ninguna coalición. Pida una invitación a una persona convocante.',
    'coalitions.roles': 'Sus funciones',
    'coalitions.not_member': 'No es miembro',

    'coalition.members': 'Miembros',
    'coalition.member_count': { one: '{count} miembro', other: '{count} miembros' },
    'coalition.my_roles': 'Sus funciones',
    'coalition.you': 'usted',
    'coalition.no_org': 'Sin organización',
    'coalition.no_roles': 'Sin funciones',
    'coalition.member_joined': '{name} se unió a la coalición.',
    'coalition.member_updated': 'Se actualizaron las funciones de {name}.',

    'invite.title': 'Invitar a un miembro',
    'invite.intro': 'La persona que invite recibe un enlace. Al abrirlo, crea una contraseña y se une.',
    'invite.name': 'Nombre',
    'invite.email': 'Correo electrónico',
    'invite.org': 'Organización (opcional)',
    'invite.org_hint': 'El centro, hogar o agencia que representa.',
    'invite.roles': 'Funciones',
    'invite.roles_hint': 'Elija al menos una.',
    'invite.roles_required': 'Elija al menos una función.',
    'invite.submit': 'Crear invitación',
    'invite.busy': 'Creando…',
    'invite.created': 'Se creó la invitación para {name}. Envíele este enlace:',
    'invite.link_label': 'Enlace de invitación',
    'invite.copy': 'Copiar enlace',
    'invite.copied': 'Enlace copiado.',
    'invite.pending_title': 'Invitaciones',
    'invite.pending_none': 'Todavía no hay invitaciones.',
    'invite.status_pending': 'Pendiente desde el {date}',
    'invite.status_accepted': 'Aceptada el {date}',

    'accept.title': 'Únase a su coalición',
    'accept.intro': 'Lo invitaron a Roundtable. Elija una contraseña para aceptar la invitación. Si ya tiene una cuenta, use su contraseña.',
    'accept.name': 'Su nombre (opcional)',
    'accept.name_hint': 'Déjelo vacío para conservar el nombre de su invitación.',
    'accept.password': 'Contraseña',
    'accept.password_hint': 'Al menos 8 caracteres.',
    'accept.confirm': 'Repita la contraseña',
    'accept.mismatch': 'Las dos contraseñas no son iguales.',
    'accept.submit': 'Aceptar la invitación',
    'accept.busy': 'Uniéndose…',
    'accept.wrong_password': 'Ya existe una cuenta con este correo y esa no es su contraseña.',
    'accept.invalid': 'Este enlace de invitación no es válido o ya se usó.',
    'accept.signed_in_as': 'Tiene la sesión iniciada como {name}. Cierre la sesión primero para aceptar esta invitación para otra persona.',
    'accept.sign_out_first': 'Cerrar sesión y continuar',

    'role.convener': 'Convocante',
    'role.design_team': 'Equipo de diseño',
    'role.provider': 'Proveedor de cuidado',
    'role.funder': 'Financiador',
    'role.hub': 'Hub',
    'role.parent': 'Madre o padre',
    'role.observer': 'Observador',

    'error.bad_request': 'Algo en el formulario no está bien.',
    'error.bad_request_field': 'Algo en el formulario no está bien. Revise: {field}.',
    'error.unauthenticated': 'Por favor, inicie sesión.',
    'error.forbidden': 'No tiene permiso para hacer eso.',
    'error.not_found': 'No se encontró.',
    'error.conflict': 'Eso choca con un cambio que hizo otra persona.',
    'error.closed': 'Esto ya está cerrado.',
    'error.too_large': 'Es demasiado grande.',
    'error.too_large_field': 'Es demasiado largo: {field}.',
    'error.rate_limited': 'Demasiados intentos. Espere un poco y vuelva a intentarlo.',
    'error.internal': 'Algo salió mal en el servidor.',
    'error.unavailable': 'No se puede cambiar hasta que el administrador del servidor repare su almacenamiento. Todavía puede leerlo.',
    'error.offline': 'No tiene conexión. Vuelva a intentarlo cuando regrese la conexión.',
    'error.network': 'No se pudo conectar con el servidor. Vuelva a intentarlo.',
    'error.timeout': 'El servidor no respondió a tiempo. Vuelva a intentarlo.',
    'error.unknown': 'Algo salió mal.',

    'field.title': 'el título',
    'field.body': 'el texto',
    'field.name': 'el nombre',
    'field.email': 'el correo electrónico',
    'field.password': 'la contraseña',
    'field.organization': 'la organización',
    'field.roles': 'las funciones',
    'field.options': 'las opciones',
    'field.closes_at': 'la fecha de cierre',
    'field.quorum': 'el quórum',
    'field.threshold': 'el umbral',
    'field.kind': 'el tipo de votación',
    'field.eligible_roles': 'quién vota',
    'field.reason': 'el motivo',
    'field.choice': 'su elección',
    'field.ranking': 'su clasificación',
    'field.receipt': 'el recibo',
    'field.statement': 'la declaración del resultado',
    'field.status': 'el estado',
    'field.value': 'el valor',
    'field.note': 'la nota',
    'field.message': 'la nota',
    'field.q': 'la búsqueda',
    'field.answers': 'las respuestas',
    'field.question': 'la pregunta',
    'field.questions': 'las preguntas',
    'field.criteria': 'los criterios',
    'field.scores': 'las puntuaciones',
    'field.score': 'la puntuación',
    'field.comment': 'el comentario',
    'field.parties': 'las partes',
    'field.baseline': 'la línea de base',
    'field.target': 'la meta',
    'field.due': 'la fecha límite',
  },
};

export const ROLES = ['convener', 'design_team', 'provider', 'funder', 'hub', 'parent', 'observer'];

// The languages a member can choose, each named in its own language. `intl`
// is the tag for dates and numbers: our readers are in the United States, so
// Spanish dates read "23 nov 2026, 2:05 p.m." and numbers 1,234.5.
export const LOCALES = [
  { tag: 'en', intl: 'en-US', name: 'English' },
  { tag: 'es', intl: 'es-US', name: 'Español' },
];

let locale = 'en';

// Adds an area's strings ({lang: {id: text}}) to the tables.
export function extendStrings(more) {
  for (const [lang, table] of Object.entries(more || {})) {
    tables[lang] = Object.assign(tables[lang] || {}, table);
  }
}

// Every table, for the tests: {lang: {id: text}}.
export function stringTables() {
  return tables;
}

// The supported language for a list of BCP 47 tags (navigator.languages),
// first match wins: 'es-MX' -> 'es'. English when nothing matches.
export function pickLocale(tags) {
  for (const tag of tags || []) {
    const primary = String(tag || '').toLowerCase().split(/[-_]/)[0];
    if (LOCALES.some((l) => l.tag === primary)) return primary;
  }
  return 'en';
}

export function setLocale(tag) {
  if (tables[tag] && LOCALES.some((l) => l.tag === tag)) locale = tag;
  setFormatLocale(intlLocale());
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
  return locale;
}

export function getLocale() {
  return locale;
}

// The BCP 47 tag for Intl (dates, numbers, plurals) in the chosen language.
export function intlLocale() {
  const found = LOCALES.find((l) => l.tag === locale);
  return found ? found.intl : locale;
}

// An Intl formatter for the chosen language, made once per kind, language and
// options: making one costs about half a millisecond, and a long thread or
// invitation list formats thousands of dates.
const formatters = new Map();
function formatter(Kind, options) {
  const key = `${Kind.name} ${intlLocale()} ${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Kind(intlLocale(), options)));
  return f;
}

function lookup(id) {
  const table = tables[locale];
  if (table && id in table) return table[id];
  return tables.en[id];
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!params || !(name in params)) return whole;
    const value = params[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

// t('id', {params}) -> string. A plural entry ({one, other, ...}) is chosen by params.count.
export function t(id, params) {
  let entry = lookup(id);
  if (entry === undefined) return id;
  if (typeof entry === 'object') {
    const rule = formatter(Intl.PluralRules, {}).select(Number(params && params.count) || 0);
    entry = entry[rule] ?? entry.other;
  }
  return fill(entry, params);
}

export function roleLabel(role) {
  const id = 'role.' + role;
  return lookup(id) === undefined ? role : t(id);
}

// A message for an error reply {code, message, field} in the member's
// language: the local text for its code. The server's own message is in
// English; it is shown only to English readers, for a bad_request, where it
// names what was wrong more precisely than we can. Other languages get the
// local text, naming the field when we know its name.
export function errorText(err) {
  if (!err) return t('error.unknown');
  const code = err.code;
  if (code === 'bad_request' || code === 'too_large') {
    if (locale === 'en' && code === 'bad_request' && err.message) return err.message;
    const field = err.field && lookup('field.' + err.field) !== undefined ? t('field.' + err.field) : null;
    if (field) return t('error.' + code + '_field', { field });
    return t('error.' + code);
  }
  if (code && lookup('error.' + code) !== undefined) return t('error.' + code);
  return locale === 'en' && err.message ? err.message : t('error.unknown');
}
