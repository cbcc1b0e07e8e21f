// The query page (/query, and /graph links): panels of expression, table and graph, whose state
// lives in the URL as Prometheus keeps it (g0.expr, g0.tab, g0.range_input, g0.end_input,
// g0.step_input, g0.stacked / g0.display_mode, then g1.*, ...), so a page can be shared.
import { apiGet, apiPost } from './api.js';
import { createEditor, insertAtCursor } from './editor.js';
import { alignMatrix, drawGraph } from './graph.js';
import {
  h, errorBox, warningBoxes, metricString, fmtValue, fmtDuration,
  parseDuration, formatDurationInput, parseTimeInput, formatTimeInput,
} from './util.js';

const TABLE_ROW_LIMIT = 10000;
const DEFAULT_RANGE = 3600;
const RANGE_STEPS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400,
  7 * 86400, 14 * 86400, 28 * 86400, 56 * 86400, 365 * 86400];

export function parsePanels(search) {
  const params = new URLSearchParams(search);
  const panels = [];
  for (let i = 0; ; i++) {
    const p = `g${i}.`;
    const has = [...params.keys()].some((k) => k.startsWith(p));
    if (!has) break;
    const get = (k) => params.get(p + k);
    const tab = get('tab');
    const mode = get('display_mode');
    panels.push({
      expr: get('expr') || '',
      tab: tab === '0' || tab === 'graph' ? 'graph' : 'table',
      range: parseDuration(get('range_input')) || DEFAULT_RANGE,
      end: parseTimeInput(get('end_input') || get('moment_input')),
      step: parseFloat(get('step_input')) > 0 ? parseFloat(get('step_input')) : null,
      stacked: get('stacked') === '1' || get('stacked') === 'true' || mode === 'stacked',
    });
  }
  if (panels.length === 0) panels.push(newPanel());
  return panels;
}

export function panelsSearch(panels) {
  const params = new URLSearchParams();
  panels.forEach((s, i) => {
    const p = `g${i}.`;
    params.set(p + 'expr', s.expr);
    params.set(p + 'tab', s.tab);
    params.set(p + 'stacked', s.stacked ? '1' : '0');
    params.set(p + 'display_mode', s.stacked ? 'stacked' : 'lines');
    params.set(p + 'range_input', formatDurationInput(s.range));
    if (s.end !== null) params.set(p + 'end_input', formatTimeInput(s.end));
    if (s.step !== null) params.set(p + 'step_input', String(s.step));
  });
  return `?${params.toString()}`;
}

function newPanel() {
  return { expr: '', tab: 'table', range: DEFAULT_RANGE, end: null, step: null, stacked: false };
}

// Prometheus' default resolution: about 250 points across the range, at least 1s.
export function defaultStep(rangeSeconds) {
  return Math.max(Math.floor(rangeSeconds / 250), 1);
}

export function queryPage(app) {
  const panels = parsePanels(window.location.search);
  const views = [];
  const list = h('div', { class: 'panels' });
  const syncUrl = () => {
    const search = panelsSearch(views.map((v) => v.state));
    if (search !== window.location.search) window.history.replaceState(null, '', search);
  };
  const add = (state, execute) => {
    const view = new Panel(state, {
      changed: syncUrl,
      remove: () => {
        views.splice(views.indexOf(view), 1);
        view.destroy();
        view.el.remove();
        syncUrl();
      },
    });
    views.push(view);
    list.append(view.el);
    if (execute && state.expr) view.execute();
    return view;
  };
  app.append(
    list,
    h('div', { class: 'toolbar' },
      h('button', { class: 'btn', id: 'add-panel', onclick: () => { add(newPanel(), false).focus(); syncUrl(); } },
        'Add panel')),
  );
  panels.forEach((s) => add(s, true));
  syncUrl();
  views[0].focus();
  return () => views.forEach((v) => v.destroy());
}

class Panel {
  constructor(state, { changed, remove }) {
    this.state = state;
    this.changed = changed;
    this.abort = null;
    this.chart = null;
    this.result = h('div', { class: 'result' });
    this.stats = h('span', { class: 'stats muted' });
    this.messages = h('div', { class: 'messages' });
    const editorBox = h('div', { class: 'editor' });
    this.tabs = {
      table: h('button', { class: 'tab', onclick: () => this.setTab('table') }, 'Table'),
      graph: h('button', { class: 'tab', onclick: () => this.setTab('graph') }, 'Graph'),
    };
    this.controls = h('div', { class: 'controls' });
    this.el = h('section', { class: 'panel' },
      h('div', { class: 'expr-row' },
        editorBox,
        h('button', { class: 'btn icon', title: 'Metric explorer', 'aria-label': 'Metric explorer',
          onclick: () => openExplorer((name) => insertAtCursor(this.editor, name)) }, '⋮≡'),
        h('button', { class: 'btn primary execute', onclick: () => this.execute() }, 'Execute')),
      h('div', { class: 'tab-row' }, this.tabs.table, this.tabs.graph, this.stats,
        h('button', { class: 'btn link remove', title: 'Remove panel', onclick: remove }, 'Remove')),
      this.controls, this.messages, this.result);
    this.editor = createEditor(editorBox, {
      doc: state.expr,
      onChange: (text) => {
        this.state.expr = text;
        this.changed();
      },
      onExecute: () => this.execute(),
    });
    this.renderTabs();
  }

