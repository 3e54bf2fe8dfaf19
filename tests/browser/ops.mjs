// ops.mjs: drives seam's operator dashboard in headless Chromium (Debian's chromium, through
// puppeteer-core installed by scripts/browser-tools.sh into build/tools/browser). Run by
// tests/e2e/test_ops_browser.c after it made a run's data on the simulators; the environment
// says where and with what:
//   SEAM_URL, SEAM_ADMIN_KEY (ops:admin), SEAM_READ_KEY (ops:read), SEAM_DEAD_LETTER (a dead
//   letter's id) and SEAM_DEAD_ORDER (its order number), SEAM_PSP_PAYMENT (a Stripe payment id)
//   and SEAM_PAID_ORDER (its order number), SEAM_SCREENSHOTS (a directory), SEAM_CHROMIUM.
// Exit 0 when every step held, 1 with the failed step otherwise. Fails on any console error,
// uncaught page error, JavaScript dialog or Content-Security-Policy violation, except the
// browser's own "Failed to load resource" reports of the HTTP errors this script provokes on
// purpose (listed in EXPECTED with why). Screenshots of every page, desktop and phone, are
// left in SEAM_SCREENSHOTS for people to look at.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`ops.mjs: ${k} is not set`);
  return v;
};
const BASE = env('SEAM_URL');
const ADMIN = env('SEAM_ADMIN_KEY');
const READ = env('SEAM_READ_KEY');
const DEAD = env('SEAM_DEAD_LETTER');
const DEAD_ORDER = env('SEAM_DEAD_ORDER');
const PSP = env('SEAM_PSP_PAYMENT');
const PAID_ORDER = env('SEAM_PAID_ORDER');
const RECON_RUN = env('SEAM_RECON_RUN');
const RECON_DRIFT = env('SEAM_RECON_DRIFT');
const SHOTS = env('SEAM_SCREENSHOTS');
const CHROMIUM = env('SEAM_CHROMIUM');

const require = createRequire(path.resolve('build/tools/browser/package.json'));
const puppeteer = require('puppeteer-core');

// HTTP errors the steps below cause on purpose; Chromium reports each as a console error.
const EXPECTED = [
  { url: /\/ops\/session$/, status: 401, why: 'the page asks for its session before login' },
  { url: /\/ops\/login$/, status: 401, why: 'the wrong key is refused' },
  { url: /\/v1\/trace\//, status: 404, why: 'searches for what seam does not know' },
  { url: /\/v1\/flows$/, status: 401, why: 'a forged session cookie' },
  { url: /\/ops\/vendor\/chart\.js$/, status: 404, why: 'a seam without libjs-chart.js (made so below)' },
];

const problems = [];
const dialogs = [];
const log = (...a) => console.log('ops.mjs:', ...a);
let step = 'start';
let shotN = 0;

function fail(msg) {
  throw new Error(`${step}: ${msg}`);
}

function expectedFailure(url, status) {
  return EXPECTED.some((e) => e.url.test(url) && e.status === status);
}

async function watch(page) {
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const url = (m.location() && m.location().url) || '';
    const st = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text());
    if (st && expectedFailure(url, Number(st[1]))) return;
    problems.push(`console error during "${step}": ${m.text()} ${url}`);
  });
  page.on('pageerror', (e) => problems.push(`page error during "${step}": ${e.message}`));
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()} "${d.message()}" during "${step}"`);
    await d.dismiss();
  });
  // CSP violations as the page sees them (the listener is installed by the DevTools protocol,
  // which the page's CSP does not govern); Chromium also logs each as a console error.
  await page.evaluateOnNewDocument(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
}

// A screenshot of the whole page. The viewport is made as tall as the page first and the page
// given a moment: a full-page capture resizes the page, and Chart.js redraws its canvases
// after a resize, so capturing at once could catch them blank.
async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotN).padStart(2, '0')}-${name}.png`);
  const vp = page.viewport();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > vp.height) await page.setViewport(Object.assign({}, vp, { height }));
  await page.evaluate(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(r)), 250)));
  await page.screenshot({ path: file });
  if (height > vp.height) await page.setViewport(vp);
  log('screenshot', file);
}

