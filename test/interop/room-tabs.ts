/**
 * The tabs of the cross-browser tests (test/interop/): each a real page (test/tabs/tab.html) in Chromium,
 * Firefox or WebKit, driven through the page's probe, and the room-level checks those tests share: a room
 * formed, a command decided and applied by every tab, videos in step, and what to report.
 *
 * Every wait polls the pages with a deadline, and says where every tab stood when it gave up.
 */
import assert from 'node:assert/strict';
import type { PaxosVideoState } from '../../src/events.js';
import { type CommandResult, type LogEntry, type TabSnapshot as ProbeSnapshot, until, untilSteady } from '../tabs/tab-probe.js';

/**
 * Most two tabs' videos may differ while playing, ms: each tab's position minus the decided timeline's at the
 * moment it is read (machine clock), compared across tabs.
 */
export const SPREAD_TOLERANCE_MS = 50;
/** Most any tab's video may be off the decided timeline while playing, ms. */
export const TIMELINE_TOLERANCE_MS = 100;
/** How long one reading of a video's position samples it (see {@link RoomTab.mediaOffset}), ms. */
export const SAMPLE_MS = 100;
/**
 * The demo video lasts 60 s and must not reach its end: every stretch of playing starts near the beginning,
 * at most at 1.25x, and gives up on a wait after these times (a loaded machine may need tens of seconds).
 */
export const APPLY_TIMEOUT_MS = 30_000;
export const IN_STEP_TIMEOUT_MS = 35_000;
/** How long the videos must stay that close, on end, ms. */
export const HOLD_MS = 2000;
/** A paused video's distance from the decided position, s (the driver seeks when it is over 8 ms off). */
export const PAUSED_TOLERANCE_S = 0.02;
/** The drift controller nudges the rate by up to 8 % plus a 2 % trim: the video's rate against the decided one. */
export const RATE_TOLERANCE = 0.11;

// ---- the page's probe (test/tabs/tab.html) -------------------------------------------------------------

export type BrowserName = 'Chromium' | 'Firefox' | 'WebKit';
export type CommandName = 'play' | 'pause' | 'seek' | 'setRate';

export interface PeerView {
  id: string;
  connected: boolean;
  relayed: boolean;
  rtt: number | null;
}

/** The probe's snapshot, plus what this test reads beside it. */
export interface TabSnapshot extends ProbeSnapshot {
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
  /** `RTCPeerConnection` exists (Debian's WebKit has none: its every link goes through the server's relay). */
  webrtc: boolean;
}

export interface ProbeWindow {
  __tab: {
    el: HTMLElement & { video: HTMLVideoElement | null; peers: PeerView[]; stats: { drift: number; clockOffset: number }; state: PaxosVideoState };
    log(from?: number): LogEntry[];
    snapshot(): Omit<TabSnapshot, 'playbackRate' | 'muted' | 'peers' | 'drift' | 'clockOffset' | 'webLocks' | 'rvfc' | 'webrtc'>;
    command(name: CommandName, arg?: number): Promise<CommandResult>;
  };
}

/**
 * What the drivers' pages offer: Playwright's, puppeteer's and webkit-browser.ts's `evaluate(fn, arg)` have
 * the same shape.
 */
