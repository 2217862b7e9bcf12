/**
 * Estimator of the offset from this tab's clock to the shared clock (the signaling server's), NTP style.
 *
 * A sample is one round trip: local send time `t0`, server time `ts`, local receive time `t1`. Assuming the
 * server stamped `ts` halfway through, `offset = ts - (t0 + t1) / 2`, and wherever in the round trip it
 * really stamped it, the true offset is within `rtt / 2` of that (`rtt = t1 - t0`): it lies in the interval
 * `[ts - t1, ts - t0]`. Clocks drift apart slowly, so a sample's interval also widens with its age
 * (`driftPpm`). Every sample's interval holds the true offset, so their intersection does too: the estimate
 * is the middle of the intersection of the window's intervals, and its error bound is half its width. That
 * is `[-(least downward delay), least upward delay]` around the true offset, with the two least delays taken
 * from any samples: on a jittery path a sample quick both ways is rare, one quick up and another quick down
 * are not (with 30 ms of mean jitter each way, 16 samples leave about 2 ms where the quickest single sample
 * leaves 10 or more). What no round trip can show is a path slower one way than the other: half the
 * difference of the least delays remains (the bound the asymmetry sets). An empty intersection (clocks that
 * drift faster than `driftPpm`) falls back to the single sample with the smallest `rtt / 2 + age * drift`,
 * as NTP's clock filter does, and so does the Jellyfin configuration (`intersect: false`).
 *
 * Resync policy: a burst of `burstSamples` samples at start (and after a reset or a clock step), then a
 * short burst of `resyncSamples` every `resyncIntervalMs` (every 300 ms while the window is less than half
 * full). On a jittery path (round trips a few ms over the least, as a phone's are) one every
 * `jitterResyncMs` instead: the estimate is only as good as the quickest trip each way, and the chance of
 * one grows with every independent sample. The host asks {@link SharedClock.nextSampleDelay}
 * when to send the next request and reports replies with {@link SharedClock.addSample}.
 *
 * Clock steps and outliers: a sample whose uncertainty interval `[offset ± rtt/2]` does not overlap the
 * current estimate's (`offset ± errorBound`) is inconsistent: either a one-off (a server stall, a garbled
 * reply) or a step of one of the clocks (the OS set the time, the machine slept). One is set aside as an
 * outlier and a quick follow-up sample is requested; `jumpConfirmSamples` inconsistent samples in a row that
 * agree with each other are a step: the old window is dropped and the new samples become the estimate.
 *
 * Pure apart from the injected `localNow` (used only by the getters that need "now"); no timers, no I/O.
 */

/** Tuning of {@link SharedClock}. */
export interface SharedClockOptions {
  /**
   * Samples kept. Default 64: the estimate is only as good as the quickest trip each way in the window, and
   * on a phone's path more samples leave less error (simulated, with a burst a second: p95 1.1 ms against
   * 1.6 with 32 and one every 2 s over the first half minute; in the lab a tab was 7-9 ms off then with 32,
   * docs/lab.md round 15).
   */
  windowSize: number;
  /** Samples in the burst at start, after `reset()` and after a detected clock step. Default 8. */
  burstSamples: number;
  /**
   * Pause between the samples of a burst, in ms. Default 10. Not 0 (tried, docs/lab.md round 8): a joining
   * tab's first burst comes while its main thread is busiest (the room's state, its peer connections), and a
   * reply handled late makes the estimate lean by half the wait; sent together, all eight waited alike (a
   * 1 ms path measured 100 ms); spread out, the later ones may come back after the busy stretch.
   */
  burstIntervalMs: number;
  /** Time from the end of one burst to the start of the next, in ms. Default 15000. */
  resyncIntervalMs: number;
  /** Samples in each periodic resync burst. Default 3. */
  resyncSamples: number;
  /**
   * Time between resync bursts while the path is jittery (the window's median round trip more than
   * {@link JITTERY_RTT_MS} over its least), ms. Default 1000 (a burst of three a second or so: in the lab,
   * 4-8 % more bytes per tab on the wire); equal to `resyncIntervalMs`, the rule changes nothing. A phone's
   * path (30 ms of mean jitter each way) left each tab's estimate 5-7 ms off with a burst every 15 s: the
   * window held few independent trips, and few quick ones. (A burst's samples wait for each other's
   * replies: on such a path they are as independent as any.)
   */
  jitterResyncMs: number;
  /** Round trips longer than this (ms) are rejected: too imprecise to help. Default 2000. */
  maxRttMs: number;
  /** Samples older than this (ms, by the local clock) leave the window. Default 120000. */
  maxAgeMs: number;
  /** Assumed worst relative drift between the clocks, in parts per million: error growth with age. Default 50. */
  driftPpm: number;
  /** Slack (ms) in the consistency check, for the server's time to answer. Default 2. */
  toleranceMs: number;
  /** Consecutive agreeing inconsistent samples that prove a clock step; 0 disables step detection. Default 3. */
  jumpConfirmSamples: number;
  /**
   * The clock is {@link SharedClock.settled} before its first burst ends once three samples are in and the
   * error bound is within this, ms. Default 10.
   */
  settleErrorMs: number;
  /** Estimate from the intersection of every sample's interval (else from the best sample alone). Default true. */
  intersect: boolean;
}

