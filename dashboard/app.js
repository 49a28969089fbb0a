/* SPDX-License-Identifier: MIT */
/*
 * app.js: DT's dashboard.  A hash-routed page over dtd's JSON API:
 *   #/runs            the run list (live)
 *   #/new?suite=S     the form that starts a run
 *   #/runs/ID         one run: progress, throughput and latency over time
 *                     (nemesis intervals shaded), node metrics, verdicts,
 *                     the anomaly of an invalid run
 *   #/suites #/charts #/plugins
 * Charts are drawn with uPlot (vendor/uplot, MIT).  No network beyond dtd.
 * The token (entered at the top right) is kept in local storage and sent
 * as Authorization on API calls; a SameSite=Strict cookie holds it too,
 * for what a header cannot go with (links to run files, EventSource)
 * when dtd requires the token for reads.
 */
'use strict';

const view = document.getElementById('view');
let cleanup = [];          // timers and streams of the current view
const TOKEN_KEY = 'dt-token';

/* ---- helpers ------------------------------------------------------------ */

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === null || kid === undefined || kid === false) continue;
    e.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return e;
}

function token() { return localStorage.getItem(TOKEN_KEY) || ''; }

/* dtd accepts the cookie for reads only (never for changes).  Set only
 * for a token a cookie can hold as it is (dtd compares it raw). */
function tokenCookie() {
  const t = token();
  document.cookie = t && /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/.test(t)
    ? 'dt_token=' + t + '; path=/; SameSite=Strict'
    : 'dt_token=; path=/; SameSite=Strict; max-age=0';
}

async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers);
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token()) headers.Authorization = 'Bearer ' + token();
  const res = await fetch(path, {
    method: opts.method || 'GET', headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
  if (!res.ok) {
    const err = new Error((data && data.error) || res.statusText);
    err.status = res.status;
    err.field = data && data.field;
    throw err;
  }
  return data;
}

function fmtDuration(s) {
  if (s === null || s === undefined || isNaN(s)) return '–';
  if (s === 0) return '0 s';
  if (s < 0.001) return '< 1 ms';
  if (s < 1) return Math.round(s * 1000) + ' ms';
  if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
  const m = Math.floor(s / 60), sec = Math.round(s % 60);
  if (m < 60) return m + ' min ' + String(sec).padStart(2, '0') + ' s';
  const h = Math.floor(m / 60);
  return h + ' h ' + String(m % 60).padStart(2, '0') + ' min';
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms === 0) return '0';
  if (ms < 1) return Math.round(ms * 1000) + ' µs';
  if (ms < 1000) return (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)) + ' ms';
  return fmtDuration(ms / 1000);
}

function fmtCount(n) {
  if (n === null || n === undefined) return '–';
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + ' M';
  if (n >= 1e4) return (n / 1e3).toFixed(n >= 1e5 ? 0 : 1) + ' k';
  return n.toLocaleString('en-US');
}

function fmtRate(r) {
  if (r === null || r === undefined) return '–';
  return (r >= 100 ? Math.round(r) : r.toFixed(1)) + ' ops/s';
}

function fmtWhen(epoch) {
  if (!epoch) return '–';
  const d = new Date(epoch * 1000), now = Date.now() / 1000, ago = now - epoch;
  const pad = (x) => String(x).padStart(2, '0');
  const hm = pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  const day = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  if (ago < 0) return day + ' ' + hm;
  if (ago < 60) return hm + ' (just now)';
  if (ago < 3600) return hm + ' (' + Math.floor(ago / 60) + ' min ago)';
  if (ago < 86400) return hm + ' (' + Math.floor(ago / 3600) + ' h ago)';
  return day + ' ' + hm;
}

/* The badge of a run: colour and word, readable at a glance. */
function runState(run) {
  if (run.status === 'done') return run.verdict || 'unknown';
  return run.status;
}

const ICONS = { valid: '✔', invalid: '✘', unknown: '?', running: '▶', queued: '…',
  failed: '!', aborted: '■', cancelled: '⊘' };

function badge(state, big) {
  return el('span', { class: 'badge ' + state + (big ? ' big' : ''), 'data-state': state },
    el('span', { class: 'icon', 'aria-hidden': 'true' }, ICONS[state] || ''), state.toUpperCase());
}

function verdictBadge(v, big) {
  const s = v === true ? 'valid' : v === false ? 'invalid' : 'unknown';
  return badge(s, big);
}

function clearView() {
  for (const c of cleanup) c();
  cleanup = [];
  view.replaceChildren();
}

function every(ms, fn) {
  const id = setInterval(fn, ms);
  cleanup.push(() => clearInterval(id));
}

function showError(e) {
  view.append(el('div', { class: 'card formerr' }, 'Error: ' + e.message));
}

/* ---- charts --------------------------------------------------------------------- */

const PALETTE = ['#1f5fbf', '#e07b00', '#17803d', '#9c27b0', '#c62828', '#00838f',
  '#6d4c41', '#5c6bc0', '#ad1457', '#558b2f'];