export interface PageLike {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

/** A tab of the room, driven through its probe, in any browser. */
export class RoomTab {
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
        webrtc: typeof RTCPeerConnection === 'function',
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
  /** Calls `name(arg)` in the page; resolves with the decided state and the time it took there, ms. */
  async command(name: CommandName, arg?: number): Promise<{ state: PaxosVideoState; ms: number }> {
    const result = await this.page.evaluate(([n, a]) => (window as unknown as ProbeWindow).__tab.command(n, a), [name, arg] as const);
    if (!result.ok) throw new Error(`${this.name}: ${name}(${arg ?? ''}) failed: ${result.code ?? ''} ${result.message}`);
    return { state: result.state, ms: result.ms };
  }
  /** Starts counting the drift controller's actions (`paxos-sync`), before anything plays. */
  countCorrections(): Promise<void> {
    return this.page.evaluate(() => {
      const w = window as unknown as ProbeWindow & { __corrections: Record<string, number> };
      w.__corrections = { none: 0, nudge: 0, seek: 0 };
      const last: unknown[] = ((w as unknown as { __lastSyncs: unknown[] }).__lastSyncs = []);
      w.__tab.el.addEventListener('paxos-sync', (e) => {
        const detail = (e as CustomEvent<{ action: string; drift: number; rate: number }>).detail;
        w.__corrections[detail.action] = (w.__corrections[detail.action] ?? 0) + 1;
        // The last few, for a failure message (paxos-sync is not in the probe's log).
        last.push({ t: performance.timeOrigin + performance.now(), ...detail });
        if (last.length > 6) last.shift();
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

export const snapshots = (tabs: RoomTab[]): Promise<TabSnapshot[]> => Promise.all(tabs.map((t) => t.snapshot()));

/** One line per tab, for failure messages. */
export async function describeTabs(tabs: RoomTab[]): Promise<string> {
  const names = new Map(tabs.map((t) => [t.id, t.label]));
  const lines = await Promise.all(
    tabs.map(async (t) => {
      try {
        const s = await t.snapshot();
        const peers = s.peers.map((p) => `${names.get(p.id) ?? p.id.slice(0, 8)}:${p.connected ? (p.relayed ? 'relayed' : 'direct') : 'down'}`).join(' ');
        // The drift controller's last decisions (paxos-sync, throttled to one every 500 ms while it does nothing).
        const recent = await t.page.evaluate(() => (window as unknown as { __lastSyncs?: { t: number; action: string; drift: number; rate: number }[] }).__lastSyncs ?? [], undefined);
        const syncs = recent.map((e) => `${Math.round(e.t - performance.timeOrigin - performance.now())} ms ${e.action} ${Number(e.drift).toFixed(1)} x${Number(e.rate).toFixed(3)}`);
        return (
          `${t.name}: ${s.visibility} ${s.status} ${s.role} leader=${names.get(s.leader ?? '') ?? s.leader?.slice(0, 8) ?? '-'} slot=${s.state.slot} ` +
          `paused=${s.state.paused} position=${s.state.position} rate=${s.state.rate} peers=[${peers}] ` +
          `video=${s.video.currentTime.toFixed(3)}${s.video.paused ? ' (paused)' : ''} x${s.playbackRate.toFixed(3)} offset=${(s.offset * 1000).toFixed(1)} ms ` +
          `drift=${s.drift.toFixed(1)} ms clockOffset=${s.clockOffset.toFixed(1)} ms; last paxos-sync: ${syncs.join(', ') || 'none'}`
        );
      } catch (error) {
        return `${t.name}: no snapshot (${String(error)})`;
      }
    }),
  );
  return lines.join('\n');
}

/** {@link until} of tab-probe.ts, describing `tabs` on a timeout. */
export const untilTabs = <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], timeoutMs = 30_000): Promise<T> =>
  until(what, check, () => describeTabs(tabs), timeoutMs);

/** {@link untilSteady} of tab-probe.ts, describing `tabs` on a timeout; resolves with every value of the run. */
export const untilTabsSteady = <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], holdMs: number, timeoutMs = 30_000): Promise<T[]> =>
  untilSteady(what, check, () => describeTabs(tabs), holdMs, timeoutMs);

// ---- room-level checks ---------------------------------------------------------------------------------

/**
 * Waits until `tabs` form a room: all synced, one leader known to all, every pair connected: on a direct
 * data channel when both tabs have WebRTC, else through the server's relay (both sides say `relayed`).
 */
export async function formed(tabs: RoomTab[], what: string, leaderAmong: RoomTab[] = tabs, timeoutMs = 90_000): Promise<TabSnapshot[]> {
  const s = await untilTabs(
    `${what}: every tab synced, one leader (among ${leaderAmong.map((x) => x.label).join(', ')}) known to all, every pair connected, by a direct data channel where both have WebRTC (which needs a non-loopback interface: run in scripts/netns.sh), else relayed`,
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
            s.every((y) => y === x || x.peers.some((p) => p.id === y.nodeId && p.connected && p.relayed === !(x.webrtc && y.webrtc))),
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
export async function decider(tabs: RoomTab[], marks: number[], slot: number): Promise<RoomTab | undefined> {
  let found: { tab: RoomTab; t: number } | undefined;
  for (const [i, x] of tabs.entries()) {
    const accept = (await x.log(marks[i])).filter((e) => e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'accept' && e.detail.slot === slot).at(-1);
    if (accept && (!found || accept.t > found.t)) found = { tab: x, t: accept.t };
  }
  return found?.tab;
}

export const COMMAND_TYPE: Record<CommandName, string> = { play: 'play', pause: 'pause', seek: 'seek', setRate: 'rate' };

/** Video fields of a state (the slot aside: later slots may be no-ops or configuration changes). */
export const timeline = (s: PaxosVideoState): string => JSON.stringify([s.src, s.paused, s.position, s.anchor, s.rate]);

/**
 * Issues `name(arg)` in `from`; waits until every tab applied it (same timeline, the slot's paxos-state
 * naming `from` as the proposer) and its video follows: paused at the position, or playing at the rate.
 * Resolves with the decided state, the tab whose leader decided it, and the time from the call to the
 * decision in `from`, ms.
 */
export async function decide(
  tabs: RoomTab[],
  from: RoomTab,
  name: CommandName,
  arg?: number,
): Promise<{ state: PaxosVideoState; leader: RoomTab | undefined; ms: number }> {
  const marks = await Promise.all(tabs.map((x) => x.mark()));
  const what = `${name}(${arg ?? ''}) from ${from.name}`;
  const { state, ms } = await from.command(name, arg);
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
  return { state, leader: await decider(tabs, marks, state.slot), ms };
}

/**
 * Waits until every tab plays in step for {@link HOLD_MS}: each within {@link TIMELINE_TOLERANCE_MS} of the
 * decided timeline, and any two within {@link SPREAD_TOLERANCE_MS} of each other. Resolves with the largest
 * spread seen over that hold, ms, the last offsets, and every tab's offsets read over the hold (`heldMs[i]`).
 */
export async function inStep(tabs: RoomTab[], what: string): Promise<{ spreadMs: number; offsetsMs: number[]; heldMs: number[][] }> {
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
  return { spreadMs: Math.max(...run.map((r) => r.spread)), offsetsMs: run.at(-1)!.offsets, heldMs: tabs.map((_, i) => run.map((r) => r.offsets[i]!)) };
}

/** The `paxos-error` and `paxos-autoplay-blocked` events a tab fired, one line each. */
export async function problems(tab: RoomTab): Promise<string[]> {
  return (await tab.log()).filter((e) => e.type === 'paxos-error' || e.type === 'paxos-autoplay-blocked').map((e) => `${tab.name}: ${e.type} ${JSON.stringify(e.detail)}`);
}

/** Leader changes and prepares since `marks`, times in ms since `since` (machine clock), for the report. */
export async function leadership(tabs: RoomTab[], marks: number[], since: number): Promise<string> {
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
export function describeCorrections(tabs: RoomTab[], counts: Record<string, number>[]): string {
  return tabs
    .map((x, i) => {
      const { none = 0, nudge = 0, seek = 0 } = counts[i]!;
      return `${x.label} ${nudge} nudges, ${seek} seeks in ${none + nudge + seek} events`;
    })
    .join('; ');
}
