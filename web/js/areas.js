// The areas of a coalition (discussions, decisions, milestones, MOUs, RFQs),
// each an ES module in views/ that exports:
//   routes: [{ pattern: RegExp on location.hash, view: { render(app, ...params) } }]
//           (signed in unless auth: false; by convention #/c/<slug>/<area>...)
//   link:   { id: 'i18n id of its name', href(slug) } shown on the coalition page
//   strings (optional): { en: {...}, es: {...} } merged into the i18n tables
// To add an area: import it here and append it to the list.
import * as milestones from './views/milestones.js';
import * as discussions from './views/discussions.js';
import * as decisions from './views/decisions.js';
import * as mou from './views/mou.js';
import * as rfq from './views/rfq.js';
import * as home from './views/home.js';

export const areas = [
  home,
  milestones,
  mou,
  rfq,
  discussions,
  decisions,
];