/* uPlot plugin: shade nemesis intervals [{start, end}] (seconds). */
function shadePlugin(intervals) {
  return {
    hooks: {
      drawClear: (u) => {
        if (!intervals.length) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.fillStyle = 'rgba(214, 69, 65, 0.14)';
        for (const iv of intervals) {
          const end = iv.end === null || iv.end === undefined ? u.scales.x.max : iv.end;
          const x0 = u.valToPos(iv.start, 'x', true), x1 = u.valToPos(end, 'x', true);
          ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
        }
        ctx.restore();
      },
    },
  };
}

function drawChart(box, title, xs, series, opts = {}) {
  box.replaceChildren();
  box.append(el('div', { class: 'title' }, title));
  if (!xs.length || !series.length) {
    box.append(el('div', { class: 'empty' }, 'no data yet'));
    return null;
  }
  const width = Math.max(320, box.clientWidth || 600);
  const u = new uPlot({
    width, height: opts.height || 220,
    plugins: [shadePlugin(opts.nemesis || [])],
    scales: { x: { time: false, range: (u, lo, hi) => [opts.xmin ?? 0, Math.max(hi, opts.xmax || 0, 1)] }, y: opts.log ? { distr: 3 } : { range: (u, lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] } },
    axes: [
      { label: opts.xlabel || 'seconds since start', space: 70, values: opts.xfmt || ((u, v) => v.map((s) => fmtDuration(s))) },
      { label: opts.unit, size: 70, values: (u, v) => v.map(opts.fmt || ((x) => x)) },
    ],
    series: [{ label: opts.xlabel ? 'x' : 'time', value: opts.xvalue || ((u, v) => v === null ? '–' : fmtDuration(v)) }].concat(series.map((s) => ({
      // opts.dots: points where samples are sparse (uPlot's default), so
      // a lone sample between gaps (a node down before and after) shows.
      label: s.label, stroke: s.color, width: s.width || 2, dash: s.dash, spanGaps: !!opts.spanGaps,
      points: opts.dots ? { size: 5, fill: s.color } : { show: false },
      paths: opts.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
      value: (u, v) => v === null ? '–' : (opts.fmt || ((x) => x))(v),
    }))),
    legend: { live: true },
    // The x range drawn (the scales settle after construction): lets a
    // test place the nemesis intervals on the canvas.
    hooks: { draw: [(u) => { box.dataset.xmax = String(u.scales.x.max); }] },
  }, [xs].concat(series.map((s) => s.data)), box);
  box.dataset.drawn = 'true';
  box.dataset.points = String(xs.length);
  return u;
}

/* Driver lines of metrics into per-second throughput and latency. */
function driverSeries(lines) {
  const driver = lines.filter((m) => m.source === 'driver');
  const fs = [];
  for (const m of driver) for (const f of Object.keys(m.values || {})) if (!fs.includes(f)) fs.push(f);
  fs.sort();
  const xs = [], tput = fs.map(() => []), lat = fs.map(() => ({ p50: [], p95: [], p99: [] }));
  // Each line covers (previous time, time]: plot it as a step from the
  // start of its slice, and close the last step at the last time.
  let prev = 0;
  for (const m of driver) {
    const t = m.time / 1e9, dt = t - prev;
    if (dt < 0.5) continue;     // a short last slice would spike the rate
    xs.push(prev);
    prev = t;
    fs.forEach((f, i) => {
      const v = (m.values || {})[f] || {};
      tput[i].push((v.ops || 0) / dt);
      for (const q of ['p50', 'p95', 'p99']) lat[i][q].push(v.ops ? v[q] : null);
    });
  }
  if (xs.length) {
    xs.push(prev);
    fs.forEach((f, i) => {
      tput[i].push(tput[i][tput[i].length - 1]);
      for (const q of ['p50', 'p95', 'p99']) lat[i][q].push(lat[i][q][lat[i][q].length - 1]);
    });
  }
  return { fs, xs, tput, lat };
}

/* Node metrics: {key: {node: [[t, v]...]}} for numeric values; a
 * boolean (a node's "up") counts as 1 or 0, so a node that stopped
 * answering shows as a drop (flags: the keys that were booleans).
 * Short strings (a node's role, its link status) go to states:
 * {key: {node: [value, ...]}}, one entry per change. */
function nodeSeries(lines) {
  const byKey = {}, states = {}, flags = new Set();
  for (const m of lines) {
    if (m.source === 'driver' || !m.values) continue;
    const flat = {};
    (function walk(o, p) {
      for (const [k, v] of Object.entries(o)) {
        if (typeof v === 'number') flat[p + k] = v;
        else if (typeof v === 'boolean') { flat[p + k] = v ? 1 : 0; flags.add(p + k); }
        else if (typeof v === 'string' && k !== 'error' && v.length <= 32) {
          const l = ((states[p + k] = states[p + k] || {})[m.source] = states[p + k][m.source] || []);
          if (l[l.length - 1] !== v) l.push(v);
        } else if (v && typeof v === 'object' && !Array.isArray(v) && p.split('.').length < 3) walk(v, p + k + '.');
      }
    })(m.values, '');
    for (const [k, v] of Object.entries(flat)) {
      ((byKey[k] = byKey[k] || {})[m.source] = byKey[k][m.source] || []).push([m.time / 1e9, v]);
    }
  }
  return { byKey, states, flags };
}

/* The order of the per-node charts: whether a node is up first, then
 * rates (ops/s), then the rest by name. */
