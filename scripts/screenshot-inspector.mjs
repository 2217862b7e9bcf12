#!/usr/bin/env node
// Renders the README's pictures from a real run: the built signaling server on loopback, a room of several
// real tabs of the demo page in headless Chromium (real WebRTC), commands issued from different tabs, then
//   docs/inspector.png  the first tab's <paxos-inspector>, with messages in flight
//   docs/demo.png       that tab's whole demo page
//
// Needs `npm run build` first. Chromium's WebRTC needs a non-loopback interface, and nothing may leave this
// machine, so run it in the private network namespace, as CI runs the tests:
//   scripts/netns.sh node scripts/screenshot-inspector.mjs [--tabs 4] [--out docs]
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { requireChrome } from './find-chrome.mjs';

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    tabs: { type: 'string', default: '4' },
    out: { type: 'string', default: join(root, 'docs') },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: scripts/netns.sh node scripts/screenshot-inspector.mjs [--tabs N (2-8, default 4)] [--out DIR (default docs/)]');
  process.exit(0);
}
const tabs = Number(values.tabs);
if (!Number.isInteger(tabs) || tabs < 2 || tabs > 8) {
  console.error(`--tabs must be an integer from 2 to 8, got "${values.tabs}"`);
  process.exit(2);
}
for (const f of ['dist/server/index.js', 'dist/paxos-video.js', 'dist/paxos-inspector.js']) {
  if (!existsSync(join(root, f))) {
    console.error(`${f} is missing: run \`npm run build\` first.`);
    process.exit(1);
  }
}

/** Waits for `fn` (run in the page) to return true; says what it waited for when it times out. */
async function until(page, what, fn, arg, timeout = 30_000) {
  try {
    await page.waitForFunction(fn, arg, { timeout, polling: 50 });
  } catch (error) {
    throw new Error(`timed out after ${timeout} ms waiting for ${what}: ${error.message.split('\n')[0]}`);
  }
}

const { createSignalingServer } = await import(join(root, 'dist/server/index.js'));
const server = createSignalingServer({ logLevel: 'warn' });
const { port } = await server.listen(0, '127.0.0.1');
const origin = `http://127.0.0.1:${port}`;
const browser = await chromium.launch({
  executablePath: requireChrome(),
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required', '--disable-background-networking', '--no-first-run'],
});

try {
  // Older servers do not serve the inspector bundle: then give the pages the built one from dist/.
  const serveInspector = (await fetch(`${origin}/paxos-inspector.js`)).status === 404;
  if (serveInspector) console.warn(`${origin}/paxos-inspector.js answers 404: serving dist/paxos-inspector.js to the pages directly.`);
  const room = `readme-${Math.random().toString(36).slice(2, 8)}`;
  const pages = [];
  for (let i = 0; i < tabs; i++) {
    // One context (one window) per tab: a background tab of a shared window is throttled to a few frames a
    // second, and hidden tabs may not lead (the element's rule); separate windows are all visible.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2, colorScheme: 'light' });
    if (serveInspector) {
      await context.route('**/paxos-inspector.js', (route) =>
        route.fulfill({ path: join(root, 'dist/paxos-inspector.js'), contentType: 'text/javascript; charset=utf-8' }),
      );
    }
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`tab ${i}: ${error.message}`));
    await page.goto(`${origin}/?room=${room}`);
    pages.push(page);
    // The first tab founds the room; the others join it one by one.
    await until(page, `tab ${i} synced`, () => document.getElementById('player')?.status === 'synced');
  }
  const formed = (n) => {
    const p = document.getElementById('player');
    return p.status === 'synced' && p.leader !== null && p.peers.filter((x) => x.connected).length === n - 1 && p.role !== 'learner';
  };
  for (const [i, page] of pages.entries()) await until(page, `tab ${i} in a full mesh as an acceptor`, formed, tabs);

  const player = (page, method, ...args) => page.evaluate(([m, a]) => document.getElementById('player')[m](...a), [method, args]);
  // A few commands from different tabs, so the log has proposers and the videos something to sync.
  await player(pages[1], 'play');
  await player(pages[2 % tabs], 'seek', 12);
  await player(pages[3 % tabs], 'setRate', 1.25);
  await player(pages[1], 'seek', 20.5);
  await player(pages[0], 'setRate', 1);

  const first = pages[0];
  const inspector = first.locator('paxos-inspector');
  // Slower flights than the default, so the picture catches a whole round of the protocol in the air
  // (taking a screenshot of a busy page can take a second).
  await inspector.evaluate((el) => el.setAttribute('flight-ms', '3000'));
  // Enough history for the sparklines: drift samples (2 a second) and round trips (1 a second).
  await until(first, 'sparkline history', () => {
    const lines = [...document.querySelector('paxos-inspector').shadowRoot.querySelectorAll('[part~="sparkline"] polyline')];
    return lines.length > 1 && lines.every((l) => l.getAttribute('points').split(' ').length >= 8);
  }, undefined, 60_000);

  // Catch a command on its way: wait until protocol messages (not heartbeats) are in flight, then shoot.
  const inFlight = until(first, 'protocol messages in flight', () => {
    const flights = document.querySelector('paxos-inspector').shadowRoot.querySelectorAll('[part~="flight"]:not(.chatter)');
    return flights.length >= 3;
  });
  const box = await inspector.boundingBox();
  await player(pages[tabs - 1], 'seek', 31);
  await inFlight;
  mkdirSync(values.out, { recursive: true });
  const inspectorPng = join(values.out, 'inspector.png');
  await first.screenshot({ path: inspectorPng, clip: box });
  const demoPng = join(values.out, 'demo.png');
  await first.screenshot({ path: demoPng });

  const summary = await first.evaluate(() => {
    const p = document.getElementById('player');
    return { slot: p.state.slot, role: p.role, leader: p.leader, decisions: p.stats.decisions };
  });
  console.log(`room ${room}: ${tabs} tabs, tab 0 is ${summary.role}, slot ${summary.slot}, ${summary.decisions} slots applied`);
  for (const f of [inspectorPng, demoPng]) console.log(`wrote ${f} (${(statSync(f).size / 1024).toFixed(0)} KB)`);
} finally {
  await browser.close();
  await server.close();
}
