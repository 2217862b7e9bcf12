/**
 * The drift correction of Jellyfin SyncPlay's web client (`PlaybackCore.syncPlaybackTime`), with its
 * published defaults, so the sync benchmark can run it side by side with ours on the same measurements.
 *
 * - It looks at the drift at most every `maxDelaySpeedToSync / 2` = 1.5 s, using one raw measurement.
 * - SpeedToSync: for a drift of 60 ms up to (not including) 3 s, play at `1 + drift / 1000` for 1 s (drift
 *   in ms, positive when behind), which cancels the drift in that second; when ahead by 200 ms or more the
 *   speed would fall below 0.2x, so it plays at 0.2x for `|drift| / 0.8` ms instead. Then back to the
 *   decided rate.
 * - SkipToSync: seek straight to the expected position (no compensation for the seek's latency) when the
 *   drift is at least 400 ms and SpeedToSync does not apply. With the defaults SpeedToSync takes every drift
 *   under 3 s, so seeks happen from 3 s (or from 400 ms with `useSpeedToSync: false`).
 * - After a correction it waits: until the speed period ends, or 1.5 s after a seek; and 1.5 s after it
 *   first sees the video play (the client enables sync that long after an unpause).
 *
 * Speeds scale with the decided rate (the client assumes rate 1). The speed period ends at the first sample
 * after it elapses, so its length is quantized to the sampling interval (a frame).
 */
import { type DriftController, type DriftDecision, type DriftSample, checkDriftSample, checkOptions } from './drift-sample.js';

/** Tuning of {@link JellyfinDriftController}, named as in the client's settings. Times in ms. */
export interface JellyfinDriftOptions {
  /** Smallest drift SpeedToSync corrects. Default 60. */
  minDelaySpeedToSync: number;
  /** Drift from which SpeedToSync gives way to SkipToSync; half of it is the check interval. Default 3000. */
  maxDelaySpeedToSync: number;
  /** Length of a SpeedToSync period. Default 1000. */
  speedToSyncDuration: number;
  /** Smallest drift SkipToSync corrects. Default 400. */
  minDelaySkipToSync: number;
  /** Whether SpeedToSync is used. Default true. */
  useSpeedToSync: boolean;
  /** Whether SkipToSync is used. Default true. */
  useSkipToSync: boolean;
}

/** Defaults of {@link JellyfinDriftOptions} (jellyfin-web's). */
export const JELLYFIN_DRIFT_DEFAULTS: Readonly<JellyfinDriftOptions> = Object.freeze({
  minDelaySpeedToSync: 60,
  maxDelaySpeedToSync: 3000,
  speedToSyncDuration: 1000,
  minDelaySkipToSync: 400,
  useSpeedToSync: true,
  useSkipToSync: true,
});

/** The client's floor on SpeedToSync's speed. */
const MIN_SPEED = 0.2;

/** See the module comment. */
export class JellyfinDriftController implements DriftController {
  readonly preset = 'jellyfin' as const;
  readonly #o: JellyfinDriftOptions;
  #lastCheckAt: number | undefined;
  #enabledAt = -Infinity;
  #speedUntil: number | undefined;

  constructor(options: Partial<JellyfinDriftOptions> = {}) {
    this.#o = { ...JELLYFIN_DRIFT_DEFAULTS, ...options };
    checkOptions('jellyfin drift controller', this.#o);
  }

  reset(): void {
    this.#lastCheckAt = undefined;
    this.#enabledAt = -Infinity;
    this.#speedUntil = undefined;
  }

  update(sample: DriftSample): DriftDecision {
    checkDriftSample(sample);
    const o = this.#o;
    const driftMs = (sample.actual - sample.expected) * 1000;
    const none: DriftDecision = { action: 'none', driftMs };
    const checkInterval = o.maxDelaySpeedToSync / 2;
    if (this.#lastCheckAt === undefined || sample.at < this.#lastCheckAt) {
      // First sight of playback: sync is enabled half the threshold later.
      this.#lastCheckAt = sample.at;
      this.#enabledAt = sample.at + checkInterval;
      this.#speedUntil = undefined;
      return none;
    }
    if (this.#speedUntil !== undefined && sample.at >= this.#speedUntil) {
      this.#speedUntil = undefined;
      this.#enabledAt = sample.at;
      return { action: 'nudge', driftMs, rate: sample.decidedRate };
    }
    if (sample.at - this.#lastCheckAt < checkInterval) return none;
    this.#lastCheckAt = sample.at;
    if (sample.at < this.#enabledAt || this.#speedUntil !== undefined || sample.seeking === true) return none;

    const diffMillis = -driftMs; // the client's sign: positive when behind
    const absDiff = Math.abs(diffMillis);
    if (o.useSpeedToSync && absDiff >= o.minDelaySpeedToSync && absDiff < o.maxDelaySpeedToSync) {
      let duration = o.speedToSyncDuration;
      if (diffMillis <= -duration * MIN_SPEED) duration = absDiff / (1 - MIN_SPEED);
      const speed = 1 + diffMillis / duration;
      this.#speedUntil = sample.at + duration;
      return { action: 'nudge', driftMs, rate: sample.decidedRate * speed };
    }
    if (o.useSkipToSync && absDiff >= o.minDelaySkipToSync) {
      this.#enabledAt = sample.at + checkInterval;
      return { action: 'seek', driftMs, position: Math.max(0, sample.expected), rate: sample.currentRate };
    }
    return none;
  }
}