function nodeKeyRank(k) {
  if (k === 'up') return 0;
  if (/ops|per_sec|rate/.test(k)) return 1;
  return 2;
}

/* Align [[t, v]] lists of several series on one x axis. */
function align(lists) {
  const ts = [...new Set(lists.flatMap((l) => l.map((p) => p[0])))].sort((a, b) => a - b);
  const ys = lists.map((l) => {
    const m = new Map(l);
    return ts.map((t) => (m.has(t) ? m.get(t) : null));
  });
  return { xs: ts, ys };
}

/* ---- views: runs ---------------------------------------------------------------------- */

async function viewRuns(params) {
  const state = { suite: params.get('suite') || '', status: params.get('status') || '',
    verdict: params.get('verdict') || '', offset: Number(params.get('offset') || 0) };
  const limit = 25;
  view.append(el('h1', {}, 'Runs', el('a', { class: 'button', href: '#/new', style: 'margin-left:auto; font-size:14px' }, '+ New run')));
  const suites = await api('/api/suites').catch(() => []);
  suites.sort((a, b) => a.name.localeCompare(b.name));
  const sel = (name, opts) => el('label', { class: 'field' }, name,
    el('select', { 'data-filter': name.toLowerCase(), onchange: (e) => { state[name.toLowerCase()] = e.target.value; state.offset = 0; go(); } },
      opts.map(([v, t]) => el('option', { value: v, selected: v === state[name.toLowerCase()] }, t))));
  const filters = el('div', { class: 'filters' },
    sel('Suite', [['', 'all suites']].concat(suites.map((s) => [s.name, s.name]))),
    sel('Status', [['', 'any status']].concat(['queued', 'running', 'done', 'failed', 'cancelled', 'aborted'].map((s) => [s, s]))),
    sel('Verdict', [['', 'any verdict'], ['valid', 'valid'], ['invalid', 'invalid'], ['unknown', 'unknown']]));
  const body = el('tbody');
  const pager = el('div', { class: 'pager' });
  view.append(el('div', { class: 'card' }, filters,
    el('table', { id: 'runs' }, el('thead', {}, el('tr', {},
      el('th', {}, 'Run'), el('th', {}, 'Suite'), el('th', {}, 'Verdict / status'), el('th', {}, 'Started'),
      el('th', { class: 'num' }, 'Duration'), el('th', { class: 'num' }, 'Operations'), el('th', {}, 'Progress'))), body), pager));

  function go() {
    const q = new URLSearchParams();
    for (const k of ['suite', 'status', 'verdict']) if (state[k]) q.set(k, state[k]);
    if (state.offset) q.set('offset', state.offset);
    history.replaceState(null, '', '#/runs' + (q.toString() ? '?' + q : ''));
    refresh();
  }
  async function refresh() {
    const q = new URLSearchParams({ limit, offset: state.offset });
    for (const k of ['suite', 'status', 'verdict']) if (state[k]) q.set(k, state[k]);
    let data;
    try { data = await api('/api/runs?' + q); } catch (e) { return; }
    body.replaceChildren(...(data.runs.length ? data.runs.map(runRow) :
      [el('tr', {}, el('td', { colspan: 7, class: 'empty' }, 'No runs yet. Start one from “New run”.'))]));
    pager.replaceChildren(
      el('span', { class: 'muted' }, data.total ? `${state.offset + 1}–${state.offset + data.runs.length} of ${data.total}` : ''),
      el('button', { disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - limit); go(); } }, '← Newer'),
      el('button', { disabled: state.offset + limit >= data.total, onclick: () => { state.offset += limit; go(); } }, 'Older →'));
  }
  await refresh();
  every(2000, refresh);
}

function runRow(run) {
  const live = run.live;
  const c = run.counts || (live ? { ok: live.ok, fail: live.fail, info: live.info } : null);
  const ops = c ? c.ok + c.fail + c.info : null;
  let prog = '';
  if (live && live.limit) {
    const pct = Math.min(100, 100 * (live.elapsed || 0) / live.limit);
    prog = el('span', {}, el('span', { class: 'progress small' }, el('div', { style: `width:${pct}%` })),
      ' ', el('span', { class: 'muted' }, live.phase === 'running' ? fmtRate(live.rate) : live.phase));
  }
  return el('tr', { class: 'clickable', 'data-run': run.id, onclick: () => { location.hash = '#/runs/' + run.id; } },
    el('td', {}, el('a', { href: '#/runs/' + run.id }, '#' + run.id)),
    el('td', {}, run.suite),
    el('td', {}, badge(runState(run)), run.status === 'cancelled' && run.verdict ? el('span', { class: 'muted' }, ' ' + run.verdict) : ''),
    el('td', {}, fmtWhen(run.started || run.created)),
    el('td', { class: 'num' }, fmtDuration(run.duration)),
    el('td', { class: 'num', title: c ? `ok ${c.ok}, fail ${c.fail}, info ${c.info}` : '' }, fmtCount(ops)),
    el('td', {}, prog));
}

/* ---- views: new run ------------------------------------------------------------------- */

