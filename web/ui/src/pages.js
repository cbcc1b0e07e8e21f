// The status pages: each reads promlet's API and renders it; none keeps state beyond the page.
import { apiGet } from './api.js';
import { h, errorBox, labelChips, ago, fmtDuration, fmtTime, fmtValue } from './util.js';

// Title, then whatever `load` renders (or the API's error) in place of "Loading…".
function page(app, title, load) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  app.append(h('h1', {}, title), body);
  load()
    .then((nodes) => body.replaceChildren(...[nodes].flat(Infinity)))
    .catch((e) => body.replaceChildren(errorBox(e)));
}

function kvTable(rows, id) {
  return h('table', { class: 'data kv', id },
    h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))));
}

function filterInput(placeholder, oninput) {
  return h('input', { class: 'input filter', type: 'search', placeholder, 'aria-label': placeholder, oninput });
}

function healthBadge(health) {
  return h('span', { class: `badge ${health}` }, health);
}

export function targetsPage(app) {
  page(app, 'Targets', async () => {
    const { data } = await apiGet('targets', { state: 'active' });
    const targets = data.activeTargets || [];
    if (targets.length === 0) return h('p', { class: 'muted empty' }, 'No targets: the configuration has no scrape jobs.');
    const shownHealth = new Set(['up', 'down', 'unknown']);
    let text = '';
    const out = h('div', {});
    const pools = new Map();
    for (const t of targets) {
      if (!pools.has(t.scrapePool)) pools.set(t.scrapePool, []);
      pools.get(t.scrapePool).push(t);
    }
    const render = () => {
      const sections = [];
      for (const [pool, ts] of [...pools].sort(([a], [b]) => a.localeCompare(b))) {
        const up = ts.filter((t) => t.health === 'up').length;
        const rows = ts.filter((t) => shownHealth.has(t.health) &&
          (!text || `${t.scrapeUrl} ${JSON.stringify(t.labels)} ${t.lastError}`.toLowerCase().includes(text)));
        if (rows.length === 0) continue;
        sections.push(h('details', { class: 'pool', open: true },
          h('summary', {}, h('strong', {}, pool), h('span', { class: `muted count ${up === ts.length ? 'ok' : 'bad'}` }, ` (${up}/${ts.length} up)`)),
          h('table', { class: 'data targets' },
            h('thead', {}, h('tr', {}, ['Endpoint', 'State', 'Labels', 'Last scrape', 'Duration', 'Error'].map((c) => h('th', {}, c)))),
            h('tbody', {}, rows.map((t) => h('tr', {},
              h('td', { class: 'mono' }, t.scrapeUrl),
              h('td', {}, healthBadge(t.health)),
              h('td', {}, labelChips(t.labels)),
              h('td', { title: t.lastScrape }, ago(t.lastScrape)),
              h('td', {}, fmtDuration((t.lastScrapeDuration || 0) * 1000)),
              h('td', { class: 'error-text' }, t.lastError || '')))))));
      }
      out.replaceChildren(...(sections.length ? sections : [h('p', { class: 'muted empty' }, 'No target matches the filter.')]));
    };
    const healthBox = (name) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', checked: true, onchange: (e) => { e.target.checked ? shownHealth.add(name) : shownHealth.delete(name); render(); } }),
      ` ${name}`);
    render();
    return [h('div', { class: 'toolbar' }, healthBox('up'), healthBox('down'), healthBox('unknown'),
      filterInput('Filter by endpoint, labels or error', (e) => { text = e.target.value.toLowerCase(); render(); })), out];
  });
}

