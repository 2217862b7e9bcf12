/**
 * This project's drift controller: keeps the video within a fraction of a frame of the decided timeline
 * without oscillating. Rules, in order of precedence:
 *
 * 1. Measure robustly: the drift used is the median of the last `filterSamples` measurements, so a late
 *    frame callback or a dropped frame moves nothing.
 * 2. Seek only for large drift (`seekThresholdMs`), at most once per `seekHoldMs`, and aim ahead: a seek
 *    lands after a decoder latency during which the timeline moves on, so the target is the expected
 *    position plus the learned seek latency. After a seek, samples are ignored until it has settled; the
 *    first settled drift says how far off the latency estimate was, and the estimate moves towards the truth.
 * 3. Nudge small drift with the playback rate, proportionally (correct the drift over `horizonMs`), capped at
 *    `maxNudge`, changed at most every `holdMs` and only by at least `minRateStep`. Hysteresis: correction
 *    starts beyond `engageMs` and stops within `releaseMs`, so a drift sitting at a threshold cannot flap;
 *    the start threshold widens with the measured noise (up to 30 ms), so noise alone does not start corrections.
 *    A drift that stays on one side beyond a sixth of the start threshold (0.5 ms) for 2 s is corrected as
 *    well, and a correction's first change is at least `minRateStep`, so a small drift is not engaged and
 *    then left where it is (a proportional step is below `minRateStep` within 1.2 ms).
 * 4. Learn the device's rate error: between corrections the video runs at its base rate, and how fast the
 *    drift creeps back out of the dead band is this device's playback-rate error against the shared clock.
 *    It is folded into a small trim of the base rate, so corrections become rare instead of periodic. Only
 *    quiet periods teach it: integrating the nudge while correcting (a PI controller) was tried and dropped,
 *    since it learns a start error as a rate error, which then creeps back.
 * 5. Learn what a rate change costs. WebKit's GStreamer ports (WebKitGTK, WPE) apply a new playbackRate by a
 *    flushing seek: the picture freezes 12-40 ms and the video falls that far behind, at every change.
 *    Nudged every 250 ms as above, such a video never catches up (it settled 45-100 ms behind). So each
 *    change is checked against where the drift should be without it, and a cost beyond three `engageMs`
 *    (at most 40 ms is believed) changes the corrections: they start only beyond the cost, take one rate for
 *    the whole correction, and end at a drift of +cost, which the closing change's own freeze brings back
 *    to zero. On Chromium and Firefox changes cost nothing measurable, and rules 1-4 act alone.
 *
 * The defaults are what the element ships (element/drift-presets.ts creates the controller with none
 * changed), so the closed-loop tests (test/playback/drift-closed-loop.test.ts) run the shipped tuning. The
 * media clock it is fed (`requestVideoFrameCallback`'s mediaTime against the timeline) is smooth, so it
 * engages at 3 ms and lets go at 0.5 ms.
 */
import { type DriftController, type DriftDecision, type DriftSample, checkDriftSample, checkOptions } from './drift-sample.js';

