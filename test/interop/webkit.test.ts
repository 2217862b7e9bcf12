/**
 * WebKit (Safari's engine) in a room with Chromium and Firefox: the element must work in the third engine,
 * which here has no WebRTC at all.
 *
 * Debian's WebKitGTK (MiniBrowser under Xvfb, driven over classic WebDriver by webkit-browser.ts) or WPE
 * (cog, headless) plays VP9 with `playbackRate` and `requestVideoFrameCallback` and has Web Locks and
 * `crypto.subtle`, but Debian builds it without WebRTC: no `RTCPeerConnection`. So its tab reaches every
 * peer through the signaling server's relay, and they reach it so (net/mesh.ts), while the Chromium and
 * Firefox tabs keep their direct data channels. Every tab is a real page (test/tabs/tab.html) on the real
 * signaling server started here on loopback, in its own window, with the real demo video.
 *
 * The story:
 * 1. A Chromium tab C0 founds a room of at most three acceptors; the WebKit tab W0 joins, then a Chromium tab
 *    C1 (both become acceptors), then a Firefox tab F0 (a learner). The room forms: every link of W0 relayed
 *    on both sides, the others direct; W0's status bar says it has no WebRTC.
 * 2. W0 plays, seeks, sets the rate while playing and pauses; then the Firefox and Chromium tabs set the
 *    rate, seek, play and pause. Each command is decided by C0 and applied in every tab, and while playing,
 *    W0's video stays within the interop tests' drift goal of the others (room-tabs.ts: any two within
 *    50 ms, each within 100 ms of the decided timeline, for 2 s on end).
 * 3. W0 leads: C1's window is minimized (a hidden tab never leads, but still votes), and C0, the leader, is
 *    closed. The only acceptor that may lead is W0 (F0 is a learner): it takes over, replaces C0 by F0 in
 *    the configuration, and decides the Firefox tab's and the Chromium tab's commands (C1 shown again) and
 *    its own, every video in step.
 *
 * Reported: the engines' versions, each command's decision time in the proposing tab (W0's go through the
 * relay both ways), the spread and W0's offset while playing, and the drift controller's corrections.
 *
 * Needs `npm run build`, Chromium, Firefox, WebKit (find-webkit.mjs: `apt-get install webkit2gtk-driver
 * xvfb`, or WPE's `wpewebkit-driver cog`) and a non-loopback interface for the WebRTC of the others: run it
 * as `scripts/netns.sh npm run test:node -- interop/webkit`. Without WebKit (or Firefox) it is skipped with
 * a line saying how to get it; under CI=true it fails instead.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';
import { findChrome, HOW_TO_GET_CHROME } from '../../scripts/find-chrome.mjs';
import { findFirefox, HOW_TO_GET_FIREFOX } from '../../scripts/find-firefox.mjs';
import { findWebKit, HOW_TO_GET_WEBKIT } from '../../scripts/find-webkit.mjs';
import { type Tab, TabBrowser } from '../tabs/tab-browser.js';
import { startTabServer } from '../tabs/tab-server.js';
import { type CommandName, decide, describeCorrections, formed, inStep, leadership, type PageLike, problems, RoomTab, untilTabs } from './room-tabs.js';
import { WebKitBrowser } from './webkit-browser.js';

// ---- the world -----------------------------------------------------------------------------------------

interface World {
  origin: string;
  versions: string;
  /** Opens `url` in a new Chromium window; `tab` can hide it. */
  openChromium(label: string, url: string): Promise<{ roomTab: RoomTab; tab: Tab }>;
  /** Opens `url` in a new Firefox window. */
  openFirefox(label: string, url: string): Promise<RoomTab>;
  /** Opens `url` in a new WebKit browser process (its own window). */
  openWebKit(label: string, url: string): Promise<RoomTab>;
  close(): Promise<void>;
}