async function viewNew(params) {
  view.append(el('h1', {}, 'Start a run'));
  const [suites, schema, plugins] = await Promise.all([api('/api/suites'), api('/api/schema'), api('/api/plugins')]);
  suites.sort((a, b) => a.name.localeCompare(b.name));
  // The suite's own keys as the core declares them: bounds and help.
  const key = (name) => (schema.suite || []).find((o) => o.name === name) || {};
  const form = el('form', { class: 'newrun', id: 'newrun', novalidate: true });
  const card = el('div', { class: 'card' }, form);
  view.append(card);
  const pick = el('select', { name: 'suite', id: 'suite' }, suites.map((s) =>
    el('option', { value: s.name, selected: s.name === params.get('suite') }, s.name)));
  const desc = el('div', { class: 'muted wide' });
  const field = (label, input) => el('label', { class: 'field', 'data-field': input.name }, label, input, el('span', { class: 'err' }));
  const bounded = (name, attrs) => {
    const o = key(name);
    const a = { ...attrs, title: o.doc || '' };
    if (o.min !== undefined) a.min = String(o.min);
    if (o.max !== undefined) a.max = String(o.max);
    return el('input', a);
  };
  const inputs = {
    time_limit: bounded('time-limit', { name: 'time_limit', type: 'number', step: 'any' }),
    concurrency: bounded('concurrency', { name: 'concurrency', type: 'number', step: '1' }),
    rate: bounded('rate', { name: 'rate', type: 'number', step: 'any' }),
    seed: bounded('seed', { name: 'seed', type: 'number', step: '1', placeholder: 'random' }),
  };
  // What each component of the suite takes, from the options it declares.
  const parts = el('div', { class: 'wide', id: 'suite-options' });
  const nemBox = el('div', { class: 'checks' });
  const formErr = el('div', { class: 'formerr wide', role: 'alert' });
  form.append(field('Suite', pick), desc,
    field('Time limit (s)', inputs.time_limit), field('Concurrency (workers)', inputs.concurrency),
    field('Rate (ops/s, 0: no limit)', inputs.rate), field('Seed', inputs.seed),
    el('label', { class: 'field wide', 'data-field': 'nemesis' }, 'Nemeses', nemBox, el('span', { class: 'err' })),
    parts,
    el('div', { class: 'wide' }, el('button', { class: 'primary', type: 'submit', id: 'start' }, 'Start run')), formErr);

  function fill() {
    const s = suites.find((x) => x.name === pick.value);
    if (!s) return;
    desc.textContent = [s.description, s.client && `client ${s.client}, workload ${s.workload}, checkers ${(s.checkers || []).join(', ')}`, s.error]
      .filter(Boolean).join('  ·  ');
    inputs.time_limit.placeholder = s.time_limit ?? '';
    inputs.concurrency.placeholder = s.concurrency ?? '';
    inputs.rate.placeholder = s.rate ?? '';
    nemBox.replaceChildren(...((s.nemesis || []).length ? s.nemesis.map((n) =>
      el('label', {}, el('input', { type: 'checkbox', value: n, checked: true }), ' ' + n)) :
      [el('span', { class: 'muted' }, 'this suite has no nemesis')]));
    const named = [['client', s.client], ['workload', s.workload],
      ...(s.nemesis || []).map((n) => ['nemesis', n]), ...(s.checkers || []).map((n) => ['checker', n])];
    parts.replaceChildren(...named.filter(([, n]) => n).map(([kind, n]) => {
      const p = plugins.find((x) => x.kind === kind && x.name === n);
      return el('details', { 'data-component': kind + ':' + n },
        el('summary', {}, `${kind} ${n}`, p ? el('span', { class: 'muted' }, ' — ' + (p.description || '')) : ''),
        p ? optionsTable(p.options) : el('span', { class: 'muted' }, 'not loaded'));
    }));
  }
  pick.addEventListener('change', fill);
  fill();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    for (const e of form.querySelectorAll('.err')) e.textContent = '';
    for (const e of form.querySelectorAll('.bad')) e.classList.remove('bad');
    formErr.textContent = '';
    const body = { suite: pick.value };
    for (const [k, inp] of Object.entries(inputs)) {
      if (inp.value === '') continue;
      body[k] = Number(inp.value);
    }
    const s = suites.find((x) => x.name === pick.value);
    if (s && (s.nemesis || []).length) body.nemesis = [...nemBox.querySelectorAll('input:checked')].map((c) => c.value);
    try {
      const run = await api('/api/runs', { method: 'POST', body });
      location.hash = '#/runs/' + run.id;
    } catch (e) {
      const f = e.field && form.querySelector(`[data-field="${e.field}"]`);
      if (f) {
        f.querySelector('.err').textContent = e.message;
        const inp = f.querySelector('input,select');
        if (inp) inp.classList.add('bad');
      }
      formErr.textContent = e.status === 401 || e.status === 403 ?
        e.message + ' — enter the API token at the top right.' : e.message;
    }
  });
}

/* ---- views: one run ------------------------------------------------------------------- */

