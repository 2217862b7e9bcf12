/**
 * Sync benchmark across separate browser pages: how well the tabs of a room stay on one frame, how fast the
 * room decides, how fast a newcomer and a leaderless room recover, and what it costs; with the drift
 * controller configured as this project's, as Jellyfin SyncPlay's and as Syncplay's defaults, side by side
 * in the same run.
 *
 * K pages (default 4), each in its own Chromium process, on the demo video from the real signaling server,
 * inside a private network namespace (loopback plus a veth pair). Each page's clock is skewed by up to ±2 s
 * before its scripts run; the benchmark measures on the true clock, at every presented frame: drift,
 * joins and recovery are judged by the media clocks (what the element steers), presented frames reported
 * beside them (pictures of separate processes sit up to a display refresh apart whatever the clocks do).
 *
 * Phases: steady playback (ours), commands (pause/play/seek), join mid-playback, leader crash; then steady
 * playback with the jellyfin and syncplay controllers on fresh rooms. Prints a table, writes
 * bench/results/sync.json and bench/results/drift.svg. A phase that fails or a figure that misses its goal
 * is reported and the run goes on; it exits non-zero only when no room could be formed. The same phases
 * (bench/lib/*-phase.ts) run under emulated internet links in `npm run bench:net` (bench/net.ts).
 *
 *   npm run bench:sync                  # full run (~5 min on 2 cores)
 *   npm run bench:sync -- --quick       # smoke run (~2 min)
 *   npm run bench:sync -- --pages 6 --seed 7
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { USAGE, UsageError, parseArgs, type SyncBenchOptions } from './lib/args.js';
import { BenchPage } from './lib/bench-page.js';
import { BenchRoom, type ControllerName } from './lib/bench-room.js';
import { benchChromePath, bundleAgeBehindSources, startBenchServer } from './lib/bench-server.js';
import { runCommands } from './lib/command-phase.js';
import { driftChart } from './lib/drift-chart.js';
import { runFailover } from './lib/failover-phase.js';
import { runJoin } from './lib/join-phase.js';
import { decisionBreakdown } from './lib/latency-breakdown.js';
import { NETNS_ENV, inBenchNetns, networkInterfaces, rerunInNetns } from './lib/netns.js';
import { buildResults, formatTable, type RunData } from './lib/report.js';
import { round, seededRandom } from './lib/stats.js';
import { runSteady, type SteadyResult } from './lib/steady-phase.js';
import { PageTimeline, pairs, sampleDrift } from './lib/timeline.js';
import { BenchError, nodeNow } from './lib/wait.js';




const log = (message: string) => console.log(`[bench:sync ${new Date().toISOString().slice(11, 19)}] ${message}`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** A fresh room name per scenario, so no page returns to an old log. */
const roomName = (controller: ControllerName, seed: number) => `bench-${controller}-${seed}-${Date.now().toString(36)}`;

/** Each page's true clock against this process's, from the sample with the smallest round trip. */
async function calibrate(pages: readonly BenchPage[]) {
  const out: RunData['calibration'] = [];
  for (const p of pages) {
    let best = { offset: 0, rtt: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 12; i++) {
      const s = await p.clockSample(nodeNow);
      if (s.rtt < best.rtt) best = s;
    }
    out.push({ page: p.label, offsetMs: best.offset, rttMs: best.rtt });
  }
  return out;
}

/** Attempts at forming a room with a full direct mesh before the run fails. */
const FORM_ATTEMPTS = 5;
/** How long one page may take to reach every page before it over a direct channel. */
const FORM_STEP_TIMEOUT_MS = 15_000;

/**
 * Forms a room of `pages` with `controller`, on a fresh room name per attempt. With `direct`, a pair of
 * pages whose direct channel never opens fails the attempt (none should: the count is in the report, as a
 * regression check of the mesh), and the next one starts over; without, such a pair talks through the server's relay, which
 * steady playback does not notice (only the first play is decided). Returns the room, the failed attempts'
 * reasons and the links left relayed.
 */
