/**
 * The hidden-tab rule in a real browser: Chrome throttles a hidden tab's timers (to once a second), so a
 * hidden tab must not lead, must act as an acceptor only on incoming messages, keeps its state, and resyncs
 * when it is shown again.
 *
 * Three tabs of one headless Chromium, each in its own window (test/tabs/tab-browser.ts), on the real
 * signaling server started here on loopback, with real WebRTC. Hiding a tab minimizes its window: that page
 * alone becomes `hidden` (and throttled), nothing is faked. The unit side of the rule is
 * test/consensus/eligibility.test.ts.
 *
 * The story: three visible tabs form a room; the leader's tab is hidden (its timers slow to about one run
 * a second) and a visible tab takes over; the hidden tab applies what is decided, and votes: with the other
 * visible tab cut off, a decision needs its `accepted`. Then every tab is hidden: nobody leads and nobody
 * campaigns, even after the first hidden tab's timers ran past its election timeout. Shown again, that tab
 * leads (the hidden tabs promise to it, on its messages alone), its video resyncs to the decided timeline,
 * and it decides with two hidden acceptors. Last, every tab is shown and the room plays in sync.
 *
 * Needs `npm run build` (the server comes from dist/; the widget is built from the sources with its test
 * hooks, to cut a link), Chrome or Chromium, and a non-loopback network interface for WebRTC: CI runs it in
 * `scripts/netns.sh npm test`.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { findChrome, HOW_TO_GET_CHROME } from '../../scripts/find-chrome.mjs';
import type { PaxosVideoState } from '../../src/events.js';
import { TabBrowser, type Tab } from './tab-browser.js';
import { startTabServer } from './tab-server.js';
import { type CommandResult, type LogEntry, type TabSnapshot, until, untilSteady } from './tab-probe.js';


/** How far a shown tab's video may be from the decided timeline once it has resynced, s. */
const POSITION_TOLERANCE_S = 0.1;
/** ... and for how long it must stay that close, ms. */
const HOLD_MS = 1000;
/**
 * The element's election timeout is at most 2 * 8 - 1 = 15 ticks of its 50 ms timer. A tab whose own 50 ms
 * timer ran this many times with no leader in the room would have campaigned if it were allowed to.
 */
const TIMER_RUNS_PAST_ELECTION_TIMEOUT = 20;

// ---- the page's probe (test/tabs/tab.html) -------------------------------------------------------------

interface TabProbe {
  timerRuns(): number;
  log(from?: number): LogEntry[];
  snapshot(): TabSnapshot;
  command(name: 'play' | 'pause' | 'seek', arg?: number): Promise<CommandResult>;
  block(peer: string, blocked: boolean): void;
}

declare global {
  interface Window {
    /** The probe of test/tabs/tab.html. */
    __tab: TabProbe;
  }
}

/** A tab of the room, driven through its probe. */
class RoomTab {
  /** This tab's node id, once joined. */
  id = '';
  constructor(readonly tab: Tab) {}

  get label(): string {
    return this.id ? `${this.tab.label} (${this.id.slice(0, 8)})` : this.tab.label;
  }
  snapshot(): Promise<TabSnapshot> {
    return this.tab.page.evaluate(() => window.__tab.snapshot());
  }
  log(from = 0): Promise<LogEntry[]> {
    return this.tab.page.evaluate((f) => window.__tab.log(f), from);
  }
  /** Index of the next log entry: what happens from now on is `log(await mark())`. */
  async mark(): Promise<number> {
    return this.tab.page.evaluate(() => window.__tab.log().length);
  }
  timerRuns(): Promise<number> {
    return this.tab.page.evaluate(() => window.__tab.timerRuns());
  }
  async command(name: 'play' | 'pause' | 'seek', arg?: number): Promise<PaxosVideoState> {
    const result = await this.tab.page.evaluate(([n, a]) => window.__tab.command(n, a), [name, arg] as const);
    if (!result.ok) throw new Error(`${this.label}: ${name}(${arg ?? ''}) failed: ${result.code ?? ''} ${result.message}`);
    return result.state;
  }
  block(peer: RoomTab, blocked: boolean): Promise<void> {
    return this.tab.page.evaluate(([p, b]) => window.__tab.block(p, b), [peer.id, blocked] as const);
  }
  setHidden(hidden: boolean): Promise<void> {
    return this.tab.setHidden(hidden);
  }
}