  focus() {
    this.editor.focus();
  }

  destroy() {
    if (this.abort) this.abort.abort();
    if (this.chart) this.chart.destroy();
    this.editor.destroy();
  }

  setTab(tab) {
    if (this.state.tab === tab) return;
    this.state.tab = tab;
    this.changed();
    this.renderTabs();
    this.execute();
  }

  update(patch) {
    Object.assign(this.state, patch);
    this.changed();
    this.renderTabs();
    this.execute();
  }

  renderTabs() {
    const s = this.state;
    for (const [name, el] of Object.entries(this.tabs)) el.classList.toggle('active', name === s.tab);
    const endInput = h('input', {
      class: 'input time', placeholder: 'now (UTC)', value: s.end === null ? '' : formatTimeInput(s.end),
      title: 'End time, UTC: YYYY-MM-DD HH:MM:SS; empty for now',
      onchange: (e) => this.update({ end: parseTimeInput(e.target.value) }),
    });
    const nowBtn = h('button', { class: 'btn', title: 'Evaluate at the current time', onclick: () => this.update({ end: null }) }, 'Now');
    if (s.tab === 'table') {
      this.controls.replaceChildren(h('label', {}, 'Evaluation time ', endInput), nowBtn);
      return;
    }
    const shift = (dir) => {
      const i = RANGE_STEPS.findIndex((r) => r >= s.range);
      const next = dir < 0 ? RANGE_STEPS[Math.max((i < 0 ? RANGE_STEPS.length : i) - 1, 0)]
        : RANGE_STEPS[Math.min((i < 0 ? RANGE_STEPS.length - 1 : RANGE_STEPS[i] === s.range ? i + 1 : i), RANGE_STEPS.length - 1)];
      this.update({ range: next });
    };
    const rangeInput = h('input', {
      class: 'input range', value: formatDurationInput(s.range), title: 'Range, e.g. 1h, 30m, 2d',
      onchange: (e) => {
        const r = parseDuration(e.target.value);
        if (r) this.update({ range: r });
        else e.target.classList.add('invalid');
      },
    });
    const stepInput = h('input', {
      class: 'input step', placeholder: `${defaultStep(s.range)}s (auto)`, value: s.step === null ? '' : String(s.step),
      title: 'Resolution in seconds; empty for automatic',
      onchange: (e) => {
        const v = e.target.value.trim();
        const d = v === '' ? null : parseDuration(v);
        if (v === '' || d) this.update({ step: d });
        else e.target.classList.add('invalid');
      },
    });
    const stacked = h('input', { type: 'checkbox', checked: s.stacked, onchange: (e) => this.update({ stacked: e.target.checked }) });
    this.controls.replaceChildren(
      h('span', { class: 'group' },
        h('button', { class: 'btn', title: 'Shorter range', onclick: () => shift(-1) }, '−'), rangeInput,
        h('button', { class: 'btn', title: 'Longer range', onclick: () => shift(1) }, '+')),
      h('label', {}, 'End ', endInput), nowBtn,
      h('label', {}, 'Resolution ', stepInput),
      h('label', { class: 'check' }, stacked, ' Stacked'));
  }