async function formRoom(origin: string, controller: ControllerName, seed: number, pages: readonly BenchPage[], direct: boolean) {
  const failures: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const room = new BenchRoom(origin, roomName(controller, seed), controller, pages);
    log(`room ${room.name}: forming${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
    try {
      await room.form(FORM_STEP_TIMEOUT_MS, direct);
      const relayed = await room.relayedLinks();
      if (relayed > 0) log(`room ${room.name}: ${relayed} link(s) relayed through the server (no direct channel)`);
      return { room, failures, relayed };
    } catch (error) {
      if (!(error instanceof BenchError) || attempt >= FORM_ATTEMPTS) throw error;
      failures.push(error.message);
      log(`warning: ${error.message}`);
    }
  }
}

function steadyLine(s: SteadyResult): string {
  return `${s.controller}: media clocks drift p50 ${ms(s.clockDrift.p50)}, p95 ${ms(s.clockDrift.p95)}, max ${ms(s.clockDrift.max)}; presented frames p95 ${ms(s.drift.p95)}`;
}

async function run(opts: SyncBenchOptions): Promise<void> {
  const executablePath = benchChromePath();
  const behind = opts.widget ? 0 : bundleAgeBehindSources();
  if (opts.widget) log(`widget bundle: ${opts.widget}`);
  if (behind > 0) log(`warning: dist/paxos-video.js is older than src/ (by ${(behind / 1000).toFixed(0)} s): run \`npm run build\` to measure the current code`);
  const started = nodeNow();
  const random = seededRandom(opts.seed);
  const skews = Array.from({ length: opts.pages }, () => Math.round((random() * 2 - 1) * opts.maxSkewMs * 10) / 10);
  log(`${opts.pages} pages, seed ${opts.seed}, clock skews ${skews.map((s) => `${s} ms`).join(', ')}`);

  const server = await startBenchServer(32, opts.widget ? resolve(opts.widget) : undefined);
  const pages: BenchPage[] = [];
  /** With --raw: what every page recorded in each phase. */
  const raw: { phase: string; pages: { page: string; skewMs: number; frames: unknown[]; events: unknown[] }[] }[] = [];
  const keep = (phase: string, room: BenchRoom) => {
    if (opts.raw) raw.push({ phase, pages: room.members.map((p) => ({ page: p.label, skewMs: p.skewMs, frames: [...p.frames], events: [...p.events] })) });
  };
  /** A phase that fails is reported and the run goes on: one missed figure never costs the others. */
  const problems: string[] = [];
  const attempt = async <T>(phase: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      problems.push(`${phase}: ${error.message}`);
      log(`${phase} FAILED (reported, the run goes on): ${error.message}`);
      return undefined;
    }
  };
  try {
    for (let i = 0; i < opts.pages; i++) pages.push(await BenchPage.launch(i, skews[i]!, executablePath, { recordMessages: opts.trace }));
    const version = pages[0]!.browser.version();

    // 1. Our controller: steady playback, then commands, a join and a leader crash in the same room.
    const formFailures: string[] = [];
    const relayedLinks: Record<string, number> = {};
    // Commands are timed over the mesh: this room must have every direct channel. Without a room there is
    // nothing to measure: that failure ends the run.
    const formed = await formRoom(server.origin, 'ours', opts.seed, pages, true);
    const ours = formed.room;
    formFailures.push(...formed.failures);
    const calibration = await calibrate(pages);
    log(`true clocks vs this process: ${calibration.map((c) => `${c.page} ${c.offsetMs.toFixed(2)}±${(c.rttMs / 2).toFixed(2)} ms`).join(', ')}`);
    log(`steady playback, ours: ${opts.warmupSeconds} s warm-up + ${opts.steadySeconds} s`);
    const steadyOurs = await attempt('steady playback (ours)', () => runSteady(ours, opts.warmupSeconds, opts.steadySeconds));
    if (steadyOurs) log(steadyLine(steadyOurs));

    log(`commands: ${opts.commands}`);
    const commands = await attempt('commands', () => runCommands(ours, opts.commands, random));
    const breakdown = opts.trace && commands ? decisionBreakdown(ours.members, commands.nodeIds, commands.commands, commands.commands.map((c) => c.slot)) : undefined;
    if (commands) {
      const decisions = commands.commands.map((c) => c.decisionMs).sort((a, b) => a - b);
      log(`commands: decision p50 ${ms(decisions[Math.floor(decisions.length / 2)] ?? Number.NaN)}, ${commands.failures.length} failed`);
      if (commands.notApplied.length > 0) problems.push(`commands never applied: ${commands.notApplied.join(', ')}`);
    }
    // The chart's first panel: from the first play to the last command, before the room changes.
    const oursTimelines = ours.members.map((p) => PageTimeline.mediaClock(p.frames));
    const chartEnd = Math.min(...oursTimelines.map((t) => t.last ?? 0));
    const oursSeries = steadyOurs ? sampleDrift(oursTimelines, steadyOurs.play.anchor, chartEnd, 50) : [];
    const oursPairs = pairs(ours.members.length).map(([i, j]) => `${ours.members[i]!.label}-${ours.members[j]!.label}`);

    keep('ours: steady and commands', ours);
    log('join mid-playback');
    const joined = await attempt('join', () => runJoin(ours));
    if (joined) {
      log(`join: ${joined.page}'s media clock within one frame for 1 s after ${joined.joinToSyncMs === null ? 'never' : ms(joined.joinToSyncMs)}, presented frames after ${joined.presentedJoinToSyncMs === null ? 'never' : ms(joined.presentedJoinToSyncMs)} (status synced after ${joined.statusSyncedMs?.toFixed(0)} ms)`);
      if (joined.problem) problems.push(`join: ${joined.problem}`);
    }

    keep('ours: join', ours);
    log('failover: crashing the leader');
    const failover = await attempt('failover', () => runFailover(ours));
    if (failover) log(`failover: ${failover.crashed} crashed, next ${failover.command} decided after ${ms(failover.failoverMs)} (new leader after ${failover.newLeaderMs?.toFixed(0)} ms)`);

    // 2. The same steady scenario with the other controllers, on fresh rooms of the same pages.
    const steadyWith = (controller: 'jellyfin' | 'syncplay') =>
      attempt(`steady playback (${controller})`, async (): Promise<SteadyResult> => {
        const { room, failures, relayed } = await formRoom(server.origin, controller, opts.seed, pages, false);
        formFailures.push(...failures);
        relayedLinks[controller] = relayed;
        log(`steady playback, ${controller}`);
        const result = await runSteady(room, opts.warmupSeconds, opts.steadySeconds);
        log(steadyLine(result));
        keep(`${controller}: steady`, room);
        return result;
      });
    const jellyfin = await steadyWith('jellyfin');
    const syncplay = await steadyWith('syncplay');
    for (const s of [steadyOurs, jellyfin, syncplay]) if (s) problems.push(...s.problems);

    const data: RunData = {
      pages: opts.pages,
      steady: { ours: steadyOurs, jellyfin, syncplay },
      commands,
      breakdown,
      join: joined,
      failover,
      problems,
      calibration,
      formFailures,
      relayedLinks,
      meta: {
        date: new Date().toISOString(),
        command: `npm run bench:sync${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        seed: opts.seed,
        widget: opts.widget ?? 'dist/paxos-video.js',
        widget_sha256: server.widgetSha256,
        quick: opts.quick,
        warmup_s: opts.warmupSeconds,
        steady_s: opts.steadySeconds,
        skews_ms: skews,
        chromium: version,
        node: process.version,
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        loadavg_1m: round(loadavg()[0]!),
        network: networkInterfaces(),
        duration_s: round((nodeNow() - started) / 1000, 1),
      },
    };
    const results = buildResults(data);
    mkdirSync(opts.outDir, { recursive: true });
    writeFileSync(join(opts.outDir, 'sync.json'), `${JSON.stringify(results, null, 2)}\n`);

    const marks = (commands?.commands ?? []).map((c) => ({ t: c.calledAt, label: c.kind === 'pause' ? '‖' : c.kind === 'play' ? '▶' : '↷' }));
    const steadyPanel = (s: SteadyResult | undefined, name: string, labels: string[]) => ({
      title: s
        ? `${s.controller}: steady playback, ${s.window.seconds} s (media clocks p95 ${s.clockDrift.p95.toFixed(1)} ms, max ${s.clockDrift.max.toFixed(1)} ms; presented p95 ${s.drift.p95.toFixed(1)} ms)`
        : `${name}: steady playback not measured`,
      series: (s?.mediaSeries ?? []).filter((_, i) => i % 5 === 0),
      pairLabels: labels,
    });
    const labels = pairs(pages.length).map(([i, j]) => `P${i}-P${j}`);
    const svg = driftChart(
      `paxos-video: pairwise drift of the media clocks, ${opts.pages} pages (separate Chromium processes)`,
      `${version}, ${cpus().length} CPUs, seed ${opts.seed}; clock skews within ±${opts.maxSkewMs} ms; shaded: within one frame (33.3 ms); ${data.meta.date}`,
      [
        {
          title: `ours: play, ${opts.steadySeconds} s steady, ${commands?.commands.length ?? 0} commands (‖ pause ▶ play ↷ seek)`,
          series: oursSeries,
          pairLabels: oursPairs,
          marks,
          yLimitMs: 100,
        },
        steadyPanel(steadyOurs, 'ours', labels),
        steadyPanel(jellyfin, 'jellyfin', labels),
        steadyPanel(syncplay, 'syncplay', labels),
      ],
    );
    writeFileSync(join(opts.outDir, 'drift.svg'), svg);
    console.log(`\npaxos-video sync benchmark: ${opts.pages} pages, ${version}, ${cpus().length} CPUs, seed ${opts.seed}${opts.quick ? ' (quick)' : ''}\n`);
    console.log(formatTable(results));
    console.log(`\nwrote ${join(opts.outDir, 'sync.json')} and ${join(opts.outDir, 'drift.svg')} in ${(data.meta.duration_s as number).toFixed(0)} s`);
  } finally {
    if (opts.raw) {
      mkdirSync(opts.outDir, { recursive: true });
      writeFileSync(join(opts.outDir, 'sync-raw.json'), JSON.stringify(raw));
    }
    await Promise.all(pages.map((p) => p.close()));
    await server.close();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let opts: SyncBenchOptions | undefined;
  try {
    opts = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:sync: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(USAGE);
    return 0;
  }
  if (!inBenchNetns()) {
    if (process.env[NETNS_ENV]) {
      console.error(`bench:sync: expected a network namespace with lo, pv0 and pv1, found ${networkInterfaces().join(', ')}`);
      return 1;
    }
    // Headless Chromium gathers no WebRTC candidate with loopback alone, and no packet may leave the machine.
    return rerunInNetns(import.meta.url, argv);
  }
  try {
    await run(opts);
    return 0;
  } catch (error) {
    const e = error as Error;
    console.error(`\nbench:sync FAILED: ${e instanceof BenchError ? e.message : (e.stack ?? e.message)}`);
    return 1;
  }
}

process.exitCode = await main();