async function viewRun(id) {
  let run;
  try { run = await api('/api/runs/' + id); } catch (e) { showError(e); return; }
  const head = el('h1', {});
  const actions = el('span', { style: 'margin-left:auto; display:flex; gap:8px' });
  const stats = el('div', { class: 'stats' });
  const progress = el('div', { class: 'card', id: 'progress' });
  const charts = el('div', { class: 'card' });
  const tputBox = el('div', { class: 'chart', id: 'chart-throughput' });
  const latBox = el('div', { class: 'chart', id: 'chart-latency' });
  const nodesCard = el('div', { class: 'card', id: 'node-metrics' });
  const checkers = el('div', { class: 'card', id: 'checkers' });
  const anomaly = el('div', { class: 'card anomaly', id: 'anomaly', hidden: true });
  const files = el('div', { class: 'card links' });
  charts.append(el('h2', {}, 'Throughput and latency'),
    el('div', { class: 'legend-note' }, el('span', { class: 'shade-key' }), 'shaded: a nemesis was active'),
    tputBox, latBox);
  view.append(head, el('div', { class: 'card' }, stats), progress, checkers, anomaly, charts, nodesCard, files);

  function drawHead() {
    const state = runState(run);
    head.replaceChildren(badge(state, true), el('span', {}, `Run #${run.id}`),
      el('span', { class: 'muted' }, run.suite),
      run.schedule ? el('a', { class: 'muted', id: 'from-schedule', href: '#/schedules' }, `from schedule #${run.schedule}`) : '',
      run.campaign ? el('a', { class: 'muted', id: 'from-campaign', href: '#/campaigns/' + run.campaign }, `of campaign #${run.campaign}`) : '',
      run.pruned ? el('span', { class: 'badge cancelled' }, 'PRUNED') : '', actions);
    actions.replaceChildren();
    if (run.status === 'queued' || run.status === 'running')
      actions.append(el('button', { class: 'danger', id: 'cancel', onclick: () => act('cancel') }, 'Cancel'));
    else {
      actions.append(el('a', { class: 'button', id: 'compare', href: '#/compare?a=' + run.id }, 'Compare…'),
        el('a', { class: 'button', id: 'trend', href: '#/trends?suite=' + encodeURIComponent(run.suite) }, 'Trend'));
      if (!run.pruned) actions.append(el('a', { class: 'button', id: 'archive', href: `/api/runs/${run.id}/archive`, title: 'the run folder as a tar.gz, for `dtd import` elsewhere' }, 'Archive'));
      actions.append(el('button', { id: 'recheck', onclick: () => act('check'), title: 'run the checkers on the history again' }, 'Check again'));
      actions.append(el('button', { class: 'danger', id: 'delete', onclick: () => act('delete') }, 'Delete'));
    }
    const c = run.counts || (run.live ? { ok: run.live.ok, fail: run.live.fail, info: run.live.info } : null);
    const p = run.parameters || {};
    const stat = (k, v, t) => el('div', { class: 'stat' }, el('div', { class: 'k' }, k), el('div', { class: 'v', title: t || '' }, v));
    stats.replaceChildren(
      stat('Verdict', state === 'running' || state === 'queued' ? '–' : (run.verdict || '–')),
      stat('Status', run.status),
      stat('Started', fmtWhen(run.started || run.created)),
      stat('Duration', fmtDuration(run.duration)),
      stat('Operations ok', c ? fmtCount(c.ok) : '–'),
      stat('Failed / unknown', c ? `${fmtCount(c.fail)} / ${fmtCount(c.info)}` : '–'),
      stat('Checkers took', run.checker_seconds !== null ? fmtDuration(run.checker_seconds) : '–'),
      stat('Parameters (else the suite’s)', Object.keys(p).length ? Object.entries(p).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') || 'none' : v}`).join(' ') : 'suite defaults'));
    if (run.error) stats.append(el('div', { class: 'stat', style: 'grid-column:1/-1' }, el('div', { class: 'k' }, 'Error'), el('div', { class: 'mono' }, run.error)));
    const base = '/api/runs/' + run.id;
    files.replaceChildren(el('h2', {}, 'Files'),
      el('a', { href: base + '/results' }, 'results.json'), el('a', { href: base + '/history?limit=1000' }, 'history (first 1000)'),
      el('a', { href: base + '/files/suite.json' }, 'suite.json'), el('a', { href: base + '/files/dt.log' }, 'dt.log'),
      el('a', { href: base + '/metrics' }, 'metrics'),
      el('a', { href: base + '/files/timeline.html', target: '_blank', id: 'timeline-link' }, 'timeline.html'),
      el('span', { class: 'muted mono' }, ' ' + (run.store || '')));
    // The run's timeline (the page DT writes into its folder), loaded
    // when opened: for a long run it is megabytes.
    if (run.status !== 'queued' && run.status !== 'running' && !document.getElementById('timeline')) {
      const frame = el('iframe', { id: 'timeline-frame', title: 'timeline', style: 'width:100%;height:640px;border:0' });
      const box = el('details', { class: 'card', id: 'timeline' }, el('summary', {}, el('strong', {}, 'Timeline'),
        el('span', { class: 'muted' }, ' — every operation on a time axis, nemesis bands, the anomaly highlighted')), frame);
      box.addEventListener('toggle', () => { if (box.open && !frame.src) frame.src = base + '/files/timeline.html'; });
      files.after(box);
    }
  }

  async function act(what) {
    try {
      // One click must not cancel a run (a page of someone else's could
      // lure it): say which run first.
      if (what === 'cancel' && !confirm(`Cancel run #${run.id} (${run.suite})? Its nemeses are healed and the history so far is checked.`)) return;
      if (what === 'delete') {
        if (!confirm(`Delete run #${run.id} and its store folder?`)) return;
        await api('/api/runs/' + run.id, { method: 'DELETE' });
        location.hash = '#/runs';
        return;
      }
      await api(`/api/runs/${run.id}/${what}`, { method: 'POST' });
      await reload();
    } catch (e) { alert(e.message + (e.status === 401 || e.status === 403 ? '\nEnter the API token at the top right.' : '')); }
  }

  function drawProgress(live) {
    if (!live || !(run.status === 'running' || run.status === 'queued')) {
      progress.hidden = true;
      return;
    }
    progress.hidden = false;
    const pct = live.limit ? Math.min(100, 100 * (live.elapsed || 0) / live.limit) : 0;
    progress.replaceChildren(el('h2', {}, 'Progress'),
      el('div', { class: 'progress' }, el('div', { style: `width:${pct}%` })),
      el('p', { class: 'muted' }, `${live.phase || run.status} · ${fmtDuration(live.elapsed || 0)} of ${fmtDuration(live.limit)} · ` +
        `${fmtCount(live.ok || 0)} ok, ${fmtCount(live.fail || 0)} failed, ${fmtCount(live.info || 0)} unknown · ${fmtRate(live.rate || 0)}` +
        (live.active ? ` · nemesis active: ${live.active}` : '')));
  }

  async function drawMetrics() {
    let m;
    try { m = await api(`/api/runs/${run.id}/metrics`); } catch (e) { return; }
    const nem = m.nemesis || [];
    const d = driverSeries(m.series || []);
    // One time axis for every chart of the run.
    const xmax = Math.max(0, ...(m.series || []).map((x) => x.time / 1e9));
    drawChart(tputBox, 'Throughput (completed operations a second)', d.xs,
      d.fs.map((f, i) => ({ label: f, color: PALETTE[i % PALETTE.length], data: d.tput[i] })),
      { unit: 'ops/s', nemesis: nem, stepped: true, xmax, fmt: (v) => (v >= 100 ? Math.round(v) : +v.toFixed(1)) });
    const ls = [];
    d.fs.forEach((f, i) => {
      ls.push({ label: f + ' p50', color: PALETTE[i % PALETTE.length], width: 1.5, data: d.lat[i].p50 });
      ls.push({ label: f + ' p95', color: PALETTE[i % PALETTE.length], width: 1.5, dash: [6, 4], data: d.lat[i].p95 });
      ls.push({ label: f + ' p99', color: PALETTE[i % PALETTE.length], width: 1, dash: [2, 3], data: d.lat[i].p99 });
    });
    drawChart(latBox, 'Latency (p50 solid, p95 dashed, p99 dotted)', d.xs, ls,
      { unit: 'latency', nemesis: nem, fmt: fmtMs, stepped: true, xmax });
    const { byKey, states, flags } = nodeSeries(m.series || []);
    const keys = Object.keys(byKey).sort((a, b) => nodeKeyRank(a) - nodeKeyRank(b) || a.localeCompare(b)).slice(0, 12);
    nodesCard.replaceChildren(el('h2', {}, 'System metrics per node'));
    if (!keys.length && !Object.keys(states).length) {
      nodesCard.append(el('div', { class: 'empty' }, 'this run recorded no node metrics'));
      return;
    }
    // The nodes' states (role...) over the run: each change, in order.
    const skeys = Object.keys(states).sort();
    if (skeys.length) {
      const snodes = [...new Set(skeys.flatMap((k) => Object.keys(states[k])))].sort();
      nodesCard.append(el('table', { id: 'node-states', class: 'node-states' },
        el('thead', {}, el('tr', {}, el('th', {}, 'Node'), skeys.map((k) => el('th', {}, k)))),
        el('tbody', {}, snodes.map((n) => el('tr', { 'data-node': n }, el('td', {}, el('strong', {}, n)),
          skeys.map((k) => {
            const l = (states[k][n] || []);
            const shown = l.length > 5 ? [l[0], '…'].concat(l.slice(-3)) : l;
            return el('td', { 'data-key': k, class: l.length > 1 ? 'changed' : '', title: l.length > 1 ? `${l.length - 1} changes` : '' },
              shown.join(' → ') || '–');
          }))))));
    }
    // A node has one colour in every chart, also where only some nodes
    // have the figure (a replica's offset).
    const allNodes = [...new Set(keys.flatMap((k) => Object.keys(byKey[k])))].sort();
    const colour = (n) => PALETTE[allNodes.indexOf(n) % PALETTE.length];
    const grid = el('div', { class: 'node-grid' });
    nodesCard.append(grid);
    for (const k of keys) {
      const nodes = Object.keys(byKey[k]).sort();
      const a = align(nodes.map((n) => byKey[k][n]));
      const box = el('div', { class: 'chart', 'data-key': k });
      grid.append(box);
      drawChart(box, k, a.xs, nodes.map((n, i) => ({ label: n, color: colour(n), data: a.ys[i] })),
        // A flag (up) holds from one sample to the next: steps.
        { unit: '', nemesis: nem, height: 180, fmt: (v) => fmtCount(v), xmax, stepped: flags.has(k), dots: true });
    }
  }

  async function drawResults() {
    if (run.status === 'queued' || run.status === 'running') {
      checkers.replaceChildren(el('h2', {}, 'Checkers'), el('div', { class: 'empty' }, 'the checkers run when the workload ends'));
      anomaly.hidden = true;
      return;
    }
    let res;
    try { res = await api(`/api/runs/${run.id}/results`); } catch (e) {
      checkers.replaceChildren(el('h2', {}, 'Checkers'), el('div', { class: 'empty' },
        run.status === 'aborted' ? 'dtd stopped during this run: no verdict. “Check again” checks the history kept.' : 'no results: ' + e.message));
      anomaly.hidden = true;
      return;
    }
    const rows = Object.entries(res.checkers || {}).map(([name, r]) => el('tr', { 'data-checker': name },
      el('td', {}, name), el('td', {}, verdictBadge(r.valid)),
      el('td', { class: 'num' }, fmtDuration(r.seconds)),
      el('td', {}, r.summary || r.error || r.reason || summarize(r))));
    checkers.replaceChildren(el('h2', {}, 'Checkers'),
      el('p', { class: 'verdict-line' }, 'Overall: ', verdictBadge(res.valid), res.cancelled ? el('span', { class: 'muted' }, '  (run cancelled: checked as far as it went)') : ''),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Checker'), el('th', {}, 'Verdict'), el('th', { class: 'num' }, 'Took'), el('th', {}, 'Details'))),
        el('tbody', {}, rows)),
      el('details', {}, el('summary', {}, 'results.json'), el('pre', { class: 'yaml' }, JSON.stringify(res, null, 2))));
    drawAnomaly(res);
  }

  function summarize(r) {
    const parts = [];
    for (const [k, v] of Object.entries(r)) {
      if (['valid', 'seconds'].includes(k) || typeof v === 'object') continue;
      parts.push(`${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`);
    }
    return parts.slice(0, 6).join(' · ');
  }

  function drawAnomaly(res) {
    const bad = Object.entries(res.checkers || {}).filter(([, r]) => r.valid === false);
    anomaly.hidden = !bad.length;
    if (!bad.length) return;
    anomaly.replaceChildren(el('h2', {}, 'Anomaly'));
    for (const [name, r] of bad) {
      anomaly.append(el('p', {}, el('strong', {}, name + ': '), r.summary || r.error || 'found an anomaly'));
      if (r.html) {
        const file = r.html.split('/').pop();
        anomaly.append(el('p', {}, el('a', { href: `/api/runs/${run.id}/files/${file}`, target: '_blank', id: 'linviz' }, 'Open the linearizability visualization →')));
      }
      for (const f of r.failures || []) {
        const ops = [].concat((f['prefix-tail'] || []).map((o) => ({ ...o, role: 'placed' })),
          (f.candidates || []).map((o) => ({ ...o, role: o['legal-here'] ? 'could follow' : 'cannot follow' })));
        if (f.unplaced && !ops.some((o) => o.index === f.unplaced.index)) ops.push({ ...f.unplaced, role: 'cannot follow' });
        anomaly.append(el('p', { class: 'muted' }, `key ${f.key ?? '–'} · ${f.ops} operations · linearizable prefix ${f['linearizable-prefix']} · state ${f.state}`),
          el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Index'), el('th', {}, 'Process'), el('th', {}, 'Operation'), el('th', {}, 'Role'), el('th', {}, 'State after'))),
            el('tbody', {}, ops.map((o) => el('tr', { class: o.role === 'cannot follow' ? 'blocked' : '' }, el('td', { class: 'mono' }, o.index), el('td', {}, o.process),
              el('td', { class: 'mono' }, o.op), el('td', {}, o.role), el('td', { class: 'mono' }, o['state-after'] || ''))))));
      }
      const errs = r.errors || r['bad-reads'] && r.errors;
      if (Array.isArray(errs) && errs.length) {
        anomaly.append(el('pre', { class: 'yaml' }, errs.slice(0, 20).map((e) => JSON.stringify(e)).join('\n')));
      }
    }
  }

  async function reload() {
    try { run = await api('/api/runs/' + id); } catch (e) { return; }
    drawHead();
    drawProgress(run.live);
    await drawResults();
    await drawMetrics();
  }

  drawHead();
  drawProgress(run.live);
  await drawResults();
  await drawMetrics();
  if (run.status === 'queued' || run.status === 'running') {
    const es = new EventSource(`/api/runs/${run.id}/events`);
    cleanup.push(() => es.close());
    let live = run.live || {};
    es.addEventListener('progress', (e) => { live = Object.assign(live, JSON.parse(e.data)); run.status = 'running'; run.live = live;
      run.duration = live.elapsed; drawHead(); drawProgress(live); });
    es.addEventListener('phase', (e) => { live.phase = JSON.parse(e.data).phase; drawProgress(live); });
    es.addEventListener('nemesis', () => drawMetrics());
    es.addEventListener('status', () => { es.close(); reload(); });
    // Only while the page is seen: every viewer's tab costs dtd a read.
    every(3000, () => { if (run.status === 'running' && !document.hidden) drawMetrics(); });
  }
}