  async execute() {
    const s = this.state;
    if (this.abort) this.abort.abort();
    this.messages.replaceChildren();
    if (!s.expr.trim()) {
      this.result.replaceChildren(h('p', { class: 'muted' }, 'No expression: type one and press Execute.'));
      this.stats.textContent = '';
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    this.el.classList.add('loading');
    const started = performance.now();
    const endMs = s.end === null ? Date.now() : s.end;
    try {
      let body;
      let resolution = null;
      if (s.tab === 'table') {
        body = await apiPost('query', { query: s.expr, time: endMs / 1000 }, abort.signal);
      } else {
        resolution = s.step || defaultStep(s.range);
        const end = Math.floor(endMs / 1000);
        const start = end - s.range;
        body = await apiPost('query_range', { query: s.expr, start, end, step: resolution }, abort.signal);
        body.start = start;
        body.end = end;
      }
      if (abort.signal.aborted) return;
      performance.mark('promlet-query-answered');
      const elapsed = performance.now() - started;
      this.messages.replaceChildren(...warningBoxes(body.warnings), ...warningBoxes(body.infos, 'info'));
      if (this.chart) {
        this.chart.destroy();
        this.chart = null;
      }
      const summary = s.tab === 'table' ? this.renderTable(body.data) : this.renderGraph(body, resolution);
      this.stats.textContent = `Load time: ${fmtDuration(elapsed)}` +
        (resolution ? ` · Resolution: ${resolution}s` : '') +
        ` · Result series: ${summary.series}` + (summary.points !== undefined ? ` · Points: ${summary.points}` : '');
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.stats.textContent = '';
      if (this.chart) {
        this.chart.destroy();
        this.chart = null;
      }
      this.result.replaceChildren();
      this.messages.replaceChildren(errorBox(e.type ? `Error executing query (${e.type}): ${e.message}` : e));
    } finally {
      if (this.abort === abort) {
        this.abort = null;
        this.el.classList.remove('loading');
      }
    }
  }

  renderTable(data) {
    const { resultType, result } = data;
    if (resultType === 'scalar' || resultType === 'string') {
      this.result.replaceChildren(h('table', { class: 'data result-table' },
        h('tbody', {}, h('tr', {}, h('td', { class: 'series' }, resultType), h('td', { class: 'value' }, fmtValue(result[1]))))));
      return { series: 1 };
    }
    if (result.length === 0) {
      this.result.replaceChildren(h('p', { class: 'muted empty' }, 'Empty query result'));
      return { series: 0 };
    }
    const rows = result.slice(0, TABLE_ROW_LIMIT).map((s) => {
      let value;
      if (resultType === 'vector') {
        value = s.value ? fmtValue(s.value[1]) : histogramText(s.histogram[1]);
      } else {
        const vals = (s.values || []).map(([t, v]) => `${fmtValue(v)} @${t}`);
        const hists = (s.histograms || []).map(([t, hv]) => `${histogramText(hv)} @${t}`);
        value = h('div', { class: 'values' }, [...vals, ...hists].map((x) => h('div', {}, x)));
      }
      return h('tr', {}, h('td', { class: 'series' }, metricString(s.metric)), h('td', { class: 'value' }, value));
    });
    const note = result.length > TABLE_ROW_LIMIT
      ? h('div', { class: 'alert info' }, `Showing the first ${TABLE_ROW_LIMIT} of ${result.length} series.`) : null;
    this.result.replaceChildren(note || '', h('table', { class: 'data result-table' }, h('tbody', {}, rows)));
    return { series: result.length };
  }

  renderGraph(body, step) {
    const { resultType, result } = body.data;
    if (resultType !== 'matrix') {
      this.result.replaceChildren(errorBox(`A graph needs a range vector result, got ${resultType}.`));
      return { series: 0 };
    }
    if (result.length === 0) {
      this.result.replaceChildren(h('p', { class: 'muted empty' }, 'Empty query result'));
      return { series: 0, points: 0 };
    }
    const { columns, points } = alignMatrix(result, body.start, body.end, step);
    const chartEl = h('div', { class: 'chart' });
    this.result.replaceChildren(chartEl);
    this.chart = drawGraph(chartEl, {
      matrix: result,
      columns,
      stacked: this.state.stacked,
      onZoom: (from, to) => this.update({ range: Math.max(Math.round(to - from), 1), end: Math.round(to) * 1000 }),
    });
    // Marked at the next frame, once uPlot has drawn: the browser test's "time to a drawn graph".
    requestAnimationFrame(() => {
      chartEl.dataset.drawn = String(result.length);
      performance.mark('promlet-graph-drawn');
    });
    return { series: result.length, points };
  }
}

function histogramText(hv) {
  return `histogram count=${fmtValue(hv.count)} sum=${fmtValue(hv.sum)}`;
}

// The metric explorer: every metric name with its type and help, filtered as you type.
async function openExplorer(onPick) {
  const filter = h('input', { class: 'input', placeholder: 'Filter metric names', 'aria-label': 'Filter metric names' });
  const list = h('div', { class: 'explorer-list' }, h('p', { class: 'muted' }, 'Loading…'));
  const close = () => dialog.remove();
  const dialog = h('div', { class: 'modal-backdrop', onclick: (e) => e.target === dialog && close() },
    h('div', { class: 'modal', role: 'dialog', 'aria-label': 'Metric explorer' },
      h('div', { class: 'modal-head' }, h('h2', {}, 'Metric explorer'), h('button', { class: 'btn link', onclick: close }, 'Close')),
      filter, list));
  dialog.addEventListener('keydown', (e) => e.key === 'Escape' && close());
  document.body.append(dialog);
  filter.focus();
  let names = [];
  let meta = {};
  try {
    const [n, m] = await Promise.all([apiGet('label/__name__/values'), apiGet('metadata')]);
    names = n.data;
    meta = m.data || {};
  } catch (e) {
    list.replaceChildren(errorBox(e));
    return;
  }
  const render = () => {
    const f = filter.value.toLowerCase();
    const shown = names.filter((x) => x.toLowerCase().includes(f)).slice(0, 2000);
    list.replaceChildren(...(shown.length ? shown.map((name) => {
      const md = (meta[name] || [])[0];
      return h('button', { class: 'explorer-item', onclick: () => { close(); onPick(name); } },
        h('span', { class: 'mono' }, name), md ? h('span', { class: 'muted' }, ` ${md.type} · ${md.help}`) : '');
    }) : [h('p', { class: 'muted' }, 'No metric matches.')]));
  };
  filter.addEventListener('input', render);
  render();
}

