// The graph tab's chart: uPlot over a range query's matrix, one line per series, a legend of
// label sets with hover values (click an entry to hide or show its series), optional stacking.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtTime, fmtValue, metricString } from './util.js';

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

// Spread hues (golden angle) so neighbouring series differ.
export function seriesColor(i) {
  const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
  return `hsl(${(i * 137.508) % 360}, 65%, ${dark ? 62 : 45}%)`;
}

// Matrix from /api/v1/query_range -> uPlot's aligned columns. Every sample lies on
// start + k*step, so a sample's column is its offset from start divided by step.
export function alignMatrix(matrix, start, end, step) {
  const n = Math.floor((end - start) / step + 1e-9) + 1;
  const xs = new Array(n);
  for (let i = 0; i < n; i++) xs[i] = start + i * step;
  const columns = [xs];
  let points = 0;
  for (const s of matrix) {
    const ys = new Array(n).fill(null);
    for (const [t, v] of s.values || []) {
      const i = Math.round((t - start) / step);
      if (i >= 0 && i < n) ys[i] = parseFloat(v);
      points++;
    }
    for (const hp of s.histograms || []) {
      const i = Math.round((hp[0] - start) / step);
      if (i >= 0 && i < n) ys[i] = parseFloat(hp[1].count);
      points++;
    }
    columns.push(ys);
  }
  return { columns, points };
}

// UTC tick labels, 24-hour: seconds when ticks are under a minute apart, the date at midnight,
// dates alone when ticks are days apart (the legend's time row has the full date).
function timeTicks(u, splits, axisIdx, space, incr) {
  return splits.map((v) => {
    const iso = new Date(v * 1000).toISOString(); // 2024-01-02T03:04:05.000Z
    const date = iso.slice(5, 10);
    if (incr >= 86400) return iso.slice(0, 10);
    const time = incr < 60 ? iso.slice(11, 19) : iso.slice(11, 16);
    return iso.slice(11, 19) === '00:00:00' ? `${date} ${time}` : time;
  });
}

function stackColumns(columns, shown) {
  const n = columns[0].length;
  const acc = new Array(n).fill(0);
  const out = [columns[0]];
  for (let s = 1; s < columns.length; s++) {
    if (!shown[s]) {
      out.push(columns[s]);
      continue;
    }
    out.push(columns[s].map((v, i) => (v === null || !Number.isFinite(v) ? null : (acc[i] += v))));
  }
  return out;
}

function stackBands(shown) {
  const bands = [];
  let prev = -1;
  for (let s = 1; s < shown.length; s++) {
    if (!shown[s]) continue;
    if (prev > 0) bands.push({ series: [s, prev] });
    prev = s;
  }
  return bands;
}

// Draws the chart into `el`; returns {destroy()}. Dragging across the chart selects a time
// span: onZoom(startSeconds, endSeconds) gets it (the panel turns it into its range and end).
export function drawGraph(el, { matrix, columns, stacked, onZoom }) {
  const fg = cssVar('--fg');
  const grid = cssVar('--grid');
  const utc = (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
  const raw = columns;
  const series = [
    { label: 'Time (UTC)', value: (u, v) => (v == null ? '' : fmtTime(v * 1000)) },
    ...matrix.map((s, i) => {
      const color = seriesColor(i);
      return {
        label: metricString(s.metric),
        stroke: color,
        width: 1.25,
        fill: stacked ? color.replace('hsl', 'hsla').replace('%)', '%, 0.35)') : undefined,
        spanGaps: false,
        // Hover values are the series' own, not the stacked sums.
        value: (u, v, si, idx) => (idx == null || raw[si][idx] == null ? '' : fmtValue(raw[si][idx])),
      };
    }),
  ];
  const shown = () => u.series.map((s) => s.show !== false);
  const opts = {
    width: Math.max(el.clientWidth, 300),
    height: 360,
    tzDate: utc,
    series,
    scales: { x: { time: true } },
    axes: [
      { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, values: timeTicks },
      {
        stroke: fg,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid },
        size: (u, values) => (values ? Math.max(...values.map((v) => v.length)) * 7 + 16 : 50),
        values: (u, splits) => splits.map((v) => fmtValue(v)),
      },
    ],
    legend: { live: true },
    cursor: { focus: { prox: 16 }, drag: { x: true, y: false, setScale: false } },
    focus: { alpha: 0.35 },
    hooks: {
      setSelect: [
        (u) => {
          if (u.select.width < 5 || !onZoom) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          onZoom(from, to);
        },
      ],
      setSeries: [
        (u) => {
          if (!stacked) return;
          const sh = shown();
          u.delBand(null);
          stackBands(sh).forEach((b) => u.addBand(b));
          u.setData(stackColumns(raw, sh));
        },
      ],
    },
  };
  if (stacked) opts.bands = stackBands(series.map(() => true));
  const u = new uPlot(opts, stacked ? stackColumns(raw, series.map(() => true)) : raw, el);
  const resize = () => u.setSize({ width: Math.max(el.clientWidth, 300), height: 360 });
  const observer = new ResizeObserver(resize);
  observer.observe(el);
  return {
    destroy() {
      observer.disconnect();
      u.destroy();
    },
  };
}