/** Defaults of {@link SharedClockOptions} (this project's clock). */
export const DEFAULT_SHARED_CLOCK_OPTIONS: Readonly<SharedClockOptions> = Object.freeze({
  windowSize: 64,
  burstSamples: 8,
  burstIntervalMs: 10,
  resyncIntervalMs: 15_000,
  resyncSamples: 3,
  jitterResyncMs: 1_000,
  maxRttMs: 2_000,
  maxAgeMs: 120_000,
  driftPpm: 50,
  toleranceMs: 2,
  jumpConfirmSamples: 3,
  settleErrorMs: 10,
  intersect: true,
});

/**
 * The clock of Jellyfin SyncPlay's web client, for the sync benchmark's comparison: the minimum-delay sample
 * of the last 8, polled every second for the first four pings and every minute after; no age weighting, no
 * step detection.
 */
export const JELLYFIN_SHARED_CLOCK_OPTIONS: Readonly<SharedClockOptions> = Object.freeze({
  windowSize: 8,
  burstSamples: 4,
  burstIntervalMs: 1_000,
  resyncIntervalMs: 60_000,
  resyncSamples: 1,
  jitterResyncMs: 60_000,
  maxRttMs: Infinity,
  maxAgeMs: Infinity,
  driftPpm: 0,
  toleranceMs: 0,
  jumpConfirmSamples: 0,
  // Not Jellyfin's: when the element starts playing (the same rule for every preset).
  settleErrorMs: 10,
  intersect: false,
});

/**
 * Time between resync bursts while the window is less than half full, ms: the samples of one burst, sent
 * 10 ms apart, queue behind each other on a jittery path and share its delays, so the first burst alone
 * leaves a mobile tab 10-15 ms off; a burst every 300 ms fills the window with independent ones in about a
 * second. Soon, too, because the first burst goes out as a joining page is at its busiest (its connections,
 * its video): replies handled late left a LAN joiner's clock 10-20 ms off, and a burst a second put it
 * right only 1.2 s after the start, the video nudged meanwhile.
 */
const WARM_RESYNC_MS = 300;

/**
 * A path whose median round trip is more than this over its least is jittery (ms): see
 * {@link SharedClockOptions.jitterResyncMs}. A LAN's or a city's (2 ms each way) is not; a continent's
 * (5 ms) and a phone's are.
 */
export const JITTERY_RTT_MS = 5;

/** The options that count samples, with their least value; the others are times or rates >= 0. */
const COUNT_MINIMUMS: Partial<Record<keyof SharedClockOptions, number>> = {
  windowSize: 1,
  burstSamples: 1,
  resyncSamples: 1,
  jumpConfirmSamples: 0,
};

/** One round trip, as kept in the window. */
export interface ClockSample {
  /** Local time the request left, ms. */
  readonly t0: number;
  /** Server time in the reply, ms. */
  readonly ts: number;
  /** Local time the reply arrived, ms. */
  readonly t1: number;
  /** `t1 - t0`. */
  readonly rtt: number;
  /** `ts - (t0 + t1) / 2`. */
  readonly offset: number;
}

/** What {@link SharedClock.addSample} did with a sample. */
export type SampleVerdict =
  /** Kept in the window. */
  | { readonly kind: 'accepted'; readonly sample: ClockSample }
  /** Unusable: non-finite numbers, a negative round trip (the local clock stepped back), or too slow. */
  | { readonly kind: 'rejected'; readonly reason: 'non-finite' | 'negative-rtt' | 'rtt-too-long' }
  /** Disagrees with the estimate; set aside pending confirmation of a clock step. */
  | { readonly kind: 'outlier'; readonly sample: ClockSample }
  /** Confirmed a clock step: the window restarted from the agreeing samples. */
  | { readonly kind: 'step'; readonly sample: ClockSample; readonly previousOffset: number };

/** NTP-style estimator of the offset to the shared clock. See the module comment. */
export class SharedClock {
  readonly #localNow: () => number;
  readonly #options: SharedClockOptions;
  // The estimate and its sampling schedule, set by reset():
  #settled!: boolean;
  #window!: ClockSample[];
  #suspects!: ClockSample[];
  #best: ClockSample | undefined;
  /** The estimate made at the last sample: offset, error bound then, and the local time then. */
  #offset = 0;
  #error = Infinity;
  #at = 0;
  #burstRemaining!: number;
  #lastSampleAt!: number;
  #burstEndedAt!: number;
  /** The first burst was handed out for pipelining ({@link pipeline}). */
  #pipelined = false;

