/**
 * Steady playback: one page plays the room from the start, the pages converge for a warm-up, then every
 * pair's drift is measured over the steady window, with each page's CPU time, the drift controller's
 * corrections, the leader changes and each page's clock estimate against the truth. Run once per drift
 * controller on fresh rooms, the same way each time. Drift is judged by the media clocks (video.currentTime
 * read at each presented frame, interpolated onto one true timeline); presented frames are measured beside
 * them. A page that stops playing or presenting is reported in `problems`, not an abort.
 */
import type { BenchPage, Snapshot } from './bench-page.js';
import type { BenchRoom, ControllerName } from './bench-room.js';
import { type LoadReport, startLoadWindow } from './machine-load.js';
import { type Summary, mean, percentile, summarize } from './stats.js';
import { type DriftSample, PageTimeline, frameMismatchShare, pairs, sampleDrift } from './timeline.js';
import { BenchError, delay, nodeNow } from './wait.js';

/** Drift is sampled this often on the common timeline, ms. */
export const SAMPLE_STEP_MS = 10;
/** A page that presents no frame for this long during steady playback is reported. */
const MAX_SILENCE_MS = 1000;

/** What one page did during the steady window. */
export interface SteadyPage {
  page: string;
  skewMs: number;
  /** Mean of (presented position - decided timeline), ms: this page's bias on the true clock. */
  presentedBiasMs: number;
  /** Mean of (media clock - decided timeline), ms. */
  clockBiasMs: number;
  /** p95 of |media clock - its own mean|, ms: how steadily the page plays. */
  clockJitterP95Ms: number;
  /** The element's clock estimate minus the truth (clockOffset + skew + calibration), ms, at the end of the window. */
  clockEstimateErrorMs: number | null;
  /** The same, sampled about once a second over the window, ms. */
  clockErrorSamplesMs: number[];
  /** The element's own error bound of that estimate, ms. */
  clockErrorBoundMs: number | null;
  /** Times the video ran out of decoded data (`waiting` events) during the window. */
  stalls: number;
  /** Frames that were never presented (gaps in presentedFrames) during the window. */
  droppedFrames: number;
  /** Rate changes and seeks the drift controller made, per minute. */
  nudgesPerMin: number;
  seeksPerMin: number;
  /** CPU seconds per minute of playback: every process of the page's browser, and its renderer main thread. */
  cpuSecondsPerMin: number;
  mainThreadSecondsPerMin: number;
}

export interface SteadyResult {
  controller: ControllerName;
  window: { from: number; to: number; seconds: number };
  /** |pairwise difference| of presented positions, ms, over every pair and sample. */
  drift: Summary;
  /** |pairwise difference| of the media clocks (video.currentTime), ms. */
  clockDrift: Summary;
  /** Share of instants at which two pages show different frames. */
  frameMismatchShare: number;
  perPair: { pair: string; p50: number; p95: number; max: number }[];
  pages: SteadyPage[];
  /** Data-channel round trips seen during the window (peers[].rtt), ms. */
  rtts: number[];
  /** How busy the machine was during the window. */
  load: LoadReport;
  /** Signed pairwise drift samples of presented frames (for the chart). */
  series: DriftSample[];
  /** Signed pairwise drift samples of the media clocks (for the chart). */
  mediaSeries: DriftSample[];
  /** The decided play: its anchor on the shared clock, and when it was called (true clock). */
  play: { calledAt: number; anchor: number; position: number };
  /** Leader changes seen (paxos-leader events on any page, counted once per new leader) during the window. */
  leaderChanges: number;
  /** What went wrong during the window (a page stopped playing or presenting). */
  problems: string[];
}

/** Counts the controller's corrections in [from, to] on one page. */
function corrections(page: BenchPage, from: number, to: number): { nudges: number; seeks: number } {
  let nudges = 0;
  let seeks = 0;
  for (const e of page.events) {
    if (e.kind !== 'paxos' || e.type !== 'paxos-sync' || e.t < from || e.t > to) continue;
    const action = (e.detail as { action?: unknown } | null)?.action;
    if (action === 'nudge') nudges++;
    else if (action === 'seek') seeks++;
  }
  return { nudges, seeks };
}

