// pages.js: the dashboard's pages. Each is async (main, route) -> optional stop function. All
// data comes from seam's REST API (/v1, the same the CLI's operators and scripts use); nothing
// is counted here but sums over what an answer holds.
import {
  state, api, h, clear, link, when, age, num, sum, pct, badge, errorBox, table, say,
  confirmAction, filterForm, HttpError,
} from './lib.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
  '#17becf', '#7f7f7f', '#bcbd22'];
const STATES = ['queued', 'running', 'succeeded', 'dead', 'canceled'];
const PROVIDERS = ['stripe', 'adyen', 'standard', 'drupal', 'pim', 'erp'];

function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), children);
}

function stateBadge(s) {
  const kind = { dead: 'bad', running: 'warn', queued: 'info', succeeded: 'ok', canceled: 'muted',
    closed: 'ok', half_open: 'warn', open: 'bad', done: 'ok', failed: 'bad' }[s] || '';
  return badge(s || '—', kind);
}

async function flowNames() {
  if (!state.flows) state.flows = (await api('GET', '/v1/flows')).items.map((f) => f.name);
  return state.flows;
}

async function storeNames() {
  if (!state.stores) state.stores = (await api('GET', '/v1/ops/overview')).stores.map((s) => s.name);
  return state.stores;
}

function canAct() {
  return Boolean(state.session && state.session.can_act);
}

function actButton(label, onclick, cls) {
  return h('button', {
    type: 'button', class: cls || '', onclick, disabled: !canAct(),
    title: canAct() ? null : 'Needs an API key with ops:admin',
  }, label);
}

// ---------- charts (Chart.js from Debian; tables when it is not there) ----------

function hhmm(iso) {
  return new Date(iso).toISOString().slice(11, 16);
}

