// lib.js: what every page of the dashboard shares: building DOM (never from HTML text: every
// value from seam goes in as a text node or an attribute set one by one, so nothing it says is
// ever parsed as markup), calling seam's API with the session's CSRF token and an
// Idempotency-Key per action, and formatting times, ages and counts.
//
// No framework and no build step: ES modules served by seam from its binary (ops/ is embedded
// at build time), under a Content-Security-Policy that allows scripts and styles from seam
// only, so no inline script or style attribute appears anywhere.

export const state = {
  session: null, // GET /ops/session: {key, scopes, can_act, session: {csrf_token, ...}}
  stores: null,  // store names, from the overview (filters)
  flows: null,   // flow names, from /v1/flows (filters)
};

// h('tr', {class: 'x', onclick: fn, 'data-id': id}, child, ...): an element. Children are
// nodes, strings (as text), numbers, arrays of those, or null/undefined/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// An error from seam: its status and problem+json body (detail, type, ...).
export class HttpError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

// A key for one user action (Idempotency-Key): a retry of the same request replays its first
// answer instead of acting twice. crypto.getRandomValues works outside secure contexts too.
export function actionKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'ops-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const listeners = { unauthorized: [] };
export function on(event, fn) {
  listeners[event].push(fn);
}

// Calls seam. GET: just the cookie. Anything else: the cookie, X-CSRF-Token and an
// Idempotency-Key (opts.key, else a new one). Resolves with the JSON body; rejects with an
// HttpError (a 401 also tells the app, which shows the login form).
export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (method !== 'GET') {
    const s = state.session && state.session.session;
    if (s) headers['X-CSRF-Token'] = s.csrf_token;
    headers['Idempotency-Key'] = opts.key || actionKey();
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(opts.body);
    }
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new HttpError(0, { detail: 'seam did not answer (' + e.message + ')' });
  }
  let body = null;
  const text = await r.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      body = { detail: text.slice(0, 200) };
    }
  }
  if (r.status === 401 && !opts.quiet401) listeners.unauthorized.forEach((fn) => fn());
  if (!r.ok) throw new HttpError(r.status, body);
  return body;
}

// The hash route: "#/jobs/ID?flow=orders" -> {path: ['jobs', 'ID'], query: URLSearchParams}.
export function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const p = q < 0 ? raw : raw.slice(0, q);
  return {
    path: p.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

export function link(path, query) {
  const qs = query ? new URLSearchParams(
    Object.entries(query).filter(([, v]) => v !== null && v !== undefined && v !== '')).toString() : '';
  return '#/' + path.map(encodeURIComponent).join('/') + (qs ? '?' + qs : '');
}

// ---------- formatting ----------

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(Number(seconds)));
  if (s < 90) return s + ' s';
  if (s < 5400) return Math.round(s / 60) + ' min';
  if (s < 172800) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}

export function ago(iso) {
  if (!iso) return '—';
  const t = Date.parse(iso);
  return isNaN(t) ? String(iso) : age((Date.now() - t) / 1000) + ' ago';
}

export function num(v) {
  return v === null || v === undefined ? '—' : String(v);
}

export function sum(arr) {
  return (arr || []).reduce((a, v) => a + (typeof v === 'number' ? v : 0), 0);
}

export function pct(part, whole) {
  return whole > 0 ? (100 * part / whole).toFixed(1) + ' %' : '—';
}

// ---------- common pieces ----------

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || '') }, text);
}

export function errorBox(e) {
  const p = e instanceof HttpError ? e.problem : {};
  return h('div', { class: 'error', role: 'alert' },
    h('strong', {}, e instanceof HttpError && e.status ? `${e.status} ${p.title || ''}` : 'Error'),
    ' ', e.message,
    p.correlation_id ? h('span', { class: 'muted' }, ' (correlation id ', p.correlation_id, ')') : null);
}

// A table: cols [{title, cell(row) -> node|string, class}], rows. Wrapped so it scrolls
// sideways on a phone instead of squeezing.
export function table(cols, rows, opts = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: opts.class || '' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col', class: c.class }, c.title)))),
      h('tbody', {}, rows.length ? rows.map((r) =>
        h('tr', opts.rowAttrs ? opts.rowAttrs(r) : {}, cols.map((c) =>
          h('td', { class: c.class, 'data-label': c.title }, c.cell(r)))))
        : h('tr', {}, h('td', { colspan: cols.length, class: 'empty' }, opts.empty || 'Nothing here.')))));
}

export function say(text, kind) {
  const s = document.getElementById('status');
  clear(s);
  s.className = 'status ' + (kind || '');
  s.appendChild(document.createTextNode(text));
  s.hidden = false;
  clearTimeout(say.t);
  say.t = setTimeout(() => { s.hidden = true; }, 6000);
}

// Asks before acting. Resolves true when the person confirmed. The <dialog> is in index.html.
export function confirmAction(title, text, okLabel) {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel || 'Confirm';
  return new Promise((resolve) => {
    const done = () => {
      d.removeEventListener('close', done);
      resolve(d.returnValue === 'ok');
    };
    d.returnValue = '';
    d.addEventListener('close', done);
    d.showModal();
  });
}

// A filter form bound to the hash query: fields [{name, label, type: 'select'|'text', options,
// placeholder}]. Submitting navigates to the same page with the values as the query.
export function filterForm(page, fields, query) {
  const inputs = {};
  const form = h('form', { class: 'filters', role: 'search' },
    fields.map((f) => {
      const id = 'f-' + f.name;
      let input;
      if (f.type === 'select') {
        input = h('select', { id, name: f.name },
          h('option', { value: '' }, 'any'),
          (f.options || []).map((o) => h('option', { value: o, selected: query.get(f.name) === o }, o)));
      } else {
        input = h('input', { id, name: f.name, type: 'text', value: query.get(f.name) || '',
          placeholder: f.placeholder || '', autocomplete: 'off' });
      }
      inputs[f.name] = input;
      return h('div', { class: 'field' }, h('label', { for: id }, f.label), input);
    }),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = {};
    for (const [k, el] of Object.entries(inputs)) q[k] = el.value.trim();
    location.hash = link([page], q);
  });
  return form;
}