/** Starts the server and the three browsers; fails with what to do when one of them or the build is missing. */
async function startWorld(): Promise<World> {
  const chromePath = findChrome();
  if (!chromePath) throw new Error(HOW_TO_GET_CHROME);
  const firefoxPath = findFirefox();
  if (!firefoxPath) throw new Error(HOW_TO_GET_FIREFOX);
  const webkit = findWebKit();
  if (!webkit) throw new Error(HOW_TO_GET_WEBKIT);
  const cleanups: Array<() => Promise<unknown>> = [];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const server = await startTabServer('webkit');
    cleanups.push(() => server.close());
    const chromium = await TabBrowser.launch(chromePath, 90_000);
    cleanups.push(() => chromium.close());
    const firefox: PuppeteerBrowser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      defaultViewport: null,
      timeout: 90_000,
      protocolTimeout: 120_000,
    });
    cleanups.push(() => firefox.close());
    const wk = await WebKitBrowser.launch(webkit);
    cleanups.push(() => wk.close());
    const withCorrections = async (roomTab: RoomTab): Promise<RoomTab> => {
      await roomTab.countCorrections();
      return roomTab;
    };
    return {
      origin: server.origin,
      get versions() {
        return `Chromium ${chromium.version}, ${wk.version || 'WebKit'} (${webkit.port === 'gtk' ? 'WebKitGTK' : 'WPE'}, classic WebDriver)`;
      },
      async openChromium(label, url) {
        const tab = await chromium.open(url, 90_000);
        return { roomTab: await withCorrections(new RoomTab(label, 'Chromium', tab.page as unknown as PageLike)), tab };
      },
      async openFirefox(label, url) {
        const page = await firefox.newPage({ type: 'window' });
        page.on('pageerror', (error) => console.error(`[${label}] page error: ${error instanceof Error ? error.message : String(error)}`));
        await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
        return withCorrections(new RoomTab(label, 'Firefox', page as unknown as PageLike));
      },
      async openWebKit(label, url) {
        return withCorrections(new RoomTab(label, 'WebKit', await wk.open(url, 90_000)));
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The text of a tab's status bar (the element's `status` part). */
const statusText = (tab: RoomTab): Promise<string> =>
  tab.page.evaluate(() => (window as unknown as { __tab: { el: HTMLElement } }).__tab.el.shadowRoot?.querySelector('[part="status"]')?.textContent ?? '', undefined);

// ---- the test ------------------------------------------------------------------------------------------

const missing = !findWebKit() ? `no WebKit here. ${HOW_TO_GET_WEBKIT}` : !findFirefox() ? `no Firefox here. ${HOW_TO_GET_FIREFOX}` : undefined;
/** Without WebKit or Firefox, an ordinary `npm test` skips this test and says how to get them; under CI it fails. */
const skip = missing && !process.env['CI'] ? missing : false;

describe('WebKit, Chromium and Firefox in one room (WebKit without WebRTC, through the relay)', () => {
  let world: World | undefined;
  after(async () => {
    await world?.close();
  });

  it('relays every link of the WebKit tab, decides its commands, keeps its video in step, and runs under it as leader', { timeout: 480_000, skip }, async (t) => {
    const started = performance.now();
    const phase = (text: string): void => t.diagnostic(`${((performance.now() - started) / 1000).toFixed(1)} s: ${text}`);
    world = await startWorld();
    phase('server, Chromium, Firefox and Xvfb started');
    const url = `${world.origin}/tab.html?acceptors=3&room=webkit-${Math.random().toString(36).slice(2, 10)}`;
    const all: RoomTab[] = [];
    const latencies: Record<string, number[]> = {};
    const webkitOffsets: number[] = [];
    const spreads: number[] = [];
    /** For bench/webkit.ts: every command's decision time, and every offset read while the videos held in step. */
    const decisions: { from: string; leader: string; ms: number }[] = [];
    const held: Record<string, number[]> = {};

    // ---- 1. C0 founds; W0 and C1 join as acceptors, F0 as a learner ----
    const { roomTab: c0 } = await world.openChromium('C0', url);
    all.push(c0);
    await formed([c0], 'C0 founds the room', [c0], 60_000);
    phase('C0 founded the room');
    const w0 = await world.openWebKit('W0', url);
    all.push(w0);
    t.diagnostic(world.versions);
    phase('W0 opened');
    await formed([c0, w0], 'W0 joined', [c0]);
    phase('W0 joined');
    await untilTabs('W0 to become an acceptor', async () => (await w0.snapshot()).role === 'acceptor', all);
    const { roomTab: c1, tab: c1Window } = await world.openChromium('C1', url);
    all.push(c1);
    await formed([c0, w0, c1], 'C1 joined', [c0]);
    phase('C1 joined');
    await untilTabs('C1 to become an acceptor', async () => (await c1.snapshot()).role === 'acceptor', all);
    const f0 = await world.openFirefox('F0', url);
    all.push(f0);
    let room = [c0, w0, c1, f0];
    const first = await formed(room, 'a room of C0, W0, C1 and F0', [c0]);
    const w = first[1]!;
    assert.equal(w.webrtc, false, 'this WebKit has no RTCPeerConnection (else the test would not show the relay path)');
    assert.ok(w.webLocks && w.rvfc, 'WebKit has Web Locks and requestVideoFrameCallback');
    assert.equal(first[3]!.role, 'learner', 'F0, the fourth tab of a room of at most three acceptors, is a learner');
    assert.ok(first.every((s) => s.visibility === 'visible'), 'every window is visible');
    assert.match(await statusText(w0), /via the server \(no WebRTC\)/, "W0's status bar says it goes through the server");
    const links = first.flatMap((s, i) => s.peers.map((p) => `${room[i]!.label}>${room.find((x) => x.id === p.id)?.label}:${p.relayed ? 'relayed' : 'direct'}`));
    phase(`room formed, C0 leads; links ${links.join(' ')}`);

    // ---- 2. commands from WebKit, then from Firefox and Chromium, decided by C0 ----
    const step = async (from: RoomTab, name: CommandName, arg?: number, check = true): Promise<RoomTab | undefined> => {
      const { state, leader, ms } = await decide(room, from, name, arg);
      (latencies[from.browser] ??= []).push(ms);
      decisions.push({ from: from.browser, leader: leader?.browser ?? '?', ms });
      let tail = '';
      if (!state.paused && check) {
        const live = room.filter((x) => !x.closed);
        const { spreadMs, offsetsMs, heldMs } = await inStep(live, `after ${name}(${arg ?? ''}) from ${from.name}`);
        live.forEach((x, i) => (held[x.browser] ??= []).push(...heldMs[i]!));
        spreads.push(spreadMs);
        webkitOffsets.push(offsetsMs[room.indexOf(w0)]!);
        tail = `; in step: spread at most ${spreadMs.toFixed(1)} ms over 2 s, offsets ${offsetsMs.map((o, i) => `${room[i]!.label} ${o.toFixed(1)}`).join(', ')} ms`;
      }
      phase(`${name}(${arg ?? ''}) from ${from.name} decided in ${ms.toFixed(0)} ms by ${leader?.name ?? '?'} (slot ${state.slot})${tail}`);
      return leader;
    };
    const byC0 = (leader: RoomTab | undefined, what: string): void => assert.equal(leader, c0, `C0 decided ${what}`);
    byC0(await step(w0, 'play'), "W0's play");
    byC0(await step(w0, 'seek', 1, false), "W0's seek");
    byC0(await step(w0, 'setRate', 1.25), "W0's rate");
    byC0(await step(w0, 'pause'), "W0's pause");
    await step(f0, 'setRate', 1);
    await step(c1, 'seek', 1);
    await step(f0, 'play');
    await step(c1, 'pause');

    // ---- 3. C1 hidden, C0 closed: W0 is the one acceptor that may lead ----
    await c1Window.setHidden(true);
    const marks = await Promise.all(room.map((x) => x.mark()));
    const closedAt = performance.timeOrigin + performance.now();
    await c0.close();
    room = [w0, c1, f0];
    await formed(room, 'W0, C1 (hidden) and F0 after C0 closed', [w0], 60_000).catch(async (error: Error) => {
      error.message += `\nleadership since C0 closed: ${await leadership(room, marks.slice(1), closedAt)}`;
      throw error;
    });
    phase(`C0 closed with C1 hidden: W0 leads (${await leadership(room, marks.slice(1), closedAt)})`);
    await untilTabs('F0 to become an acceptor in C0\'s place', async () => (await f0.snapshot()).role === 'acceptor', room);
    await c1Window.setHidden(false);
    const byW0 = (leader: RoomTab | undefined, what: string): void => assert.equal(leader, w0, `W0 decided ${what}`);
    byW0(await step(f0, 'seek', 0, false), "F0's seek");
    byW0(await step(c1, 'play'), "C1's play");
    byW0(await step(w0, 'seek', 2), 'its own seek');
    byW0(await step(f0, 'setRate', 1.25), "F0's rate");
    byW0(await step(c1, 'pause'), "C1's pause");

    // ---- the whole run ----
    const seen: string[] = [];
    for (const x of all.filter((y) => !y.closed)) seen.push(...(await problems(x)));
    assert.deepEqual(seen, [], 'no paxos-error and no paxos-autoplay-blocked in any tab');
    const median = (xs: number[]): string => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0) : '-');
    t.diagnostic(
      `decision time in the proposing tab, median (ms): ${Object.entries(latencies)
        .map(([b, xs]) => `${b} ${median(xs)} (${xs.map((x) => x.toFixed(0)).join(', ')})`)
        .join('; ')}`,
    );
    t.diagnostic(
      `while playing: spread at most ${Math.max(...spreads).toFixed(1)} ms; W0's offset to the timeline ${webkitOffsets.map((o) => o.toFixed(1)).join(', ')} ms`,
    );
    const live = all.filter((x) => !x.closed);
    t.diagnostic(`drift corrections (paxos-sync): ${describeCorrections(live, await Promise.all(live.map((x) => x.corrections())))}`);
    // One line for the benchmark that runs this test (bench/webkit.ts): performance figures come from it.
    t.diagnostic(`figures ${JSON.stringify({ versions: world.versions, decisions, heldOffsetsMs: held })}`);
  });
});