const snapshots = (tabs: RoomTab[]): Promise<TabSnapshot[]> => Promise.all(tabs.map((t) => t.snapshot()));

/** One line per tab, for failure messages. */
async function describeTabs(tabs: RoomTab[]): Promise<string> {
  const lines = await Promise.all(
    tabs.map(async (t) => {
      try {
        const s = await t.snapshot();
        return `${t.label}: ${s.visibility} ${s.status} ${s.role} leader=${s.leader?.slice(0, 8) ?? '-'} slot=${s.state.slot} paused=${s.state.paused} position=${s.state.position} connected=${s.connected.length} video=${s.video.currentTime.toFixed(3)}${s.video.paused ? ' (paused)' : ''} offset=${s.offset.toFixed(3)}`;
      } catch (error) {
        return `${t.label}: no snapshot (${String(error)})`;
      }
    }),
  );
  // What the room decided, as the first tab applied it: who proposed what, and when.
  let decided = '';
  try {
    const log = await tabs[0]!.log();
    const byId = new Map(tabs.map((t) => [t.id, t.tab.label]));
    decided = log
      .filter((e) => e.type === 'paxos-state' || e.type === 'visibilitychange')
      .slice(-12)
      .map((e) =>
        e.type === 'paxos-state'
          ? `  slot ${e.detail.slot}: ${(e.detail.commands as { type: string; proposer: string }[]).map((c) => `${c.type} by ${byId.get(c.proposer) ?? c.proposer}`).join(', ') || 'no command'}`
          : `  ${tabs[0]!.tab.label} became ${e.detail}`,
      )
      .join('\n');
  } catch {
    // the page is gone
  }
  return `${lines.join('\n')}\n${tabs[0]?.tab.label ?? ''} applied, last:\n${decided}`;
}

/** {@link until} of tab-probe.ts, describing `tabs` on a timeout. */
const untilTabs = <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], timeoutMs = 30_000): Promise<T> =>
  until(what, check, () => describeTabs(tabs), timeoutMs);

/** {@link untilSteady} of tab-probe.ts, describing `tabs` on a timeout; resolves with the last value. */
const untilTabsSteady = async <T>(what: string, check: () => Promise<T | undefined | null | false>, tabs: RoomTab[], holdMs: number, timeoutMs = 30_000): Promise<T> =>
  (await untilSteady(what, check, () => describeTabs(tabs), holdMs, timeoutMs)).at(-1)!;

// ---- the test ----------------------------------------------------------------------------------------

/** The test's world: a signaling server serving the tab page, and a Chromium. */
interface World {
  origin: string;
  browser: TabBrowser;
  close(): Promise<void>;
}

