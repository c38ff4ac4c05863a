// The authorization policy of every protocol operation, as data: who may do
// what, on whose object, in which state. tests/protocol/authz.test.mjs tries
// every cell of it against the daemon, and the "Who may do what" section of
// docs/protocol.md is generated from it (`node tests/protocol/policy.mjs`
// prints that section; the test checks the document still matches).
//
// A cell is: op × subject × own/other object × state × own/other coalition.
//
// Subjects: a member holding exactly one of the seven ROLES, in the object's
// coalition ("same") or in another one ("other"); a server administrator who
// is a member of no coalition ("admin"); a connection that is not signed in
// ("signed_out").
//
// The expected answer of a cell (expected() below):
//  1. signed out: `unauthenticated`, unless the op needs no sign-in
//     (scope 'anyone' or 'token': then the rules decide);
//  2. scope 'coalition' and the subject is not a member of the object's
//     coalition (other coalition, admin): `not_found`, the same answer as for
//     an object that does not exist;
//  3. otherwise the first rule whose conditions all hold gives the answer;
//     no rule holds: `ok`.
//
// Rule conditions: `roles` (the subject's role is one of these), `unless`
// (it is none of these), `own` (true: the subject's own object, false:
// someone else's), `state` (one state or a list). The admin's role is
// 'admin', a signed-out connection's 'signed_out'.

export const ROLES = ['convener', 'design_team', 'provider', 'funder', 'hub', 'parent', 'observer'];

const ORGANIZERS = ['convener', 'design_team'];
const WRITERS = ['convener', 'design_team', 'provider', 'funder', 'hub', 'parent']; // all but observer
const MOU_EDITORS = ['convener', 'design_team', 'provider', 'funder', 'hub']; // all but parent, observer
const BEFORE_CLOSE = ['draft', 'published'];
const AFTER_CLOSE = ['closed', 'decided'];
const RFQ_STATES = ['draft', 'published', 'closed', 'decided'];

/** The roles that may vote on the fixture decision of ballot.cast. */
export const BALLOT_ELIGIBLE = ['provider', 'hub', 'parent'];

/**
 * scope: 'coalition' (members of the object's coalition), 'signed_in' (any
 *   signed-in connection), 'anyone' (no sign-in needed; credentials in the
 *   arguments decide), 'token' (a respondent or invitation token decides).
 * write: the op changes data when it succeeds.
 * own: what "own object" means for this op (absent: ownership does not matter).
 * ownFor: who can hold an own object: 'member' (default: members of the
 *   object's coalition), 'signed_in' (every signed-in subject: their own
 *   credentials), 'anyone' (a token, whoever sends it).
 * states: the object states tried (absent: state does not matter).
 * statesOnlyWhenOwn: an other-object cell (a token or credential that names
 *   nothing) has no state.
 */
