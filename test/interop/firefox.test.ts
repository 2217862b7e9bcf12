/**
 * Chromium and Firefox in one room: the element must work across browsers, not only among Chromium tabs.
 *
 * One tab of Debian's Chromium (driven over CDP, test/tabs/tab-browser.ts) and two tabs of Firefox ESR
 * (driven over WebDriver BiDi by puppeteer-core), each a real page (test/tabs/tab.html) on the real signaling
 * server started here on loopback, each in its own visible window, with real WebRTC and the real demo video.
 * One Chromium and two Firefox tabs rather than the other way round: the pairs are then Chromium⇄Firefox
 * twice and Firefox⇄Firefox once (Chromium⇄Chromium is covered everywhere else), and closing the one
 * Chromium tab hands leadership to a Firefox tab for sure, whatever the election's randomness.
 *
 * The story:
 * 1. The Chromium tab founds the room (and leads); the two Firefox tabs join. Every tab is synced, one leader
 *    is known to all, and every pair is connected by a DIRECT data channel (`peers[].relayed` false):
 *    perfect negotiation between Chromium and Firefox, with the data channel negotiated out of band.
 * 2. Firefox tabs play, seek and set the rate while playing, and pause; then the Chromium tab sets the rate
 *    and seeks while paused, plays and pauses. Each command is decided (by the leader of the moment, named
 *    in the report) and applied in every tab, and while playing, the videos of both browsers agree within
 *    {@link SPREAD_TOLERANCE_MS}.
 * 3. The Chromium tab is closed: a Firefox tab leads. It decides the other Firefox tab's seek and play; a new
 *    Chromium tab joins the Firefox-led room mid-play and catches up; its seek and pause are decided by a
 *    Firefox leader and applied everywhere, then the leader's own seek and play, and the three videos agree.
 *    On a loaded machine a stall of the Firefox process can outlast the election timeout and move
 *    leadership, between the Firefox tabs (the test follows it) or to the joining Chromium tab (the test
 *    closes that tab, so leadership returns to Firefox, and lets another join; at most three times).
 *
 * Autoplay: the page mutes its video (as every Chromium test page does) and Firefox keeps its default
 * autoplay policy (`media.autoplay.default` 1: block audible autoplay only), so muted playback must start
 * without a gesture and no tab may fire `paxos-autoplay-blocked`. No pref is changed: the test sees what a
 * user's Firefox does. The blocked-with-sound path is test/browser/element/autoplay.autoplay-blocked.test.ts.
 *
 * Needs `npm run build` (the server and the widget come from dist/), Chromium, Firefox (find-firefox.mjs:
 * `apt-get install firefox-esr` or FIREFOX_PATH) and a non-loopback network interface for WebRTC: run it as
 * `scripts/netns.sh npm run test:node -- interop`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import puppeteer, { type Browser as PuppeteerBrowser } from 'puppeteer-core';
import { findChrome, HOW_TO_GET_CHROME } from '../../scripts/find-chrome.mjs';
import { findFirefox, HOW_TO_GET_FIREFOX } from '../../scripts/find-firefox.mjs';
import type { PaxosVideoState } from '../../src/events.js';
import { TabBrowser } from '../tabs/tab-browser.js';
import { startTabServer } from '../tabs/tab-server.js';
import { type CommandResult, type LogEntry, type TabSnapshot as ProbeSnapshot, until, untilSteady } from '../tabs/tab-probe.js';


/**
 * Most two tabs' videos may differ while playing, ms: each tab's position minus the decided timeline's at the
 * moment it is read (machine clock), compared across tabs.
 */
const SPREAD_TOLERANCE_MS = 50;
/** Most any tab's video may be off the decided timeline while playing, ms. */
const TIMELINE_TOLERANCE_MS = 100;
/** How long one reading of a video's position samples it (see {@link RoomTab.mediaOffset}), ms. */
const SAMPLE_MS = 100;
/**
 * The demo video lasts 60 s and must not reach its end: every stretch of playing starts near the beginning,
 * at most at 1.25x, and gives up on a wait after these times (a loaded machine may need tens of seconds).
 */
const APPLY_TIMEOUT_MS = 30_000;
const IN_STEP_TIMEOUT_MS = 35_000;
/** How long the videos must stay that close, on end, ms. */
const HOLD_MS = 2000;
/** A paused video's distance from the decided position, s (the driver seeks when it is over 8 ms off). */
const PAUSED_TOLERANCE_S = 0.02;
/** The drift controller nudges the rate by up to 8 % plus a 2 % trim: the video's rate against the decided one. */
const RATE_TOLERANCE = 0.11;