/* ---- views: suites, charts, plugins ------------------------------------------------------- */

async function viewYaml(kind) {
  view.append(el('h1', {}, kind === 'suites' ? 'Suites' : 'Charts'));
  const list = await api('/api/' + kind);
  list.sort((a, b) => a.name.localeCompare(b.name));
  if (!list.length) view.append(el('div', { class: 'card empty' }, 'none found'));
  for (const s of list) {
    view.append(el('div', { class: 'card', 'data-name': s.name },
      el('h2', {}, s.name, kind === 'suites' ? el('a', { class: 'button', style: 'float:right; font-size:13px', href: '#/new?suite=' + encodeURIComponent(s.name) }, 'Run this suite') : ''),
      el('div', { class: 'muted' }, s.description || ''),
      kind === 'suites' && s.client ? el('div', {}, `client ${s.client} · workload ${s.workload} · chart ${s.chart} · ` +
        `${fmtDuration(s.time_limit)}, ${s.concurrency} workers, ${s.rate ? s.rate + ' ops/s' : 'no rate limit'} · ` +
        `nemeses: ${(s.nemesis || []).join(', ') || 'none'} · checkers: ${(s.checkers || []).join(', ')}`) : '',
      s.error ? el('div', { class: 'formerr' }, s.error) : '',
      el('details', {}, el('summary', {}, s.file), el('pre', { class: 'yaml' }, s.yaml || ''))));
  }
}