/** New leaders seen by any page in [from, to] (each leader counted once, however many pages report it). */
export function leaderChanges(pages: readonly BenchPage[], from: number, to: number): number {
  const seen = new Set<string>();
  for (const p of pages) {
    for (const e of p.events) {
      if (e.kind !== 'paxos' || e.type !== 'paxos-leader' || e.t < from || e.t > to) continue;
      const d = e.detail as { leader?: unknown; ballot?: { round?: unknown } } | null;
      if (typeof d?.leader === 'string') seen.add(`${d.leader}/${String(d.ballot?.round ?? '')}`);
    }
  }
  return seen.size;
}

/**
 * Plays the room from position 0 (called on its first page), waits `warmupSeconds`, then measures
 * `steadySeconds`. Throws a {@link BenchError} when a page stops playing or presenting frames.
 */
export async function runSteady(
  room: BenchRoom,
  warmupSeconds: number,
  steadySeconds: number,
  options: {
    /** Each page's true clock minus the shared clock's (server) true clock, ms (default 0: one machine, one clock). */
    trueOffsetMs?: (page: BenchPage) => number;
    /** Called when the steady window opens and closes (to read counters over exactly that window). */
    onWindow?: (edge: 'open' | 'close') => Promise<void>;
  } = {},
): Promise<SteadyResult> {
  const pages = room.members;
  const starter = pages[0]!;
  const played = await starter.command('play');
  if (!played.ok) throw new BenchError(`${room.controller}: play() on ${starter.label} failed: ${played.code} ${played.message}`);
  await room.waitDecided(played.nodeId, 'play', played.calledAt - 1, 5000, `${room.controller}: the first play`);
  const { anchor, position, rate } = played.state;
  // The shared clock is the signaling server's, which is this process's clock: the same timeline as the
  // pages' true clocks to within the calibration error (reported separately).
  const from = anchor + warmupSeconds * 1000;
  const to = from + steadySeconds * 1000;

  const rtts: number[] = [];
  const problems: string[] = [];
  const trueOffset = options.trueOffsetMs ?? (() => 0);
  const estimateError = (s: Snapshot, p: BenchPage) => (s.stats.clockError === null ? null : s.stats.clockOffset + p.skewMs + trueOffset(p));
  const clockSamples: number[][] = pages.map(() => []);
  let lastSnapshots: Snapshot[] = [];
  const sample = async () => {
    lastSnapshots = await room.snapshots();
    lastSnapshots.forEach((s, i) => {
      for (const p of s.peers) if (p.rtt !== null) rtts.push(p.rtt);
      const e = estimateError(s, pages[i]!);
      if (e !== null) clockSamples[i]!.push(e);
    });
    const stopped = lastSnapshots.map((s, i) => (s.state.paused || s.video.paused ? pages[i]!.label : '')).filter(Boolean);
    if (stopped.length > 0 && problems.length < 5) problems.push(`${room.controller}: ${stopped.join(', ')} stopped playing during steady playback${await room.describe()}`);
    await room.pullAll();
  };
  while (nodeNow() < from) {
    await delay(Math.min(1000, Math.max(0, from - nodeNow())));
    await room.pullAll();
  }
  const cpu0 = await Promise.all(pages.map(async (p) => ({ process: await p.processCpuSeconds(), main: await p.mainThreadSeconds() })));
  const cpuAt0 = nodeNow();
  const loadWindow = startLoadWindow();
  await options.onWindow?.('open');
  while (nodeNow() < to) {
    await delay(Math.min(1000, Math.max(0, to - nodeNow())));
    await sample();
  }
  await options.onWindow?.('close');
  const cpu1 = await Promise.all(pages.map(async (p) => ({ process: await p.processCpuSeconds(), main: await p.mainThreadSeconds() })));
  const minutes = (nodeNow() - cpuAt0) / 60_000;
  const load = loadWindow.end();
  // Frames presented up to `to` may arrive a moment later.
  await delay(200);
  await room.pullAll();

  const presented = pages.map((p) => PageTimeline.presented(p.frames));
  const clocks = pages.map((p) => PageTimeline.mediaClock(p.frames));
  presented.forEach((tl, i) => {
    const gap = tl.longestGap(from, to);
    if (gap > MAX_SILENCE_MS) problems.push(`${room.controller}: ${pages[i]!.label} presented no frame for ${gap.toFixed(0)} ms during steady playback`);
  });
  const series = sampleDrift(presented, from, to, SAMPLE_STEP_MS);
  const clockSeries = sampleDrift(clocks, from, to, SAMPLE_STEP_MS);
  const ps = pairs(pages.length);
  const expected = (t: number) => position + ((t - anchor) / 1000) * rate;
  const pageResults: SteadyPage[] = pages.map((p, i) => {
    const presentedErr: number[] = [];
    const clockErr: number[] = [];
    for (let t = from; t <= to; t += SAMPLE_STEP_MS) {
      const a = presented[i]!.positionAt(t);
      const c = clocks[i]!.positionAt(t);
      if (a !== undefined) presentedErr.push((a - expected(t)) * 1000);
      if (c !== undefined) clockErr.push((c - expected(t)) * 1000);
    }
    const clockBias = mean(clockErr);
    const { nudges, seeks } = corrections(p, from, to);
    const stalls = p.events.filter((e) => e.kind === 'media' && e.type === 'waiting' && e.t >= from && e.t <= to).length;
    const inWindow = p.frames.filter((f) => f.t >= from && f.t <= to);
    const droppedFrames = inWindow.length < 2 ? 0 : inWindow[inWindow.length - 1]!.presented - inWindow[0]!.presented + 1 - inWindow.length;
    const snap = lastSnapshots[i];
    const perMin = (x: number) => x / (steadySeconds / 60);
    return {
      page: p.label,
      skewMs: p.skewMs,
      presentedBiasMs: mean(presentedErr),
      clockBiasMs: clockBias,
      clockJitterP95Ms: percentile(
        clockErr.map((x) => Math.abs(x - clockBias)),
        95,
      ),
      clockEstimateErrorMs: snap ? estimateError(snap, p) : null,
      clockErrorSamplesMs: clockSamples[i]!,
      clockErrorBoundMs: snap?.stats.clockError ?? null,
      stalls,
      droppedFrames,
      nudgesPerMin: perMin(nudges),
      seeksPerMin: perMin(seeks),
      cpuSecondsPerMin: (cpu1[i]!.process - cpu0[i]!.process) / minutes,
      mainThreadSecondsPerMin: (cpu1[i]!.main.task - cpu0[i]!.main.task) / minutes,
    };
  });
  const abs = (s: DriftSample[]) => s.flatMap((x) => x.diffs.map(Math.abs));
  return {
    controller: room.controller,
    window: { from, to, seconds: steadySeconds },
    drift: summarize(abs(series)),
    clockDrift: summarize(abs(clockSeries)),
    // A step incommensurate with the frame and display periods, so no phase is favoured.
    frameMismatchShare: frameMismatchShare(presented, from, to, 7),
    perPair: ps.map(([i, j], k) => {
      const d = series.map((x) => Math.abs(x.diffs[k]!));
      return { pair: `${pages[i]!.label}-${pages[j]!.label}`, p50: percentile(d, 50), p95: percentile(d, 95), max: Math.max(...d) };
    }),
    pages: pageResults,
    rtts,
    load,
    series,
    mediaSeries: clockSeries,
    play: { calledAt: played.calledAt, anchor, position },
    leaderChanges: leaderChanges(pages, from, to),
    problems,
  };
}
