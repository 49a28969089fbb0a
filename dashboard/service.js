/* SPDX-License-Identifier: MIT */
/*
 * service.js: the dashboard's pages of dtd as a service (app.js has the
 * helpers, the run pages and the routing; these register in extraViews):
 *   #/schedules          schedules: create, pause, resume, edit, delete
 *   #/campaigns          campaigns, and the form that starts one
 *   #/campaigns/ID       a campaign's grid of verdicts, a cell a run
 *   #/trends?suite=S     a suite's verdicts, throughput and latency
 *                        percentiles over its runs, with nemesis set and
 *                        version (pruned runs included)
 *   #/compare?a=ID&b=ID  two runs side by side: figures, the diff of
 *                        their suites, throughput and latency on one
 *                        time axis with both runs' nemesis intervals
 */
'use strict';

function field(label, input, help) {
  return el('label', { class: 'field' }, label, input, help ? el('span', { class: 'muted small' }, help) : '');
}

function errorBox() {
  return el('div', { class: 'formerr', hidden: true, role: 'alert' });
}

function showFormError(box, e) {
  box.hidden = false;
  box.textContent = e.message + (e.field ? ` (${e.field})` : '');
}

async function suiteNames() {
  const suites = await api('/api/suites').catch(() => []);
  return suites.map((s) => s.name).sort();
}

/* ---- schedules ----------------------------------------------------------- */

function scheduleWhen(s) {
  if (s.kind === 'every') return 'every ' + fmtDuration(s.every);
  if (s.kind === 'at') return 'daily at ' + s.at;
  return 'soak: again when the last run ends';
}

function scheduleParams(p) {
  return Object.entries(p || {}).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') || 'none' : v}`).join(' · ');
}

