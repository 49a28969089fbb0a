// SPDX-License-Identifier: MIT
// open.mjs PAGE: how long headless Chromium takes to draw a timeline
// page (file), from navigation to its first drawing, and how long a
// redraw (zoom, pan) takes.  Uses the playwright-core of tests/dtd.
import { chromium } from '../../tests/dtd/node_modules/playwright-core/index.mjs';
const page = process.argv[2];
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless',
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (let i = 0; i < 3; i++) {
  const p = await b.newPage({ viewport: { width: 1300, height: 800 } });
  const t0 = Date.now();
  await p.goto('file://' + page, { waitUntil: 'commit' });
  await p.waitForSelector('canvas[data-drawn=true]', { timeout: 120000 });
  const first = Date.now() - t0;
  await p.mouse.move(600, 200);
  await p.mouse.wheel(0, -400);
  await p.waitForTimeout(50);
  const redraw = await p.getAttribute('canvas', 'data-draw-ms');
  console.log(`open ${first} ms, a redraw after zooming ${redraw} ms`);
  await p.close();
}
await b.close();