// ---- the page's probe (test/tabs/tab.html) -------------------------------------------------------------

type BrowserName = 'Chromium' | 'Firefox';
type CommandName = 'play' | 'pause' | 'seek' | 'setRate';

interface PeerView {
  id: string;
  connected: boolean;
  relayed: boolean;
  rtt: number | null;
}

/** The probe's snapshot, plus what this test reads beside it. */
interface TabSnapshot extends ProbeSnapshot {
  // Read here, beside the probe's snapshot:
  playbackRate: number;
  muted: boolean;
  peers: PeerView[];
  /** The drift controller's last measurement, ms. */
  drift: number;
  /** The element's estimate of the server clock minus this page's, ms. */
  clockOffset: number;
  /** `navigator.locks` (Web Locks guard the node id) and `requestVideoFrameCallback` exist. */
  webLocks: boolean;
  rvfc: boolean;
}

interface ProbeWindow {
  __tab: {
    el: HTMLElement & { video: HTMLVideoElement | null; peers: PeerView[]; stats: { drift: number; clockOffset: number }; state: PaxosVideoState };
    log(from?: number): LogEntry[];
    snapshot(): Omit<TabSnapshot, 'playbackRate' | 'muted' | 'peers' | 'drift' | 'clockOffset' | 'webLocks' | 'rvfc'>;
    command(name: CommandName, arg?: number): Promise<CommandResult>;
  };
}

/** What both drivers' pages offer: Playwright's and puppeteer's `evaluate(fn, arg)` have the same shape. */
interface PageLike {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

/** A tab of the room, driven through its probe, in either browser. */
class RoomTab {
  /** This tab's node id, once joined. */
  id = '';
  closed = false;
  constructor(
    readonly label: string,
    readonly browser: BrowserName,
    readonly page: PageLike,
  ) {}