// One chart of per-minute series [{label, data}] aligned with minutes, kept in charts[id] and
// updated in place on refresh. Without Chart.js: the last 10 minutes as a table.
function chart(charts, id, title, minutes, series) {
  const box = h('figure', { class: 'chart-box' }, h('figcaption', {}, title));
  if (typeof window.Chart !== 'function') {
    const last = minutes.slice(-10);
    const off = minutes.length - last.length;
    box.appendChild(table(
      [{ title: 'minute', cell: (r) => r.label }].concat(last.map((m, i) => ({
        title: hhmm(m), class: 'num', cell: (r) => num(r.data[off + i]) }))),
      series, { empty: 'No series yet.' }));
    box.appendChild(h('p', { class: 'muted small' },
      'Chart.js is not installed on this seam (Debian: libjs-chart.js): the last 10 minutes as numbers.'));
    return box;
  }
  const canvas = h('canvas', { id: 'chart-' + id, role: 'img', 'aria-label': title });
  box.appendChild(h('div', { class: 'chart' }, canvas));
  const data = {
    labels: minutes.map(hhmm),
    datasets: series.map((s, i) => ({
      label: s.label, data: s.data, backgroundColor: PALETTE[i % PALETTE.length],
      borderWidth: 0, barPercentage: 1, categoryPercentage: 0.9,
    })),
  };
  if (charts[id]) charts[id].destroy();
  // Stacked bars, one per minute: a count per minute reads as a bar, and a minute with no
  // sample (null: before this process started) is simply empty.
  charts[id] = new window.Chart(canvas, {
    type: 'bar',
    data,
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        x: { stacked: true, ticks: { maxTicksLimit: window.innerWidth < 600 ? 6 : 12, maxRotation: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return box;
}

// ---------- overview ----------

async function overview(main) {
  const charts = {};
  const body = h('div', { class: 'overview' });
  main.append(h('h1', {}, 'Overview'), body);
  let timer = null;
  let stopped = false;

  async function load() {
    const o = await api('GET', '/v1/ops/overview');
    if (stopped) return;
    state.stores = o.stores.map((s) => s.name);
    for (const c of Object.values(charts)) c.destroy();
    for (const k of Object.keys(charts)) delete charts[k];
    clear(body);

    const flowRows = o.flows.map((f) => {
      const ok = sum(f.succeeded), bad = sum(f.failed);
      return Object.assign({ ok, bad }, f);
    });
    body.appendChild(section('Flows',
      table([
        { title: 'flow', cell: (f) => h('a', { href: link(['jobs'], { flow: f.name }) }, f.name) },
        { title: 'state', cell: (f) => f.paused ? badge('paused', 'warn') : badge('running', 'ok') },
        { title: 'queued', class: 'num', cell: (f) => num(f.queued) },
        { title: 'running', class: 'num', cell: (f) => num(f.running) },
        { title: 'dead letters', class: 'num', cell: (f) => f.dead
          ? h('a', { href: link(['dead-letters'], { flow: f.name }), class: 'bad-text' }, String(f.dead)) : '0' },
        { title: 'oldest waiting', class: 'num', cell: (f) => f.queued ? age(f.oldest_runnable_age_s) : '—' },
        { title: 'succeeded (60 min)', class: 'num', cell: (f) => String(f.ok) },
        { title: 'failed (60 min)', class: 'num', cell: (f) => String(f.bad) },
        { title: 'failure rate', class: 'num', cell: (f) => pct(f.bad, f.ok + f.bad) },
      ], flowRows, { rowAttrs: (f) => ({ 'data-flow': f.name }) })));

    const active = flowRows.filter((f) => f.ok + f.bad > 0);
    const shown = active.length ? active : flowRows;
    body.appendChild(h('div', { class: 'grid2' },
      chart(charts, 'succeeded', 'Jobs succeeded per minute, by flow', o.minutes,
        shown.map((f) => ({ label: f.name, data: f.succeeded }))),
      chart(charts, 'failed', 'Job attempts failed per minute, by flow', o.minutes,
        shown.map((f) => ({ label: f.name, data: f.failed })))));

    const ups = o.upstreams.map((u) => Object.assign({ req: sum(u.requests), err: sum(u.errors) }, u));
    body.appendChild(section('Upstreams',
      table([
        { title: 'upstream', cell: (u) => u.name },
        { title: 'breaker', cell: (u) => stateBadge(u.breaker) },
        { title: 'requests (60 min)', class: 'num', cell: (u) => String(u.req) },
        { title: 'errors (60 min)', class: 'num', cell: (u) => String(u.err) },
        { title: 'error rate', class: 'num', cell: (u) => pct(u.err, u.req) },
      ], ups, { empty: 'No upstreams configured.', rowAttrs: (u) => ({ 'data-upstream': u.name }) })));
    if (ups.length) {
      body.appendChild(h('div', { class: 'grid2' },
        chart(charts, 'requests', 'Upstream requests per minute', o.minutes,
          ups.map((u) => ({ label: u.name, data: u.requests }))),
        chart(charts, 'errors', 'Upstream errors per minute (5xx, 429, no answer)', o.minutes,
          ups.map((u) => ({ label: u.name, data: u.errors })))));
    }

    body.appendChild(section('Stores',
      table([
        { title: 'store', cell: (s) => s.name },
        { title: 'orders waiting for the ERP', class: 'num', cell: (s) => num(s.export_backlog) },
        { title: 'oldest waiting', class: 'num', cell: (s) => age(s.export_oldest_age_s) },
        { title: 'catalog sync lag', class: 'num', cell: (s) => age(s.catalog_sync_lag_s) },
        { title: 'stock staleness', class: 'num', cell: (s) => age(s.stock_staleness_s) },
        { title: 'price staleness', class: 'num', cell: (s) => age(s.price_staleness_s) },
      ], o.stores, { empty: 'No stores configured.', rowAttrs: (s) => ({ 'data-store': s.name }) })));

    body.appendChild(section('Reconciliation drift',
      !o.drift.available
        ? h('p', { class: 'muted' }, 'This seam keeps no drift gauge (reconciliation is not in this build).')
        : o.drift.items.length === 0
          ? h('p', {}, 'No drift found by the last reconciliation runs.')
          : table([
            { title: 'store', cell: (d) => d.store },
            { title: 'kind', cell: (d) => d.kind },
            { title: 'orders', class: 'num', cell: (d) => String(d.count) },
          ], o.drift.items),
      h('p', {}, h('a', { href: '#/reconciliations' }, 'Reconciliation runs'))));

    body.appendChild(h('p', { class: 'muted small', id: 'generated' },
      'As of ', when(o.generated_at), '. Per-minute numbers are this process\'s counters',
      o.history_since ? ' since ' + when(o.history_since) : '', '; refreshed every 15 s.'));
  }

  await load();
  timer = setInterval(() => {
    load().catch((e) => { if (!(e instanceof HttpError && e.status === 401)) say(e.message, 'bad'); });
  }, 15000);
  return () => {
    stopped = true;
    clearInterval(timer);
    for (const c of Object.values(charts)) c.destroy();
  };
}

// ---------- flows ----------

async function flows(main) {
  main.append(h('h1', {}, 'Flows'),
    h('p', { class: 'muted' }, 'Pausing a flow is its kill switch: its jobs keep queueing, none of them runs until it is resumed, and the pause survives restarts.'));
  const list = await api('GET', '/v1/flows');
  state.flows = list.items.map((f) => f.name);
  const act = (f) => async () => {
    const pause = !f.paused;
    const ok = await confirmAction(
      (pause ? 'Pause ' : 'Resume ') + f.name + '?',
      pause ? `New ${f.name} work keeps queueing, but none of it runs until the flow is resumed (${f.queued} queued now).`
        : `The ${f.name} backlog starts to drain at once, oldest first (${f.queued} queued now).`,
      pause ? 'Pause' : 'Resume');
    if (!ok) return;
    try {
      await api('POST', `/v1/flows/${encodeURIComponent(f.name)}/${pause ? 'pause' : 'resume'}`);
      say(`${f.name} ${pause ? 'paused' : 'resumed'}.`, 'ok');
    } catch (e) {
      say(e.message, 'bad');
    }
    clear(main);
    await flows(main);
  };
  main.appendChild(table([
    { title: 'flow', cell: (f) => f.name },
    { title: 'state', cell: (f) => f.paused ? badge('paused', 'warn') : badge('running', 'ok') },
    { title: 'max concurrency', class: 'num', cell: (f) => f.max_concurrency ? String(f.max_concurrency) : 'no limit' },
    { title: 'queued', class: 'num', cell: (f) => num(f.queued) },
    { title: 'running', class: 'num', cell: (f) => num(f.running) },
    { title: 'dead letters', class: 'num', cell: (f) => num(f.dead) },
    { title: 'oldest waiting', class: 'num', cell: (f) => f.queued ? age(f.oldest_runnable_age_s) : '—' },
    { title: '', cell: (f) => actButton(f.paused ? 'Resume' : 'Pause', act(f), f.paused ? '' : 'danger') },
  ], list.items, { rowAttrs: (f) => ({ 'data-flow': f.name }) }));
}

// ---------- jobs and dead letters ----------

function jobQuery(query, keys) {
  const q = new URLSearchParams();
  for (const k of keys) if (query.get(k)) q.set(k, query.get(k));
  return q;
}

function shortId(id) {
  return id ? id.slice(0, 8) + '…' + id.slice(-4) : '—';
}

function errText(s) {
  if (!s) return '—';
  return h('span', { class: 'err-text', title: s }, s.length > 140 ? s.slice(0, 140) + '…' : s);
}

// A list page over /v1/jobs or /v1/dead-letters with its filters and a "more" button that
// follows the answer's next link.
async function jobList(main, r, dead) {
  const page = dead ? 'dead-letters' : 'jobs';
  const [fl, st] = await Promise.all([flowNames(), storeNames()]);
  const fields = [{ name: 'flow', label: 'Flow', type: 'select', options: fl }];
  if (!dead) fields.push({ name: 'state', label: 'State', type: 'select', options: STATES });
  fields.push({ name: 'store', label: 'Store', type: 'select', options: st },
    { name: 'since', label: dead ? 'Died since' : 'Since', placeholder: '2h, 7d or 2024-05-01T00:00:00Z' },
    { name: 'until', label: 'Until', placeholder: 'now, 1h or a time' });
  main.append(h('h1', {}, dead ? 'Dead letters' : 'Jobs'), filterForm(page, fields, r.query));

  const keys = dead ? ['flow', 'store', 'since', 'until'] : ['flow', 'state', 'store', 'since', 'until'];
  const q = jobQuery(r.query, keys);
  q.set('limit', '50');
  const selected = new Set();
  const rows = [];
  const holder = h('div', {});
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'More');
  let next = null;

  const replaySel = dead && actButton('Replay selected', async () => {
    const ids = [...selected];
    if (!ids.length) return;
    if (!await confirmAction(`Replay ${ids.length} dead letter${ids.length > 1 ? 's' : ''}?`,
      'Each is queued again with a fresh attempt budget and runs as soon as its flow allows.', 'Replay')) return;
    let done = 0;
    const failed = [];
    for (const id of ids) {
      try {
        await api('POST', `/v1/dead-letters/${encodeURIComponent(id)}/replay`);
        done++;
      } catch (e) {
        failed.push(`${shortId(id)}: ${e.message}`);
      }
    }
    say(`Replayed ${done} of ${ids.length}.` + (failed.length ? ' Failed: ' + failed.join('; ') : ''),
      failed.length ? 'bad' : 'ok');
    clear(main);
    await jobList(main, r, dead);
  });
  const filter = {};
  for (const k of ['flow', 'since', 'until']) if (r.query.get(k)) filter[k] = r.query.get(k);
  const replayAll = dead && !r.query.get('store') && actButton('Replay all matching', async () => {
    const what = Object.keys(filter).length
      ? Object.entries(filter).map(([k, v]) => `${k} ${v}`).join(', ') : 'every dead letter';
    if (!await confirmAction('Replay all matching dead letters?',
      `Every dead letter matching ${what} is queued again with a fresh attempt budget.`, 'Replay all')) return;
    try {
      const res = await api('POST', '/v1/dead-letters/replay',
        { body: Object.keys(filter).length ? filter : { all: true } });
      say(`Replayed ${res.replayed}.`, 'ok');
    } catch (e) {
      say(e.message, 'bad');
    }
    clear(main);
    await jobList(main, r, dead);
  }, 'secondary');
  if (dead) {
    replaySel.disabled = true;
    main.appendChild(h('div', { class: 'toolbar' }, replaySel, replayAll || null,
      r.query.get('store') ? h('span', { class: 'muted small' },
        'Replaying everything matching a store: select the rows (the bulk replay filters by flow and time).') : null));
  }

  const cols = [];
  if (dead) {
    cols.push({ title: '', cell: (j) => h('input', {
      type: 'checkbox', 'aria-label': 'select ' + j.id, disabled: !canAct(), checked: selected.has(j.id),
      onchange: (ev) => {
        if (ev.target.checked) selected.add(j.id); else selected.delete(j.id);
        replaySel.disabled = !canAct() || selected.size === 0;
        replaySel.textContent = selected.size ? `Replay selected (${selected.size})` : 'Replay selected';
      },
    }) });
  }
  cols.push(
    { title: dead ? 'died' : 'created', cell: (j) => h('a', { href: link([page, j.id]) }, when(dead ? j.finished_at : j.created_at)) },
    { title: 'kind', cell: (j) => j.kind },
    { title: 'flow', cell: (j) => j.flow },
    { title: 'store', cell: (j) => j.store || '—' },
    { title: 'order', cell: (j) => j.order_number ? h('a', { href: link(['orders'], { q: j.order_number }) }, j.order_number) : '—' },
  );
  if (!dead) cols.push({ title: 'state', cell: (j) => stateBadge(j.state) });
  cols.push(
    { title: 'attempts', class: 'num', cell: (j) => `${j.attempts}/${j.max_attempts}` },
    { title: 'last error', cell: (j) => errText(j.last_error) },
  );

  function draw() {
    clear(holder).appendChild(table(cols, rows, {
      empty: dead ? 'No dead letters match.' : 'No jobs match.',
      rowAttrs: (j) => ({ 'data-id': j.id }),
    }));
  }
  async function fetchPage(url) {
    const res = await api('GET', url);
    rows.push(...res.items);
    next = res.next;
    more.hidden = !next;
    draw();
  }
  more.addEventListener('click', () => fetchPage(next).catch((e) => say(e.message, 'bad')));
  main.append(holder, more);
  try {
    await fetchPage(`/v1/${page}?${q}`);
  } catch (e) {
    clear(holder).appendChild(errorBox(e));
  }
}

async function jobDetail(main, r, dead) {
  const id = r.path[1];
  const page = dead ? 'dead-letters' : 'jobs';
  let j;
  try {
    j = await api('GET', `/v1/${page}/${encodeURIComponent(id)}`);
  } catch (e) {
    main.append(h('h1', {}, dead ? 'Dead letter' : 'Job'), errorBox(e));
    return;
  }
  const again = async () => { clear(main); await jobDetail(main, r, dead); };
  const action = (label, path, title, text, cls) => actButton(label, async () => {
    if (!await confirmAction(title, text, label)) return;
    try {
      const res = await api('POST', path);
      say(`${label}: the job is ${res.state} now.`, 'ok');
    } catch (e) {
      say(e.message, 'bad');
    }
    if (dead && label === 'Replay') location.hash = link(['jobs', id]);
    else await again();
  }, cls);
  const enc = encodeURIComponent(id);
  const actions = [];
  if (j.state === 'dead') {
    actions.push(action('Replay', `/v1/dead-letters/${enc}/replay`, 'Replay this dead letter?',
      'It is queued again with a fresh attempt budget and runs as soon as its flow allows.'));
  }
  if (j.state === 'canceled') {
    actions.push(action('Retry', `/v1/jobs/${enc}/retry`, 'Queue this job again?',
      'It is queued again with a fresh attempt budget.'));
  }
  if (j.state === 'queued') {
    actions.push(action('Run now', `/v1/jobs/${enc}/retry`, 'Run this job now?',
      'It runs at once instead of waiting for its next attempt time (attempts are kept).'));
  }
  if (['queued', 'running', 'dead'].includes(j.state)) {
    actions.push(action('Cancel', `/v1/jobs/${enc}/cancel`, 'Cancel this job?',
      'It will not run again (a running handler finishes, its result is dropped). Canceled jobs can be retried.', 'danger'));
  }
  const kv = (k, v) => [h('dt', {}, k), h('dd', {}, v)];
  main.append(
    h('h1', {}, dead ? 'Dead letter ' : 'Job ', h('code', {}, id)),
    h('div', { class: 'toolbar' }, actions),
    section('About',
      h('dl', { class: 'kv' },
        kv('kind', j.kind), kv('flow', j.flow), kv('state', stateBadge(j.state)),
        kv('attempts', `${j.attempts} of ${j.max_attempts}`),
        kv('created', when(j.created_at)), kv('updated', when(j.updated_at)),
        kv('finished', when(j.finished_at)), kv('runs at', when(j.run_at)),
        kv('correlation id', j.correlation_id
          ? h('a', { href: link(['orders'], { q: j.correlation_id }) }, j.correlation_id) : '—'),
        kv('dedup key', j.dedup_key || '—'),
        kv('last error', j.last_error ? h('span', { class: 'err-text' }, j.last_error) : '—'))),
    section('Payload', h('pre', { class: 'payload' },
      typeof j.payload === 'string' ? j.payload : JSON.stringify(j.payload, null, 2))),
    section('Every attempt',
      table([
        { title: '#', class: 'num', cell: (a) => num(a.attempt) },
        { title: 'outcome', cell: (a) => a.outcome },
        { title: 'started', cell: (a) => when(a.started_at) },
        { title: 'finished', cell: (a) => when(a.finished_at) },
        { title: 'worker', cell: (a) => a.lease_owner || '—' },
        { title: 'error', cell: (a) => a.error ? h('span', { class: 'err-text' }, a.error) : '—' },
      ], j.attempts_log || [], { empty: 'No attempt yet.' })));
}

async function jobs(main, r) {
  if (r.path[1]) return jobDetail(main, r, false);
  return jobList(main, r, false);
}

async function deadLetters(main, r) {
  if (r.path[1]) return jobDetail(main, r, true);
  return jobList(main, r, true);
}

// ---------- quarantine ----------

async function quarantine(main, r) {
  const st = await storeNames();
  main.append(h('h1', {}, 'Quarantine'),
    h('p', { class: 'muted' }, 'Authentic events seam refused to use, with the reason. The bodies stay in the store.'),
    filterForm('quarantine', [
      { name: 'provider', label: 'Provider', type: 'select', options: PROVIDERS },
      { name: 'store', label: 'Store', type: 'select', options: st },
      { name: 'since', label: 'Received since', placeholder: '24h' },
      { name: 'until', label: 'Until', placeholder: 'now' },
    ], r.query));
  const q = jobQuery(r.query, ['provider', 'store', 'since', 'until']);
  q.set('limit', '100');
  try {
    const res = await api('GET', `/v1/quarantine?${q}`);
    main.appendChild(table([
      { title: 'received', cell: (x) => when(x.received_at) },
      { title: 'provider', cell: (x) => x.provider },
      { title: 'store / source', cell: (x) => x.source },
      { title: 'event id', cell: (x) => x.event_id ? h('a', { href: link(['orders'], { q: x.event_id }) }, x.event_id) : '—' },
      { title: 'reason', cell: (x) => errText(x.reason) },
      { title: 'correlation id', cell: (x) => x.correlation_id || '—' },
      { title: 'bytes', class: 'num', cell: (x) => num(x.body_bytes) },
    ], res.items, { empty: 'Nothing in quarantine matches.' }));
  } catch (e) {
    main.appendChild(errorBox(e));
  }
}

// ---------- orders (trace) ----------

const FOUND_BY = {
  order_number: 'order number', order_uuid: 'order uuid', payment_id: 'PSP payment id',
  event_id: 'provider event id', product: 'catalog product', correlation_id: 'correlation id',
};

function detailText(d) {
  if (d === null || d === undefined) return '—';
  return h('code', { class: 'detail' }, typeof d === 'string' ? d : JSON.stringify(d));
}

async function orders(main, r) {
  const q = (r.query.get('q') || '').trim();
  const input = h('input', { id: 'order-search', type: 'search', name: 'q', value: q, autocomplete: 'off',
    spellcheck: 'false', placeholder: 'order number, uuid, PSP payment id, event id or correlation id' });
  const form = h('form', { class: 'search', role: 'search' },
    h('label', { for: 'order-search' }, 'Find an order'), input,
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = link(['orders'], { q: input.value.trim() });
  });
  main.append(h('h1', {}, 'Orders'), form);
  const out = h('div', { id: 'trace' });
  main.appendChild(out);
  if (!q) {
    out.appendChild(h('p', { class: 'muted' }, 'Search shows the order\'s story across systems, what seam ctl trace shows.'));
    return;
  }
  let t;
  try {
    t = await api('GET', `/v1/trace/${encodeURIComponent(q)}`);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      out.appendChild(h('p', { class: 'notfound' }, 'Nothing is known of “', h('span', { class: 'term' }, q), '”.'));
      return;
    }
    out.appendChild(errorBox(e));
    return;
  }
  out.appendChild(h('p', { class: 'found' }, 'Found “', h('span', { class: 'term' }, q), '” as ',
    h('strong', {}, FOUND_BY[t.found_by] || t.found_by), '.'));
  if (t.orders && t.orders.length) {
    out.appendChild(section('Order', table([
      { title: 'store', cell: (o) => o.store },
      { title: 'number', cell: (o) => o.order_number || '—' },
      { title: 'uuid', cell: (o) => h('code', {}, o.order_uuid) },
      { title: 'Drupal state', cell: (o) => o.order_state || '—' },
      { title: 'export', cell: (o) => o.export_state },
      { title: 'ERP number', cell: (o) => o.erp_number || '—' },
      { title: 'total', class: 'num', cell: (o) => o.total ? `${o.total} ${o.currency || ''}` : '—' },
      { title: 'placed', cell: (o) => when(o.placed_at) },
    ], t.orders, { rowAttrs: (o) => ({ 'data-order': o.order_uuid }) })));
  } else if (t.order_uuid) {
    out.appendChild(section('Order', h('p', {}, 'Order ', h('code', {}, t.order_uuid), ' (seam has not exported it).')));
  }
  if (t.payments) {
    out.appendChild(section('Payments', table([
      { title: 'provider', cell: (p) => p.provider },
      { title: 'PSP payment id', cell: (p) => h('code', {}, p.remote_id) },
      { title: 'state', cell: (p) => p.state || 'unknown' },
      { title: 'amount', class: 'num', cell: (p) => p.amount ? `${p.amount} ${p.currency || ''}` : '—' },
      { title: 'refunded', class: 'num', cell: (p) => num(p.refunded) },
      { title: 'Drupal payment', cell: (p) => p.payment_uuid || '—' },
      { title: 'updated', cell: (p) => when(p.updated_at) },
    ], t.payments, { empty: 'No payment seen.' })));
  }
  if (t.event) {
    const e = t.event;
    out.appendChild(section('Provider event', h('p', {},
      `${e.provider || ''}/${e.source || ''} ${e.type || ''} ${e.event_id || ''}, received ${when(e.received_at)}`,
      t.order_uuid ? '' : ' (its order is not known until its job runs)')));
  }
  if (t.product) {
    const p = t.product;
    out.appendChild(section('Product', h('p', {},
      `${p.pim_id} in ${p.store}: ${p.state}`, p.reason ? ` (${p.reason})` : '',
      p.drupal_uuid ? `, Drupal ${p.drupal_uuid}` : '')));
  }
  if (t.timeline) {
    out.appendChild(section(`Timeline (${t.timeline.length})`, table([
      { title: 'at', cell: (e) => when(e.at) },
      { title: 'system', cell: (e) => e.system },
      { title: 'event', cell: (e) => e.event },
      { title: 'correlation id', cell: (e) => e.correlation_id
        ? h('a', { href: link(['orders'], { q: e.correlation_id }) }, e.correlation_id.slice(0, 12) + '…') : '—' },
      { title: 'detail', cell: (e) => detailText(e.detail) },
    ], t.timeline, { empty: 'No timeline entries.' })));
  }
  if (t.jobs) {
    out.appendChild(section('Jobs', table([
      { title: 'job', cell: (j) => h('a', { href: link(['jobs', j.id]) }, shortId(j.id)) },
      { title: 'kind', cell: (j) => j.kind },
      { title: 'state', cell: (j) => stateBadge(j.state) },
      { title: 'attempts', class: 'num', cell: (j) => num(j.attempts) },
      { title: 'last error', cell: (j) => errText(j.last_error) },
      { title: 'updated', cell: (j) => when(j.updated_at) },
    ], t.jobs, { empty: 'No jobs.' })));
  }
}

// ---------- reconciliation ----------

function driftTotal(run) {
  return Number(run.drift) || 0;
}

// "erp: timeout" for each system a run could not read (GET /v1/reconciliations: [{system, error}]).
function unreadableText(run) {
  return (run.unreadable || []).map((u) => `${u.system}: ${u.error}`).join('; ') || '—';
}

async function reconciliations(main, r) {
  if (r.path[1]) return reconciliationRun(main, r);
  const st = await storeNames();
  main.append(h('h1', {}, 'Reconciliation'),
    h('p', { class: 'muted' }, 'Runs compare what the storefront, the payment provider, the ERP and seam say about each order, and classify every difference.'),
    filterForm('reconciliations', [{ name: 'store', label: 'Store', type: 'select', options: st }], r.query));
  const q = jobQuery(r.query, ['store']);
  q.set('limit', '50');
  let res;
  try {
    res = await api('GET', `/v1/reconciliations?${q}`);
  } catch (e) {
    if (e instanceof HttpError && e.status === 404) {
      main.appendChild(h('p', { class: 'empty' }, 'No reconciliation runs: this seam has no reconciliation API (GET /v1/reconciliations answered 404).'));
      return;
    }
    main.appendChild(errorBox(e));
    return;
  }
  main.appendChild(startRun(st));
  const runs = (res && res.items) || [];
  if (!runs.length) {
    main.appendChild(h('p', { class: 'empty' }, 'No reconciliation runs yet.'));
    return;
  }
  main.appendChild(table([
    { title: 'run', cell: (x) => h('a', { href: link(['reconciliations', x.id]) }, shortId(x.id)) },
    { title: 'store', cell: (x) => x.store },
    { title: 'state', cell: (x) => stateBadge(x.state) },
    { title: 'window', cell: (x) => `${when(x.since)} – ${when(x.until)}` },
    { title: 'mode', cell: (x) => x.dry_run ? 'dry run' : x.fix ? 'fix' : 'report' },
    { title: 'orders checked', class: 'num', cell: (x) => num(x.orders_checked) },
    { title: 'drift', class: 'num', cell: (x) => String(driftTotal(x)) },
    { title: 'by kind', cell: (x) => Object.entries(x.counts || {}).filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`).join(', ') || '—' },
    { title: 'could not read', cell: (x) => unreadableText(x) },
    { title: 'started', cell: (x) => when(x.started_at) },
  ], runs));
}

// Starts a run (POST /v1/reconciliations), for a key with ops:admin, after a confirmation.
function startRun(stores) {
  const store = h('select', { id: 'run-store' }, stores.map((x) => h('option', { value: x }, x)));
  const since = h('input', { id: 'run-since', type: 'text', value: '24h', autocomplete: 'off' });
  const dry = h('input', { id: 'run-dry', type: 'checkbox', checked: true });
  const fix = h('input', { id: 'run-fix', type: 'checkbox' });
  const go = actButton('Start a run', async () => {
    const body = { store: store.value, since: since.value.trim(), fix: fix.checked, dry_run: dry.checked };
    const mode = body.dry_run ? 'a dry run: nothing is changed' : body.fix
      ? 'with fixes: re-exports, re-applied payments and ERP cancels run as jobs' : 'a report: nothing is changed';
    if (!await confirmAction(`Reconcile ${body.store} since ${body.since}?`,
      `Every order of the window is compared across the storefront, the payment provider, the ERP and seam; ${mode}.`,
      'Start')) return;
    try {
      const run = await api('POST', '/v1/reconciliations', { body });
      say('Reconciliation run started.', 'ok');
      if (run && run.id) location.hash = link(['reconciliations', run.id]);
    } catch (e) {
      say(e.message, 'bad');
    }
  }, 'secondary');
  return section('Start a run', h('form', { class: 'filters', onsubmit: (ev) => ev.preventDefault() },
    h('div', { class: 'field' }, h('label', { for: 'run-store' }, 'Store'), store),
    h('div', { class: 'field' }, h('label', { for: 'run-since' }, 'Since'), since),
    h('div', { class: 'field check' }, h('label', { for: 'run-dry' }, dry, ' dry run')),
    h('div', { class: 'field check' }, h('label', { for: 'run-fix' }, fix, ' fix what is deterministic')),
    h('div', { class: 'field actions' }, go)));
}

async function reconciliationRun(main, r) {
  const id = r.path[1];
  let run;
  try {
    run = await api('GET', `/v1/reconciliations/${encodeURIComponent(id)}`);
  } catch (e) {
    main.append(h('h1', {}, 'Reconciliation run'), errorBox(e));
    return;
  }
  main.append(h('h1', {}, 'Reconciliation run ', h('code', {}, id)),
    section('Run', h('dl', { class: 'kv' },
      [['store', run.store], ['state', stateBadge(run.state)], ['window', `${when(run.since)} – ${when(run.until)}`],
        ['mode', run.dry_run ? 'dry run' : run.fix ? 'fix' : 'report'], ['orders checked', num(run.orders_checked)],
        ['started', when(run.started_at)], ['finished', when(run.finished_at)],
        ['could not read', unreadableText(run)], ['fixes enqueued', num(run.fixed)]]
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    section('Drift', table([
      { title: 'kind', cell: (d) => d.kind },
      { title: 'order', cell: (d) => d.order_number || d.order_uuid
        ? h('a', { href: link(['orders'], { q: d.order_number || d.order_uuid }) }, d.order_number || d.order_uuid) : '—' },
      { title: 'detail', cell: (d) => detailText(d.detail) },
      { title: 'fix or check', cell: (d) => d.fix ? detailText(d.fix) : d.check },
      { title: 'fix state', cell: (d) => d.fix_state === 'enqueued' || d.fix_state === 'pending'
        ? badge(d.fix_state, 'ok') : d.fix_state ? badge(d.fix_state, 'warn') : badge('open', 'warn') },
    ], run.items || [], { empty: 'No drift in this run.' })));
}

export const pages = {
  overview,
  flows,
  jobs,
  'dead-letters': deadLetters,
  quarantine,
  orders,
  reconciliations,
};

