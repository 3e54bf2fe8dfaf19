// app.js: the dashboard's shell: the session (login, logout, a 401 anywhere shows the login
// form again), the hash router (#/overview, #/flows, #/jobs, #/jobs/ID, #/dead-letters,
// #/dead-letters/ID, #/quarantine, #/orders?q=..., #/reconciliations, #/reconciliations/ID) and
// the navigation. Pages are in pages.js; each renders into <main> and may return a stop
// function (the overview's refresh timer), called when the page changes.
import { state, api, h, clear, on, route, HttpError, say } from './lib.js';
import { pages } from './pages.js';

const $ = (id) => document.getElementById(id);
let stopPage = null;
let renderSeq = 0;

function showLogin(message) {
  if (stopPage) { stopPage(); stopPage = null; }
  state.session = null;
  $('top').hidden = true;
  clear($('main'));
  $('main').hidden = true;
  $('login').hidden = false;
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('key').value = '';
  $('key').focus();
}

function showApp() {
  $('login').hidden = true;
  $('top').hidden = false;
  $('main').hidden = false;
  const s = state.session;
  $('who').textContent = s.key + (s.can_act ? ' (can act)' : ' (read only)');
}

async function loadSession() {
  try {
    state.session = await api('GET', '/ops/session', { quiet401: true });
    return true;
  } catch (e) {
    if (e instanceof HttpError && (e.status === 401 || e.status === 403)) return false;
    throw e;
  }
}

async function render() {
  const seq = ++renderSeq;
  if (stopPage) { stopPage(); stopPage = null; }
  if (!state.session) return;
  const r = route();
  const name = r.path[0] || 'overview';
  const page = pages[name];
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  $('nav').classList.remove('open');
  $('menu-toggle').setAttribute('aria-expanded', 'false');
  const main = clear($('main'));
  if (!page) {
    main.appendChild(h('p', { class: 'error' }, 'There is no page ', h('code', {}, location.hash), '.'));
    return;
  }
  main.setAttribute('data-page', name);
  try {
    const stop = await page(main, r);
    if (seq === renderSeq) stopPage = stop || null;
    else if (stop) stop();
  } catch (e) {
    if (seq !== renderSeq) return;
    if (e instanceof HttpError && e.status === 401) return; // the login form is up
    clear(main).appendChild(h('div', { class: 'error', role: 'alert' }, 'This page failed: ', e.message));
  }
}

async function login(ev) {
  ev.preventDefault();
  const key = $('key').value.trim();
  $('login-submit').disabled = true;
  try {
    state.session = await api('POST', '/ops/login', { body: { key }, quiet401: true });
    $('key').value = '';
    showApp();
    if (!location.hash || location.hash === '#') location.hash = '#/overview'; // renders
    else await render();
  } catch (e) {
    showLogin(e instanceof HttpError && e.status === 401
      ? 'That key is not valid (unknown, mistyped or revoked).'
      : e.message);
  } finally {
    $('login-submit').disabled = false;
  }
}

async function logout() {
  try {
    await api('POST', '/ops/logout', { quiet401: true });
  } catch (e) {
    // the session may be gone already; the cookie is cleared either way
  }
  showLogin('Logged out.');
}

async function boot() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('menu-toggle').addEventListener('click', () => {
    const open = $('nav').classList.toggle('open');
    $('menu-toggle').setAttribute('aria-expanded', open ? 'true' : 'false');
  });
  on('unauthorized', () => {
    if (state.session) showLogin('Your session has ended: log in again.');
  });
  window.addEventListener('hashchange', render);
  if (await loadSession()) {
    showApp();
    if (!location.hash || location.hash === '#') location.hash = '#/overview'; // renders
    else await render();
  } else {
    showLogin('');
  }
}

boot().catch((e) => say('The dashboard failed to start: ' + e.message, 'bad'));