async function viewSchedules() {
  view.append(el('h1', {}, 'Schedules'));
  const names = await suiteNames();
  const err = errorBox();
  const kind = el('select', { id: 'sched-kind' }, ['every', 'at', 'soak'].map((k) =>
    el('option', { value: k }, { every: 'every…', at: 'daily at…', soak: 'soak (again when it ends)' }[k])));
  const everyIn = el('input', { id: 'sched-every', value: '6h', size: 8 });
  const at = el('input', { id: 'sched-at', value: '02:00', size: 6, hidden: true });
  const form = el('form', { id: 'new-schedule', class: 'newrun' },
    field('Name', el('input', { id: 'sched-name', size: 16, placeholder: 'the suite’s' })),
    field('Suite', el('select', { id: 'sched-suite' }, names.map((n) => el('option', { value: n }, n)))),
    field('When', el('span', {}, kind, ' ', everyIn, at)),
    field('Jitter', el('input', { id: 'sched-jitter', value: '0s', size: 6 }), 'a random delay up to this'),
    field('Time limit', el('input', { id: 'sched-time', size: 6, placeholder: 'suite’s' })),
    field('Missed while dtd was down', el('select', { id: 'sched-missed' },
      el('option', { value: 'run-once' }, 'run once at start'), el('option', { value: 'skip' }, 'skip'))),
    el('button', { class: 'primary', type: 'submit', id: 'sched-create' }, 'Create schedule'), err);
  kind.addEventListener('change', () => { everyIn.hidden = kind.value !== 'every'; at.hidden = kind.value !== 'at'; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const body = { suite: form.querySelector('#sched-suite').value,
      jitter: form.querySelector('#sched-jitter').value, missed: form.querySelector('#sched-missed').value };
    const name = form.querySelector('#sched-name').value.trim();
    if (name) body.name = name;
    const tl = form.querySelector('#sched-time').value.trim();
    if (tl) body.time_limit = Number(tl);
    if (kind.value === 'every') body.every = everyIn.value;
    else if (kind.value === 'at') body.at = at.value;
    else body.soak = true;
    try { await api('/api/schedules', { method: 'POST', body }); refresh(); } catch (x) { showFormError(err, x); }
  });
  const body = el('tbody');
  view.append(el('div', { class: 'card' }, el('h2', {}, 'New schedule'), form),
    el('div', { class: 'card' }, el('table', { id: 'schedules' }, el('thead', {}, el('tr', {},
      el('th', {}, '#'), el('th', {}, 'Name'), el('th', {}, 'Suite'), el('th', {}, 'When'), el('th', {}, 'Next'),
      el('th', { class: 'num' }, 'Runs'), el('th', {}, 'Last run'), el('th', {}, ''))), body)));

  async function act(s, what) {
    try {
      if (what === 'delete') {
        if (!confirm(`Delete schedule #${s.id} (${s.name})? Its runs stay.`)) return;
        await api('/api/schedules/' + s.id, { method: 'DELETE' });
      } else if (what === 'edit') {
        const v = prompt(s.kind === 'at' ? 'Daily at (HH:MM)' : s.kind === 'every' ? 'Every (a duration: 30m, 6h)' : 'Jitter after each run',
          s.kind === 'at' ? s.at : s.kind === 'every' ? fmtDuration(s.every).replace(/ /g, '') : String(s.jitter) + 's');
        if (v === null) return;
        const b = s.kind === 'at' ? { at: v } : s.kind === 'every' ? { every: v } : { jitter: v };
        await api('/api/schedules/' + s.id, { method: 'PATCH', body: b });
      } else {
        await api(`/api/schedules/${s.id}/${what}`, { method: 'POST' });
      }
      refresh();
    } catch (x) { alert(x.message); }
  }
  async function refresh() {
    let data;
    try { data = await api('/api/schedules'); } catch (e) { return; }
    body.replaceChildren(...(data.schedules.length ? data.schedules.map((s) => el('tr', { 'data-schedule': s.id, class: s.paused ? 'paused' : '' },
      el('td', {}, '#' + s.id), el('td', {}, el('strong', {}, s.name)),
      el('td', {}, s.suite, el('div', { class: 'muted small' }, scheduleParams(s.parameters))),
      el('td', { 'data-when': s.kind }, scheduleWhen(s), s.jitter ? el('span', { class: 'muted' }, ` ± up to ${fmtDuration(s.jitter)}`) : ''),
      el('td', {}, s.paused ? badge('cancelled') : s.active ? badge('running') : fmtWhen(s.next)),
      el('td', { class: 'num', 'data-fired': s.fired }, el('a', { href: '#/runs?schedule=' + s.id }, String(s.fired))),
      el('td', {}, s.last_run ? el('a', { href: '#/runs/' + s.last_run }, '#' + s.last_run) : '–',
        s.last_error ? el('div', { class: 'muted small', title: s.last_error }, s.last_error) : ''),
      el('td', { class: 'actions' },
        el('button', { 'data-act': s.paused ? 'resume' : 'pause', onclick: () => act(s, s.paused ? 'resume' : 'pause') }, s.paused ? 'Resume' : 'Pause'),
        el('button', { 'data-act': 'edit', onclick: () => act(s, 'edit') }, 'Edit'),
        el('button', { class: 'danger', 'data-act': 'delete', onclick: () => act(s, 'delete') }, 'Delete'))))
      : [el('tr', {}, el('td', { colspan: 8, class: 'empty' }, 'No schedules yet.'))]));
  }
  await refresh();
  every(2000, refresh);
}

/* ---- campaigns ----------------------------------------------------------- */

