// Small DOM and formatting helpers shared by every page.

// h('div', {class: 'x', onclick: f}, child, 'text', [children]) -> Element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function metricString(labels) {
  const name = labels.__name__ || '';
  const rest = Object.entries(labels)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (rest.length === 0) return name || '{}';
  return `${name}{${rest.join(', ')}}`;
}

// Label set as chips: name in bold, then key="value" pills.
export function labelChips(labels) {
  return h('span', { class: 'labels' },
    Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => h('span', { class: 'chip' }, `${k}="${v}"`)));
}

export function fmtTime(ms) {
  if (!Number.isFinite(ms)) return '';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// "2024-01-02T03:04:05.678Z" or ms -> "12.3s ago".
export function ago(when) {
  const t = typeof when === 'number' ? when : Date.parse(when);
  if (!Number.isFinite(t) || t <= 0) return 'never';
  return `${fmtDuration(Date.now() - t)} ago`;
}

export function fmtDuration(ms) {
  if (!Number.isFinite(ms)) return '';
  const neg = ms < 0 ? '-' : '';
  ms = Math.abs(ms);
  if (ms < 1000) return `${neg}${Math.round(ms)}ms`;
  let s = ms / 1000;
  if (s < 60) return `${neg}${s.toFixed(s < 10 ? 2 : 1)}s`;
  const parts = [];
  for (const [unit, len] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    const n = Math.floor(s / len);
    if (n > 0) parts.push(`${n}${unit}`);
    s -= n * len;
  }
  return neg + parts.slice(0, 2).join('');
}

const durationUnits = { y: 365 * 86400, w: 7 * 86400, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };

// Prometheus duration ("1h30m", "5m", "90s") -> seconds, or null.
export function parseDuration(text) {
  const s = String(text || '').trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return parseFloat(s);
  const re = /(\d+)(ms|y|w|d|h|m|s)/y;
  let total = 0;
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < s.length && (m = re.exec(s))) total += parseInt(m[1], 10) * durationUnits[m[2]];
  if (re.lastIndex !== s.length || total <= 0) return null;
  return total;
}

export function formatDurationInput(seconds) {
  let s = Math.round(seconds);
  if (s <= 0) return `${seconds}s`;
  let out = '';
  for (const [unit, len] of [['w', 604800], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (s >= len) {
      out += `${Math.floor(s / len)}${unit}`;
      s %= len;
    }
  }
  return out;
}

// "2024-01-02 03:04:05" (UTC, Prometheus' end_input format) <-> ms.
export function parseTimeInput(text) {
  const s = String(text || '').trim();
  if (!s) return null;
  const t = Date.parse(s.replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? '' : 'Z'));
  return Number.isFinite(t) ? t : null;
}

export function formatTimeInput(ms) {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

export function fmtValue(v) {
  const n = typeof v === 'number' ? v : parseFloat(v);
  if (typeof v === 'string' && !Number.isFinite(n)) return v;
  if (!Number.isFinite(n)) return String(v);
  if (n !== 0 && (Math.abs(n) >= 1e15 || Math.abs(n) < 1e-4)) return n.toExponential(4);
  return String(Math.round(n * 1e6) / 1e6);
}

export function errorBox(err) {
  return h('div', { class: 'alert error', role: 'alert' }, err instanceof Error ? err.message : String(err));
}

export function warningBoxes(list, cls = 'warning') {
  return (list || []).map((w) => h('div', { class: `alert ${cls}` }, w));
}