  get name(): string {
    return `${this.label} (${this.browser}${this.id ? ` ${this.id.slice(0, 8)}` : ''})`;
  }
  snapshot(): Promise<TabSnapshot> {
    return this.page.evaluate(() => {
      const probe = (window as unknown as ProbeWindow).__tab;
      const el = probe.el;
      return {
        ...probe.snapshot(),
        playbackRate: el.video?.playbackRate ?? 0,
        muted: el.video?.muted ?? false,
        peers: el.peers.map((p) => ({ id: p.id, connected: p.connected, relayed: p.relayed, rtt: p.rtt })),
        drift: el.stats.drift,
        clockOffset: el.stats.clockOffset,
        webLocks: 'locks' in navigator,
        rvfc: 'requestVideoFrameCallback' in HTMLVideoElement.prototype,
      };
    }, undefined);
  }
  /**
   * Where the video's media clock is against the decided timeline, ms (positive: ahead), read the way both
   * browsers allow. Chromium computes `currentTime` from the media clock on every read; Firefox updates it
   * only when it presents a frame (25 times a second headless), so a read at a random moment lags by 0-45 ms
   * (median 21 ms, measured). Hence: read every few ms for {@link SAMPLE_MS} (past two Firefox updates) and
   * keep the largest offset, the one read just after an update (in Chromium every read gives the same).
   */
  mediaOffset(): Promise<number> {
    // No named function inside: tsx would wrap it in a `__name` helper that the page does not have.
    return this.page.evaluate(async (sampleMs) => {
      const el = (window as unknown as ProbeWindow).__tab.el;
      const video = el.video!;
      const end = performance.now() + sampleMs;
      let best = Number.NEGATIVE_INFINITY;
      for (;;) {
        const t = performance.timeOrigin + performance.now();
        const s = el.state;
        const timeline = s.paused || t < s.anchor ? s.position : s.position + ((t - s.anchor) / 1000) * s.rate;
        best = Math.max(best, (video.currentTime - timeline) * 1000);
        if (performance.now() >= end) return best;
        await new Promise((r) => setTimeout(r, 0));
      }
    }, SAMPLE_MS);
  }
  log(from = 0): Promise<LogEntry[]> {
    return this.page.evaluate((f) => (window as unknown as ProbeWindow).__tab.log(f), from);
  }
  /** Index of the next log entry. */
  mark(): Promise<number> {
    return this.page.evaluate(() => (window as unknown as ProbeWindow).__tab.log().length, undefined);
  }
  async command(name: CommandName, arg?: number): Promise<PaxosVideoState> {
    const result = await this.page.evaluate(([n, a]) => (window as unknown as ProbeWindow).__tab.command(n, a), [name, arg] as const);
    if (!result.ok) throw new Error(`${this.name}: ${name}(${arg ?? ''}) failed: ${result.code ?? ''} ${result.message}`);
    return result.state;
  }
  /** Starts counting the drift controller's actions (`paxos-sync`), before anything plays. */
  countCorrections(): Promise<void> {
    return this.page.evaluate(() => {
      const w = window as unknown as ProbeWindow & { __corrections: Record<string, number> };
      w.__corrections = { none: 0, nudge: 0, seek: 0 };
      w.__tab.el.addEventListener('paxos-sync', (e) => {
        const action = (e as CustomEvent<{ action: string }>).detail.action;
        w.__corrections[action] = (w.__corrections[action] ?? 0) + 1;
      });
    }, undefined);
  }
  /** What the drift controller did since {@link countCorrections}. */
  corrections(): Promise<Record<string, number>> {
    return this.page.evaluate(() => (window as unknown as { __corrections: Record<string, number> }).__corrections, undefined);
  }
  async close(): Promise<void> {
    this.closed = true;
    await this.page.close();
  }
}

const snapshots = (tabs: RoomTab[]): Promise<TabSnapshot[]> => Promise.all(tabs.map((t) => t.snapshot()));

/** One line per tab, for failure messages. */
async function describeTabs(tabs: RoomTab[]): Promise<string> {
  const names = new Map(tabs.map((t) => [t.id, t.label]));
  const lines = await Promise.all(
    tabs.map(async (t) => {
      try {
        const s = await t.snapshot();
        const peers = s.peers.map((p) => `${names.get(p.id) ?? p.id.slice(0, 8)}:${p.connected ? (p.relayed ? 'relayed' : 'direct') : 'down'}`).join(' ');
        return (
          `${t.name}: ${s.visibility} ${s.status} ${s.role} leader=${names.get(s.leader ?? '') ?? s.leader?.slice(0, 8) ?? '-'} slot=${s.state.slot} ` +
          `paused=${s.state.paused} position=${s.state.position} rate=${s.state.rate} peers=[${peers}] ` +
          `video=${s.video.currentTime.toFixed(3)}${s.video.paused ? ' (paused)' : ''} x${s.playbackRate.toFixed(3)} offset=${(s.offset * 1000).toFixed(1)} ms ` +
          `drift=${s.drift.toFixed(1)} ms clockOffset=${s.clockOffset.toFixed(1)} ms`
        );
      } catch (error) {
        return `${t.name}: no snapshot (${String(error)})`;
      }
    }),
  );
  return lines.join('\n');
}

/** {@link until} of tab-probe.ts, describing `tabs` on a timeout. */
const untilTabs = <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], timeoutMs = 30_000): Promise<T> =>
  until(what, check, () => describeTabs(tabs), timeoutMs);

/** {@link untilSteady} of tab-probe.ts, describing `tabs` on a timeout; resolves with every value of the run. */
const untilTabsSteady = <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], holdMs: number, timeoutMs = 30_000): Promise<T[]> =>
  untilSteady(what, check, () => describeTabs(tabs), holdMs, timeoutMs);

// ---- room-level checks ---------------------------------------------------------------------------------

/** Waits until `tabs` form a room: all synced, one leader known to all, every pair on a direct data channel. */
async function formed(tabs: RoomTab[], what: string, leaderAmong: RoomTab[] = tabs, timeoutMs = 90_000): Promise<TabSnapshot[]> {
  const s = await untilTabs(
    `${what}: every tab synced, one leader (among ${leaderAmong.map((x) => x.label).join(', ')}) known to all, every pair connected by a direct data channel (WebRTC needs a non-loopback interface: run in scripts/netns.sh)`,
    async () => {
      const s = await snapshots(tabs);
      const leader = s[0]!.leader;
      const leaderIndex = s.findIndex((x) => x.nodeId === leader);
      const ok =
        leader !== null &&
        leaderIndex >= 0 &&
        leaderAmong.includes(tabs[leaderIndex]!) &&
        s[leaderIndex]!.role === 'leader' &&
        s.filter((x) => x.role === 'leader').length === 1 &&
        s.every(
          (x) =>
            x.status === 'synced' &&
            x.leader === leader &&
            s.every((y) => y === x || x.peers.some((p) => p.id === y.nodeId && p.connected && !p.relayed)),
        );
      return ok && s;
    },
    tabs,
    timeoutMs,
  );
  s.forEach((x, i) => (tabs[i]!.id = x.nodeId));
  return s;
}