/** Starts the server and Chromium; fails with what to do when Chromium or the build is missing. */
async function startWorld(): Promise<World> {
  const executablePath = findChrome();
  if (!executablePath) {
    throw new Error(process.env.CHROME_PATH ? `CHROME_PATH=${process.env.CHROME_PATH} does not exist. ${HOW_TO_GET_CHROME}` : HOW_TO_GET_CHROME);
  }
  const server = await startTabServer('hidden-tab', 'with-test-hooks');
  try {
    const browser = await TabBrowser.launch(executablePath);
    return {
      origin: server.origin,
      browser,
      async close() {
        await browser.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
}

describe('a hidden tab (real Chromium, one window per tab)', () => {
  let world: World | undefined;
  after(async () => {
    await world?.close();
  });

  it('hands leadership to a visible tab, still accepts and applies while hidden, and resyncs when shown', { timeout: 300_000 }, async (t) => {
    const started = performance.now();
    world = await startWorld();
    const b = world.browser;
    const origin = world.origin;
    const phase = (name: string): void => t.diagnostic(`${((performance.now() - started) / 1000).toFixed(1)} s: ${name}`);
    t.diagnostic(`Chromium ${b.version}`);

    // ---- a room of three visible tabs ----
    const room = `hidden-${Math.random().toString(36).slice(2, 10)}`;
    const tabs: RoomTab[] = [];
    for (let i = 0; i < 3; i++) {
      const tab = new RoomTab(await b.open(`${origin}/tab.html?room=${room}`));
      tabs.push(tab);
      // The first tab founds the room; the others join it.
      if (i === 0) await untilTabs('the first tab synced', async () => (await tab.snapshot()).status === 'synced', tabs, 60_000);
    }
    const formed = await untilTabs(
      'a room of 3: every tab synced, one leader known to all, a full mesh, 3 acceptors (WebRTC needs a non-loopback interface: run in scripts/netns.sh)',
      async () => {
        const s = await snapshots(tabs);
        const leader = s[0]!.leader;
        const ok =
          leader !== null &&
          s.every((x) => x.status === 'synced' && x.leader === leader && x.connected.length === 2 && x.role !== 'learner') &&
          s.filter((x) => x.role === 'leader').length === 1;
        return ok && s;
      },
      tabs,
      90_000,
    );
    formed.forEach((s, i) => (tabs[i]!.id = s.nodeId));
    assert.deepEqual(
      formed.map((s) => s.visibility),
      ['visible', 'visible', 'visible'],
      'every window starts visible',
    );
    const hidden = tabs[formed.findIndex((s) => s.role === 'leader')]!;
    const visible = tabs.filter((x) => x !== hidden);
    const relayedLinks = formed.reduce((n, s) => n + s.relayed.length, 0);
    phase(`room formed; leader ${hidden.label}; ${6 - relayedLinks} of 6 links direct WebRTC, ${relayedLinks} relayed`);

    // ---- hide the leader's tab: leadership moves to a visible tab ----
    const marks = new Map(await Promise.all(tabs.map(async (x) => [x, await x.mark()] as const)));
    const since = (x: RoomTab): Promise<LogEntry[]> => x.log(marks.get(x));
    await hidden.setHidden(true);
    const [hiddenChange] = (await since(hidden)).filter((e) => e.type === 'visibilitychange');
    assert.equal(hiddenChange?.detail, 'hidden', 'the minimized tab got a visibilitychange to hidden');
    for (const x of visible) {
      assert.equal((await x.snapshot()).visibility, 'visible', `${x.label} stays visible`);
      assert.ok(!(await since(x)).some((e) => e.type === 'visibilitychange'), `${x.label} got no visibilitychange`);
    }
    const hiddenAt = hiddenChange.t;
    // Chrome throttles the hidden tab's timers (to about once a second), not the visible ones' (20 a second):
    // the proof that it is really hidden. A quarter of the visible rate leaves room for a loaded machine.
    const runs0 = await Promise.all(tabs.map((x) => x.timerRuns()));
    const ran = (runs: number[], x: RoomTab): number => runs[tabs.indexOf(x)]! - runs0[tabs.indexOf(x)]!;
    const runs = await untilTabs(
      'a visible tab to run its 50 ms timer 60 times',
      async () => {
        const now = await Promise.all(tabs.map((x) => x.timerRuns()));
        return ran(now, visible[0]!) >= 60 && now;
      },
      tabs,
    );
    assert.ok(
      ran(runs, hidden) <= ran(runs, visible[0]!) / 4,
      `the hidden tab's 50 ms timer is throttled: it ran ${ran(runs, hidden)} times while a visible tab's ran ${ran(runs, visible[0]!)} times`,
    );
    t.diagnostic(`50 ms timer runs meanwhile: hidden ${ran(runs, hidden)}, visible ${visible.map((x) => ran(runs, x)).join(' and ')}`);

    const newLeaderId = await untilTabs(
      'a paxos-leader event naming a visible tab on both visible tabs, and every tab agreeing',
      async () => {
        const named = await Promise.all(visible.map(async (x) => (await since(x)).filter((e) => e.type === 'paxos-leader').at(-1)?.detail.leader as string | undefined));
        const id = named[0];
        if (!id || named.some((n) => n !== id) || !visible.some((x) => x.id === id)) return undefined;
        const s = await snapshots(tabs);
        return s.every((x) => x.leader === id) && s.find((x) => x.nodeId === id)!.role === 'leader' && id;
      },
      tabs,
    );
    const leaderEvent = (await since(visible.find((x) => x.id === newLeaderId)!)).find((e) => e.type === 'paxos-leader' && e.detail.leader === newLeaderId)!;
    phase(`leader hidden; ${tabs.find((x) => x.id === newLeaderId)!.label} leads ${Math.round(leaderEvent.t - hiddenAt)} ms after the hide`);
    assert.notEqual((await hidden.snapshot()).role, 'leader', 'the hidden tab stepped down');
    const leader = visible.find((x) => x.id === newLeaderId)!;
    const follower = visible.find((x) => x !== leader)!;

    // ---- the hidden tab keeps its state: it applies what is decided ----
    const seek5 = await follower.command('seek', 5);
    await untilTabs(
      'the hidden tab to apply seek(5)',
      async () => {
        const s = await hidden.snapshot();
        return s.state.slot === seek5.slot && s.state.position === 5;
      },
      tabs,
    );
    const applied = (await since(hidden)).find((e) => e.type === 'paxos-state' && e.detail.slot === seek5.slot);
    assert.ok(applied && applied.t > hiddenAt, 'the hidden tab applied the slot while hidden (paxos-state)');
    phase(`seek(5) from ${follower.label} decided (slot ${seek5.slot}) and applied by the hidden tab`);

    // ---- a decision that needs the hidden tab's vote: the other visible tab is cut off ----
    const cut = async (blocked: boolean): Promise<void> => {
      for (const x of [leader, hidden]) {
        await follower.block(x, blocked);
        await x.block(follower, blocked);
      }
    };
    await cut(true);
    await untilTabs('the cut-off tab to report no quorum', async () => (await follower.snapshot()).status === 'no-quorum', tabs);
    const leaderMark = await leader.mark();
    const hiddenMark = await hidden.mark();
    const seek2 = await leader.command('seek', 2);
    const voted = (await hidden.log(hiddenMark)).filter(
      (e) => e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'accepted' && e.detail.slot === seek2.slot,
    );
    assert.ok(
      voted.some((e) => e.detail.to === leader.id),
      `the hidden tab sent accepted for slot ${seek2.slot} to the leader`,
    );
    const votes = (await leader.log(leaderMark)).filter(
      (e) => e.type === 'paxos-message' && e.detail.direction === 'receive' && e.detail.type === 'accepted' && e.detail.slot === seek2.slot,
    );
    assert.deepEqual(
      [...new Set(votes.map((e) => e.detail.from as string))],
      [hidden.id],
      'the leader decided with the hidden tab as the only other acceptor',
    );
    assert.equal((await hidden.snapshot()).visibility, 'hidden');
    await untilTabs('the hidden tab to apply seek(2)', async () => (await hidden.snapshot()).state.slot === seek2.slot, tabs);
    await cut(false);
    await untilTabs(
      'the cut-off tab back in sync',
      async () => {
        const s = await follower.snapshot();
        return s.status === 'synced' && s.state.slot >= seek2.slot;
      },
      tabs,
      60_000,
    );
    phase(`seek(2) decided with the hidden tab's vote (slot ${seek2.slot}); the cut healed`);

    // ---- play, then hide every tab: nobody may lead, the hidden tab does not campaign ----
    const play = await follower.command('play');
    await untilTabs(
      'every tab to apply play',
      async () => (await snapshots(tabs)).every((s) => s.state.slot >= play.slot && !s.state.paused),
      tabs,
    );
    for (const x of visible) await x.setHidden(true);
    await untilTabs('no tab to lead once every tab is hidden', async () => (await snapshots(tabs)).every((s) => s.role !== 'leader'), tabs);
    const allHiddenRuns = await hidden.timerRuns();
    await untilTabs(
      `the first hidden tab's 50 ms timer to run ${TIMER_RUNS_PAST_ELECTION_TIMEOUT} more times (past its election timeout)`,
      async () => (await hidden.timerRuns()) - allHiddenRuns >= TIMER_RUNS_PAST_ELECTION_TIMEOUT,
      tabs,
      120_000,
    );
    for (const x of tabs) {
      const log = await since(x);
      const hiddenSince = x === hidden ? hiddenAt : log.find((e) => e.type === 'visibilitychange' && e.detail === 'hidden')!.t;
      const prepares = log.filter((e) => e.t >= hiddenSince && e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'prepare');
      assert.deepEqual(prepares, [], `${x.label} sent no prepare while hidden`);
      const selfLeader = log.filter((e) => e.t >= hiddenSince && e.type === 'paxos-leader' && e.detail.leader === x.id);
      assert.deepEqual(selfLeader, [], `${x.label} never became leader while hidden`);
    }
    assert.ok((await snapshots(tabs)).every((s) => s.role !== 'leader' && s.visibility === 'hidden'));
    phase('every tab hidden: no leader, no prepare');

    // ---- show the first hidden tab: it resyncs, may lead again, and the hidden acceptors answer it ----
    const otherMarks = await Promise.all(visible.map((x) => x.mark()));
    await hidden.setHidden(false);
    await untilTabs(
      'the shown tab to lead (the only visible one), known as leader by the hidden tabs',
      async () => {
        const s = await snapshots(tabs);
        return s.every((x) => x.leader === hidden.id) && s[tabs.indexOf(hidden)]!.role === 'leader';
      },
      tabs,
      60_000,
    );
    for (const [i, x] of visible.entries()) {
      const promised = (await x.log(otherMarks[i])).some(
        (e) => e.type === 'paxos-message' && e.detail.direction === 'send' && e.detail.type === 'promise' && e.detail.to === hidden.id,
      );
      assert.ok(promised, `${x.label}, hidden, promised to the shown tab's ballot`);
    }
    phase(`${hidden.label} shown: it leads, promised by the two hidden tabs`);
    const resynced = await untilTabsSteady(
      `the shown tab to resync: same decided state as the others, playing, within ${POSITION_TOLERANCE_S * 1000} ms of the timeline`,
      async () => {
        const s = await snapshots(tabs);
        const h = s[tabs.indexOf(hidden)]!;
        const same = s.every((x) => JSON.stringify(x.state) === JSON.stringify(h.state));
        return same && !h.state.paused && !h.video.paused && h.video.readyState >= 2 && Math.abs(h.offset) <= POSITION_TOLERANCE_S && h;
      },
      tabs,
      HOLD_MS,
      60_000,
    );
    phase(`${hidden.label} resynced: slot ${resynced.state.slot}, video ${resynced.video.currentTime.toFixed(3)} s, ${Math.round(resynced.offset * 1000)} ms off the timeline`);

    // The lone visible tab decides with two hidden acceptors.
    const seek10 = await hidden.command('seek', 10);
    await untilTabs(
      'both hidden tabs to apply seek(10) from the shown tab',
      async () => (await snapshots(visible)).every((s) => s.state.slot === seek10.slot && s.state.position === 10),
      tabs,
    );
    phase(`seek(10) from ${hidden.label} decided with the two hidden acceptors`);

    // ---- show the others: the whole room in sync ----
    for (const x of visible) await x.setHidden(false);
    const final = await untilTabsSteady(
      `every tab visible, synced, on the same state, within ${POSITION_TOLERANCE_S * 1000} ms of the timeline`,
      async () => {
        const s = await snapshots(tabs);
        const ok = s.every(
          (x) =>
            x.visibility === 'visible' &&
            x.status === 'synced' &&
            JSON.stringify(x.state) === JSON.stringify(s[0]!.state) &&
            !x.video.paused &&
            Math.abs(x.offset) <= POSITION_TOLERANCE_S,
        );
        return ok && s;
      },
      tabs,
      HOLD_MS,
      60_000,
    );
    phase(`all shown and in sync: offsets ${final.map((s) => `${Math.round(s.offset * 1000)} ms`).join(', ')}`);
  });
});