export function serviceDiscoveryPage(app) {
  page(app, 'Service discovery', async () => {
    const { data } = await apiGet('targets', { state: 'any' });
    const pools = new Map();
    const entry = (pool) => {
      if (!pools.has(pool)) pools.set(pool, { active: [], dropped: [] });
      return pools.get(pool);
    };
    for (const t of data.activeTargets || []) entry(t.scrapePool).active.push(t);
    for (const t of data.droppedTargets || []) entry(t.scrapePool || t.discoveredLabels?.job || '').dropped.push(t);
    if (pools.size === 0) return h('p', { class: 'muted empty' }, 'No discovered targets.');
    const counts = data.droppedTargetCounts || {};
    return [...pools].sort(([a], [b]) => a.localeCompare(b)).map(([pool, { active, dropped }]) =>
      h('details', { class: 'pool', open: true },
        h('summary', {}, h('strong', {}, pool), h('span', { class: 'muted' },
          ` (${active.length} active, ${counts[pool] ?? dropped.length} dropped)`)),
        h('table', { class: 'data sd' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Discovered labels'), h('th', {}, 'Target labels'))),
          h('tbody', {},
            active.map((t) => h('tr', {}, h('td', {}, labelChips(t.discoveredLabels || {})), h('td', {}, labelChips(t.labels || {})))),
            dropped.map((t) => h('tr', {}, h('td', {}, labelChips(t.discoveredLabels || {})), h('td', {}, h('span', { class: 'badge unknown' }, 'Dropped'))))))));
  });
}

const alertStates = ['firing', 'pending', 'inactive'];

export function alertsPage(app) {
  page(app, 'Alerts', async () => {
    const [{ data }, active] = await Promise.all([apiGet('rules', { type: 'alert' }), apiGet('alerts')]);
    const rules = (data.groups || []).flatMap((g) => (g.rules || []).map((r) => ({ ...r, group: g.name, file: g.file })));
    const activeCount = (active.data.alerts || []).length;
    if (rules.length === 0) {
      return [h('p', { class: 'muted empty' }, 'No alerting rules: add rule_files to the configuration.'),
        activeCount ? h('p', {}, `${activeCount} active alerts reported by /api/v1/alerts.`) : ''];
    }
    const shown = new Set(alertStates);
    const out = h('div', {});
    const render = () => {
      out.replaceChildren(...rules.filter((r) => shown.has(r.state)).map((r) => h('details', { class: `rule alert-rule ${r.state}` },
        h('summary', {}, h('span', { class: `badge ${r.state}` }, r.state), ' ', h('strong', {}, r.name),
          h('span', { class: 'muted' }, ` ${r.group} · ${(r.alerts || []).length} active`)),
        h('pre', { class: 'mono' }, ruleYaml(r)),
        (r.alerts || []).length ? h('table', { class: 'data' },
          h('thead', {}, h('tr', {}, ['Labels', 'State', 'Active since', 'Value', 'Annotations'].map((c) => h('th', {}, c)))),
          h('tbody', {}, r.alerts.map((a) => h('tr', {},
            h('td', {}, labelChips(a.labels || {})), h('td', {}, h('span', { class: `badge ${a.state}` }, a.state)),
            h('td', { title: a.activeAt }, a.activeAt ? ago(a.activeAt) : ''), h('td', {}, fmtValue(a.value)),
            h('td', {}, labelChips(a.annotations || {})))))) : '')));
    };
    render();
    const counts = Object.fromEntries(alertStates.map((s) => [s, rules.filter((r) => r.state === s).length]));
    return [h('div', { class: 'toolbar' }, alertStates.map((s) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', checked: true, onchange: (e) => { e.target.checked ? shown.add(s) : shown.delete(s); render(); } }),
      ` ${s} (${counts[s]})`))), out];
  });
}