  /**
   * @param localNow this tab's clock in ms, e.g. `() => performance.timeOrigin + performance.now()`
   *   (monotonic is best; a stepping clock works too, through step detection).
   * @param options tuning; see {@link DEFAULT_SHARED_CLOCK_OPTIONS}.
   */
  constructor(localNow: () => number, options: Partial<SharedClockOptions> = {}) {
    this.#localNow = localNow;
    this.#options = { ...DEFAULT_SHARED_CLOCK_OPTIONS, ...options };
    for (const key of Object.keys(DEFAULT_SHARED_CLOCK_OPTIONS) as (keyof SharedClockOptions)[]) {
      // Counts are integers (at least 1, but 0 turns step detection off); times and rates may be Infinity;
      // `intersect`, a boolean, compares as 0 or 1.
      const least = COUNT_MINIMUMS[key];
      const value = this.#options[key] as number;
      if (!(value >= (least ?? 0)) || (least !== undefined && !Number.isInteger(value))) {
        throw new RangeError(`SharedClock: ${key} must be ${least === undefined ? '' : 'an integer '}>= ${least ?? 0}, got ${value}`);
      }
    }
    this.reset();
  }

  /** Offset in ms to add to the local clock to read the shared clock; 0 before the first sample. */
  get offset(): number {
    return this.#offset;
  }

