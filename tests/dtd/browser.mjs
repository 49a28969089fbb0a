// browser.mjs: the dashboard's browser test.  Drives Debian's chromium
// through playwright-core against a dtd started by browser.sh:
//   node browser.mjs BASE_URL TOKEN OUT_DIR SUITE
// Opens the dashboard, saves the token, starts SUITE from the form,
// watches the run finish, checks the verdict badge (colour and word) and
// that the throughput chart drew something, and saves screenshots.  With
// INVALID_SUITE, also runs it and checks the anomaly shown.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, token, outDir, suite, badSuite] = process.argv.slice(2);
if (!base || !token || !outDir || !suite) {
  console.error('usage: node browser.mjs BASE_URL TOKEN OUT_DIR SUITE [INVALID_SUITE]');
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
  // The 400 of the deliberate bad value is logged by chromium; skip it.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text()); });
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

  await page.click('a[href="#/new"]');
  await page.waitForSelector('#newrun select[name=suite] option', { state: 'attached' });
  await page.selectOption('#newrun select[name=suite]', suite);
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

  await page.waitForSelector('h1 .badge[data-state=valid], h1 .badge[data-state=invalid], h1 .badge[data-state=unknown]',
    { timeout: 60000 });
  const state = await page.getAttribute('h1 .badge', 'data-state');
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
  await page.screenshot({ path: join(outDir, 'dtd-runs.png') });
  if (badSuite) {
    await page.goto(base + '/#/new?suite=' + badSuite);
    await page.waitForSelector('#newrun select[name=suite] option', { state: 'attached' });
    check(await page.inputValue('#newrun select[name=suite]') === badSuite, 'the form takes ?suite=');
    await page.click('#start');
    await page.waitForURL(/#\/runs\/\d+$/);
    await page.waitForSelector('h1 .badge[data-state=valid], h1 .badge[data-state=invalid], h1 .badge[data-state=unknown]',
      { timeout: 60000 });
    check(await page.getAttribute('h1 .badge', 'data-state') === 'invalid', 'the broken store is invalid');
    const bbg = await page.$eval('h1 .badge', (e) => getComputedStyle(e).backgroundColor);
    const [br, bgr] = bbg.match(/\d+/g).map(Number);
    check(br > bgr + 40, 'an invalid verdict is red');
    await page.waitForSelector('#anomaly:not([hidden]) table tbody tr');
    check((await page.$$('#anomaly tbody tr')).length >= 1, 'the anomaly lists the operations involved');
    const href = await page.getAttribute('#linviz', 'href');
    check(href && (await page.request.get(base + href)).ok(), 'the linearizability visualization opens');
    await page.screenshot({ path: join(outDir, 'dtd-run-invalid.png'), fullPage: true });
  }
  check(errors.length === 0, 'no page errors' + (errors.length ? ': ' + errors.join('; ') : ''));
} catch (e) {
  console.error('FAIL: ' + (e.stack || e));
  failed = true;
} finally {
  if (ctx) await ctx.close().catch(() => {});
  rmSync(userDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