async function viewCampaigns(parts) {
  if (parts[0]) return viewCampaign(parts[0]);
  view.append(el('h1', {}, 'Campaigns'));
  const names = await suiteNames();
  const err = errorBox();
  const form = el('form', { id: 'new-campaign', class: 'newrun' },
    field('Name', el('input', { id: 'camp-name', size: 14, value: 'campaign' })),
    field('Suites', el('select', { id: 'camp-suites', multiple: true, size: Math.min(6, names.length) },
      names.map((n) => el('option', { value: n }, n)))),
    field('Nemesis sets', el('input', { id: 'camp-nemesis', size: 20, placeholder: 'suite’s own' }), 'sets split by ;  nemeses by ,  empty: none'),
    field('Parameter', el('select', { id: 'camp-param' }, ['', 'concurrency', 'rate', 'time-limit'].map((p) => el('option', { value: p }, p || 'none')))),
    field('Values', el('input', { id: 'camp-values', size: 12, placeholder: '1, 4, 16' })),
    field('Seeds', el('input', { id: 'camp-seeds', size: 10, placeholder: '1, 2, 3' })),
    field('Time limit', el('input', { id: 'camp-time', size: 6, placeholder: 'suite’s' })),
    field('Stop at first invalid', el('input', { id: 'camp-stop', type: 'checkbox' })),
    el('button', { class: 'primary', type: 'submit', id: 'camp-start' }, 'Start campaign'), err);
  const list = (v) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const q = (id) => form.querySelector(id);
    const body = { name: q('#camp-name').value || 'campaign',
      suites: [...q('#camp-suites').selectedOptions].map((o) => o.value) };
    const nem = q('#camp-nemesis').value;
    if (nem.trim() !== '') body['nemesis-sets'] = nem.split(';').map((s) => list(s).join(','));
    if (q('#camp-param').value) body.parameter = { name: q('#camp-param').value,
      values: list(q('#camp-values').value).map((v) => (isNaN(Number(v)) ? v : Number(v))) };
    const seeds = list(q('#camp-seeds').value).map(Number);
    if (seeds.length) body.seeds = seeds;
    if (q('#camp-time').value.trim()) body['time-limit'] = q('#camp-time').value.trim();
    if (q('#camp-stop').checked) body['stop-at-first-invalid'] = true;
    try {
      const c = await api('/api/campaigns', { method: 'POST', body });
      location.hash = '#/campaigns/' + c.id;
    } catch (x) { showFormError(err, x); }
  });
  const tbody = el('tbody');
  view.append(el('div', { class: 'card' }, el('h2', {}, 'New campaign'), form),
    el('div', { class: 'card' }, el('table', { id: 'campaigns' }, el('thead', {}, el('tr', {},
      el('th', {}, '#'), el('th', {}, 'Name'), el('th', {}, 'State'), el('th', { class: 'num' }, 'Runs'),
      el('th', {}, 'Verdicts'), el('th', {}, 'Started'))), tbody)));
  async function refresh() {
    let data;
    try { data = await api('/api/campaigns'); } catch (e) { return; }
    tbody.replaceChildren(...(data.campaigns.length ? data.campaigns.map((c) => el('tr', { class: 'clickable', 'data-campaign': c.id,
      onclick: () => { location.hash = '#/campaigns/' + c.id; } },
      el('td', {}, el('a', { href: '#/campaigns/' + c.id }, '#' + c.id)), el('td', {}, c.name),
      el('td', {}, badge(campaignState(c)), ' ', el('span', { class: 'muted' }, c.state)), el('td', { class: 'num' }, c.total),
      el('td', {}, countsLine(c.counts)), el('td', {}, fmtWhen(c.created))))
      : [el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'No campaigns yet.'))]));
  }
  await refresh();
  every(2000, refresh);
}

/* A campaign's badge: invalid when a run was, else running, stopped
 * (cancelled), unknown or valid. */
function campaignState(c) {
  if (c.counts.invalid) return 'invalid';
  if (c.state === 'running') return 'running';
  if (c.state === 'stopped') return 'cancelled';
  return c.counts.unknown ? 'unknown' : 'valid';
}

function countsLine(c) {
  return ['valid', 'invalid', 'unknown', 'running', 'queued', 'other'].filter((k) => c[k])
    .map((k) => `${c[k]} ${k === 'other' ? 'not run' : k}`).join(' · ');
}

/* The grid: a row per suite and nemesis set, a column per parameter
 * value and seed; a cell is its run's verdict, linking to it. */
function campaignGrid(c) {
  const spec = c.spec || {};
  const sets = spec['nemesis-sets'] || [null];
  const values = spec.parameter ? spec.parameter.values : [null];
  const seeds = spec.seeds || [null];
  const byIndex = new Map(c.runs.map((r) => [r.cell ? r.cell.index : -1, r]));
  const cols = [];
  for (const v of values) for (const s of seeds) cols.push({ v, s });
  const colName = (x) => [x.v !== null ? `${spec.parameter.name} ${x.v}` : '', x.s !== null ? `seed ${x.s}` : ''].filter(Boolean).join(' · ') || 'run';
  const rows = [];
  let i = 0;
  for (const suite of spec.suites || []) for (const set of sets) {
    const cells = cols.map(() => byIndex.get(i++));
    rows.push(el('tr', { 'data-row': suite + (set === null ? '' : ' [' + set + ']') },
      el('th', { scope: 'row' }, suite, set === null ? '' : el('div', { class: 'muted small' }, set === '' ? 'no nemesis' : set)),
      cells.map((r) => el('td', { class: 'cell' }, r ? el('a', { href: '#/runs/' + r.id, 'data-run': r.id, 'data-state': runState(r), title: `run #${r.id}` },
        badge(runState(r))) : '–'))));
  }
  return el('table', { id: 'campaign-grid', class: 'grid' },
    el('thead', {}, el('tr', {}, el('th', {}, 'suite / nemesis set'), cols.map((x) => el('th', {}, colName(x))))),
    el('tbody', {}, rows));
}