/** The tab that sent `accept` for `slot` since `marks`: the leader that decided it. */
async function decider(tabs: RoomTab[], marks: number[], slot: number): Promise<RoomTab | undefined> {
  let found: { tab: RoomTab; t: number } | undefined;
  for (const [i, x] of tabs.entries()) {
    const accept = (await x.log(marks[i])).filter((e) => e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'accept' && e.detail.slot === slot).at(-1);
    if (accept && (!found || accept.t > found.t)) found = { tab: x, t: accept.t };
  }
  return found?.tab;
}

const COMMAND_TYPE: Record<CommandName, string> = { play: 'play', pause: 'pause', seek: 'seek', setRate: 'rate' };

/** Video fields of a state (the slot aside: later slots may be no-ops or configuration changes). */
const timeline = (s: PaxosVideoState): string => JSON.stringify([s.src, s.paused, s.position, s.anchor, s.rate]);

/**
 * Issues `name(arg)` in `from`; waits until every tab applied it (same timeline, the slot's paxos-state
 * naming `from` as the proposer) and its video follows: paused at the position, or playing at the rate.
 * Resolves with the decided state and the tab whose leader decided it.
 */
async function decide(tabs: RoomTab[], from: RoomTab, name: CommandName, arg?: number): Promise<{ state: PaxosVideoState; leader: RoomTab | undefined }> {
  const marks = await Promise.all(tabs.map((x) => x.mark()));
  const what = `${name}(${arg ?? ''}) from ${from.name}`;
  const state = await from.command(name, arg);
  await untilTabs(
    `every tab to apply ${what} (slot ${state.slot}) and its video to follow`,
    async () => {
      const s = await snapshots(tabs);
      return s.every((x) => {
        if (x.state.slot < state.slot || timeline(x.state) !== timeline(state)) return false;
        if (state.paused) return x.video.paused && Math.abs(x.video.currentTime - state.position) <= PAUSED_TOLERANCE_S;
        return !x.video.paused && x.video.readyState >= 2 && Math.abs(x.playbackRate / state.rate - 1) <= RATE_TOLERANCE;
      });
    },
    tabs,
    APPLY_TIMEOUT_MS,
  );
  for (const [i, x] of tabs.entries()) {
    const applied = (await x.log(marks[i])).find((e) => e.type === 'paxos-state' && e.detail.slot === state.slot);
    // A tab that caught up by snapshot has no paxos-state of that very slot; every tab here was in the room.
    assert.ok(applied, `${x.name} fired paxos-state for slot ${state.slot}`);
    assert.ok(
      (applied.detail.commands as { type: string; proposer: string }[]).some((c) => c.type === COMMAND_TYPE[name] && c.proposer === from.id),
      `${x.name}: slot ${state.slot} holds ${what}`,
    );
  }
  return { state, leader: await decider(tabs, marks, state.slot) };
}

/**
 * Waits until every tab plays in step for {@link HOLD_MS}: each within {@link TIMELINE_TOLERANCE_MS} of the
 * decided timeline, and any two within {@link SPREAD_TOLERANCE_MS} of each other. Resolves with the largest
 * spread seen over that hold, ms, and the last offsets.
 */
async function inStep(tabs: RoomTab[], what: string): Promise<{ spreadMs: number; offsetsMs: number[] }> {
  const run = await untilTabsSteady(
    `${what}: every video playing within ${TIMELINE_TOLERANCE_MS} ms of the timeline and within ${SPREAD_TOLERANCE_MS} ms of each other`,
    async () => {
      const [offsets, s] = await Promise.all([Promise.all(tabs.map((x) => x.mediaOffset())), snapshots(tabs)]);
      const spread = Math.max(...offsets) - Math.min(...offsets);
      const ok =
        s.every((x) => !x.state.paused && !x.video.paused && timeline(x.state) === timeline(s[0]!.state)) &&
        offsets.every((o) => Math.abs(o) <= TIMELINE_TOLERANCE_MS) &&
        spread <= SPREAD_TOLERANCE_MS;
      return ok && { spread, offsets };
    },
    tabs,
    HOLD_MS,
    IN_STEP_TIMEOUT_MS,
  );
  return { spreadMs: Math.max(...run.map((r) => r.spread)), offsetsMs: run.at(-1)!.offsets };
}