async function checkPage(page) {
  const csp = await page.evaluate(() => window.__csp || []);
  if (csp.length) fail('CSP violations: ' + csp.join('; '));
  if (problems.length) fail(problems.join('\n'));
  if (dialogs.length) fail('dialogs: ' + dialogs.join('; '));
}

async function go(page, hash, ready) {
  step = `open ${hash}`;
  await page.goto(`${BASE}/ops/${hash}`, { waitUntil: 'networkidle0' });
  await page.waitForSelector(ready, { timeout: 15000 });
}

async function text(page, sel) {
  return page.$eval(sel, (el) => el.textContent.trim());
}

// The API as a script sees it (a Bearer key, not the browser's session).
async function apiGet(p) {
  const r = await fetch(BASE + p, { headers: { Authorization: `Bearer ${ADMIN}` } });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function confirmDialog(page, label) {
  await page.waitForSelector('dialog#confirm[open]', { timeout: 5000 });
  const title = await text(page, '#confirm-title');
  await shot(page, `confirm-${label}`);
  await page.click('#confirm-ok');
  await page.waitForFunction(() => !document.querySelector('dialog#confirm').open);
  return title;
}

async function login(page, key) {
  await page.waitForSelector('#login:not([hidden]) #key');
  await page.$eval('#key', (el) => { el.value = ''; });
  await page.type('#key', key);
  await page.click('#login-submit');
}

async function desktop(browser) {
  const page = await browser.newPage();
  await watch(page);
  await page.setViewport({ width: 1366, height: 900 });

  step = 'the login form';
  await page.goto(`${BASE}/ops/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#login:not([hidden])');
  await shot(page, 'login');

  step = 'a wrong key is refused';
  await login(page, 'seam_AAAAAAAAAAAA_thisisnotakeythisisnotakeythisis');
  await page.waitForSelector('#login-error:not([hidden])');
  const err = await text(page, '#login-error');
  if (!/not valid/.test(err)) fail('no refusal shown: ' + err);
  if (await page.$eval('#top', (el) => !el.hidden)) fail('the dashboard opened with a wrong key');
  await shot(page, 'login-refused');

  step = 'log in';
  await login(page, ADMIN);
  await page.waitForSelector('main[data-page="overview"] tr[data-flow="orders"]', { timeout: 15000 });
  const cookies = await page.cookies();
  const c = cookies.find((x) => x.name === 'seam_ops');
  if (!c || !c.httpOnly || c.sameSite !== 'Strict') fail('the session cookie is not HttpOnly, SameSite=Strict: ' + JSON.stringify(c));
  if (await page.evaluate(() => document.cookie.includes('seam_ops'))) fail('a script can read the session cookie');
  if ((await page.content()).includes(ADMIN)) fail('the key is in the page');

  step = 'the overview shows the run';
  const row = await page.$$eval('tr[data-flow="orders"] td', (tds) => tds.map((t) => t.textContent.trim()));
  // flow, state, queued, running, dead letters, oldest waiting, succeeded, failed, rate
  if (row[4] !== '1') fail('orders dead letters: ' + row[4]);
  if (!(Number(row[6]) >= 4)) fail('orders succeeded in the last hour: ' + row[6]);
  const pay = await page.$$eval('tr[data-flow="payments"] td', (tds) => tds.map((t) => t.textContent.trim()));
  if (!(Number(pay[6]) >= 2)) fail('payments succeeded: ' + pay[6]);
  const erp = await page.$$eval('tr[data-upstream="erp"] td', (tds) => tds.map((t) => t.textContent.trim()));
  if (erp[1] !== 'closed') fail('erp breaker: ' + erp[1]);
  if (!(Number(erp[2]) > 0) || !(Number(erp[3]) >= 2)) fail('erp requests/errors: ' + erp.join(' | '));
  if (!(Number(row[7]) >= 2)) fail('orders failed attempts in the last hour: ' + row[7]);
  if (!(await page.$('tr[data-store="us"]'))) fail('no row for store us');
  // the drift of the reconciliation run the test made: a row per kind it found
  const drifts = await page.$$eval('section', (ss) => {
    const sec = ss.find((x) => /Reconciliation drift/.test(x.textContent));
    return sec ? Array.from(sec.querySelectorAll('tbody tr')).map((tr) => tr.textContent) : null;
  });
  if (!drifts || !drifts.some((t) => t.includes('us') && t.includes('missing_in_erp')))
    fail('the overview does not show the run\'s drift: ' + JSON.stringify(drifts));
  const hasChart = await page.evaluate(() => typeof window.Chart === 'function');
  if (!hasChart) fail('Chart.js did not load (/ops/vendor/chart.js: is libjs-chart.js installed?)');
  for (const id of ['succeeded', 'failed', 'requests', 'errors']) {
    const drawn = await page.$eval(`#chart-${id}`, (cv) => cv.width > 0 && cv.height > 0 &&
      window.Chart.getChart(cv) && window.Chart.getChart(cv).data.datasets.length > 0);
    if (!drawn) fail(`chart ${id} not drawn`);
  }
  const points = await page.$eval('#chart-succeeded', (cv) => {
    const ch = window.Chart.getChart(cv);
    const ds = ch.data.datasets.find((d) => d.label === 'orders');
    return ds ? ds.data.reduce((a, v) => a + (v || 0), 0) : -1;
  });
  if (!(points >= 4)) fail('the orders series in the chart sums to ' + points);
  await shot(page, 'overview');
  await checkPage(page);

  step = 'jobs with filters';
  await go(page, '#/jobs?flow=orders&store=us', 'main[data-page="jobs"] tbody tr[data-id]');
  const orderCells = await page.$$eval('tbody tr[data-id] td:nth-child(5)', (tds) => tds.map((t) => t.textContent.trim()));
  if (!orderCells.includes(PAID_ORDER)) fail(`order ${PAID_ORDER} not in the jobs list: ${orderCells}`);
  const stores = await page.$$eval('tbody tr[data-id] td:nth-child(4)', (tds) => tds.map((t) => t.textContent.trim()));
  if (stores.some((s) => s !== 'us')) fail('a job of another store: ' + stores);
  await shot(page, 'jobs');
  await checkPage(page);

  step = 'the dead letter, listed with its order and store';
  await go(page, '#/dead-letters', `tr[data-id="${DEAD}"]`);
  const dl = await page.$$eval(`tr[data-id="${DEAD}"] td`, (tds) => tds.map((t) => t.textContent.trim()));
  // checkbox, died, kind, flow, store, order, attempts, last error
  if (dl[4] !== 'us' || dl[5] !== DEAD_ORDER) fail('store/order in the list: ' + dl.join(' | '));
  await shot(page, 'dead-letters');

  step = 'one dead letter, with payload and attempts';
  await page.click(`tr[data-id="${DEAD}"] td:nth-child(2) a`);
  await page.waitForSelector('pre.payload');
  const payload = await text(page, 'pre.payload');
  if (!payload.includes('order')) fail('payload: ' + payload.slice(0, 200));
  const attempts = await page.$$eval('section.card:last-of-type tbody tr', (trs) => trs.length);
  if (attempts < 1) fail('no attempts listed');
  await shot(page, 'dead-letter');

  step = 'replay it';
  const [replay] = await page.$$('xpath/.//button[normalize-space()="Replay"]');
  if (!replay) fail('no Replay button');
  await replay.click();
  const title = await confirmDialog(page, 'replay');
  if (!/Replay/.test(title)) fail('confirmation: ' + title);
  await page.waitForFunction(() => /Replay: the job is/.test(document.getElementById('status').textContent), { timeout: 10000 });
  const gone = await apiGet(`/v1/dead-letters/${DEAD}`);
  if (gone.status !== 404) fail('the API still lists it as a dead letter: ' + gone.status);
  const list = await apiGet('/v1/dead-letters');
  if (list.body.items.some((j) => j.id === DEAD)) fail('still in GET /v1/dead-letters');
  await checkPage(page);

  step = 'pause a flow through the confirmation';
  await go(page, '#/flows', 'tr[data-flow="orders"] button');
  await page.click('tr[data-flow="orders"] button');
  const t2 = await confirmDialog(page, 'pause');
  if (t2 !== 'Pause orders?') fail('confirmation: ' + t2);
  await page.waitForFunction(() => {
    const b = document.querySelector('tr[data-flow="orders"] .badge');
    return b && b.textContent === 'paused';
  }, { timeout: 10000 });
  let flows = await apiGet('/v1/flows');
  if (!flows.body.items.find((f) => f.name === 'orders').paused) fail('the API does not say paused');
  await shot(page, 'flows-paused');

  step = 'cancel leaves it as it is; resume';
  await page.click('tr[data-flow="orders"] button');
  await page.waitForSelector('dialog#confirm[open]');
  await page.click('dialog#confirm button[value="cancel"]');
  await page.waitForFunction(() => !document.querySelector('dialog#confirm').open);
  flows = await apiGet('/v1/flows');
  if (!flows.body.items.find((f) => f.name === 'orders').paused) fail('cancel resumed the flow');
  await page.click('tr[data-flow="orders"] button');
  await confirmDialog(page, 'resume');
  await page.waitForFunction(() => {
    const b = document.querySelector('tr[data-flow="orders"] .badge');
    return b && b.textContent === 'running';
  }, { timeout: 10000 });
  flows = await apiGet('/v1/flows');
  if (flows.body.items.find((f) => f.name === 'orders').paused) fail('the API says still paused');
  await checkPage(page);

  step = 'find the order by its PSP payment id';
  await go(page, '#/orders', '#order-search');
  await page.type('#order-search', PSP);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#trace p.found', { timeout: 10000 });
  const found = await text(page, '#trace p.found');
  if (!found.includes('PSP payment id')) fail('found as: ' + found);
  const num = await page.$eval('#trace tr[data-order] td:nth-child(2)', (td) => td.textContent.trim());
  if (num !== PAID_ORDER) fail(`order number ${num}, want ${PAID_ORDER}`);
  if (!(await text(page, '#trace')).includes(PSP)) fail('the payment is not shown');
  await shot(page, 'order-by-payment');
  await checkPage(page);

  for (const [i, attack] of ['<img src=x onerror=alert(1)>', '"><script>window.__xss=1</script>',
    "'><svg onload=alert(2)>"].entries()) {
    step = `an injection in the search box (${i + 1})`;
    await page.$eval('#order-search', (el) => { el.value = ''; });
    await page.type('#order-search', attack);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#trace p.notfound', { timeout: 10000 });
    const shown = await page.$eval('#trace p.notfound .term', (el) => el.textContent);
    if (shown !== attack) fail(`shown as ${JSON.stringify(shown)}, want the literal text`);
    const injected = await page.evaluate(() => ({
      xss: window.__xss,
      nodes: document.querySelectorAll('#trace img, #trace script, #trace svg, main img').length,
    }));
    if (injected.xss !== undefined || injected.nodes !== 0) fail('markup from the search ran: ' + JSON.stringify(injected));
    if (i === 0) await shot(page, 'search-injection');
    await checkPage(page);
  }

  step = 'quarantine';
  await go(page, '#/quarantine', 'main[data-page="quarantine"] table');
  const q = await text(page, 'main tbody');
  if (!q.includes('stripe')) fail('the quarantined Stripe event is not listed: ' + q.slice(0, 200));
  await shot(page, 'quarantine');

  step = 'reconciliation';
  await go(page, '#/reconciliations', 'main[data-page="reconciliations"] h1');
  await page.waitForFunction(() => document.querySelector('main table, main p.empty, main .error'));
  if (await page.$('main .error')) fail('reconciliation page: ' + await text(page, 'main .error'));
  // the run the test made against the doubles: done, its drift, missing_in_erp among its kinds
  const runs = await page.$$eval('main tbody tr', (trs) => trs.map((tr) =>
    Array.from(tr.querySelectorAll('td')).map((t) => t.textContent.trim())));
  const real = runs.find((r) => { // the run's id shortened: "9e99bec2…f24f"
    const [head, tail = ''] = r[0].split('\u2026');
    return RECON_RUN.startsWith(head) && RECON_RUN.endsWith(tail);
  });
  if (!real || real[1] !== 'us' || real[2] !== 'done' || real[6] !== RECON_DRIFT || !real[7].includes('missing_in_erp'))
    fail('the real reconciliation run is not listed as it ran: ' + JSON.stringify(runs));
  await shot(page, 'reconciliations');
  await checkPage(page);
  await go(page, `#/reconciliations/${RECON_RUN}`, 'main h1 code');
  const drift = await page.$$eval('section.card:last-of-type tbody tr', (trs) => trs.map((tr) => tr.textContent));
  if (!drift.some((t) => t.includes('missing_in_erp') && t.includes(DEAD_ORDER)))
    fail('the dead-lettered order ' + DEAD_ORDER + ' is not among the run\'s drift: ' + drift.join(' || '));
  await shot(page, 'reconciliation-run');
  await checkPage(page);

  step = 'reconciliation runs as the reconciliation API describes them';
  await reconciliationShape(page.browser());

  step = 'without Chart.js the overview shows tables';
  await withoutChartjs(page.browser());

  step = 'log out';
  await go(page, '#/overview', 'tr[data-flow="orders"]');
  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  await page.goto(`${BASE}/ops/#/flows`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#login:not([hidden])');
  await checkPage(page);

  step = 'a read-only key looks and cannot act';
  await login(page, READ);
  await page.waitForSelector('tr[data-flow="orders"] button');
  if (!await page.$eval('tr[data-flow="orders"] button', (b) => b.disabled)) fail('Pause is enabled for ops:read');
  if (!(await text(page, '#who')).includes('read only')) fail('who: ' + await text(page, '#who'));
  await shot(page, 'flows-read-only');

  step = 'a forged session gets the login form again';
  await page.setCookie({ name: 'seam_ops', value: 'A'.repeat(43), url: BASE });
  await page.evaluate(() => { location.hash = '#/flows?again=1'; });
  await page.waitForSelector('#login:not([hidden])', { timeout: 10000 });
  const why = await text(page, '#login-error');
  if (!/session has ended/.test(why)) fail('message: ' + why);
  await shot(page, 'session-ended');
  await checkPage(page);
  await page.close();
}

// A run with drift of every sort the page shows (a system not read, a fix enqueued, one for a
// person, text from the store that looks like markup), answered here in the shape of
// rest.reconciliation@v1 / rest.reconciliation-list@v1: the page is checked on all of it
// without making each drift happen (tests/e2e/test_reconcile.c does that).
const RUN_ID = '01900000-0000-7000-8000-00000000abcd';
const RUN = {
  id: RUN_ID, store: 'us', state: 'done', since: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z',
  started_at: '2026-01-02T00:00:01Z', finished_at: '2026-01-02T00:00:09Z', fix: false, dry_run: true,
  orders_checked: 120, drift: 3, fixed: 1, counts: { missing_in_erp: 2, captured_not_in_drupal: 1, tax_differs: 0 },
  unreadable: [{ system: 'psp', error: 'timeout' }],
};
const RUN_ITEMS = [
  { seq: 1, kind: 'missing_in_erp', order_uuid: '5f0c1a2b-0000-4000-8000-000000000001', order_number: '1001',
    remote_id: null, detail: { drupal_state: 'placed <b>bold?</b>' }, fix: 'export', check: null,
    fix_state: 'enqueued', job_id: '01900000-0000-7000-8000-00000000beef' },
  { seq: 2, kind: 'paid_without_capture', order_uuid: '5f0c1a2b-0000-4000-8000-000000000002', order_number: '1002',
    remote_id: null, detail: { drupal_total_paid: '10.00', psp_net: '0.00' }, fix: null,
    check: 'check the PSP dashboard', fix_state: null, job_id: null },
];

async function reconciliationShape(browser) {
  const page = await browser.newPage();
  await watch(page);
  await page.setViewport({ width: 1366, height: 900 });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = new URL(req.url());
    const json = (body) => req.respond({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    if (u.pathname === '/v1/reconciliations') return json({ items: [RUN] });
    if (u.pathname === `/v1/reconciliations/${RUN_ID}`) return json(Object.assign({}, RUN, { items: RUN_ITEMS }));
    return req.continue();
  });
  await go(page, '#/reconciliations', 'main[data-page="reconciliations"] tbody tr');
  const row = await page.$$eval('main tbody tr td', (tds) => tds.map((t) => t.textContent.trim()));
  // run, store, state, window, mode, orders checked, drift, by kind, could not read, started
  if (row[1] !== 'us' || row[2] !== 'done' || row[4] !== 'dry run' || row[5] !== '120' || row[6] !== '3' ||
    !row[7].includes('missing_in_erp 2') || row[7].includes('tax_differs') || row[8] !== 'psp: timeout') fail('the run row: ' + row.join(' | '));
  if (!(await page.$('#run-store'))) fail('no form to start a run');
  await shot(page, 'reconciliations-shape');
  await page.click('main tbody tr td a');
  await page.waitForSelector('main h1 code');
  const items = await page.$$eval('section.card:last-of-type tbody tr', (trs) => trs.map((tr) => tr.textContent));
  if (items.length !== 2 || !items[0].includes('<b>bold?</b>') || !items[0].includes('1001')) fail('drift items: ' + items.join(' || '));
  if (await page.$('main b')) fail('markup from a drift detail was parsed');
  await shot(page, 'reconciliation-run-shape');
  await checkPage(page);
  await page.close();
}

// Chart.js answered 404 (libjs-chart.js not installed): the overview still works, with the
// last minutes as tables and a note that says why.
async function withoutChartjs(browser) {
  const page = await browser.newPage();
  await watch(page);
  await page.setViewport({ width: 1366, height: 900 });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/ops/vendor/chart.js') {
      return req.respond({ status: 404, contentType: 'application/problem+json', body: '{"status":404}' });
    }
    return req.continue();
  });
  await go(page, '#/overview', 'tr[data-flow="orders"]');
  if (await page.evaluate(() => typeof window.Chart !== 'undefined')) fail('Chart.js is there after all');
  const tables = await page.$$eval('.chart-box table', (t) => t.length);
  if (tables !== 4) fail(`${tables} chart tables, want 4`);
  if (!(await text(page, '.chart-box')).includes('Chart.js is not installed')) fail('no note about Chart.js');
  await shot(page, 'overview-without-chartjs');
  await checkPage(page);
  await page.close();
}