async function viewCampaign(id) {
  const head = el('h1', {});
  const info = el('div', { class: 'card' });
  const gridCard = el('div', { class: 'card', id: 'campaign' });
  view.append(head, info, gridCard);
  async function refresh() {
    let c;
    try { c = await api('/api/campaigns/' + id); } catch (e) { showError(e); return false; }
    head.replaceChildren(badge(campaignState(c), true),
      el('span', {}, `Campaign #${c.id}`), el('span', { class: 'muted' }, c.name + ' · ' + c.state),
      c.state === 'running' ? el('button', { class: 'danger', id: 'camp-cancel', style: 'margin-left:auto',
        onclick: async () => { if (confirm('Cancel the runs of this campaign not done yet?')) { await api(`/api/campaigns/${id}/cancel`, { method: 'POST' }); refresh(); } } }, 'Cancel') : '');
    info.replaceChildren(el('p', { id: 'campaign-counts' }, `${c.total} runs: `, countsLine(c.counts)),
      c.stopped ? el('p', { class: 'muted' }, 'Stopped: ' + c.stopped) : '',
      c.stop_at_first_invalid ? el('p', { class: 'muted' }, 'Stops at its first invalid run.') : '',
      el('details', {}, el('summary', {}, 'the campaign as given'), el('pre', { class: 'yaml' }, JSON.stringify(c.spec, null, 2))));
    gridCard.replaceChildren(el('h2', {}, 'Verdicts'), campaignGrid(c));
    gridCard.dataset.state = c.state;
    return c.state === 'running';
  }
  if (await refresh()) every(1000, refresh);
}

/* ---- trends -------------------------------------------------------------- */