  /** Bound in ms on the error of {@link offset} now (half the intersection's width, grown with time since); Infinity before any sample. */
  get errorBound(): number {
    return this.errorBoundAt(this.#localNow());
  }

  /**
   * The round trip of the sample with the least error now (the quickest, unless it aged), ms, 0 before the
   * first: about the path's, queues aside.
   */
  get pathRtt_(): number {
    return this.#best?.rtt ?? 0;
  }

  /** Whether at least one sample was accepted. */
  get synced(): boolean {
    return this.#best !== undefined;
  }

  /**
   * Whether the estimate can be relied on: the first burst since the start (or a reset) is complete, or
   * three samples are in and the error bound is within `settleErrorMs`. The first round trip alone (a fresh
   * connection, a busy tab) can be off by hundreds of ms. Playback that needs the clock waits for this.
   */
  get settled(): boolean {
    return this.#settled || (this.#window.length >= 3 && this.errorBound <= this.#options.settleErrorMs);
  }

  /**
   * The first time it is asked, while the clock has no sample yet: the delays, ms from now, of the rest of the
   * first burst, whose requests may go out `burstIntervalMs` apart without waiting for each reply (the burst
   * then ends one round trip after it began, not one round trip per sample); else none. Their replies count
   * like any other.
   */
  pipeline(): number[] {
    const o = this.#options;
    if (this.#pipelined || this.#lastSampleAt > -Infinity) return [];
    this.#pipelined = true;
    return Array.from({ length: o.burstSamples - 1 }, (_, k) => (k + 1) * o.burstIntervalMs);
  }

  /** Shared-clock time now, in ms. */
  now(): number {
    return this.#localNow() + this.#offset;
  }

  /** {@link errorBound} as it is at local time `localMs`. */
  errorBoundAt(localMs: number): number {
    return this.#error + (Math.max(0, localMs - this.#at) * this.#options.driftPpm) / 1e6;
  }

  /**
   * Ms until the host should send the next time request (0: now). The host calls it after every reply and
   * after giving up on a lost one; an unanswered request changes nothing here, so it is simply retried.
   */
  nextSampleDelay(localMs: number = this.#localNow()): number {
    const o = this.#options;
    const due =
      this.#burstRemaining > 0
        ? this.#lastSampleAt + o.burstIntervalMs
        : this.#burstEndedAt + (this.#window.length < o.windowSize / 2 ? WARM_RESYNC_MS : this.#jittery ? o.jitterResyncMs : o.resyncIntervalMs);
    return Math.max(0, due - localMs);
  }

  /** Forget everything (e.g. another server): back to unsynced, with a full burst due now. */
  reset(): void {
    this.#window = [];
    this.#suspects = [];
    this.#best = undefined;
    this.#offset = 0;
    this.#error = Infinity;
    this.#settled = false;
    this.#burstRemaining = this.#options.burstSamples;
    this.#lastSampleAt = -Infinity;
    this.#burstEndedAt = -Infinity;
  }

  /**
   * Records one round trip: `t0` local send time, `ts` server time, `t1` local receive time (ms). Never
   * throws; the verdict says what became of the sample.
   */
  addSample(t0: number, ts: number, t1: number): SampleVerdict {
    if (!Number.isFinite(t0) || !Number.isFinite(ts) || !Number.isFinite(t1)) return this.#reject('non-finite');
    const rtt = t1 - t0;
    if (rtt < 0) return this.#reject('negative-rtt');
    if (rtt > this.#options.maxRttMs) return this.#reject('rtt-too-long');
    const sample: ClockSample = { t0, ts, t1, rtt, offset: ts - (t0 + t1) / 2 };
    this.#countTowardsBurst(t1);

    let verdict: SampleVerdict = { kind: 'accepted', sample };
    if (this.#best !== undefined && this.#options.jumpConfirmSamples > 0 && !this.#consistent(sample, t1)) {
      // Suspects that disagree among themselves were one-offs: start collecting afresh from this one.
      const suspects = [...this.#suspects, sample];
      this.#suspects = agree(suspects, this.#options.toleranceMs) ? suspects : [sample];
      if (this.#suspects.length < this.#options.jumpConfirmSamples) {
        // Confirm or dismiss quickly rather than at the next periodic resync.
        this.#burstRemaining = Math.max(this.#burstRemaining, this.#options.jumpConfirmSamples - this.#suspects.length);
        return { kind: 'outlier', sample };
      }
      // A step: the agreeing suspects (this sample among them) become the window.
      verdict = { kind: 'step', sample, previousOffset: this.offset };
      this.#window = this.#suspects;
      this.#burstRemaining = this.#options.burstSamples;
    } else {
      this.#window.push(sample);
    }
    this.#suspects = [];
    this.#select(t1);
    return verdict;
  }

  /** The window's median round trip is more than {@link JITTERY_RTT_MS} over its least. */
  get #jittery(): boolean {
    const rtts = this.#window.map((s) => s.rtt).sort((a, b) => a - b);
    return rtts[rtts.length >> 1]! - rtts[0]! > JITTERY_RTT_MS;
  }

  #reject(reason: 'non-finite' | 'negative-rtt' | 'rtt-too-long'): SampleVerdict {
    return { kind: 'rejected', reason };
  }

  /** Burst bookkeeping for a reply received at local time `t1` (any usable reply counts). */
  #countTowardsBurst(t1: number): void {
    if (this.#burstRemaining === 0) {
      // The periodic resync is due: this reply opens its burst.
      this.#burstRemaining = this.#options.resyncSamples;
    }
    this.#burstRemaining--;
    this.#lastSampleAt = t1;
    if (this.#burstRemaining === 0) {
      this.#burstEndedAt = t1;
      this.#settled = true;
    }
  }

  #errorOf(sample: ClockSample, localMs: number): number {
    const age = Math.max(0, localMs - sample.t1);
    return sample.rtt / 2 + (age * this.#options.driftPpm) / 1e6;
  }

  /** Whether `sample`'s interval overlaps the current estimate's (see the module comment). */
  #consistent(sample: ClockSample, localMs: number): boolean {
    const slack = this.errorBoundAt(localMs) + sample.rtt / 2 + this.#options.toleranceMs;
    return Math.abs(sample.offset - this.offset) <= slack;
  }

  /** Trims the window (size, age) and makes the estimate at `localMs` (see the module comment). */
  #select(localMs: number): void {
    const { windowSize, maxAgeMs, intersect } = this.#options;
    this.#window = this.#window.filter((s) => localMs - s.t1 <= maxAgeMs).slice(-windowSize);
    const errorOf = (s: ClockSample) => this.#errorOf(s, localMs);
    let best: ClockSample | undefined;
    for (const s of this.#window) if (!best || errorOf(s) < errorOf(best)) best = s;
    this.#best = best;
    const [low, high] = intersection(this.#window, errorOf);
    this.#at = localMs;
    [this.#offset, this.#error] = intersect && low <= high ? [(low + high) / 2, (high - low) / 2] : [best!.offset, errorOf(best!)];
  }
}

/** The intersection `[low, high]` of the samples' intervals, `offset ± errorOf(sample)` each (empty: low > high). */
function intersection(samples: readonly ClockSample[], errorOf: (s: ClockSample) => number): [number, number] {
  let low = -Infinity;
  let high = Infinity;
  for (const s of samples) {
    low = Math.max(low, s.offset - errorOf(s));
    high = Math.min(high, s.offset + errorOf(s));
  }
  return [low, high];
}

/** Whether the uncertainty intervals of `samples` share a point (within `toleranceMs`). */
function agree(samples: readonly ClockSample[], toleranceMs: number): boolean {
  const [low, high] = intersection(samples, (s) => s.rtt / 2);
  return low <= high + toleranceMs;
}