async function phone(browser) {
  const page = await browser.newPage();
  await watch(page);
  await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  step = 'phone: log in';
  await page.goto(`${BASE}/ops/`, { waitUntil: 'networkidle0' });
  await login(page, ADMIN);
  await page.waitForSelector('tr[data-flow="orders"]', { timeout: 15000 });
  step = 'phone: the menu';
  if (await page.$eval('#nav', (n) => getComputedStyle(n).display !== 'none')) fail('the menu is open on a phone');
  await page.click('#menu-toggle');
  await page.waitForFunction(() => getComputedStyle(document.getElementById('nav')).display !== 'none');
  await shot(page, 'phone-menu');
  await page.click('#menu-toggle');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  if (wide) fail('the page is wider than the phone (tables must scroll inside their box)');
  await shot(page, 'phone-overview');
  step = 'phone: dead letters and an order';
  await go(page, '#/dead-letters', 'main[data-page="dead-letters"] table');
  await shot(page, 'phone-dead-letters');
  await go(page, `#/orders?q=${encodeURIComponent(PSP)}`, '#trace p.found');
  if (await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)) fail('the order page is wider than the phone');
  await shot(page, 'phone-order');
  await checkPage(page);
  await page.close();
}

// this run's screenshots only: the last run's go
for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.unlinkSync(path.join(SHOTS, f));

const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  // no sandbox: the test may run as root in a container, where Chromium's sandbox cannot start
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
});
let code = 0;
try {
  await desktop(browser);
  await phone(browser);
  log(`ok: every step held; screenshots in ${SHOTS}`);
} catch (e) {
  code = 1;
  console.error(`ops.mjs: FAILED at ${e.message}`);
  if (problems.length) console.error('also: ' + problems.join('\n'));
  try {
    const pages = await browser.pages();
    const p = pages[pages.length - 1];
    if (p) await p.screenshot({ path: path.join(SHOTS, 'failed.png'), fullPage: true });
  } catch (e2) {
    // the browser may be gone
  }
} finally {
  await browser.close();
}
process.exit(code);
