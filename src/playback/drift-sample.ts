/**
 * What a drift controller sees and what it decides. The host measures the video (ideally with
 * `requestVideoFrameCallback`: the presented frame's `mediaTime` and its presentation time on the shared
 * clock), computes where the decided state says the video should be at that instant, and asks the
 * controller what to do.
 */

/** One measurement of the local video against the decided timeline. */
export interface DriftSample {
  /**
   * When the measurement holds, in ms: the presentation time of the frame, on the shared clock. Any clock
   * works if every sample uses the same one; hold times and check intervals are measured on it.
   */
  readonly at: number;
  /** Position the decided state prescribes at `at` (`positionAt(state, at)`), seconds. */
  readonly expected: number;
  /** Position the video actually presented at `at` (the frame's `mediaTime`), seconds. */
  readonly actual: number;
  /** The video's playbackRate now (what the controller last set, or the decided rate). */
  readonly currentRate: number;
  /** The decided rate (`state.rate`): the rate the timeline runs at. */
  readonly decidedRate: number;
  /** True while the video is seeking; such samples are not measurements and are ignored. */
  readonly seeking?: boolean;
}

/** What to do with the video. `driftMs` is actual minus expected (positive: ahead), as the controller sees it. */
export type DriftDecision =
  /** Leave the video alone. */
  | { readonly action: 'none'; readonly driftMs: number }
  /** Set `video.playbackRate = rate` (a correction, or back to the decided rate when it is done). */
  | { readonly action: 'nudge'; readonly driftMs: number; readonly rate: number }
  /** Set `video.currentTime = position` and `video.playbackRate = rate`. */
  | { readonly action: 'seek'; readonly driftMs: number; readonly position: number; readonly rate: number };

/** Names of the available controllers. */
export type DriftPresetName = 'ours' | 'jellyfin' | 'syncplay';

/** A stateful, deterministic drift controller: the same samples give the same decisions. */
export interface DriftController {
  /** Which algorithm this is. */
  readonly preset: DriftPresetName;
  /**
   * Feeds one measurement, returns the action to take now.
   * @throws {RangeError} on a sample with non-finite numbers or non-positive rates (a bug in the host).
   */
  update(sample: DriftSample): DriftDecision;
  /**
   * Forgets the transient state (measurements, pending corrections), keeping what was learned about this
   * device. Call it when the decided timeline changes (play, seek, rate, load) or playback stops.
   */
  reset(): void;
}

/** @throws {RangeError} naming the first bad field of `sample`. */
export function checkDriftSample(sample: DriftSample): void {
  for (const key of ['at', 'expected', 'actual'] as const) {
    if (!Number.isFinite(sample[key])) throw new RangeError(`drift sample: ${key} must be finite, got ${sample[key]}`);
  }
  for (const key of ['currentRate', 'decidedRate'] as const) {
    const rate = sample[key];
    if (!Number.isFinite(rate) || rate <= 0) throw new RangeError(`drift sample: ${key} must be > 0, got ${rate}`);
  }
}

/** Checks that every field of `options` is a finite number >= 0 (booleans are left alone). */
export function checkOptions(owner: string, options: object): void {
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'number' && !(Number.isFinite(value) && value >= 0)) {
      throw new RangeError(`${owner}: option ${key} must be a finite number >= 0, got ${value}`);
    }
  }
}
