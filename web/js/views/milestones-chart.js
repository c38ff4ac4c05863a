// The chart of one milestone's metric: its reported values over time (a line
// with a point per value) against its target (a dashed line, labelled) and
// its baseline (dotted). Built with createElementNS, no library; every mark
// carries a <title>, the whole has a text description, and a table of the
// values follows for those who prefer one.

import { h } from '../dom.js';
import { t } from '../i18n.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 440;
const H = 220;
const M = { left: 40, right: 12, top: 18, bottom: 34 };
const DAY = 24 * 3600 * 1000;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Round tick steps: 1, 2 or 5 times a power of ten.
function ticks(lo, hi, count) {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((x) => x >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.round(v * 1e10) / 1e10);
  return out;
}

export function milestoneChart(m, { formatDay, formatNumber }) {
  const metric = m.metric;
  const unit = metric.unit || '';
  const series = (m.series || [])
    .filter((p) => typeof p.value === 'number' && !Number.isNaN(new Date(p.at).getTime()))
    .map((p) => ({ at: p.at, time: new Date(p.at).getTime(), value: p.value }))
    .sort((a, b) => a.time - b.time);
  const target = Number(metric.target);
  const baseline = Number(metric.baseline);
  const id = 'ms-chart-' + m.id;

  // Domains: time from the first value (or creation) to the last (or now);
  // values covering the points, the baseline and the target.
  const created = new Date(m.created_at).getTime();
  let t0 = series.length ? series[0].time : (Number.isFinite(created) ? created : Date.now() - 30 * DAY);
  let t1 = series.length ? series[series.length - 1].time : Date.now();
  if (t1 - t0 < DAY) {
    t0 -= 15 * DAY;
    t1 += 15 * DAY;
  }
  const values = series.map((p) => p.value).concat([target, baseline].filter(Number.isFinite));
  let v0 = Math.min(...values);
  let v1 = Math.max(...values);
  const pad = (v1 - v0) * 0.08 || Math.abs(v1) * 0.1 || 1;
  v0 -= pad;
  v1 += pad;
  const yTicks = ticks(v0, v1, 4);
  v0 = Math.min(v0, yTicks[0]);
  v1 = Math.max(v1, yTicks[yTicks.length - 1]);

  const x = (time) => M.left + ((time - t0) / (t1 - t0)) * (W - M.left - M.right);
  const y = (v) => H - M.bottom - ((v - v0) / (v1 - v0)) * (H - M.top - M.bottom);
  const fx = (n) => Math.round(n * 10) / 10; // an SVG coordinate, not text

  const name = metric.name || m.title;
  const title = t('milestones.chart_title', { name });
  const desc = series.length
    ? t('milestones.chart_desc', {
      name,
      first: formatNumber(series[0].value),
      firstDate: formatDay(series[0].at),
      last: formatNumber(series[series.length - 1].value),
      lastDate: formatDay(series[series.length - 1].at),
      target: formatNumber(target),
      unit,
    })
    : t('milestones.chart_empty', { target: formatNumber(target), unit });

  const svg = s('svg', {
    class: 'ms-chart', id, viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`, preserveAspectRatio: 'xMidYMid meet',
    'data-points': series.length, 'data-target': target,
  },
  s('title', { id: `${id}-title` }, title),
  s('desc', { id: `${id}-desc` }, desc));

  // Grid and value axis.
  const grid = s('g', { class: 'ms-grid', 'aria-hidden': 'true' });
  for (const v of yTicks) {
    grid.append(
      s('line', { x1: M.left, x2: W - M.right, y1: fx(y(v)), y2: fx(y(v)) }),
      s('text', { x: M.left - 6, y: fx(y(v) + 4), 'text-anchor': 'end', class: 'ms-axis-label' }, formatNumber(v)));
  }
  // Time axis: the first and last dates, and one between when there is room.
  const xLabels = [t0, t1];
  if (t1 - t0 > 40 * DAY) xLabels.splice(1, 0, (t0 + t1) / 2);
  xLabels.forEach((time, i) => {
    const anchor = i === 0 ? 'start' : i === xLabels.length - 1 ? 'end' : 'middle';
    grid.append(s('text', { x: fx(x(time)), y: H - M.bottom + 20, 'text-anchor': anchor, class: 'ms-axis-label' },
      formatDay(new Date(time).toISOString())));
  });
  grid.append(s('line', { class: 'ms-axis', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));
  svg.append(grid);

  // Baseline (dotted) and target (dashed), each labelled in words.
  if (Number.isFinite(baseline)) {
    svg.append(s('g', { class: 'ms-baseline' },
      s('title', null, t('milestones.chart_baseline', { baseline: formatNumber(baseline) })),
      s('line', { x1: M.left, x2: W - M.right, y1: fx(y(baseline)), y2: fx(y(baseline)) }),
      s('text', { x: M.left + 4, y: fx(y(baseline) + (baseline > target ? -6 : 14)), class: 'ms-line-label' },
        t('milestones.chart_baseline', { baseline: formatNumber(baseline) }))));
  }
  if (Number.isFinite(target)) {
    svg.append(s('g', { class: 'ms-target', 'data-value': target },
      s('title', null, t('milestones.chart_target', { target: formatNumber(target) })),
      s('line', { x1: M.left, x2: W - M.right, y1: fx(y(target)), y2: fx(y(target)) }),
      s('text', { x: W - M.right - 4, y: fx(y(target) + (target >= baseline ? -6 : 14)), 'text-anchor': 'end', class: 'ms-line-label' },
        t('milestones.chart_target', { target: formatNumber(target) }))));
  }

  // The values: a line and a point (with its own title) per value.
  if (series.length) {
    svg.append(s('polyline', {
      class: 'ms-values',
      points: series.map((p) => `${fx(x(p.time))},${fx(y(p.value))}`).join(' '),
    }));
    const points = s('g', { class: 'ms-points' });
    for (const p of series) {
      points.append(s('circle', {
        class: 'ms-point', cx: fx(x(p.time)), cy: fx(y(p.value)), r: 5, 'data-value': p.value, 'data-at': p.at,
      }, s('title', null, t('milestones.chart_point', { date: formatDay(p.at), value: formatNumber(p.value), unit }))));
    }
    svg.append(points);
  }

  const legend = h('p', { class: 'ms-legend', 'aria-hidden': 'true' },
    h('span', { class: 'ms-key ms-key-values' }, t('milestones.chart_legend_values')),
    h('span', { class: 'ms-key ms-key-target' }, t('milestones.chart_legend_target')));

  const table = series.length ? h('details', { class: 'ms-chart-table' },
    h('summary', null, t('milestones.chart_table')),
    h('table', null,
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, t('milestones.chart_date')),
        h('th', { scope: 'col' }, t('milestones.chart_value', { unit })))),
      h('tbody', null, series.map((p) => h('tr', null,
        h('td', null, formatDay(p.at)),
        h('td', null, formatNumber(p.value))))))) : null;

  return h('figure', { class: 'ms-figure' },
    svg,
    h('figcaption', null, desc),
    legend,
    table);
}
