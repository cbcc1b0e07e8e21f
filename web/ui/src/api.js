// The UI's only way to the server: promlet's public HTTP API under the external URL's path.
export const PREFIX = window.PROMLET_PREFIX || '';

export class ApiError extends Error {
  constructor(message, type) {
    super(message);
    this.type = type || '';
  }
}

function apiUrl(path, params) {
  const url = new URL(`${PREFIX}/api/v1/${path}`, window.location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
    else url.searchParams.set(k, String(v));
  }
  return url;
}

async function decode(res) {
  let body;
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`HTTP ${res.status} ${res.statusText}: the answer is not JSON`);
  }
  if (body.status !== 'success') {
    throw new ApiError(body.error || `HTTP ${res.status} ${res.statusText}`, body.errorType);
  }
  return body; // {data, warnings?, infos?}
}

async function send(url, init) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(`cannot reach the server: ${e.message}`);
  }
  return decode(res);
}

// GET /api/v1/<path>?params; resolves to the whole success envelope.
export function apiGet(path, params, signal) {
  return send(apiUrl(path, params), { signal });
}

// POST /api/v1/<path> with a form body (queries: long expressions stay out of the URL).
export function apiPost(path, params, signal) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) body.set(k, String(v));
  return send(apiUrl(path), {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    signal,
  });
}

export function pagePath(path) {
  return PREFIX + path;
}
