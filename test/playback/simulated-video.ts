/**
 * A deterministic stand-in for a playing `<video>` and its frame callbacks, for closed-loop tests of the
 * drift controllers. It is a model of the parts that matter to them, with the imperfections of a real one:
 * - its real speed differs from the commanded rate by `rateError` (a device clock against the shared one);
 * - a rate change takes effect `rateLatencyMs` later, and may freeze the picture meanwhile for a while
 *   (`rateStallMs`: WebKit's GStreamer ports apply a rate by a flushing seek, about 12-40 ms);
 * - a seek holds the picture for a latency drawn per seek, then plays on from the target;
 * - it may stall (buffering) at given times;
 * - measurements carry uniform jitter and occasional outliers (a late callback, a dropped frame).
 * Randomness comes from a seeded generator, so every run is identical.
 */
import type { DriftController, DriftDecision } from '../../src/playback/drift-controller.js';
import { seededRandom } from '../support/seeded-random.js';

export { seededRandom };

/** Conditions of a closed-loop run. Times in ms. */
export interface LoopConditions {
  /** PRNG seed. */
  seed: number;
  /** Simulated time. */
  durationMs: number;
  /** Real speed / commanded rate - 1. */
  rateError: number;
  /** Initial actual - expected, ms. */
  initialDriftMs: number;
  /** The decided rate. */
  decidedRate: number;
  /** Mean seek latency and its spread (uniform ±). */
  seekLatencyMs: number;
  seekLatencyJitterMs: number;
  /** Delay before a rate change takes effect. */
  rateLatencyMs: number;
  /** Time the picture freezes when a rate change takes effect, and its spread (uniform ±). */
  rateStallMs: number;
  rateStallJitterMs: number;
  /** Interval between measurements (a frame callback per video frame). */
  sampleIntervalMs: number;
  /** Uniform measurement jitter, ± ms. */
  jitterMs: number;
  /** Probability that a measurement is an outlier, and its size (± ms). */
  outlierProbability: number;
  outlierMs: number;
  /** Stalls (buffering): the picture freezes from `at` for `durationMs`, no frames are measured meanwhile. */
  stalls: readonly { readonly at: number; readonly durationMs: number }[];
}

/** Defaults: a 30 fps video on a slightly fast device, with realistic noise. */
export const DEFAULT_CONDITIONS: LoopConditions = {
  seed: 1,
  durationMs: 60_000,
  rateError: 0.003,
  initialDriftMs: 0,
  decidedRate: 1,
  seekLatencyMs: 120,
  seekLatencyJitterMs: 15,
  rateLatencyMs: 20,
  rateStallMs: 0,
  rateStallJitterMs: 0,
  sampleIntervalMs: 1000 / 30,
  jitterMs: 3,
  outlierProbability: 0.02,
  outlierMs: 40,
  stalls: [],
};

/** One measurement and what the controller made of it. */
export interface LoopStep {
  /** Time, ms. */
  at: number;
  /** True drift (actual - expected) at `at`, ms, without measurement noise. */
  trueDriftMs: number;
  /** Whether the video was seeking (no frame presented). */
  seeking: boolean;
  /** The rate the video was commanded to play at. */
  rate: number;
  decision: DriftDecision;
}