/** The `paxos-error` and `paxos-autoplay-blocked` events a tab fired, one line each. */
async function problems(tab: RoomTab): Promise<string[]> {
  return (await tab.log()).filter((e) => e.type === 'paxos-error' || e.type === 'paxos-autoplay-blocked').map((e) => `${tab.name}: ${e.type} ${JSON.stringify(e.detail)}`);
}

/** Leader changes and prepares since `marks`, times in ms since `since` (machine clock), for the report. */
async function leadership(tabs: RoomTab[], marks: number[], since: number): Promise<string> {
  const names = new Map(tabs.map((t) => [t.id, t.label]));
  const lines: { t: number; text: string }[] = [];
  for (const [i, x] of tabs.entries()) {
    for (const e of await x.log(marks[i])) {
      if (e.type === 'paxos-leader') lines.push({ t: e.t, text: `${x.label} sees leader ${names.get(e.detail.leader) ?? e.detail.leader}` });
      else if (e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'prepare' && e.detail.to === tabs[(i + 1) % tabs.length]!.id) {
        lines.push({ t: e.t, text: `${x.label} campaigns` });
      }
    }
  }
  return lines
    .sort((a, b) => a.t - b.t)
    .map((l) => `${Math.round(l.t - since)} ms ${l.text}`)
    .join(', ');
}

/** `C0 3 nudges, 0 seeks in 40 events; ...` */
function describeCorrections(tabs: RoomTab[], counts: Record<string, number>[]): string {
  return tabs
    .map((x, i) => {
      const { none = 0, nudge = 0, seek = 0 } = counts[i]!;
      return `${x.label} ${nudge} nudges, ${seek} seeks in ${none + nudge + seek} events`;
    })
    .join('; ');
}

// ---- the world -----------------------------------------------------------------------------------------

interface World {
  origin: string;
  chromium: TabBrowser;
  firefox: PuppeteerBrowser;
  /** Opens `url` in a new Chromium window. */
  openChromium(label: string, url: string): Promise<RoomTab>;
  /** Opens `url` in a new Firefox window. */
  openFirefox(label: string, url: string): Promise<RoomTab>;
  close(): Promise<void>;
}