/** Tuning of {@link OursDriftController}. Times in ms, rates as fractions (0.05 = 5 %). */
export interface OursDriftOptions {
  /** Median window, in samples. Default 5. */
  filterSamples: number;
  /** Samples needed before deciding anything (after a start, reset or seek). Default 3. */
  minSamples: number;
  /** Start correcting beyond this drift (or beyond `noiseFactor` times the measured noise, if larger). Default 3. */
  engageMs: number;
  /** The engage threshold is at least this many times the measurement noise (mean |raw - median|). Default 3. */
  noiseFactor: number;
  /** Stop correcting within this drift. Default 0.5. */
  releaseMs: number;
  /** Proportional gain: aim to remove the drift over this time. Default 600. */
  horizonMs: number;
  /** Largest rate change, relative to the decided rate. Default 0.08. */
  maxNudge: number;
  /** Smallest rate change worth making, relative to the decided rate. Default 0.002. */
  minRateStep: number;
  /** Least time between two rate changes of one correction. Default 250. */
  holdMs: number;
  /** Seek beyond this drift. Default 200. */
  seekThresholdMs: number;
  /** Least time between two seeks. Default 1000. */
  seekHoldMs: number;
  /** Samples this long after a seek (plus the seek latency) are ignored. Default 200. */
  seekSettleMs: number;
  /** Seek latency assumed before any seek was observed. Default 80. */
  initialSeekLatencyMs: number;
  /** Upper bound of the learned seek latency. Default 1500. */
  maxSeekLatencyMs: number;
  /** Weight of the newest observation in the seek latency estimate (0..1). Default 0.6. */
  seekLatencyGain: number;
  /** Weight of the newest observation in the rate trim (0..1). Default 0.5. */
  trimGain: number;
  /** Largest rate trim, relative to the decided rate. Default 0.02. */
  maxTrim: number;
  /** Shortest quiet period (no correction) the trim learns from. Default 1000. */
  minQuietMs: number;
}

/** Defaults of {@link OursDriftOptions}. */
export const OURS_DRIFT_DEFAULTS: Readonly<OursDriftOptions> = Object.freeze({
  filterSamples: 5,
  minSamples: 3,
  engageMs: 3,
  noiseFactor: 3,
  releaseMs: 0.5,
  horizonMs: 600,
  maxNudge: 0.08,
  minRateStep: 0.002,
  holdMs: 250,
  seekThresholdMs: 200,
  seekHoldMs: 1000,
  seekSettleMs: 200,
  initialSeekLatencyMs: 80,
  maxSeekLatencyMs: 1500,
  seekLatencyGain: 0.6,
  trimGain: 0.5,
  maxTrim: 0.02,
  minQuietMs: 1000,
});

interface Measurement {
  readonly at: number;
  /** actual - expected, seconds. */
  readonly drift_: number;
}

/**
 * An `ours` controller with `options` over the defaults.
 * @throws {RangeError} on an option that is not a finite number >= 0, or bounds out of order.
 */
export function oursDriftController(options: Partial<OursDriftOptions> = {}): OursDriftController {
  const o = { ...OURS_DRIFT_DEFAULTS, ...options };
  checkOptions('ours drift controller', o);
  if (o.minSamples < 1 || o.filterSamples < o.minSamples || o.releaseMs > o.engageMs || o.engageMs > o.seekThresholdMs) {
    throw new RangeError('ours drift controller: need 1 <= minSamples <= filterSamples, releaseMs <= engageMs <= seekThresholdMs');
  }
  return new OursDriftController(o);
}

/** See the module comment. */
export class OursDriftController implements DriftController {
  readonly preset = 'ours' as const;
  readonly #o: OursDriftOptions;
  // The transient state, set by reset():
  #window!: Measurement[];
  #engaged!: boolean;
  /** This correction has changed the rate (from the base rate, or the rate the video had when it started). */
  #correcting!: boolean;
  #lastRateChangeAt!: number;
  #lastSeekAt!: number;
  /** Set while a seek settles: samples before `settleUntil_` are ignored, the first settled drift is learned from. */
  #pendingSeek: { readonly settleUntil_: number } | undefined;
  /** Start of the current quiet period (not correcting, at base rate), for learning the trim. */
  #quiet: Measurement | undefined;
  #lastAt = -Infinity;
  #seekLatencyMs: number;
  #trim = 0;
  /** What a rate change sets the video back, seconds (learned; 0 where changes are free). */
  #rateCost = 0;
  /** The last rate change, until its cost is measured: when, the drift then, and the drift's slope it set. */
  #change: Measurement & { readonly slope_: number } | undefined;
  /** Running mean of |raw drift - filtered drift|, seconds: how noisy the measurements are. */
  #noise = 0;
  /** The first filtered drift of the current run beyond a sixth of the dead band, all of one sign (rule 3). */
  #offSince: Measurement | undefined;