export const POLICY = [
  // ---------------------------------------------------------------- sessions
  { area: 'sessions', op: 'auth.login', scope: 'anyone', write: true,
    own: 'the caller\'s own email and password (other: a wrong password)', ownFor: 'signed_in',
    rules: [{ own: false, answer: 'unauthenticated' }] },
  { area: 'sessions', op: 'auth.resume', scope: 'anyone', write: false,
    own: 'the caller\'s own session token (other: a token that names no session)', ownFor: 'signed_in',
    rules: [{ own: false, answer: 'unauthenticated' }] },
  { area: 'sessions', op: 'auth.whoami', scope: 'signed_in', write: false, rules: [] },
  { area: 'sessions', op: 'auth.logout', scope: 'signed_in', write: true, rules: [] },
  { area: 'sessions', op: 'auth.accept_invite', scope: 'token', write: true,
    own: 'an unused invitation token (other: a used one)', ownFor: 'anyone',
    rules: [{ own: false, answer: 'not_found' }] },

  // ------------------------------------------------------ coalitions, members
  { area: 'members', op: 'coalition.create', scope: 'signed_in', write: true,
    rules: [{ unless: ['admin'], answer: 'forbidden' }] },
  { area: 'members', op: 'coalition.list', scope: 'signed_in', write: false, rules: [] },
  { area: 'members', op: 'coalition.get', scope: 'coalition', write: false, rules: [] },
  { area: 'members', op: 'coalition.subscribe', scope: 'coalition', write: false, rules: [] },
  { area: 'members', op: 'member.invite', scope: 'coalition', write: true,
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },
  { area: 'members', op: 'invite.get', scope: 'token', write: false,
    own: 'an unused invitation token (other: a token that names no invitation)', ownFor: 'anyone',
    rules: [{ own: false, answer: 'not_found' }] },
  { area: 'members', op: 'invite.list', scope: 'coalition', write: false,
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },
  { area: 'members', op: 'member.set_roles', scope: 'coalition', write: true,
    own: 'the caller sets their own roles (keeping them as they are)',
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },
  { area: 'members', op: 'member.update_profile', scope: 'signed_in', write: true, rules: [],
    note: 'always the caller\'s own profile: no argument names a member' },

  // ------------------------------------------------------------------ audit
  { area: 'audit', op: 'audit.list', scope: 'coalition', write: false,
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },
  { area: 'audit', op: 'audit.verify', scope: 'coalition', write: false,
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },

  // ------------------------------------------------------------ discussions
  { area: 'discussions', op: 'thread.create', scope: 'coalition', write: true,
    rules: [{ roles: ['observer'], answer: 'forbidden' }] },
  { area: 'discussions', op: 'thread.list', scope: 'coalition', write: false, rules: [] },
  { area: 'discussions', op: 'thread.get', scope: 'coalition', write: false, rules: [] },
  { area: 'discussions', op: 'thread.update', scope: 'coalition', write: true,
    rules: [{ unless: ['convener'], answer: 'forbidden' }] },
  { area: 'discussions', op: 'thread.read', scope: 'coalition', write: true, rules: [] },
  { area: 'discussions', op: 'message.post', scope: 'coalition', write: true,
    states: ['anonymous_allowed', 'named_only'], note: 'posts anonymously',
    rules: [
      { roles: ['observer'], answer: 'forbidden' },
      { state: 'named_only', answer: 'forbidden' },
    ] },
  { area: 'discussions', op: 'message.edit', scope: 'coalition', write: true,
    own: 'the caller wrote the message', states: ['live', 'deleted'],
    rules: [
      { roles: ['observer'], answer: 'forbidden' },
      { own: false, answer: 'forbidden' },
      { state: 'deleted', answer: 'conflict' },
    ] },
  { area: 'discussions', op: 'message.delete', scope: 'coalition', write: true,
    own: 'the caller wrote the message', states: ['live', 'deleted'],
    note: 'deleting a tombstone again answers it and changes nothing',
    rules: [{ unless: ['convener'], own: false, answer: 'forbidden' }] },
  { area: 'discussions', op: 'message.history', scope: 'coalition', write: false,
    states: ['live', 'deleted'], rules: [] },
  { area: 'discussions', op: 'search', scope: 'coalition', write: false, rules: [] },

  // ------------------------------------------------------------------- RFQs
  { area: 'rfq', op: 'rfq.template', scope: 'signed_in', write: false, rules: [] },
  { area: 'rfq', op: 'rfq.create', scope: 'coalition', write: true,
    rules: [{ unless: ORGANIZERS, answer: 'forbidden' }] },
  { area: 'rfq', op: 'rfq.list', scope: 'coalition', write: false, rules: [] },
  { area: 'rfq', op: 'rfq.get', scope: 'coalition', write: false, states: RFQ_STATES, rules: [] },
  { area: 'rfq', op: 'rfq.update', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: ['published', ...AFTER_CLOSE], answer: 'conflict' },
    ] },
  { area: 'rfq', op: 'rfq.publish', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: ['published', ...AFTER_CLOSE], answer: 'conflict' },
    ] },
  { area: 'rfq', op: 'rfq.addendum', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: 'draft', answer: 'conflict' },
      { state: AFTER_CLOSE, answer: 'closed' },
    ] },
  { area: 'rfq', op: 'rfq.close', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: 'draft', answer: 'conflict' },
      { state: AFTER_CLOSE, answer: 'closed' },
    ] },
  { area: 'rfq', op: 'rfq.select', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: 'decided', answer: 'closed' },
      { state: BEFORE_CLOSE, answer: 'conflict' },
    ] },
  { area: 'rfq', op: 'respondent.invite', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: AFTER_CLOSE, answer: 'closed' },
    ] },
  { area: 'rfq', op: 'response.get', scope: 'token', write: false,
    own: 'the respondent token of this RFQ (other: a token that names no respondent)', ownFor: 'anyone',
    states: RFQ_STATES, statesOnlyWhenOwn: true,
    rules: [{ own: false, answer: 'unauthenticated' }] },
  { area: 'rfq', op: 'response.submit', scope: 'token', write: true,
    own: 'the respondent token of this RFQ (other: a token that names no respondent)', ownFor: 'anyone',
    states: RFQ_STATES, statesOnlyWhenOwn: true,
    rules: [
      { own: false, answer: 'unauthenticated' },
      { state: 'draft', answer: 'conflict' },
      { state: AFTER_CLOSE, answer: 'closed' },
    ] },
  { area: 'rfq', op: 'response.list', scope: 'coalition', write: false,
    own: 'the caller is an assigned evaluator of the RFQ', states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, own: false, answer: 'forbidden' },
      { state: BEFORE_CLOSE, answer: 'forbidden' },
    ] },
  { area: 'rfq', op: 'clarification.ask', scope: 'token', write: true,
    own: 'the respondent token of this RFQ (other: a token that names no respondent)', ownFor: 'anyone',
    states: RFQ_STATES, statesOnlyWhenOwn: true,
    rules: [
      { own: false, answer: 'unauthenticated' },
      { state: 'draft', answer: 'conflict' },
      { state: AFTER_CLOSE, answer: 'closed' },
    ] },
  { area: 'rfq', op: 'clarification.answer', scope: 'coalition', write: true,
    states: ['published', 'closed', 'decided'], note: 'a draft has no clarification to answer',
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: 'decided', answer: 'closed' },
    ] },
  { area: 'rfq', op: 'evaluator.assign', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [
      { unless: ORGANIZERS, answer: 'forbidden' },
      { state: 'decided', answer: 'closed' },
    ] },
  { area: 'rfq', op: 'coi.declare', scope: 'coalition', write: true, states: RFQ_STATES,
    rules: [{ state: 'decided', answer: 'closed' }] },
  { area: 'rfq', op: 'score.submit', scope: 'coalition', write: true,
    own: 'the caller is an assigned evaluator of the RFQ', states: RFQ_STATES,
    rules: [
      { own: false, answer: 'forbidden' },
      { state: 'decided', answer: 'closed' },
      { state: BEFORE_CLOSE, answer: 'forbidden' },
    ] },
  { area: 'rfq', op: 'score.list', scope: 'coalition', write: false,
    own: 'the caller is an assigned evaluator of the RFQ', states: RFQ_STATES,
    rules: [
      { unless: ['convener'], own: false, answer: 'forbidden' },
      { state: BEFORE_CLOSE, answer: 'forbidden' },
    ] },
  { area: 'rfq', op: 'rfq.results', scope: 'coalition', write: false,
    own: 'the caller is an assigned evaluator of the RFQ', states: RFQ_STATES,
    rules: [
      { unless: ['convener'], own: false, answer: 'forbidden' },
      { state: BEFORE_CLOSE, answer: 'forbidden' },
    ] },

  // ------------------------------------------------------------------- MOUs
  { area: 'mou', op: 'mou.template', scope: 'signed_in', write: false, rules: [] },
  { area: 'mou', op: 'mou.create', scope: 'coalition', write: true,
    rules: [{ unless: MOU_EDITORS, answer: 'forbidden' }] },
  { area: 'mou', op: 'mou.list', scope: 'coalition', write: false, rules: [] },
  { area: 'mou', op: 'mou.get', scope: 'coalition', write: false, rules: [] },
  { area: 'mou', op: 'mou.history', scope: 'coalition', write: false, rules: [] },
  { area: 'mou', op: 'mou.diff', scope: 'coalition', write: false, rules: [] },
  { area: 'mou', op: 'mou.save', scope: 'coalition', write: true, states: ['unsigned', 'signed'],
    note: 'signed: every party signed the head; a save still moves the head, and the signatures stay on their commit',
    rules: [{ unless: MOU_EDITORS, answer: 'forbidden' }] },
  { area: 'mou', op: 'mou.sign', scope: 'coalition', write: true,
    own: 'the caller\'s organization is a party of the MOU', states: ['unsigned', 'signed'],
    note: 'signed: every party signed the head',
    rules: [
      { own: false, answer: 'forbidden' },
      { state: 'signed', answer: 'conflict' },
    ] },

  // -------------------------------------------------------------- decisions
  { area: 'decisions', op: 'decision.create', scope: 'coalition', write: true,
    rules: [{ unless: ORGANIZERS, answer: 'forbidden' }] },
  { area: 'decisions', op: 'decision.list', scope: 'coalition', write: false, rules: [] },
  { area: 'decisions', op: 'decision.get', scope: 'coalition', write: false, states: ['open', 'closed'], rules: [] },
  { area: 'decisions', op: 'decision.tally', scope: 'coalition', write: false, states: ['open', 'closed'], rules: [] },
  { area: 'decisions', op: 'ballot.cast', scope: 'coalition', write: true, states: ['open', 'closed'],
    note: `the decision's eligible_roles are ${BALLOT_ELIGIBLE.join(', ')}`,
    rules: [
      { state: 'closed', answer: 'closed' },
      { unless: BALLOT_ELIGIBLE, answer: 'forbidden' },
    ] },
  { area: 'decisions', op: 'decision.close', scope: 'coalition', write: true,
    own: 'the caller created the decision', states: ['open', 'closed'],
    rules: [
      { state: 'closed', answer: 'closed' },
      { unless: ['convener'], own: false, answer: 'forbidden' },
    ] },
  { area: 'decisions', op: 'decision.verify', scope: 'coalition', write: false,
    own: 'the receipt is of the caller\'s own ballot', states: ['counted', 'replaced', 'secret_counted', 'secret_replaced'],
    note: 'replaced: a later ballot of the same voter replaced the receipt\'s ballot; secret: in a secret ballot',
    rules: [{ own: false, answer: 'not_found' }] },

  // ------------------------------------------------------------- milestones
  { area: 'milestones', op: 'milestone.template', scope: 'signed_in', write: false, rules: [] },
  { area: 'milestones', op: 'milestone.create', scope: 'coalition', write: true,
    rules: [{ unless: ['convener', 'design_team', 'hub'], answer: 'forbidden' }] },
  { area: 'milestones', op: 'milestone.list', scope: 'coalition', write: false, rules: [] },
  { area: 'milestones', op: 'milestone.get', scope: 'coalition', write: false, rules: [] },
  { area: 'milestones', op: 'milestone.links_for', scope: 'coalition', write: false, rules: [] },
  { area: 'milestones', op: 'milestone.update', scope: 'coalition', write: true,
    own: 'the caller owns the milestone',
    rules: [{ unless: ORGANIZERS, own: false, answer: 'forbidden' }] },
  { area: 'milestones', op: 'milestone.link', scope: 'coalition', write: true,
    own: 'the caller owns the milestone', states: ['unlinked', 'linked'],
    rules: [
      { unless: ['convener', 'design_team', 'hub'], own: false, answer: 'forbidden' },
      { state: 'linked', answer: 'conflict' },
    ] },
  { area: 'milestones', op: 'milestone.unlink', scope: 'coalition', write: true,
    own: 'the caller owns the milestone', states: ['unlinked', 'linked'],
    rules: [
      { unless: ['convener', 'design_team', 'hub'], own: false, answer: 'forbidden' },
      { state: 'unlinked', answer: 'not_found' },
    ] },
];