function ruleYaml(r) {
  const lines = [`${r.type === 'alerting' ? 'alert' : 'record'}: ${r.name}`, `expr: ${r.query}`];
  if (r.duration) lines.push(`for: ${fmtDuration(r.duration * 1000)}`);
  if (r.keepFiringFor) lines.push(`keep_firing_for: ${fmtDuration(r.keepFiringFor * 1000)}`);
  for (const key of ['labels', 'annotations']) {
    const entries = Object.entries(r[key] || {});
    if (entries.length) lines.push(`${key}:`, ...entries.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`));
  }
  return lines.join('\n');
}

export function rulesPage(app) {
  page(app, 'Rules', async () => {
    const { data } = await apiGet('rules');
    const groups = data.groups || [];
    if (groups.length === 0) return h('p', { class: 'muted empty' }, 'No rule groups: add rule_files to the configuration.');
    return groups.map((g) => h('section', { class: 'rule-group' },
      h('h2', {}, g.name, h('span', { class: 'muted' }, ` ${g.file || ''} · every ${fmtDuration((g.interval || 0) * 1000)} · last evaluation ${ago(g.lastEvaluation)} took ${fmtDuration((g.evaluationTime || 0) * 1000)}`)),
      h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['Rule', 'Health', 'Last evaluation', 'Evaluation time', 'Error'].map((c) => h('th', {}, c)))),
        h('tbody', {}, (g.rules || []).map((r) => h('tr', {},
          h('td', {}, h('pre', { class: 'mono' }, ruleYaml(r))), h('td', {}, healthBadge(r.health || 'unknown')),
          h('td', {}, ago(r.lastEvaluation)), h('td', {}, fmtDuration((r.evaluationTime || 0) * 1000)),
          h('td', { class: 'error-text' }, r.lastError || '')))))));
  });
}

function renderValue(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function statusPage(app) {
  page(app, 'Status', async () => {
    const [build, runtime, wal] = await Promise.all([
      apiGet('status/buildinfo'), apiGet('status/runtimeinfo'), apiGet('status/walreplay').catch((e) => ({ error: e }))]);
    const rt = runtime.data;
    const rows = Object.entries(rt).map(([k, v]) => [k, k.endsWith('Time') && typeof v === 'string' && v.includes('T')
      ? `${v} (${ago(v)})` : renderValue(v)]);
    return [
      h('h2', {}, 'Build information'), kvTable(Object.entries(build.data).map(([k, v]) => [k, renderValue(v)]), 'buildinfo'),
      h('h2', {}, 'Runtime information'), kvTable(rows, 'runtimeinfo'),
      h('h2', {}, 'WAL replay'),
      wal.error ? errorBox(wal.error) : kvTable(Object.entries(wal.data).map(([k, v]) => [k, renderValue(v)]), 'walreplay'),
    ];
  });
}

function countTable(title, rows, valueName) {
  return [h('h3', {}, title), (rows || []).length === 0 ? h('p', { class: 'muted' }, 'None.')
    : h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, valueName))),
      h('tbody', {}, rows.map((r) => h('tr', {}, h('td', { class: 'mono' }, r.name), h('td', { class: 'num' }, String(r.value))))))];
}

export function tsdbStatusPage(app) {
  page(app, 'TSDB status', async () => {
    const { data } = await apiGet('status/tsdb');
    const hs = data.headStats || {};
    return [
      h('h2', {}, 'Head block'),
      kvTable([
        ['Series', String(hs.numSeries ?? '')], ['Label pairs', String(hs.numLabelPairs ?? '')],
        ['Chunks', String(hs.chunkCount ?? '')],
        ['Min time', hs.minTime !== undefined ? `${fmtTime(hs.minTime)} (${hs.minTime})` : ''],
        ['Max time', hs.maxTime !== undefined ? `${fmtTime(hs.maxTime)} (${hs.maxTime})` : ''],
      ], 'headstats'),
      h('h2', {}, 'Head cardinality'),
      countTable('Top series count by metric name', data.seriesCountByMetricName, 'Series'),
      countTable('Top label value count by label name', data.labelValueCountByLabelName, 'Values'),
      countTable('Top memory usage by label name (bytes)', data.memoryInBytesByLabelName, 'Bytes'),
      countTable('Top series count by label value pair', data.seriesCountByLabelValuePair, 'Series'),
    ];
  });
}

export function configPage(app) {
  page(app, 'Configuration', async () => {
    const { data } = await apiGet('status/config');
    const pre = h('pre', { class: 'config mono' }, data.yaml);
    const copy = h('button', { class: 'btn', onclick: () => navigator.clipboard?.writeText(data.yaml) }, 'Copy');
    return [h('div', { class: 'toolbar' }, copy), pre];
  });
}

export function flagsPage(app) {
  page(app, 'Command-line flags', async () => {
    const { data } = await apiGet('status/flags');
    const rows = Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
    const tbody = h('tbody', {});
    const render = (f) => tbody.replaceChildren(...rows.filter(([k, v]) => !f || k.includes(f) || v.toLowerCase().includes(f))
      .map(([k, v]) => h('tr', {}, h('td', { class: 'mono' }, `--${k}`), h('td', { class: 'mono' }, v))));
    render('');
    return [h('div', { class: 'toolbar' }, filterInput('Filter flags', (e) => render(e.target.value.toLowerCase()))),
      h('table', { class: 'data flags' }, h('thead', {}, h('tr', {}, h('th', {}, 'Flag'), h('th', {}, 'Value'))), tbody)];
  });
}

export function notFoundPage(app) {
  document.title = 'Page not found · promlet';
  app.append(h('h1', {}, 'Page not found'),
    h('p', {}, 'There is no page at ', h('code', {}, window.location.pathname), '.'));
}
