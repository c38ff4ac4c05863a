// The respondents across the criteria, as an SVG dot plot: one row per
// criterion, the scale from 1 to the criterion's highest score, and a mark
// per respondent at its mean score. Respondents differ by the shape of their
// mark (and its colour, as a help), named in a legend; every mark has a
// <title>. Built with createElementNS, no library.

import { h } from '../dom.js';
import { t } from '../i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 440;
const ROW = 44;
const M = { left: 12, right: 12, top: 8, bottom: 26 };
const SHAPES = ['circle', 'square', 'triangle', 'diamond', 'cross', 'star'];
const COLOURS = ['#1f6f5c', '#b3261e', '#1a5fb4', '#9a6200', '#6a3d9a', '#4d4d4d'];

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// An SVG coordinate to one decimal (a number, never shown as text).
const c1 = (n) => Math.round(n * 10) / 10;

function mark(shape, x, y, r, colour, extra) {
  const a = { fill: colour, stroke: '#fff', 'stroke-width': 1.5, ...extra };
  const p = (pts) => s('polygon', { points: pts.map(([px, py]) => `${c1(x + px)},${c1(y + py)}`).join(' '), ...a });
  switch (shape) {
    case 'square': return s('rect', { x: c1(x - r), y: c1(y - r), width: 2 * r, height: 2 * r, ...a });
    case 'triangle': return p([[0, -r * 1.2], [r * 1.1, r * 0.8], [-r * 1.1, r * 0.8]]);
    case 'diamond': return p([[0, -r * 1.3], [r * 1.2, 0], [0, r * 1.3], [-r * 1.2, 0]]);
    case 'cross': return p([[-r, -r / 2.5], [-r / 2.5, -r / 2.5], [-r / 2.5, -r], [r / 2.5, -r], [r / 2.5, -r / 2.5], [r, -r / 2.5], [r, r / 2.5], [r / 2.5, r / 2.5], [r / 2.5, r], [-r / 2.5, r], [-r / 2.5, r / 2.5], [-r, r / 2.5]]);
    case 'star': {
      const pts = [];
      for (let i = 0; i < 10; i++) {
        const rr = i % 2 ? r * 0.55 : r * 1.3;
        const ang = -Math.PI / 2 + (i * Math.PI) / 5;
        pts.push([rr * Math.cos(ang), rr * Math.sin(ang)]);
      }
      return p(pts);
    }
    default: return s('circle', { cx: c1(x), cy: c1(y), r, ...a });
  }
}

function swatch(i) {
  return s('svg', { class: 'rfq-swatch', viewBox: '0 0 20 20', width: 18, height: 18, 'aria-hidden': 'true' },
    mark(SHAPES[i % SHAPES.length], 10, 10, 6, COLOURS[i % COLOURS.length]));
}

// results: the rfq.results reply; criteria: the RFQ's criteria.
export function respondentsChart(results, criteria, fmt) {
  const rows = (results.respondents || []).filter((r) => r.visible && (r.criteria || []).some((c) => c.n));
  if (!rows.length || !criteria.length) return null;
  const H = M.top + criteria.length * ROW + M.bottom;
  const x = (v, max) => M.left + ((v - 1) / Math.max(1, max - 1)) * (W - M.left - M.right);
  const svg = s('svg', {
    class: 'rfq-chart', id: 'rfq-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'rfq-chart-title rfq-chart-desc',
  },
  s('title', { id: 'rfq-chart-title' }, t('rfq.chart_title')),
  s('desc', { id: 'rfq-chart-desc' }, t('rfq.chart_desc')));
  criteria.forEach((c, ci) => {
    const top = M.top + ci * ROW;
    const lineY = top + 28;
    const g = s('g', { class: 'rfq-chart-row', 'data-criterion': c.id });
    g.append(
      s('text', { x: M.left, y: top + 11, class: 'rfq-chart-label' }, c.name),
      s('line', { x1: M.left, x2: W - M.right, y1: lineY, y2: lineY, class: 'rfq-chart-axis' }));
    for (let v = 1; v <= c.max; v += Math.max(1, Math.round((c.max - 1) / 4))) {
      g.append(s('line', { x1: x(v, c.max), x2: x(v, c.max), y1: lineY - 4, y2: lineY + 4, class: 'rfq-chart-tick' }));
    }
    rows.forEach((r, ri) => {
      const st = (r.criteria || []).find((k) => k.criterion === c.id);
      if (!st || !st.n || typeof st.mean !== 'number') return;
      const m = mark(SHAPES[ri % SHAPES.length], x(st.mean, c.max), lineY, 6, COLOURS[ri % COLOURS.length],
        { class: 'rfq-chart-mark', 'data-respondent': r.respondent, 'data-mean': st.mean });
      m.append(s('title', null, t('rfq.chart_point', { org: r.organization, criterion: c.name, mean: fmt(st.mean), max: c.max })));
      g.append(m);
    });
    svg.append(g);
  });
  const axisY = H - M.bottom + 16;
  svg.append(s('text', { x: M.left, y: axisY, class: 'rfq-chart-label rfq-chart-scale' }, t('rfq.chart_low')),
    s('text', { x: W - M.right, y: axisY, 'text-anchor': 'end', class: 'rfq-chart-label rfq-chart-scale' }, t('rfq.chart_high')));
  const legend = h('ul', { class: 'rfq-chart-legend', 'aria-label': t('rfq.chart_legend') },
    rows.map((r, i) => h('li', null, swatch(i), ' ', r.organization)));
  return h('figure', { class: 'rfq-figure' }, svg, legend);
}

export const chartStrings = {
  'rfq.chart_title': 'Respondents across the criteria',
  'rfq.chart_desc': 'For each criterion, each respondent’s mean score on a line from the lowest score (left) to the highest (right).',
  'rfq.chart_point': '{org}, {criterion}: mean {mean} of {max}',
  'rfq.chart_low': 'lowest score',
  'rfq.chart_high': 'highest score',
  'rfq.chart_legend': 'Respondents',
};

export const chartStringsEs = {
  'rfq.chart_title': 'Las organizaciones en cada criterio',
  'rfq.chart_desc': 'Para cada criterio, la puntuación promedio de cada organización en una línea que va de la puntuación más baja (izquierda) a la más alta (derecha).',
  'rfq.chart_point': '{org}, {criterion}: promedio {mean} de {max}',
  'rfq.chart_low': 'puntuación más baja',
  'rfq.chart_high': 'puntuación más alta',
  'rfq.chart_legend': 'Organizaciones que responden',
};