/** The subjects of the matrix: {key, role, coalition: 'same'|'other'|null, signedIn}. */
export function subjects() {
  const out = [];
  for (const coalition of ['same', 'other']) {
    for (const role of ROLES) out.push({ key: `${coalition === 'same' ? 'A' : 'B'}.${role}`, role, coalition, signedIn: true });
  }
  out.push({ key: 'admin', role: 'admin', coalition: null, signedIn: true });
  out.push({ key: 'signed_out', role: 'signed_out', coalition: null, signedIn: false });
  return out;
}

/** The own/other variants a subject can have for an entry (null: no such dimension). */
function ownsFor(entry, s) {
  if (!entry.own) return [null];
  const ownFor = entry.ownFor ?? 'member';
  const can = ownFor === 'anyone' || (ownFor === 'signed_in' && s.signedIn) || (ownFor === 'member' && s.coalition === 'same');
  return can ? [true, false] : [false];
}

/** Every cell of one entry: [{op, subject, own, state}]. */
export function cellsOf(entry) {
  const out = [];
  for (const subject of subjects()) {
    for (const own of ownsFor(entry, subject)) {
      const states = entry.states && !(entry.statesOnlyWhenOwn && own === false) ? entry.states : [null];
      for (const state of states) out.push({ op: entry.op, subject, own, state });
    }
  }
  return out;
}

