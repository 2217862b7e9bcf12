/**
 * The desync correction of the Syncplay client (`client.py`, `_changePlayerStateAccordingToGlobalState`)
 * with its default thresholds, so the sync benchmark can run it side by side with ours. Drift is in
 * seconds, positive when ahead; the client looks once per state update from its server (every second).
 *
 * - Rewind: ahead by more than 4 s, seek back to the expected position.
 * - Fast-forward: behind by more than 1.75 s starts a timer; still behind by more than 5 s once it has run
 *   for 5 - 1.75 s, seek to the expected position plus 0.25 s, and do not try again for 3 s.
 * - Slow down: ahead by more than 1.5 s, play at 0.95x until less than 0.1 s ahead, then at the decided rate.
 *   (The rewind check does not exclude it: one update can both rewind and slow down, as in the client.)
 *
 * The client fast-forwards only viewers who cannot control the room or who chose "don't slow down with
 * me"; the benchmark enables it, as configured here. The rate scales with the decided rate.
 */
import { type DriftController, type DriftDecision, type DriftSample, checkDriftSample, checkOptions } from './drift-sample.js';
import { JELLYFIN_SHARED_CLOCK_OPTIONS, type SharedClockOptions } from './shared-clock.js';

/**
 * The clock of the Syncplay client, for the same comparison. Syncplay syncs no clocks: each state message of
 * its server (one a second) is placed half a smoothed round trip before it arrived, so its error is that one
 * message's delay against the average. One sample a second, the estimate always the latest sample alone,
 * has the same kind of error (one round trip's asymmetry) and no less. (Here, beside the Syncplay controller:
 * only the baselines use it, and the widget bundle stays without it.)
 */
export const SYNCPLAY_SHARED_CLOCK_OPTIONS: Readonly<SharedClockOptions> = Object.freeze({
  ...JELLYFIN_SHARED_CLOCK_OPTIONS,
  windowSize: 1,
  burstSamples: 1,
  resyncIntervalMs: 1_000,
  jitterResyncMs: 1_000,
});

/** Tuning of {@link SyncplayDriftController}, named after the client's constants. Times in seconds unless noted. */
export interface SyncplayDriftOptions {
  /** How often the drift is looked at, ms. Default 1000 (the server's state interval). */
  checkIntervalMs: number;
  /** Rewind when ahead by more than this. Default 4. */
  rewindThreshold: number;
  /** Fast-forward when behind by more than this (once the timer allows). Default 5. */
  fastforwardThreshold: number;
  /** Being behind by more than this starts the fast-forward timer. Default 1.75. */
  fastforwardBehindThreshold: number;
  /** A fast-forward overshoots the expected position by this. Default 0.25. */
  fastforwardExtraTime: number;
  /** Quiet time after a fast-forward. Default 3. */
  fastforwardResetThreshold: number;
  /** Slow down when ahead by more than this. Default 1.5. */
  slowdownThreshold: number;
  /** Stop slowing down when ahead by less than this. Default 0.1. */
  slowdownResetThreshold: number;
  /** Rate while slowing down, relative to the decided rate. Default 0.95. */
  slowdownRate: number;
  /** Whether to rewind. Default true. */
  rewindOnDesync: boolean;
  /** Whether to fast-forward. Default true. */
  fastforwardOnDesync: boolean;
  /** Whether to slow down. Default true. */
  slowOnDesync: boolean;
}

/** Defaults of {@link SyncplayDriftOptions} (the client's constants.py). */
export const SYNCPLAY_DRIFT_DEFAULTS: Readonly<SyncplayDriftOptions> = Object.freeze({
  checkIntervalMs: 1000,
  rewindThreshold: 4,
  fastforwardThreshold: 5,
  fastforwardBehindThreshold: 1.75,
  fastforwardExtraTime: 0.25,
  fastforwardResetThreshold: 3,
  slowdownThreshold: 1.5,
  slowdownResetThreshold: 0.1,
  slowdownRate: 0.95,
  rewindOnDesync: true,
  fastforwardOnDesync: true,
  slowOnDesync: true,
});

/** See the module comment. */
export class SyncplayDriftController implements DriftController {
  readonly preset = 'syncplay' as const;
  readonly #o: SyncplayDriftOptions;
  #lastCheckAt: number | undefined;
  #speedChanged = false;
  /** When being behind was first seen (ms), or undefined; may lie in the future after a fast-forward. */
  #behindFirstDetected: number | undefined;

  constructor(options: Partial<SyncplayDriftOptions> = {}) {
    this.#o = { ...SYNCPLAY_DRIFT_DEFAULTS, ...options };
    checkOptions('syncplay drift controller', this.#o);
  }

  reset(): void {
    this.#lastCheckAt = undefined;
    this.#speedChanged = false;
    this.#behindFirstDetected = undefined;
  }

  update(sample: DriftSample): DriftDecision {
    checkDriftSample(sample);
    const o = this.#o;
    const diff = sample.actual - sample.expected;
    const driftMs = diff * 1000;
    if (sample.seeking === true) return { action: 'none', driftMs };
    if (this.#lastCheckAt !== undefined && sample.at >= this.#lastCheckAt && sample.at - this.#lastCheckAt < o.checkIntervalMs) {
      return { action: 'none', driftMs };
    }
    this.#lastCheckAt = sample.at;

    let seekTo: number | undefined;
    if (o.rewindOnDesync && diff > o.rewindThreshold) seekTo = sample.expected;
    if (o.fastforwardOnDesync) {
      if (diff < -o.fastforwardBehindThreshold) {
        if (this.#behindFirstDetected === undefined) {
          this.#behindFirstDetected = sample.at;
        } else {
          const behindFor = (sample.at - this.#behindFirstDetected) / 1000;
          if (behindFor > o.fastforwardThreshold - o.fastforwardBehindThreshold && diff < -o.fastforwardThreshold) {
            seekTo = sample.expected + o.fastforwardExtraTime * sample.decidedRate;
            this.#behindFirstDetected = sample.at + o.fastforwardResetThreshold * 1000;
          }
        }
      } else {
        this.#behindFirstDetected = undefined;
      }
    }
    let rate = sample.currentRate;
    if (o.slowOnDesync) {
      if (diff > o.slowdownThreshold && !this.#speedChanged) {
        rate = sample.decidedRate * o.slowdownRate;
        this.#speedChanged = true;
      } else if (this.#speedChanged && diff < o.slowdownResetThreshold) {
        rate = sample.decidedRate;
        this.#speedChanged = false;
      }
    }
    if (seekTo !== undefined) return { action: 'seek', driftMs, position: Math.max(0, seekTo), rate };
    if (rate !== sample.currentRate) return { action: 'nudge', driftMs, rate };
    return { action: 'none', driftMs };
  }
}