/* A component's declared options (GET /api/plugins) as a table. */
function optionsTable(options) {
  if (!options || !options.length) return el('p', { class: 'muted' }, 'no options');
  const range = (o) => (o.min !== undefined ? `${o.min} – ${o.max}` : '');
  const type = (o) => o.type === 'enum' ? (o.values || []).join(' | ') : o.type + (o.item && o.item !== 'any' ? ' of ' + o.item : '');
  return el('table', { class: 'options' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Option'), el('th', {}, 'Type'), el('th', {}, 'Default'), el('th', {}, 'Range'), el('th', {}, 'Meaning'))),
    el('tbody', {}, options.map((o) => el('tr', { 'data-option': o.name },
      el('td', { class: 'mono' }, o.name + (o.required ? ' *' : '')), el('td', {}, type(o)),
      el('td', { class: 'mono' }, o.default ?? ''), el('td', {}, range(o)), el('td', {}, o.doc || '')))));
}

async function viewPlugins() {
  view.append(el('h1', {}, 'Plugins'));
  const list = await api('/api/plugins');
  list.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  view.append(el('div', { class: 'card', id: 'plugins' }, el('table', {},
    el('thead', {}, el('tr', {}, el('th', {}, 'Kind'), el('th', {}, 'Name'), el('th', {}, 'Version'), el('th', {}, 'Description'), el('th', {}, 'File'))),
    el('tbody', {}, list.flatMap((p) => [el('tr', { 'data-plugin': p.kind + ':' + p.name }, el('td', {}, p.kind), el('td', {}, el('strong', {}, p.name)),
      el('td', {}, p.version), el('td', {}, p.description || ''), el('td', { class: 'mono muted' }, p.file)),
      el('tr', { class: 'options-row' }, el('td', { colspan: '5' },
        el('details', {}, el('summary', { class: 'muted' }, `options of ${p.name}`), optionsTable(p.options))))])))));
}

/* ---- routing -------------------------------------------------------------------------------- */

/* One view at a time: a view appends to #view after awaiting the API,
 * so two overlapping renders (a hash change while the window's resize
 * redraws the run page) would both land in it.  Renders run one after
 * the other, and one overtaken by a newer request is skipped. */
let routeSeq = 0;
/* Views of other files (service.js): name -> async (parts, params). */
const extraViews = {};
let routing = Promise.resolve();

function route() {
  const seq = ++routeSeq;
  routing = routing.then(() => (seq === routeSeq ? render() : undefined)).catch(showError);
  return routing;
}

async function render() {
  clearView();
  const hash = location.hash.replace(/^#/, '') || '/runs';
  const [path, qs] = hash.split('?');
  const params = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean);
  for (const a of document.querySelectorAll('[data-nav]'))
    a.classList.toggle('active', a.dataset.nav === parts[0] || (parts[0] === 'runs' && a.dataset.nav === 'runs' && !parts[1]));
  try {
    if (parts[0] === 'runs' && parts[1]) await viewRun(parts[1]);
    else if (parts[0] === 'new') await viewNew(params);
    else if (parts[0] === 'suites' || parts[0] === 'charts') await viewYaml(parts[0]);
    else if (parts[0] === 'plugins') await viewPlugins();
    else if (extraViews[parts[0]]) await extraViews[parts[0]](parts.slice(1), params);
    else await viewRuns(params);
  } catch (e) { showError(e); }
}

document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = document.getElementById('token').value.trim();
  if (v) localStorage.setItem(TOKEN_KEY, v); else localStorage.removeItem(TOKEN_KEY);
  tokenCookie();
  document.getElementById('token').value = '';
  tokenState();
});

function tokenState() {
  document.getElementById('token-state').textContent = token() ? 'saved ✔' : 'not set';
}

window.addEventListener('hashchange', route);
let resizeTimer = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { if (location.hash.startsWith('#/runs/')) route(); }, 300);
});
tokenCookie();
tokenState();
// After every script of the page (service.js adds views).
document.addEventListener('DOMContentLoaded', () => route());