function matches(rule, cell) {
  const role = cell.subject.role;
  if (rule.roles && !rule.roles.includes(role)) return false;
  if (rule.unless && rule.unless.includes(role)) return false;
  if (rule.own !== undefined && rule.own !== cell.own) return false;
  if (rule.state !== undefined) {
    const list = Array.isArray(rule.state) ? rule.state : [rule.state];
    if (!list.includes(cell.state)) return false;
  }
  return true;
}

/** The answer a cell must get: 'ok' or an error code. */
export function expected(entry, cell) {
  const s = cell.subject;
  if (!s.signedIn && entry.scope !== 'anyone' && entry.scope !== 'token') return 'unauthenticated';
  if (entry.scope === 'coalition' && s.coalition !== 'same') return 'not_found';
  for (const rule of entry.rules) if (matches(rule, cell)) return rule.answer;
  return 'ok';
}

// ----------------------------------------------------- the document section

const AREA_TITLES = {
  sessions: 'Sessions', members: 'Coalitions and members', audit: 'Audit', discussions: 'Discussions',
  rfq: 'Hub selection RFQs', mou: 'MOUs', decisions: 'Decisions', milestones: 'Milestones',
};

const SCOPE_TEXT = {
  coalition: 'member of the coalition',
  signed_in: 'signed in',
  anyone: 'anyone',
  token: 'the token',
};