  /**
   * @param options checked options (see {@link oursDriftController}, which checks and completes a partial
   *   set): the widget makes its controller with the defaults, and leaves the checks out of its bundle.
   */
  constructor(options: Readonly<OursDriftOptions> = OURS_DRIFT_DEFAULTS) {
    this.#o = options;
    this.#seekLatencyMs = options.initialSeekLatencyMs;
    this.reset();
  }

  /** The learned seek latency: how long a seek takes to land, in ms. */
  get seekLatencyMs(): number {
    return this.#seekLatencyMs;
  }

  /** The learned rate trim: the base rate is `decidedRate * (1 + rateTrim)`. */
  get rateTrim(): number {
    return this.#trim;
  }

  /** The learned cost of a rate change: how far it sets the video back, in ms. */
  get rateChangeCostMs(): number {
    return this.#rateCost * 1000;
  }

  reset(): void {
    // The noise of the measurements before a seek, a stall or a new timeline says nothing of those after
    // it: kept, a stall's jumps held the engage threshold up and delayed correction by seconds.
    this.#noise = 0;
    this.#window = [];
    this.#engaged = this.#correcting = false;
    this.#pendingSeek = undefined;
    this.#quiet = this.#change = this.#offSince = undefined;
    this.#lastRateChangeAt = this.#lastSeekAt = -Infinity;
  }

