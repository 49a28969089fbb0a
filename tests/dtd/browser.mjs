// SPDX-License-Identifier: MIT
// browser.mjs: the dashboard's browser test.  Drives Debian's chromium
// through playwright-core against a dtd started by browser.sh:
//   node browser.mjs BASE_URL TOKEN OUT_DIR SUITE [INVALID_SUITE] [--nodes=SUITE]
// Opens the dashboard, saves the token, starts SUITE from the form,
// watches the run finish, checks the verdict badge (colour and word) and
// that the throughput chart drew something, and saves screenshots.  With
// INVALID_SUITE, also runs it and checks the anomaly shown.  With
// --nodes=SUITE (a suite with real nodes and a nemesis), runs it from the
// form too and checks its run page against the run's own metrics: a
// per-node chart with a series per node whose values are the recorded
// ones, and the nemesis intervals shaded on the throughput chart (read
// from the canvas's pixels where they must and must not be).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const nodesSuite = (args.find((a) => a.startsWith('--nodes=')) || '').slice(8);
const [base, token, outDir, suite, badSuite] = args.filter((a) => !a.startsWith('--'));
if (!base || !token || !outDir || !suite) {
  console.error('usage: node browser.mjs BASE_URL TOKEN OUT_DIR SUITE [INVALID_SUITE] [--nodes=SUITE]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const userDir = mkdtempSync(join(tmpdir(), 'dtd-chromium-'));
let ctx;
let failed = false;

function check(cond, what) {
  if (!cond) {
    console.error('FAIL: ' + what);
    failed = true;
  } else {
    console.log('ok: ' + what);
  }
}

/* Cancel asks first (issue 16: a framed page cancelled a run in one
 * click): dismissed, the run goes on; accepted, it is cancelled. */
async function cancelNeedsConfirmation(page) {
  const res = await page.request.post(base + '/api/runs', {
    headers: { Authorization: 'Bearer ' + token },
    data: { suite, time_limit: 60 },
  });
  const id = (await res.json()).id;
  await page.goto(base + '/#/runs/' + id);
  await page.waitForSelector('#cancel');
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.click('#cancel');
  await page.waitForTimeout(500);
  let run = await (await page.request.get(base + '/api/runs/' + id)).json();
  check(asked.includes('#' + id), 'Cancel asks which run first: ' + asked);
  check(run.status === 'queued' || run.status === 'running', 'a dismissed Cancel leaves the run ' + run.status);
  page.once('dialog', (d) => d.accept());
  await page.click('#cancel');
  for (let i = 0; i < 100 && (run.status === 'queued' || run.status === 'running'); i++) {
    await page.waitForTimeout(200);
    run = await (await page.request.get(base + '/api/runs/' + id)).json();
  }
  check(run.status === 'cancelled', 'an accepted Cancel cancels the run: ' + run.status);
}

/* No page may frame the dashboard (X-Frame-Options, frame-ancestors). */
async function notFramed(page) {
  await page.setContent(`<iframe id="f" src="${base}/#/runs" width="800" height="400"></iframe>`);
  await page.waitForTimeout(1500);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  const inside = frame ? await frame.$('#view').catch(() => null) : null;
  check(inside === null, 'another page cannot frame the dashboard');
}

/* Wait for the verdict of the run page shown; return its state. */
async function verdict(page) {
  await page.waitForSelector('h1 .badge[data-state=valid], h1 .badge[data-state=invalid], h1 .badge[data-state=unknown]',
    { timeout: 60000 });
  return page.getAttribute('h1 .badge', 'data-state');
}

/* The plot area of the uPlot chart in BOX, in canvas pixels, and the
 * canvas's RGBA bytes. */
async function plotPixels(page, box) {
  return page.$eval(box + ' canvas', (c) => {
    const over = c.closest('.u-wrap').querySelector('.u-over');
    const k = c.width / c.clientWidth;
    return {
      left: Math.round(over.offsetLeft * k), top: Math.round(over.offsetTop * k),
      width: Math.round(over.offsetWidth * k), height: Math.round(over.offsetHeight * k),
      cw: c.width, data: Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data),
    };
  });
}

/* How much of column X of the plot area has the nemesis shade
 * (app.js: rgba(214, 69, 65, 0.14) under the lines, grid lines over it
 * keep its hue; the orange of a series' anti-aliased edge does not):
 * 0..1. */
function shadedColumn(p, x) {
  let n = 0, hit = 0;
  for (let y = p.top + 2; y < p.top + p.height - 2; y += 2) {
    const i = 4 * (y * p.cw + x);
    const [r, g, b, a] = p.data.slice(i, i + 4);
    n++;
    if (a >= 15 && a <= 110 && r > g + 50 && r > b + 50 && Math.abs(g - b) < 30) hit++;
  }
  return n ? hit / n : 0;
}

/* The least (inside) or most (outside) shaded of the columns at 30%,
 * 50% and 70% of the time span [S, E], mapped by COL. */
function shadedSpan(p, col, s, e, inside) {
  const f = [0.3, 0.5, 0.7].map((k) => shadedColumn(p, col(s + k * (e - s))));
  return inside ? Math.min(...f) : Math.max(...f);
}

/* Pixels of the plot area that are not white: something was drawn. */
function inkedPixels(p) {
  let n = 0;
  for (let y = p.top; y < p.top + p.height; y++)
    for (let x = p.left; x < p.left + p.width; x++) {
      const i = 4 * (y * p.cw + x);
      if (p.data[i + 3] > 0 && (p.data[i] < 200 || p.data[i + 1] < 200 || p.data[i + 2] < 200)) n++;
    }
  return n;
}

async function apiGet(page, path) {
  return (await page.request.get(base + path)).json();
}

/* Issue 21: a schedule made, paused, edited and deleted from its page;
 * a two-suite campaign of mem suites whose grid fills with verdicts; a
 * suite's trend charts; two runs compared. */
async function serviceViews(page) {
  // A schedule, from the form.
  await page.goto(base + '/#/schedules');
  await page.waitForSelector('#new-schedule #sched-suite option', { state: 'attached' });
  await page.selectOption('#sched-suite', 'dtd-bank');
  await page.fill('#sched-name', 'browser every 2s');
  await page.fill('#sched-every', '2s');
  await page.fill('#sched-time', '0.3');
  await page.click('#sched-create');
  const row = '#schedules tr[data-schedule]';
  await page.waitForSelector(row);
  const sid = await page.getAttribute(row, 'data-schedule');
  await page.waitForFunction((sel) => Number(document.querySelector(sel + ' td[data-fired]')?.dataset.fired) >= 1,
    row, { timeout: 30000 });
  const runs = await apiGet(page, '/api/runs?schedule=' + sid);
  check(runs.total >= 1 && runs.runs.every((r) => r.schedule === Number(sid)), `the schedule made from the page ran (${runs.total} runs naming it)`);
  await page.screenshot({ path: join(outDir, 'dtd-schedules.png'), fullPage: true });
  await page.click(row + ' button[data-act=pause]');
  await page.waitForSelector(row + '.paused');
  check((await apiGet(page, '/api/schedules/' + sid)).paused === true, 'Pause pauses it');
  page.once('dialog', (d) => d.accept('1h'));
  await page.click(row + ' button[data-act=edit]');
  await page.waitForFunction((sel) => /every 1 h/.test(document.querySelector(sel + ' td[data-when]')?.textContent || ''), row);
  check((await apiGet(page, '/api/schedules/' + sid)).every === 3600, 'Edit changes its time (every 1 h)');
  page.once('dialog', (d) => d.accept());
  await page.click(row + ' button[data-act=delete]');
  await page.waitForSelector(`#schedules tr[data-schedule="${sid}"]`, { state: 'detached' });
  check((await page.request.get(base + '/api/schedules/' + sid)).status() === 404, 'Delete deletes it');

  // A campaign of two mem suites x two concurrencies.
  await page.goto(base + '/#/campaigns');
  await page.waitForSelector('#camp-suites option', { state: 'attached' });
  await page.fill('#camp-name', 'browser grid');
  await page.selectOption('#camp-suites', ['dtd-bank', 'dtd-register-stale']);
  await page.selectOption('#camp-param', 'concurrency');
  await page.fill('#camp-values', '1, 2');
  await page.fill('#camp-seeds', '3');
  await page.fill('#camp-time', '1.2s'); // the charts draw slices of 0.5 s and more
  await page.click('#camp-start');
  await page.waitForURL(/#\/campaigns\/\d+$/);
  await page.waitForSelector('#campaign-grid');
  const half = await page.$$eval('#campaign-grid td.cell a[data-run]', (l) => l.length);
  console.log(`campaign grid at first: ${half} cells linked`);
  await page.waitForSelector('#campaign[data-state=done]', { timeout: 60000 });
  const cells = await page.$$eval('#campaign-grid tbody tr', (rows) => rows.map((r) => ({
    row: r.dataset.row, states: [...r.querySelectorAll('a[data-run]')].map((a) => a.dataset.state),
    runs: [...r.querySelectorAll('a[data-run]')].map((a) => a.dataset.run) })));
  check(cells.length === 2 && cells.every((c) => c.states.length === 2), 'the grid has 2 suites x 2 values: ' + JSON.stringify(cells));
  const bank = cells.find((c) => c.row === 'dtd-bank'), stale = cells.find((c) => c.row === 'dtd-register-stale');
  check(bank && bank.states.every((v) => v === 'valid'), 'dtd-bank cells are valid');
  check(stale && stale.states.every((v) => v === 'invalid'), 'dtd-register-stale cells are invalid');
  await page.screenshot({ path: join(outDir, 'dtd-campaign.png'), fullPage: true });
  await page.click(`#campaign-grid a[data-run="${stale.runs[0]}"]`);
  await page.waitForURL(new RegExp('#/runs/' + stale.runs[0] + '$'));
  await page.waitForSelector('#from-campaign');
  check(true, 'a cell links to its run, which names its campaign');

  // dtd-bank's trend: the runs of the schedule and the campaign.
  await page.goto(base + '/#/trends?suite=dtd-bank');
  await page.waitForSelector('#trend-throughput[data-drawn=true]');
  await page.waitForSelector('#trend-latency[data-drawn=true]');
  const trend = await apiGet(page, '/api/trends?suite=dtd-bank&limit=500');
  const done = trend.runs.filter((r) => r.status === 'done' || r.status === 'cancelled');
  const pts = Number(await page.getAttribute('#trend-throughput', 'data-points'));
  check(pts === done.length && pts >= 3, `the trend has a point a run (${pts} of ${done.length})`);
  const ink = inkedPixels(await plotPixels(page, '#trend-throughput'));
  check(ink > 300, `the throughput trend is drawn (${ink} inked pixels)`);
  check(await page.$$eval('#trend-runs tbody tr', (l) => l.length) === trend.runs.length, 'the trend lists every run');
  await page.screenshot({ path: join(outDir, 'dtd-trend.png'), fullPage: true });

  // Two runs compared: a valid and an invalid one of the campaign.
  await page.goto(base + `/#/compare?a=${bank.runs[0]}&b=${stale.runs[0]}`);
  await page.waitForSelector('#compare-throughput[data-drawn=true]');
  check(await page.$('#compare-table td[data-side=a] .badge.valid') !== null &&
    await page.$('#compare-table td[data-side=b] .badge.invalid') !== null, 'compare shows both verdicts');
  check(await page.$$eval('#suite-diff pre.diff .add', (l) => l.length) > 3, 'compare shows the suites\' diff');
  // Both runs on the one axis: A in blue, B in orange (PALETTE[0], [1]).
  const cp = await plotPixels(page, '#compare-throughput');
  let blue = 0, orange = 0;
  for (let y = cp.top; y < cp.top + cp.height; y++)
    for (let x = cp.left; x < cp.left + cp.width; x++) {
      const i = 4 * (y * cp.cw + x), [r, g, b] = cp.data.slice(i, i + 3);
      if (cp.data[i + 3] < 200) continue;
      if (b > 150 && r < 80) blue++;
      if (r > 190 && g > 90 && g < 160 && b < 60) orange++;
    }
  check(blue > 100 && orange > 100, `compare draws both runs' throughput (${blue} blue, ${orange} orange pixels)`);
  await page.screenshot({ path: join(outDir, 'dtd-compare.png'), fullPage: true });
}

/* A run with nodes: per-node metrics from the real run, nemesis shading. */
async function nodesRun(page) {
  await page.goto(base + '/#/new?suite=' + nodesSuite);
  await page.waitForSelector('#newrun select[name=suite] option', { state: 'attached' });
  check(await page.$$eval('[data-field=nemesis] input:checked', (l) => l.length) >= 1,
    'the nodes suite offers its nemesis, checked');
  await page.click('#start');
  await page.waitForURL(/#\/runs\/\d+$/);
  const id = page.url().match(/#\/runs\/(\d+)$/)[1];
  console.log(`started run ${id} of ${nodesSuite}`);
  const state = await verdict(page);
  check(state === 'valid', `the run with nodes is valid (${state})`);
  check((await page.textContent('h1 .badge')).includes('VALID'), 'its verdict is shown as a word');
  // The client asked the servers their version (INFO server): the
  // redis-server browser.sh found, as its --version says.
  const ran = await (await page.request.get(`${base}/api/runs/${id}`)).json();
  check(process.env.DTD_REDIS_VERSION && ran.version === process.env.DTD_REDIS_VERSION,
    `the run records the servers' version ${ran.version} (redis-server --version: ${process.env.DTD_REDIS_VERSION})`);

  // Two renders at once (a hash change while a resize redraws): one view.
  await page.evaluate(() => { for (let i = 0; i < 2; i++) window.dispatchEvent(new HashChangeEvent('hashchange')); });
  await page.waitForSelector('#chart-throughput[data-drawn=true] canvas', { timeout: 15000 });
  await page.waitForSelector('#node-metrics .chart[data-drawn=true]', { timeout: 15000 });
  await page.waitForTimeout(300);
  const views = await page.$$eval('#node-metrics, #chart-throughput, h1', (l) => l.length);
  check(views === 3, `two renders at once leave one run view (${views} of #node-metrics, #chart-throughput, h1)`);

  // What the run recorded, from the API the page draws from.
  const m = await (await page.request.get(`${base}/api/runs/${id}/metrics`)).json();
  const nodes = [...new Set(m.series.filter((x) => x.source !== 'driver').map((x) => x.source))].sort();
  const nem = m.nemesis || [];
  console.log(`recorded: nodes ${nodes.join(' ')}, nemesis ${JSON.stringify(nem)}`);
  check(nodes.join(' ') === 'n1 n2 n3', 'the run recorded metrics of n1, n2, n3');
  check(nem.length >= 1, 'the run recorded a nemesis interval');

  // Per node: the redis ops/s chart has a series per node, and the values
  // its legend shows at the last sample are the recorded ones.
  const key = 'instantaneous_ops_per_sec';
  const box = `#node-metrics .chart[data-key="${key}"]`;
  await page.waitForSelector(box + '[data-drawn=true] canvas', { timeout: 15000 });
  const labels = await page.$$eval(box + ' .u-legend .u-series .u-label', (l) => l.map((e) => e.textContent));
  check(['n1', 'n2', 'n3'].every((n) => labels.includes(n)), `the ${key} chart has a series per node (${labels.join(', ')})`);
  // Hover the sample farthest from its neighbours (the last two can be
  // a few ms apart: the final sample at the end of the run), among those
  // that have the figure of every node.
  const at = {};
  for (const x of m.series) {
    if (x.source === 'driver' || !x.values || !(key in x.values)) continue;
    (at[x.time] = at[x.time] || {})[x.source] = x.values[key];
  }
  const ts = Object.keys(at).map(Number).sort((p, q) => p - q);
  let tPick = null, gapBest = -1;
  ts.forEach((t, i) => {
    const gap = Math.min(i > 0 ? t - ts[i - 1] : Infinity, i + 1 < ts.length ? ts[i + 1] - t : Infinity);
    if (nodes.every((n) => n in at[t]) && gap > gapBest) { tPick = t; gapBest = gap; }
  });
  const xmax = Number(await page.getAttribute(box, 'data-xmax'));
  const over = await page.$(box + ' .u-over');
  await over.scrollIntoViewIfNeeded();
  const ob = await over.boundingBox();
  await page.mouse.move(ob.x + ob.width * (tPick / 1e9) / xmax, ob.y + ob.height / 2);
  await page.waitForTimeout(100);
  const shown = await page.$$eval(box + ' .u-legend .u-series', (rows) =>
    Object.fromEntries(rows.map((r) => [r.querySelector('.u-label').textContent, r.querySelector('.u-value').textContent])));
  await page.mouse.move(0, 0);
  const want = Object.fromEntries(nodes.map((n) => [n, tPick !== null ? at[tPick][n] : null]));
  console.log(`legend at ${(tPick / 1e9).toFixed(2)} s: ${JSON.stringify(shown)}, recorded ${JSON.stringify(want)}`);
  check(nodes.every((n) => want[n] !== null && Number(String(shown[n]).replace(/[^0-9.]/g, '')) === want[n] &&
      !/[kM]/.test(shown[n])), 'the per-node values drawn are the recorded ones');
  const np = await plotPixels(page, box);
  let ink = 0;
  for (let i = 3; i < np.data.length; i += 4) if (np.data[i] > 200) ink++;
  check(ink > 300, `the per-node chart drew lines (${ink} pixels)`);
  check(await page.$('#node-metrics .chart[data-key="up"][data-drawn=true]') !== null, 'each node\'s "up" is charted');
  // A node keeps its colour in every chart, also where only replicas have
  // the figure.
  const markers = await page.$$eval('#node-metrics .chart .u-legend .u-series', (rows) => rows.map((r) =>
    [r.querySelector('.u-label').textContent, getComputedStyle(r.querySelector('.u-marker')).borderColor]));
  const colours = {};
  for (const [n, c] of markers) if (n !== 'time') (colours[n] = colours[n] || new Set()).add(c);
  check(nodes.every((n) => colours[n] && colours[n].size === 1) &&
    new Set(nodes.map((n) => [...colours[n]][0])).size === nodes.length, 'each node has one colour of its own in every chart');
  // The nodes' roles: the last one recorded is the last one shown.
  const roles = {};
  for (const x of m.series) if (x.source !== 'driver' && x.values && typeof x.values.role === 'string') roles[x.source] = x.values.role;
  const roleShown = await page.$$eval('#node-states tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.dataset.node, (r.querySelector('td[data-key=role]') || {}).textContent])));
  console.log(`roles recorded ${JSON.stringify(roles)}, shown ${JSON.stringify(roleShown)}`);
  check(nodes.every((n) => roles[n] && roleShown[n] && roleShown[n].split(' → ').pop() === roles[n]),
    'each node\'s role is shown');

  // Nemesis shading on the throughput chart: shaded in the middle of
  // every interval that lies on the chart, clear before the first and
  // between two intervals.
  const tb = '#chart-throughput';
  await page.waitForSelector(tb + '[data-drawn=true] canvas', { timeout: 15000 });
  const txmax = Number(await page.getAttribute(tb, 'data-xmax'));
  const p = await plotPixels(page, tb);
  const col = (t) => Math.round(p.left + p.width * t / txmax);
  const ends = nem.map((iv) => ({ s: iv.start, e: iv.end === null || iv.end === undefined ? txmax : Math.min(iv.end, txmax) }))
    .filter((iv) => iv.e - iv.s >= 0.2 && iv.s < txmax).sort((a, b) => a.s - b.s);
  const inside = ends.map((iv) => shadedSpan(p, col, iv.s, iv.e, true));
  const gaps = [{ s: 0, e: ends.length ? ends[0].s : txmax }].concat(ends.slice(1).map((iv, i) => ({ s: ends[i].e, e: iv.s })))
    .filter((g) => g.e - g.s >= 0.2);
  const outside = gaps.map((g) => shadedSpan(p, col, g.s, g.e, false));
  console.log(`throughput chart 0..${txmax.toFixed(2)} s: shaded ${inside.map((x) => x.toFixed(2)).join(' ')} inside nemesis intervals, ` +
    `${outside.map((x) => x.toFixed(2)).join(' ')} outside`);
  check(ends.length >= 1 && inside.every((x) => x > 0.5), 'the nemesis intervals are shaded on the throughput chart');
  check(outside.length >= 1 && outside.every((x) => x < 0.1), 'no shade outside the nemesis intervals');
  await page.evaluate(() => window.scrollTo(0, 0));   // the sticky header on top
  await page.screenshot({ path: join(outDir, 'dtd-run-nodes.png'), fullPage: true });
}

try {
  ctx = await chromium.launchPersistentContext(userDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The 400 of the deliberate bad value is logged by chromium, and so is
  // the frame it refuses (notFramed); skip them.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text()) && !/Refused to (display|frame)|frame-ancestors/.test(m.text()))
      errors.push(m.text());
  });
  // Nothing but dtd: any other request fails the test.
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith(base)) return route.continue();
    errors.push('request outside dtd: ' + route.request().url());
    return route.abort();
  });

  await page.goto(base + '/#/runs');
  await page.waitForSelector('#runs');
  await page.fill('#token', token);
  await page.click('#token-form button');
  check((await page.textContent('#token-state')).includes('saved'), 'token saved');
  // DTD_BROWSER_ONLY=service: the pages of issue 21 alone (quicker).
  if (process.env.DTD_BROWSER_ONLY === 'service') {
    await serviceViews(page);
    throw 'only';
  }

  await page.click('a[href="#/new"]');
  await page.waitForSelector('#newrun select[name=suite] option', { state: 'attached' });
  await page.selectOption('#newrun select[name=suite]', suite);
  // The form's bounds and help come from the options the core declares
  // (GET /api/schema), each component's options from GET /api/plugins.
  check(await page.getAttribute('#newrun input[name=concurrency]', 'max') === '4096' &&
    await page.getAttribute('#newrun input[name=concurrency]', 'min') === '1',
    'the form takes the bounds the core declares');
  check(/workers/.test(await page.getAttribute('#newrun input[name=concurrency]', 'title')),
    'the form takes the help the core declares');
  check(await page.$('#suite-options details[data-component="client:mem"] tr[data-option=bug]') !== null,
    'the form shows the options of the suite\'s client');
  await page.fill('#newrun input[name=time_limit]', '3');
  // A bad value first: the form shows the API's error beside its field.
  await page.fill('#newrun input[name=concurrency]', '0');
  await page.click('#start');
  await page.waitForSelector('[data-field=concurrency] .err:not(:empty)');
  check(/concurrency/.test(await page.textContent('[data-field=concurrency] .err')),
    'an out-of-range field is named by the form');
  await page.fill('#newrun input[name=concurrency]', '3');
  await page.click('#start');
  await page.waitForURL(/#\/runs\/\d+$/);
  const id = page.url().match(/#\/runs\/(\d+)$/)[1];
  console.log('started run ' + id);
  // Live: the progress card shows up while it runs.
  await page.waitForSelector('#progress:not([hidden]) .progress', { timeout: 10000 }).catch(() => {});
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(outDir, 'dtd-run-live.png') });

  const state = await verdict(page);
  const word = (await page.textContent('h1 .badge')).trim();
  const bg = await page.$eval('h1 .badge', (e) => getComputedStyle(e).backgroundColor);
  console.log(`verdict ${state} "${word}" ${bg}`);
  check(state === 'valid', 'the run is valid');
  check(word.includes('VALID'), 'the verdict is a word');
  const [r, g] = bg.match(/\d+/g).map(Number);
  check(g > r + 40, 'a valid verdict is green');

  await page.waitForSelector('#chart-throughput[data-drawn=true] canvas', { timeout: 15000 });
  const inked = await page.$eval('#chart-throughput canvas', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  });
  const points = Number(await page.getAttribute('#chart-throughput', 'data-points'));
  console.log(`throughput chart: ${points} points, ${inked} inked pixels`);
  check(points >= 2 && inked > 500, 'the throughput chart is drawn');
  check(await page.$('#checkers [data-checker=stats] .badge.valid') !== null, 'checker verdicts shown');
  await page.screenshot({ path: join(outDir, 'dtd-run.png'), fullPage: true });

  await page.click('a[href="#/runs"]');
  await page.waitForSelector(`#runs tr[data-run="${id}"] .badge`);
  check(await page.$(`#runs tr[data-run="${id}"] .badge.valid`) !== null, 'the run list shows the verdict');
  await page.goto(base + '/#/plugins');
  await page.waitForSelector('#plugins tr[data-plugin="nemesis:partition"]');
  check(await page.$('#plugins tr[data-plugin="nemesis:partition"] + tr.options-row tr[data-option=mode]') !== null,
    'the plugins page shows each plugin\'s declared options');
  await page.screenshot({ path: join(outDir, 'dtd-runs.png') });
  if (badSuite) {
    await page.goto(base + '/#/new?suite=' + badSuite);
    await page.waitForSelector('#newrun select[name=suite] option', { state: 'attached' });
    check(await page.inputValue('#newrun select[name=suite]') === badSuite, 'the form takes ?suite=');
    await page.click('#start');
    await page.waitForURL(/#\/runs\/\d+$/);
    check(await verdict(page) === 'invalid', 'the broken store is invalid');
    const bbg = await page.$eval('h1 .badge', (e) => getComputedStyle(e).backgroundColor);
    const [br, bgr] = bbg.match(/\d+/g).map(Number);
    check(br > bgr + 40, 'an invalid verdict is red');
    await page.waitForSelector('#anomaly:not([hidden]) table tbody tr');
    check((await page.$$('#anomaly tbody tr')).length >= 1, 'the anomaly lists the operations involved');
    const href = await page.getAttribute('#linviz', 'href');
    check(href && (await page.request.get(base + href)).ok(), 'the linearizability visualization opens');
    // The timeline, in the page: the anomaly listed, its operations
    // highlighted.
    await page.click('#timeline summary');
    const tl = page.frameLocator('#timeline-frame');
    await tl.locator('canvas[data-drawn=true]').waitFor({ timeout: 20000 });
    check(await tl.locator('#alist li').count() >= 1 &&
      /linearizable/.test(await tl.locator('#alist li').first().textContent()),
      'the timeline lists the anomaly');
    await page.screenshot({ path: join(outDir, 'dtd-timeline.png'), fullPage: true });
    await page.screenshot({ path: join(outDir, 'dtd-run-invalid.png'), fullPage: true });
  }
  if (nodesSuite) await nodesRun(page);
  await serviceViews(page);
  await cancelNeedsConfirmation(page);
  // Last: it leaves the page on a page of its own.
  await notFramed(page);
  check(errors.length === 0, 'no page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
} catch (e) {
  if (e !== 'only') {
    console.error('FAIL: ' + (e.stack || e));
    failed = true;
  }
} finally {
  if (ctx) await ctx.close().catch(() => {});
  rmSync(userDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