function listText(v) {
  return (Array.isArray(v) ? v : [v]).join(' or ');
}

function ruleText(rule) {
  const parts = [];
  if (rule.roles) parts.push(`role ${listText(rule.roles)}`);
  if (rule.unless) parts.push(rule.unless.length === 1 && rule.unless[0] === 'admin'
    ? 'not a server administrator' : `not ${listText(rule.unless)}`);
  if (rule.own === false) parts.push('other');
  if (rule.own === true) parts.push('own');
  if (rule.state !== undefined) parts.push(listText(rule.state));
  return `${parts.join(', ')}: \`${rule.answer}\``;
}

/** The "Who may do what" section of docs/protocol.md, as markdown. */
export function policyMarkdown() {
  const lines = [
    '## Who may do what',
    '',
    '<!-- Generated from tests/protocol/policy.mjs by `node tests/protocol/policy.mjs`;',
    '     tests/protocol/authz.test.mjs tries every cell and checks this text matches. -->',
    '',
    'Every operation, with what it needs and its refusals in the order they are',
    'checked: the first that applies is the answer, and otherwise it succeeds.',
    'Before them, for every operation: a connection that is not signed in gets',
    '`unauthenticated` (except where "needs" says anyone or the token), and',
    'someone who is not a member of the object\'s coalition (a member of another',
    'coalition, a server administrator who is not a member) gets `not_found`,',
    'as for an object that does not exist. "own" is what the own column says,',
    '"other" is the opposite case (another member\'s object, or the other token',
    'or credentials named there); states are the object\'s. A refused request',
    'changes nothing, and no event of one coalition reaches another\'s members.',
    '',
  ];
  for (const area of Object.keys(AREA_TITLES)) {
    lines.push(`### ${AREA_TITLES[area]}`, '', '| op | needs | own | states | refusals, in order |', '|---|---|---|---|---|');
    for (const e of POLICY.filter((x) => x.area === area)) {
      const refusals = e.rules.map(ruleText).join('; ') || '–';
      const note = e.note ? ` (${e.note})` : '';
      const states = e.states ? e.states.join(', ') : '–';
      lines.push(`| \`${e.op}\` | ${SCOPE_TEXT[e.scope]} | ${e.own ?? '–'} | ${states} | ${refusals}${note} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(policyMarkdown());