  update(sample: DriftSample): DriftDecision {
    checkDriftSample(sample);
    const { at, currentRate, decidedRate } = sample;
    // A clock that went backwards makes every stored time meaningless: start over (keeping what was learned).
    if (at < this.#lastAt) this.reset();
    this.#lastAt = at;
    const o = this.#o;
    const raw = sample.actual - sample.expected;
    if (sample.seeking === true) return none(raw);
    if (this.#pendingSeek !== undefined && at < this.#pendingSeek.settleUntil_) return none(raw);

    this.#window.push({ at, drift_: raw });
    if (this.#window.length > o.filterSamples) this.#window.shift();
    if (this.#window.length < o.minSamples) return none(raw);
    // The median sample, with its own time: a drift trend is then measured without the filter's lag.
    const filtered = median(this.#window);
    const drift = filtered.drift_;
    const driftMs = drift * 1000;
    this.#noise += NOISE_WEIGHT * (Math.abs(raw - drift) - this.#noise);
    const change = this.#change;
    if (change && filtered.at - change.at >= COST_AFTER_MS) {
      // Where the drift would be had the change been free, minus where it is.
      this.#change = undefined;
      const observed = change.drift_ + (change.slope_ * (filtered.at - change.at)) / 1000 - drift;
      this.#rateCost = clamp(this.#rateCost + COST_GAIN * (observed - this.#rateCost), 0, MAX_COST);
    }
    // Noise widens the dead band, up to a cap: a drift beyond it is real whatever the noise (a tab's media
    // clock read unevenly, as WebKit's may be on a loaded machine, had widened it past a 74 ms offset).
    const engageMs = Math.max(o.engageMs, Math.min(o.noiseFactor * this.#noise * 1000, MAX_NOISE_ENGAGE_MS));
    // A cost within three dead bands is noise, or a rate applied late (a real one is 12-40 ms): changes are free.
    const cost = this.#rateCost * 1000 > 3 * o.engageMs ? this.#rateCost : 0;

    if (this.#pendingSeek !== undefined) {
      this.#pendingSeek = undefined;
      this.#learnSeekLatency(drift, decidedRate);
    }

    if (Math.abs(driftMs) >= o.seekThresholdMs && at - this.#lastSeekAt >= o.seekHoldMs) {
      return this.#seek(sample, driftMs);
    }

    const base = decidedRate * (1 + this.#trim);
    if (!this.#engaged) {
      // The dead band waits out noise; it does not keep an offset. A drift that stays beyond a sixth of it,
      // on one side, for `LASTING_MS` (a clock estimate that moved by 2 ms, say) is corrected too: left alone,
      // 2-3 ms of it sat between two tabs for good. Not where changes cost more than such a drift.
      if (Math.abs(driftMs) * 6 <= engageMs || (this.#offSince?.drift_ ?? 0) * drift < 0) this.#offSince = undefined;
      else this.#offSince ??= filtered;
      const lasting = !cost && filtered.at - (this.#offSince?.at ?? Infinity) >= LASTING_MS;
      // With costly changes, nothing starts before the last change shows in the filtered drift.
      if ((Math.abs(driftMs) <= Math.max(engageMs, cost * 1000) && !lasting) || (cost && this.#change)) {
        if (this.#quiet === undefined && nearlyEqual(currentRate, base)) this.#quiet = filtered;
        // Adopt a changed base (a new decided rate or trim) without waiting for drift to build up.
        if (!nearlyEqual(currentRate, base) && at - this.#lastRateChangeAt >= o.holdMs) {
          return this.#nudge(sample, base, filtered);
        }
        return none(drift);
      }
      this.#engaged = true;
      this.#correcting = false;
      this.#learnTrim(sample, filtered, base);
    }

    const baseNow = decidedRate * (1 + this.#trim);
    const nudged = !nearlyEqual(currentRate, baseNow);
    // Whether this correction made its change: a rate off the base is not one (the base moved with a new trim,
    // or a decided rate the video just took): taken for one, a costly correction waited for its end for good
    // (a WebKit tab sat 87 ms behind after a rate change of the room, its trim learned below 0).
    const correcting = this.#correcting;
    // Where the correction aims: +cost, which the closing change's freeze takes back to zero (rule 5). Not
    // +2 cost before it starts, counting on its first change's freeze as well: where changes turned out
    // cheaper than learned, that left the video 2 costs off with nothing to correct and nothing to learn from
    // (48 ms ahead in the cross-engine test).
    const off = drift - cost;
    // With costly changes, a correction also ends when it passed its aim.
    if (Math.abs(off * 1000) <= o.releaseMs || (cost && nudged && off > 0 == currentRate > baseNow)) {
      this.#engaged = false;
      this.#quiet = { at: filtered.at, drift_: drift - cost };
      // Releasing is always applied at once: staying off the base rate would overshoot.
      return nudged ? this.#nudge(sample, baseNow, filtered) : none(drift);
    }
    // Costly changes: one rate for the whole correction.
    if (cost && correcting) return none(drift);
    const low = decidedRate * (1 - o.maxNudge);
    const high = decidedRate * (1 + o.maxNudge);
    // Proportional; from the base rate, at least the smallest step: a drift that lasted at 0.5-1.2 ms (rule 3)
    // was otherwise engaged and left as it was, 1-1.4 ms between a tab's media clock and its clock in the lab.
    const step = (decidedRate * off) / (o.horizonMs / 1000);
    const target = clamp(baseNow - (correcting ? step : Math.sign(off) * Math.max(Math.abs(step), o.minRateStep * decidedRate)), low, high);
    const bigEnough = Math.abs(target - currentRate) >= o.minRateStep * decidedRate;
    if (bigEnough && at - this.#lastRateChangeAt >= o.holdMs) {
      this.#correcting = true;
      return this.#nudge(sample, target, filtered);
    }
    return none(drift);
  }

  /** Sets the rate, and keeps what the drift was then, and the slope the new rate sets, to learn its cost. */
  #nudge(sample: DriftSample, rate: number, filtered: Measurement): DriftDecision {
    const { at, currentRate, decidedRate } = sample;
    const base = decidedRate * (1 + this.#trim);
    // The filtered drift is a few samples old: carried forward to now at the rate in force till now.
    const drift = filtered.drift_ + ((currentRate - base) * (at - filtered.at)) / 1000;
    this.#change = { at, drift_: drift, slope_: rate - base };
    this.#lastRateChangeAt = at;
    return { action: 'nudge', driftMs: filtered.drift_ * 1000, rate };
  }

  #seek(sample: DriftSample, driftMs: number): DriftDecision {
    const o = this.#o;
    const { at, decidedRate } = sample;
    // Aim where the timeline will be when the seek lands.
    const position = Math.max(0, sample.expected + (this.#seekLatencyMs / 1000) * decidedRate);
    const rate = decidedRate * (1 + this.#trim);
    // A seek starts the measurements over.
    this.reset();
    this.#lastSeekAt = this.#lastRateChangeAt = at;
    this.#pendingSeek = { settleUntil_: at + this.#seekLatencyMs + o.seekSettleMs };
    return { action: 'seek', driftMs, position, rate };
  }

  /**
   * After a seek aimed `L` ahead, a video that really took `L'` to land is off by `(L - L') * rate`: a drift
   * of `d` seconds means the latency was `L - d / rate`. Move the estimate towards that.
   */
  #learnSeekLatency(drift: number, decidedRate: number): void {
    const o = this.#o;
    const observed = this.#seekLatencyMs - (drift * 1000) / decidedRate;
    const next = this.#seekLatencyMs + o.seekLatencyGain * (observed - this.#seekLatencyMs);
    this.#seekLatencyMs = clamp(next, 0, o.maxSeekLatencyMs);
  }

  /**
   * At the end of a quiet period the video ran at the base rate `decided * (1 + trim)` and the drift moved
   * by `Δd` over `Δt`: the video's real rate is off by `Δd / Δt` (relative to the decided rate), so the trim
   * should be that much lower.
   */
  #learnTrim(sample: DriftSample, end: Measurement, base: number): void {
    const quiet = this.#quiet;
    this.#quiet = undefined;
    const o = this.#o;
    if (quiet === undefined || !nearlyEqual(sample.currentRate, base)) return;
    const elapsedMs = end.at - quiet.at;
    if (elapsedMs < o.minQuietMs) return;
    const slope = (end.drift_ - quiet.drift_) / (elapsedMs / 1000) / sample.decidedRate;
    this.#trim = clamp(this.#trim - o.trimGain * slope, -o.maxTrim, o.maxTrim);
  }
}

/** How long a drift within the dead band but beyond a sixth of it may stay before it is corrected, ms. */
const LASTING_MS = 2000;
/** The most the measured noise widens the start threshold, ms. */
const MAX_NOISE_ENGAGE_MS = 30;
/** Weight of one sample in the noise estimate (a time constant of about 50 samples). */
const NOISE_WEIGHT = 0.02;
/** A rate change's cost is measured once the filtered drift is this far past it, ms (rate latency, freeze). */
const COST_AFTER_MS = 150;
/** Weight of the newest observation in the rate-change cost. */
const COST_GAIN = 0.3;
/**
 * Most a rate change is taken to cost, s: WebKit's are 12-40 ms. The cost is also the dead band of costly
 * corrections, so a bad estimate (a buffering stall right after a change) may not widen it further.
 */
const MAX_COST = 0.04;

function none(drift: number): DriftDecision {
  return { action: 'none', driftMs: drift * 1000 };
}

/** The median measurement by drift (for an even count, the mean of the middle two, drift and time). */
function median(window: readonly Measurement[]): Measurement {
  const sorted = [...window].sort((a, b) => a.drift_ - b.drift_);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid]!;
  const low = sorted[mid - 1]!;
  const high = sorted[mid]!;
  return { at: (low.at + high.at) / 2, drift_: (low.drift_ + high.drift_) / 2 };
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/** Rates equal up to float noise (a video element may round what it was given). */
function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}
