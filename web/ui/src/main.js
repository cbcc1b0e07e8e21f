// The UI's entry: a router over the pages; links marked data-nav change pages without a reload.
import './style.css';
import { PREFIX } from './api.js';
import { queryPage } from './query.js';
import {
  targetsPage, serviceDiscoveryPage, alertsPage, rulesPage, statusPage, tsdbStatusPage,
  configPage, flagsPage, notFoundPage,
} from './pages.js';

const routes = {
  '/query': ['Query', queryPage],
  '/targets': ['Targets', targetsPage],
  '/service-discovery': ['Service discovery', serviceDiscoveryPage],
  '/alerts': ['Alerts', alertsPage],
  '/rules': ['Rules', rulesPage],
  '/status': ['Status', statusPage],
  '/tsdb-status': ['TSDB status', tsdbStatusPage],
  '/config': ['Configuration', configPage],
  '/flags': ['Flags', flagsPage],
};

let dispose = null;

function route() {
  const path = window.location.pathname.startsWith(PREFIX)
    ? window.location.pathname.slice(PREFIX.length) : window.location.pathname;
  const [title, render] = routes[path] || ['Not found', notFoundPage];
  if (dispose) dispose();
  dispose = null;
  document.title = `${title} · promlet`;
  for (const a of document.querySelectorAll('.topbar nav a')) {
    a.classList.toggle('active', new URL(a.href).pathname === window.location.pathname);
  }
  const app = document.getElementById('app');
  app.replaceChildren();
  app.dataset.page = path.slice(1) || 'query';
  dispose = render(app) || null;
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-nav]');
  if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (a.href !== window.location.href) window.history.pushState(null, '', a.href);
  route();
});
window.addEventListener('popstate', route);
route();