/** Runs `controller` against a simulated video for `conditions.durationMs`; returns every step. */
export function runClosedLoop(controller: DriftController, partial: Partial<LoopConditions> = {}): LoopStep[] {
  const c = { ...DEFAULT_CONDITIONS, ...partial };
  const random = seededRandom(c.seed);
  const spread = (width: number): number => (random() * 2 - 1) * width;

  const expectedAt = (t: number): number => 10 + (t / 1000) * c.decidedRate; // the decided timeline, seconds
  let position = expectedAt(0) + c.initialDriftMs / 1000; // the video's real position, seconds
  let commandedRate = c.decidedRate;
  let effectiveRate = c.decidedRate;
  let pendingRate: { rate: number; at: number } | undefined;
  let seek: { target: number; landsAt: number } | undefined;
  const stalls = [...c.stalls];

  const steps: LoopStep[] = [];
  let nextSampleAt = 0;
  const stepMs = 1;
  for (let t = 0; t <= c.durationMs; t += stepMs) {
    // Advance the video by one ms.
    if (pendingRate !== undefined && t >= pendingRate.at) {
      effectiveRate = pendingRate.rate;
      pendingRate = undefined;
    }
    if (seek !== undefined && t >= seek.landsAt) {
      position = seek.target;
      seek = undefined;
    }
    const stalled = stalls.some((x) => t >= x.at && t < x.at + x.durationMs);
    if (seek === undefined && !stalled && t > 0) {
      position += (stepMs / 1000) * effectiveRate * (1 + c.rateError);
    }
    if (t < nextSampleAt) continue;
    nextSampleAt += c.sampleIntervalMs;
    if (stalled) continue; // no frame presented, no callback

    const seeking = seek !== undefined;
    const noiseMs = random() < c.outlierProbability ? spread(c.outlierMs) : spread(c.jitterMs);
    const expected = expectedAt(t);
    const decision = controller.update({
      at: t,
      expected,
      actual: position + noiseMs / 1000,
      currentRate: commandedRate,
      decidedRate: c.decidedRate,
      seeking,
    });
    steps.push({ at: t, trueDriftMs: (position - expected) * 1000, seeking, rate: commandedRate, decision });
    if (decision.action === 'nudge' || decision.action === 'seek') {
      if (decision.action === 'nudge' && decision.rate !== commandedRate && c.rateStallMs > 0) {
        stalls.push({ at: t + c.rateLatencyMs, durationMs: c.rateStallMs + spread(c.rateStallJitterMs) });
      }
      commandedRate = decision.rate;
      pendingRate = { rate: decision.rate, at: t + c.rateLatencyMs };
    }
    if (decision.action === 'seek') {
      seek = { target: decision.position, landsAt: t + c.seekLatencyMs + spread(c.seekLatencyJitterMs) };
    }
  }
  return steps;
}

/** Summary figures of a run, from `fromMs` on. */
export interface LoopSummary {
  /** First time from which the true drift stays within the tolerance to the end (Infinity if it never does). */
  convergedAt: number;
  /** Largest |true drift| from `fromMs`, ms (seeking steps excluded). */
  maxAbsDriftMs: number;
  /** 95th percentile of |true drift| from `fromMs`, ms (seeking steps excluded). */
  p95AbsDriftMs: number;
  /** Seek decisions from `fromMs`. */
  seeks: number;
  /** Nudge decisions from `fromMs`. */
  nudges: number;
  /**
   * Swings from `fromMs`: times the true drift went from beyond `-swingMs` to beyond `+swingMs` or back.
   * A controller that overshoots swings; one that converges from one side does not.
   */
  swings: number;
}

/** Figures of `steps` from `fromMs` on; convergence judged against `toleranceMs`, swings against `swingMs`. */
export function summarize(steps: readonly LoopStep[], toleranceMs: number, fromMs = 0, swingMs = 8): LoopSummary {
  let convergedAt = 0;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.seeking || Math.abs(s.trueDriftMs) > toleranceMs) {
      convergedAt = steps[i + 1]?.at ?? Number.POSITIVE_INFINITY;
      break;
    }
  }
  const window = steps.filter((s) => s.at >= fromMs);
  const abs = window.filter((s) => !s.seeking).map((s) => Math.abs(s.trueDriftMs)).sort((a, b) => a - b);
  let side = 0;
  let swings = 0;
  for (const s of window) {
    if (s.seeking || Math.abs(s.trueDriftMs) <= swingMs) continue;
    const now = Math.sign(s.trueDriftMs);
    if (side !== 0 && now !== side) swings++;
    side = now;
  }
  return {
    convergedAt,
    maxAbsDriftMs: abs.at(-1) ?? 0,
    p95AbsDriftMs: abs[Math.min(abs.length - 1, Math.floor(abs.length * 0.95))] ?? 0,
    seeks: window.filter((s) => s.decision.action === 'seek').length,
    nudges: window.filter((s) => s.decision.action === 'nudge').length,
    swings,
  };
}
