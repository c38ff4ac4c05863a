// Numbers, percentages and dates in the member's language, one place for
// every view (Intl.NumberFormat and Intl.DateTimeFormat; plurals are chosen
// by t() in i18n.js with Intl.PluralRules).
//
// The locale is the Intl tag of the chosen language (en-US, es-US: see
// LOCALES in i18n.js), set by i18n.setLocale. The formatters are cached per
// locale and options: a tally or a results table formats hundreds of numbers.

let tag = 'en-US';
const cache = new Map();

// Called by i18n.setLocale with the Intl tag of the chosen language.
export function setFormatLocale(intlTag) {
  tag = intlTag || 'en-US';
}

function formatter(Kind, options) {
  const key = `${Kind.name}|${tag}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Kind(tag, options);
    cache.set(key, f);
  }
  return f;
}

function finite(n) {
  const x = typeof n === 'string' && n.trim() !== '' ? Number(n) : n;
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

// A number: 1,234.5 (at most two decimals unless options say otherwise; the
// options go to Intl.NumberFormat). Anything not a number comes back as text,
// an absent value as ''.
export function formatNumber(n, options) {
  const x = finite(n);
  if (x === null) return String(n ?? '');
  return formatter(Intl.NumberFormat, { maximumFractionDigits: 2, ...options }).format(x);
}

// A number with exactly `digits` decimals (a mean: 3.0, 3.5), the
// locale's answer to toFixed.
export function formatDecimal(n, digits = 1) {
  return formatNumber(n, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// A share written as a percentage: formatPercent(0.456) is "46%" (no
// decimals unless options say otherwise). The share is clamped to 0..1 when
// options.clamp is set.
export function formatPercent(share, { clamp = false, ...options } = {}) {
  let x = finite(share);
  if (x === null) return '';
  if (clamp) x = Math.max(0, Math.min(1, x));
  return formatter(Intl.NumberFormat, { style: 'percent', maximumFractionDigits: 0, ...options }).format(x);
}

// A moment (ISO 8601) with its date and time, in the reader's time zone:
// "Mar 5, 2026, 6:30 PM", "5 mar 2026, 6:30 p.m.".
export function formatDate(iso) {
  const d = new Date(iso);
  if (iso === null || iso === undefined || Number.isNaN(d.getTime())) return String(iso || '');
  return formatter(Intl.DateTimeFormat, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// A calendar day ("2026-03-05" or a moment), without the time: "Mar 5, 2026".
// Read in UTC, so a date without a time stays the same day everywhere.
export function formatDay(iso) {
  const d = new Date(iso);
  if (iso === null || iso === undefined || Number.isNaN(d.getTime())) return String(iso || '');
  return formatter(Intl.DateTimeFormat, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