async function viewTrends(parts, params) {
  const suite = params.get('suite') || '';
  view.append(el('h1', {}, 'Trends', suite ? el('span', { class: 'muted' }, suite) : ''));
  const summary = await api('/api/trends');
  const pick = el('select', { id: 'trend-suite', onchange: (e) => { location.hash = '#/trends?suite=' + encodeURIComponent(e.target.value); } },
    el('option', { value: '' }, 'choose a suite'),
    summary.suites.map((s) => el('option', { value: s.suite, selected: s.suite === suite }, `${s.suite} (${s.runs} runs, ${s.invalid || 0} invalid)`)));
  view.append(el('div', { class: 'card' }, field('Suite', pick)));
  if (!suite) {
    view.append(el('div', { class: 'card' }, el('table', { id: 'trend-suites' }, el('thead', {}, el('tr', {},
      el('th', {}, 'Suite'), el('th', { class: 'num' }, 'Runs'), el('th', { class: 'num' }, 'Valid'), el('th', { class: 'num' }, 'Invalid'),
      el('th', { class: 'num' }, 'Pruned'), el('th', {}, 'Last'))),
    el('tbody', {}, summary.suites.map((s) => el('tr', { class: 'clickable', onclick: () => { location.hash = '#/trends?suite=' + encodeURIComponent(s.suite); } },
      el('td', {}, el('a', { href: '#/trends?suite=' + encodeURIComponent(s.suite) }, s.suite)), el('td', { class: 'num' }, s.runs),
      el('td', { class: 'num' }, s.valid || 0), el('td', { class: 'num' }, s.invalid || 0), el('td', { class: 'num' }, s.pruned || 0),
      el('td', {}, fmtWhen(s.last))))))));
    return;
  }
  const verdictBox = el('div', { class: 'chart', id: 'trend-verdicts' });
  const tputBox = el('div', { class: 'chart', id: 'trend-throughput' });
  const latBox = el('div', { class: 'chart', id: 'trend-latency' });
  const table = el('div', { class: 'card' });
  view.append(el('div', { class: 'card' }, el('h2', {}, 'Over its runs'),
    el('div', { class: 'legend-note' }, 'each point a run, oldest on the left; a change of version or nemesis set is marked in the table'),
    verdictBox, tputBox, latBox), table);
  async function draw() {
    const data = await api('/api/trends?suite=' + encodeURIComponent(suite) + '&limit=500');
    const runs = data.runs.filter((r) => r.status === 'done' || r.status === 'cancelled');
    const xs = runs.map((r, i) => i + 1);
    const vnum = (v) => (v === 'valid' ? 1 : v === 'invalid' ? 0 : 0.5);
    const runAt = (i) => { const r = runs[Math.round(i) - 1]; return r && Math.abs(i - Math.round(i)) < 1e-9 ? '#' + r.id : ''; };
    const opts = (unit, fmt, extra = {}) => Object.assign({ unit, fmt, dots: true, height: 200, xlabel: 'run', xmin: 0.5, xmax: runs.length + 0.5,
      xfmt: (u, v) => v.map(runAt), xvalue: (u, v) => (v === null ? '–' : runAt(v)) }, extra);
    drawChart(verdictBox, 'verdict (1 valid, 0 invalid)', xs, [{ label: 'verdict', color: PALETTE[4], data: runs.map((r) => vnum(r.verdict)) }], opts('', (v) => v === 1 ? 'valid' : v === 0 ? 'invalid' : v === null ? '–' : 'unknown', { stepped: true }));
    drawChart(tputBox, 'throughput', xs, [{ label: 'ops/s', color: PALETTE[0], data: runs.map((r) => r.throughput) }], opts('ops/s', (v) => fmtCount(Math.round(v))));
    drawChart(latBox, 'latency (the worst operation’s)', xs, ['p50', 'p95', 'p99'].map((q, i) => ({ label: q, color: PALETTE[i + 1], data: runs.map((r) => r[q]) })), opts('ms', fmtMs));
    verdictBox.dataset.runs = String(runs.length);
    table.replaceChildren(el('h2', {}, 'Runs'), el('table', { id: 'trend-runs' }, el('thead', {}, el('tr', {},
      el('th', {}, 'Run'), el('th', {}, 'When'), el('th', {}, 'Verdict'), el('th', { class: 'num' }, 'ops/s'),
      el('th', { class: 'num' }, 'p50'), el('th', { class: 'num' }, 'p95'), el('th', { class: 'num' }, 'p99'),
      el('th', {}, 'Nemesis set'), el('th', {}, 'Version'), el('th', {}, 'From'))),
    el('tbody', {}, data.runs.slice().reverse().map((r) => el('tr', { 'data-run': r.id },
      el('td', {}, r.pruned ? el('span', { title: 'pruned: only its index row is left' }, '#' + r.id + ' (pruned)') : el('a', { href: '#/runs/' + r.id }, '#' + r.id)),
      el('td', {}, fmtWhen(r.started || r.created)), el('td', {}, badge(runState(r))),
      el('td', { class: 'num' }, r.throughput ? fmtCount(Math.round(r.throughput)) : '–'),
      el('td', { class: 'num' }, fmtMs(r.p50)), el('td', { class: 'num' }, fmtMs(r.p95)), el('td', { class: 'num' }, fmtMs(r.p99)),
      el('td', {}, r.nemesis === null ? '–' : r.nemesis || 'none'), el('td', {}, r.version || '–'),
      el('td', {}, r.schedule ? 'schedule #' + r.schedule : r.campaign ? el('a', { href: '#/campaigns/' + r.campaign }, 'campaign #' + r.campaign) : ''))))));
  }
  await draw();
  every(5000, () => draw().catch(() => {}));
}

/* ---- compare ------------------------------------------------------------- */

