/**
 * The room under internet conditions, against issue 12's goals, CI-sized: three tabs (each its own Chromium
 * process, each in its own lab host) on `continent` links, one of them (tab 1) on the `asymmetric` path
 * (10 ms up, 70 ms down), the signaling server in a data centre (1 ms): the lab's `asymmetric` profile.
 *
 * 1. Formation: three tabs synced, one leader, a direct data channel between every pair.
 * 2. Steady playback: the media clocks of the two `continent` tabs within 5 ms at p95 and 15 ms at most;
 *    a pair with the asymmetric tab within 3 ms of the bound the asymmetry sets (half of it: a clock sampled
 *    over that path cannot do better without another reference); no leader change.
 * 3. Commands from each tab (pause, play, seek in turn, twice round) decided on every tab (the figure: within
 *    1.6 tab-to-tab round trips at the median and 3 at p99).
 * 4. A follower's link cut for 20 s: the other two keep deciding (a seek during the cut); when the link
 *    returns, the tab's media clock comes within one frame of the others (the figure: within 2 s), no seek or
 *    pause reaches the others, no leader changes, and the tab does not report `synced` before it applied
 *    what it missed.
 *
 * The timing goals (decisions within 1.6 round trips, back in sync within 2 s) are figures: the test prints
 * them beside their goals and `npm run bench:net` measures them (a timed assertion would fail on a loaded
 * machine for reasons that are not the product's). What it asserts is what must hold whatever the load:
 * formation, every command decided everywhere, the drift goal, the cut tab's recovery without disturbing
 * the others, and its status.
 *
 * Part of `npm test` (about 75 s; alone: `scripts/netns.sh npm run test:node -- room-goals` after `npm run build`;
 * PAXOS_LAB_GOALS=0 leaves it out). It needs what the lab needs (see lab/lab.ts) and Chromium; without them it
 * is skipped with a how-to, and under CI=true it fails instead.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { BenchPage } from '../../bench/lib/bench-page.js';
import { BenchRoom } from '../../bench/lib/bench-room.js';
import { type CommandPhaseResult, runCommands } from '../../bench/lib/command-phase.js';
import { type CutResult, hostOf, runTabCut } from '../../bench/lib/cut-phase.js';
import { type LabServer, startLabServer } from '../../bench/lib/lab-server.js';
import { percentile } from '../../bench/lib/stats.js';
import { type SteadyResult, runSteady } from '../../bench/lib/steady-phase.js';
import { HOW_TO_RUN_THE_LAB, Lab, labSupport } from '../../lab/lab.js';
import { clockBoundMs } from '../../lab/links.js';
import { PROFILES, link, tabLinkName } from '../../lab/profiles.js';
import { findChrome, HOW_TO_GET_CHROME } from '../../scripts/find-chrome.mjs';
import { seededRandom } from '../support/seeded-random.js';

// In `npm test` again since round 6 (docs/lab.md): a returning tab no longer waits on its channel's backed-off
// retransmissions or on a re-join refused with `id-taken`. It was off after the fresh-clone CI run of round 5
// failed (the returning tab never back within a frame in 30 s). PAXOS_LAB_GOALS=0 leaves it out.
const support = labSupport();
const skip =
  process.env['PAXOS_LAB_GOALS'] === '0'
    ? 'left out with PAXOS_LAB_GOALS=0'
    : process.env['CI']
      ? false
      : !support.ok
        ? `the lab cannot run here (${support.reason}). ${HOW_TO_RUN_THE_LAB}`
        : !findChrome()
          ? `no Chromium here. ${HOW_TO_GET_CHROME}`
          : false;

const PROFILE = 'asymmetric';
const TABS = 3;
const SEED = 12;
const CUT_MS = 20_000;
const STEADY_S = 20;
const WARMUP_S = 5;

interface World {
  lab: Lab;
  server: LabServer;
  pages: BenchPage[];
  room: BenchRoom;
}

describe(`a room of ${TABS} tabs in the lab (continent, one tab asymmetric): issue 12's goals`, () => {
  let world: World | undefined;
  let formError: Error | undefined;
  let commands: CommandPhaseResult | undefined;
  let steady: SteadyResult | undefined;
  let cut: CutResult | undefined;
  const random = seededRandom(SEED);
  const bounds = Array.from({ length: TABS }, (_, i) => clockBoundMs(link(tabLinkName(PROFILE, i)), link(PROFILES[PROFILE].server)));

  const need = <T>(value: T | undefined, what: string): T => {
    if (!support.ok) throw new Error(`the lab cannot run here (${support.reason}). ${HOW_TO_RUN_THE_LAB}`);
    if (formError) throw new Error(`no room: ${formError.message}`);
    assert.ok(value, `${what} did not run`);
    return value;
  };

  before(async () => {
    if (skip !== false || !support.ok) return;
    const chrome = findChrome();
    if (!chrome) throw new Error(HOW_TO_GET_CHROME);
    if (!existsSync(new URL('../../dist/paxos-video.js', import.meta.url))) throw new Error('dist/paxos-video.js is missing: run `npm run build` first');
    const lab = await Lab.start({
      hosts: [{ name: 'server', link: link(PROFILES[PROFILE].server) }, ...Array.from({ length: TABS }, (_, i) => ({ name: `tab${i}`, link: link(tabLinkName(PROFILE, i)) }))],
      seed: SEED,
    });
    const pages: BenchPage[] = [];
    try {
      const server = await startLabServer(lab, 'server');
      for (let i = 0; i < TABS; i++) pages.push(await BenchPage.launch(i, (random() * 2 - 1) * 2000, chrome, { launcher: lab.chromiumLaunch(`tab${i}`, chrome) }));
      const room = new BenchRoom(server.origin, `goals-${Date.now().toString(36)}`, 'ours', pages);
      world = { lab, server, pages, room };
      try {
        await room.formTogether(60_000, true);
      } catch (error) {
        formError = error as Error;
      }
    } catch (error) {
      await Promise.all(pages.map((p) => p.close()));
      await lab.stop();
      throw error;
    }
  });

  after(async () => {
    if (!world) return;
    await Promise.all(world.pages.map((p) => p.close()));
    await world.server.close();
    await world.lab.stop();
  });

  it('forms: every tab synced, one leader, a direct data channel between every pair', { skip, timeout: 120_000 }, () => {
    need(world, 'the lab');
  });

  it('plays in step: media clocks within the drift goal of each pair, one leader throughout', { skip, timeout: 120_000 }, async (t) => {
    const w = need(world, 'the lab');
    steady = await runSteady(w.room, WARMUP_S, STEADY_S);
    const pages = w.room.members;
    t.diagnostic(
      `clock error vs bound per tab (ms): ${steady.pages.map((p, i) => `${p.page} ${p.clockEstimateErrorMs?.toFixed(1)} vs ${bounds[pages[i]!.index]!.toFixed(1)}`).join(', ')}; ` +
        `media clock bias (ms): ${steady.pages.map((p) => `${p.page} ${p.clockBiasMs.toFixed(1)}`).join(', ')}`,
    );
    const failures: string[] = [];
    // Per pair (in the order of the media-clock series' diffs).
    const pairs = pages.flatMap((a, i) => pages.slice(i + 1).map((b) => [a, b] as const));
    pairs.forEach(([a, b], k) => {
      const d = steady!.mediaSeries.map((s) => Math.abs(s.diffs[k]!));
      const p95 = percentile(d, 95);
      const max = Math.max(...d);
      const bound = Math.abs(bounds[a.index]! - bounds[b.index]!);
      const symmetric = bound === 0;
      t.diagnostic(`${a.label}-${b.label} (${tabLinkName(PROFILE, a.index)}/${tabLinkName(PROFILE, b.index)}): media drift p95 ${p95.toFixed(1)} ms, max ${max.toFixed(1)} ms; asymmetry bound ${bound.toFixed(1)} ms`);
      if (symmetric && p95 > 5) failures.push(`${a.label}-${b.label}: p95 ${p95.toFixed(1)} ms > 5`);
      if (symmetric && max > 15) failures.push(`${a.label}-${b.label}: max ${max.toFixed(1)} ms > 15`);
      if (!symmetric && p95 > bound + 3) failures.push(`${a.label}-${b.label}: p95 ${p95.toFixed(1)} ms > bound ${bound.toFixed(1)} + 3`);
    });
    assert.deepEqual(steady.problems, [], 'tabs that stopped playing or presenting');
    assert.deepEqual(failures, [], 'pairs outside the drift goal');
    assert.equal(steady.leaderChanges, 0, 'leader changes during steady playback');
  });

  it('decides commands from each tab on every tab', { skip, timeout: 120_000 }, async (t) => {
    const w = need(world, 'the lab');
    commands = await runCommands(w.room, 6, random);
    t.diagnostic(`decisions (ms): ${commands.commands.map((c) => `${c.kind}@${c.issuer} ${c.decisionMs.toFixed(0)}`).join(', ')}`);
    if (commands.commands.length > 0 && commands.rtts.length > 0) {
      const rtt = percentile(commands.rtts, 50);
      const d = commands.commands.map((x) => x.decisionMs);
      t.diagnostic(`round trip p50 ${rtt.toFixed(0)} ms; decision p50 ${(percentile(d, 50) / rtt).toFixed(2)} round trips (goal 1.6), p99 ${(percentile(d, 99) / rtt).toFixed(2)} (goal 3)`);
    }
    assert.deepEqual(commands.failures, [], 'commands that failed or were not decided on every tab');
    assert.equal(commands.commands.length, 6);
    assert.deepEqual(commands.notApplied, [], 'commands some tab never applied');
  });

  it(`keeps deciding while a follower's link is cut for ${CUT_MS / 1000} s`, { skip, timeout: 120_000 }, async (t) => {
    const w = need(world, 'the lab');
    cut = await runTabCut(w.lab, w.room, CUT_MS, random);
    t.diagnostic(`cut ${cut.page} (${hostOf(w.room.members.find((p) => p.label === cut!.page)!)}) for ${cut.cutMs.toFixed(0)} ms; seek decided by the others in ${cut.decidedWhileCutMs?.toFixed(0) ?? 'never'} ms; statuses while cut: ${cut.statusesWhileCut.join(', ') || 'none'}`);
    assert.ok(cut.decidedWhileCutMs !== null && cut.decidedWhileCutMs <= 5000, `the seek made during the cut was decided by the others in ${cut.decidedWhileCutMs ?? 'never'} ms (goal: decided, within 5 s)`);
  });

  it('brings the cut tab back in sync, without a seek or pause on the others or a leader change', { skip, timeout: 10_000 }, (t) => {
    const c = need(cut, 'the cut');
    t.diagnostic(
      `back in sync ${c.recoverMs?.toFixed(0) ?? 'never'} ms after its link returned (goal 2000); applied the missed seek after ${c.appliedMissedMs?.toFixed(0) ?? 'never'} ms; ` +
        `leader changes ${c.leaderChanges}; seeks/pauses on the others ${c.seeksOnOthers}/${c.pausesOnOthers}`,
    );
    t.diagnostic(`after its link returned (ms): ${c.afterReturn || 'no event'}`);
    t.diagnostic(`then (ms after the return: commands applied, by whom; the tab's media events): ${c.aftermath || 'nothing'}`);
    const failures: string[] = [];
    if (c.recoverMs === null) failures.push('never back in sync');
    if (c.seeksOnOthers + c.pausesOnOthers > 0) failures.push(`${c.seeksOnOthers} seeks and ${c.pausesOnOthers} pauses reached the others`);
    if (c.leaderChanges > 0) failures.push(`${c.leaderChanges} leader changes around the cut`);
    assert.deepEqual(failures, []);
  });

  it('does not report the returning tab synced before it applied what it missed', { skip, timeout: 10_000 }, (t) => {
    const c = need(cut, 'the cut');
    t.diagnostic(`statuses while cut: ${c.statusesWhileCut.join(', ') || 'none'}; synced again after ${c.statusSyncedMs?.toFixed(0) ?? '-'} ms; applied the missed seek after ${c.appliedMissedMs?.toFixed(0) ?? 'never'} ms`);
    assert.ok(c.appliedMissedMs !== null, 'the returning tab never applied the seek it missed');
    assert.ok(c.statusesWhileCut.some((s) => s !== 'synced'), `a tab cut off for ${CUT_MS / 1000} s should not keep reporting synced (its statuses: ${c.statusesWhileCut.join(', ') || 'no change'})`);
    if (c.statusSyncedMs !== null) assert.ok(c.statusSyncedMs >= c.appliedMissedMs, `reported synced ${c.statusSyncedMs.toFixed(0)} ms after its link returned, before it applied the missed seek (${c.appliedMissedMs.toFixed(0)} ms)`);
  });
});