/** Starts the server, Chromium and Firefox; fails with what to do when a browser or the build is missing. */
async function startWorld(): Promise<World> {
  const chromePath = findChrome();
  if (!chromePath) throw new Error(process.env.CHROME_PATH ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist. ${HOW_TO_GET_CHROME}` : HOW_TO_GET_CHROME);
  const firefoxPath = findFirefox();
  if (!firefoxPath) throw new Error(process.env.FIREFOX_PATH ? `FIREFOX_PATH=${process.env.FIREFOX_PATH} does not exist. ${HOW_TO_GET_FIREFOX}` : HOW_TO_GET_FIREFOX);
  const cleanups: Array<() => Promise<unknown>> = [];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const server = await startTabServer('interop');
    cleanups.push(() => server.close());
    const chromium = await TabBrowser.launch(chromePath, 90_000);
    cleanups.push(() => chromium.close());
    const firefox = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      defaultViewport: null,
      timeout: 90_000,
      protocolTimeout: 120_000,
    });
    cleanups.push(() => firefox.close());
    return {
      origin: server.origin,
      chromium,
      firefox,
      async openChromium(label, url) {
        const tab = await chromium.open(url, 90_000);
        const roomTab = new RoomTab(label, 'Chromium', tab.page as unknown as PageLike);
        await roomTab.countCorrections();
        return roomTab;
      },
      async openFirefox(label, url) {
        // A window of its own: a background tab of a shared window would be hidden, and a hidden tab never leads.
        const page = await firefox.newPage({ type: 'window' });
        page.on('pageerror', (error) => console.error(`[${label}] page error: ${error instanceof Error ? error.message : String(error)}`));
        await page.goto(url, { waitUntil: 'load', timeout: 90_000 });
        const roomTab = new RoomTab(label, 'Firefox', page as unknown as PageLike);
        await roomTab.countCorrections();
        return roomTab;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

// ---- the test ------------------------------------------------------------------------------------------

/**
 * Without Firefox, an ordinary `npm test` skips this test and says how to get one; under CI (CI=true, as
 * .ci/run sets up Firefox ESR) a missing Firefox fails it.
 */
const skipWithoutFirefox = !findFirefox() && !process.env['CI'] ? `no Firefox here. ${HOW_TO_GET_FIREFOX}` : false;

describe('Chromium and Firefox in one room (real browsers, real WebRTC)', () => {
  let world: World | undefined;
  after(async () => {
    await world?.close();
  });

  it('forms a direct mesh, decides and applies commands from both browsers in step, and runs under a Firefox leader', { timeout: 480_000, skip: skipWithoutFirefox }, async (t) => {
    const started = performance.now();
    const phase = (text: string): void => t.diagnostic(`${((performance.now() - started) / 1000).toFixed(1)} s: ${text}`);
    world = await startWorld();
    t.diagnostic(`Chromium ${world.chromium.version}, Firefox ${await world.firefox.version()}, puppeteer-core WebDriver BiDi`);
    const url = `${world.origin}/tab.html?room=interop-${Math.random().toString(36).slice(2, 10)}`;
    const all: RoomTab[] = [];
    const decidedBy = (leader: RoomTab | undefined): string => (leader ? `decided by ${leader.name}` : 'decider not seen');

    // ---- 1. a room of one Chromium and two Firefox tabs, on direct data channels ----
    const c0 = await world.openChromium('C0', url);
    all.push(c0);
    await untilTabs('C0 to found the room', async () => (await c0.snapshot()).status === 'synced', all, 60_000);
    const f0 = await world.openFirefox('F0', url);
    const f1 = await world.openFirefox('F1', url);
    all.push(f0, f1);
    let room = [c0, f0, f1];
    const first = await formed(room, 'a room of C0, F0 and F1');
    const firefoxSide = first.slice(1);
    assert.ok(
      firefoxSide.every((s) => s.webLocks),
      'Firefox has Web Locks on the test origin (they guard the node id)',
    );
    assert.ok(
      first.every((s) => s.visibility === 'visible'),
      'every window is visible',
    );
    assert.equal(new Set(first.map((s) => s.nodeId)).size, 3, 'three distinct node ids');
    const leader1 = room.find((x) => x.id === first[0]!.leader)!;
    phase(
      `room formed; leader ${leader1.name}; 6 of 6 links direct; rVFC in Firefox: ${firefoxSide.every((s) => s.rvfc)}; ` +
        `RTT ms ${first.flatMap((s, i) => s.peers.map((p) => `${room[i]!.label}>${room.find((x) => x.id === p.id)?.label}:${p.rtt?.toFixed(2) ?? '?'}`)).join(' ')}`,
    );

    // ---- 2. commands from Firefox, then from Chromium, decided and applied by both browsers ----
    const deciders: string[] = [];
    /** A command from `from`, decided and applied by all; with `check`, a playing room must get in step. */
    const step = async (from: RoomTab, name: CommandName, arg?: number, check = true): Promise<RoomTab | undefined> => {
      const { state, leader } = await decide(room, from, name, arg);
      deciders.push(`${name} from ${from.label} by ${leader?.label ?? '?'}`);
      let tail = '';
      if (!state.paused && check) {
        const { spreadMs, offsetsMs } = await inStep(room, `after ${name}(${arg ?? ''}) from ${from.name}`);
        tail = `; in step: spread at most ${spreadMs.toFixed(1)} ms over ${HOLD_MS} ms, offsets ${offsetsMs.map((o, i) => `${room[i]!.label} ${o.toFixed(1)}`).join(', ')} ms`;
      }
      phase(`${name}(${arg ?? ''}) from ${from.name} ${decidedBy(leader)} (slot ${state.slot}), applied by ${room.map((x) => x.label).join(', ')}${tail}`);
      return leader;
    };
    // Positions and rates keep the 60 s video from ending (see APPLY_TIMEOUT_MS).
    const phase2 = [
      await step(f0, 'play'),
      await step(f1, 'seek', 1, false), // checked with the rate change that follows
      await step(f0, 'setRate', 1.25),
      await step(f1, 'pause'),
      await step(c0, 'setRate', 1),
      await step(c0, 'seek', 1),
      await step(c0, 'play'),
      await step(c0, 'pause'),
    ];
    // The founder normally keeps leading; a stall of its tab past the election timeout (0.4-0.75 s) on a
    // loaded machine may hand leadership to Firefox earlier, which the report shows.
    t.diagnostic(`Firefox's commands decided by a Chromium leader: ${phase2.slice(0, 4).filter((l) => l?.browser === 'Chromium').length} of 4`);

    const counted = await Promise.all(room.map((x) => x.corrections()));
    t.diagnostic(`drift corrections so far (paxos-sync): ${describeCorrections(room, counted)}`);
    const problemsSeen = await problems(c0);

    // ---- 3. the Chromium tab leaves: Firefox leads; a new Chromium tab joins the Firefox-led room ----
    await c0.close();
    room = [f0, f1];
    const second = await formed(room, 'F0 and F1 alone after C0 closed', room, 60_000);
    const ffLeader = room.find((x) => x.id === second[0]!.leader)!;
    const ffFollower = room.find((x) => x !== ffLeader)!;
    phase(`C0 closed; ${ffLeader.name} leads`);
    /** Asserts that a Firefox tab decided a step. */
    const byFirefox = (leader: RoomTab | undefined, what: string): void => assert.equal(leader?.browser, 'Firefox', `a Firefox leader decided ${what}`);
    byFirefox(await step(ffFollower, 'seek', 0), "the other Firefox tab's seek");
    byFirefox(await step(ffFollower, 'play'), "the other Firefox tab's play");

    // A new Chromium tab joins the Firefox-led room mid-play. Leadership may move meanwhile, between the
    // Firefox tabs or to the newcomer, when a stall of the Firefox process (on a loaded machine) outlasts the
    // election timeout: the report shows who campaigned when. A Chromium newcomer that took the lead is
    // closed (leadership returns to Firefox) and another joins, up to three times.
    let c1: RoomTab | undefined;
    for (let attempt = 1; !c1; attempt++) {
      byFirefox(await step(ffFollower, 'seek', 1, false), 'a seek back before a Chromium tab joins');
      const marks = await Promise.all(room.map((x) => x.mark()));
      const at = performance.timeOrigin + performance.now();
      const c = await world.openChromium(`C${attempt}`, url);
      all.push(c);
      room = [f0, f1, c];
      marks.push(0);
      const s = await formed(room, `${c.label} joined the Firefox-led room`).catch(async (error: Error) => {
        error.message += `\nleadership since ${c.label} opened: ${await leadership(room, marks, at)}`;
        throw error;
      });
      const leader = room.find((x) => x.id === s[0]!.leader)!;
      const moved = leader === ffLeader ? '' : `; leadership moved: ${await leadership(room, marks, at)}`;
      phase(`${c.label} joined; ${leader.name} leads${moved}`);
      if (leader.browser === 'Firefox') {
        c1 = c;
        break;
      }
      assert.ok(attempt < 3, `a joining Chromium tab took the lead ${attempt} times in a row`);
      problemsSeen.push(...(await problems(c)));
      await c.close();
      room = [f0, f1];
      await formed(room, `F0 and F1 alone after ${c.label} closed`, room, 60_000);
    }
    const joined = await inStep(room, `${c1.label} caught up mid-play`);
    phase(`${c1.label} joined mid-play and caught up: spread at most ${joined.spreadMs.toFixed(1)} ms`);
    byFirefox(await step(c1, 'seek', 1), "the Chromium tab's seek");
    byFirefox(await step(c1, 'pause'), "the Chromium tab's pause");
    // The leader's own commands (no forward).
    const now = (await f0.snapshot()).leader;
    const leading = room.find((x) => x.id === now && x.browser === 'Firefox');
    assert.ok(leading, `a Firefox tab leads (leader ${now})`);
    assert.equal(await step(leading, 'seek', 2), leading, 'the Firefox leader decided its own seek');
    assert.equal(await step(leading, 'play'), leading, 'the Firefox leader decided its own play');

    // ---- the whole run ----
    const live = all.filter((x) => !x.closed);
    for (const x of live) problemsSeen.push(...(await problems(x)));
    assert.deepEqual(problemsSeen, [], 'no paxos-error and no paxos-autoplay-blocked (the videos are muted) in any tab');
    phase(`done; ${deciders.join('; ')}`);
    const counts = await Promise.all(live.map((x) => x.corrections()));
    t.diagnostic(`drift corrections since each tab opened (paxos-sync): ${describeCorrections(live, counts)}`);
  });
});