async function viewCompare(parts, params) {
  const a = params.get('a') || '', b = params.get('b') || '';
  view.append(el('h1', {}, 'Compare two runs'));
  const ia = el('input', { id: 'cmp-a', value: a, size: 6 }), ib = el('input', { id: 'cmp-b', value: b, size: 6 });
  view.append(el('div', { class: 'card' }, el('form', { class: 'newrun', onsubmit: (e) => { e.preventDefault(); location.hash = `#/compare?a=${ia.value}&b=${ib.value}`; } },
    field('Run A', ia), field('Run B', ib), el('button', { class: 'primary', type: 'submit' }, 'Compare'))));
  if (!a || !b) return;
  const cmp = await api(`/api/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  const [ma, mb] = await Promise.all([cmp.a, cmp.b].map((r) => api(`/api/runs/${r.id}/metrics`).catch(() => null)));
  const row = (label, f) => el('tr', {}, el('th', {}, label), el('td', { 'data-side': 'a' }, f(cmp.a)), el('td', { 'data-side': 'b' }, f(cmp.b)));
  const c = (r) => r.counts || {};
  view.append(el('div', { class: 'card' }, el('table', { id: 'compare-table' },
    el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, el('a', { href: '#/runs/' + cmp.a.id }, 'A: run #' + cmp.a.id)), el('th', {}, el('a', { href: '#/runs/' + cmp.b.id }, 'B: run #' + cmp.b.id)))),
    el('tbody', {},
      row('Suite', (r) => r.suite), row('Verdict', (r) => badge(runState(r))),
      row('Started', (r) => fmtWhen(r.started)), row('Duration', (r) => fmtDuration(r.duration)),
      row('Operations ok / fail / info', (r) => `${fmtCount(c(r).ok)} / ${fmtCount(c(r).fail)} / ${fmtCount(c(r).info)}`),
      row('Throughput', (r) => fmtRate(r.throughput)),
      row('Latency p50 / p95 / p99', (r) => r.latency_ms ? `${fmtMs(r.latency_ms.p50)} / ${fmtMs(r.latency_ms.p95)} / ${fmtMs(r.latency_ms.p99)}` : '–'),
      row('Nemesis set', (r) => r.nemesis === null ? '–' : r.nemesis || 'none'),
      row('Version', (r) => r.version || '–'), row('Parameters', (r) => scheduleParams(r.parameters) || 'the suite’s')))));
  // Throughput and latency of both on one time axis; each run's nemesis
  // intervals shaded.
  const tput = el('div', { class: 'chart', id: 'compare-throughput' }), lat = el('div', { class: 'chart', id: 'compare-latency' });
  view.append(el('div', { class: 'card' }, el('h2', {}, 'Throughput and latency'),
    el('div', { class: 'legend-note' }, el('span', { class: 'shade-key' }), 'shaded: a nemesis was active in A or B'), tput, lat));
  const per = (m) => {
    const s = driverSeries((m && m.series) || []);
    const xs = s.xs, sum = xs.map((_, i) => s.tput.reduce((acc, l) => acc + (l[i] || 0), 0));
    const p99 = xs.map((_, i) => Math.max(...s.lat.map((l) => l.p99[i] || 0)) || null);
    return xs.map((x, i) => [x, sum[i], p99[i]]);
  };
  const pa = per(ma), pb = per(mb);
  const al = align([pa.map((p) => [p[0], p[1]]), pb.map((p) => [p[0], p[1]])]);
  const ll = align([pa.map((p) => [p[0], p[2]]), pb.map((p) => [p[0], p[2]])]);
  const nem = [].concat((ma && ma.nemesis) || [], (mb && mb.nemesis) || []);
  drawChart(tput, 'throughput (all operations)', al.xs, [{ label: 'A #' + cmp.a.id, color: PALETTE[0], data: al.ys[0] },
    { label: 'B #' + cmp.b.id, color: PALETTE[1], data: al.ys[1], dash: [6, 4] }], { unit: 'ops/s', nemesis: nem, fmt: (v) => fmtCount(Math.round(v)), spanGaps: true, stepped: true });
  drawChart(lat, 'latency p99 (the worst operation’s)', ll.xs, [{ label: 'A #' + cmp.a.id, color: PALETTE[0], data: ll.ys[0] },
    { label: 'B #' + cmp.b.id, color: PALETTE[1], data: ll.ys[1], dash: [6, 4] }], { unit: 'ms', nemesis: nem, fmt: fmtMs, spanGaps: true, stepped: true });
  const diffCard = el('div', { class: 'card', id: 'suite-diff' }, el('h2', {}, 'The suites as resolved (suite.json)'));
  if (!cmp.suite_diff) diffCard.append(el('div', { class: 'empty' }, 'a run’s folder is gone (pruned or deleted): no diff'));
  else {
    const changed = cmp.suite_diff.filter((d) => d.op !== ' ').length;
    diffCard.append(el('p', { class: 'muted' }, changed ? `${changed} lines differ (− A, + B)` : 'identical'),
      el('pre', { class: 'diff' }, cmp.suite_diff.map((d) => el('div', { class: d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same' }, d.op + ' ' + d.text))));
  }
  view.append(diffCard);
}

Object.assign(extraViews, { schedules: viewSchedules, campaigns: viewCampaigns, trends: viewTrends, compare: viewCompare });
