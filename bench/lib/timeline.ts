/**
 * Positions of several pages on one true timeline, from what each page presented.
 *
 * A page's presented frames are (display time, mediaTime) pairs on the true clock. Between two frames the
 * page's position is interpolated linearly (the video timeline runs between frames; a frame is shown from its
 * display time on). Across a gap longer than {@link MAX_FRAME_GAP_MS} the video was paused or stalled: the
 * last frame stays on screen, so the position holds. The same applies to the media clock samples
 * (`video.currentTime` read in each frame callback), which are not quantized to frames, with one exception:
 * a gap across which the media clock went on at a playing rate is a page whose main thread ran no frame
 * callback for a while (a long task), not a video that stopped; the clock ran through it, and so does the
 * timeline (held, a 240 ms task on one page read as that page 240 ms behind the room).
 */
import type { Frame } from './bench-page.js';

/** Frames further apart than this mean a pause or a stall, not playback (30 fps: 33 ms apart). */
export const MAX_FRAME_GAP_MS = 150;
/**
 * The rates at which a media clock across a longer gap counts as played through it (every controller's
 * nudges are within them); slower is a pause or a stall within the gap, faster a seek.
 */
const PLAYED_THROUGH_RATES = [0.8, 1.25] as const;
/** One frame of the test video (30 fps), ms. */
export const FRAME_MS = 1000 / 30;
/**
 * "Within one frame" allows this much over FRAME_MS: presented offsets come in whole display intervals
 * (16.67 ms), so two pages one frame apart measure 33.3 ms give or take the 0.1 ms to which browsers coarsen
 * timestamps; without the slack such a pair would count as out of sync by rounding alone.
 */
export const ONE_FRAME_TOLERANCE_MS = FRAME_MS + 0.5;

/** A piecewise-linear position function of one page. */
export class PageTimeline {
  readonly #t: Float64Array;
  readonly #p: Float64Array;
  readonly #clock: boolean;

  /**
   * `points`: [true time ms, position s], in any order. `clock`: the points are a media clock's, which runs
   * through gaps between them at a playing rate (see the module comment).
   */
  constructor(points: readonly (readonly [number, number])[], clock = false) {
    this.#clock = clock;
    const sorted = [...points].sort((a, b) => a[0] - b[0]);
    this.#t = Float64Array.from(sorted, (x) => x[0]);
    this.#p = Float64Array.from(sorted, (x) => x[1]);
  }

  /** From presented frames: display time and mediaTime (what the viewer sees). */
  static presented(frames: readonly Frame[]): PageTimeline {
    return new PageTimeline(frames.map((f) => [f.t, f.media] as const));
  }

  /** From the media clock read in each frame callback (not quantized to frames). */
  static mediaClock(frames: readonly Frame[]): PageTimeline {
    return new PageTimeline(
      frames.map((f) => [f.callback, f.clock] as const),
      true,
    );
  }

  get length(): number {
    return this.#t.length;
  }

  get first(): number | undefined {
    return this.#t.length > 0 ? this.#t[0] : undefined;
  }

  get last(): number | undefined {
    return this.#t.length > 0 ? this.#t[this.#t.length - 1] : undefined;
  }

  /** Index of the last point at or before `t`, or -1. */
  #indexAt(t: number): number {
    let low = 0;
    let high = this.#t.length - 1;
    if (high < 0 || t < this.#t[0]!) return -1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#t[mid]! <= t) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Position at true time `t`, s; undefined before the first point. */
  positionAt(t: number): number | undefined {
    const i = this.#indexAt(t);
    if (i < 0) return undefined;
    const t0 = this.#t[i]!;
    const p0 = this.#p[i]!;
    if (i + 1 >= this.#t.length) return p0;
    const t1 = this.#t[i + 1]!;
    const p1 = this.#p[i + 1]!;
    const rate = ((p1 - p0) * 1000) / (t1 - t0);
    const playedThrough = this.#clock && rate >= PLAYED_THROUGH_RATES[0] && rate <= PLAYED_THROUGH_RATES[1];
    if ((t1 - t0 > MAX_FRAME_GAP_MS && !playedThrough) || p1 < p0) return p0; // paused, stalled, or a seek: the frame stays
    return p0 + ((p1 - p0) * (t - t0)) / (t1 - t0);
  }

  /** The frame on screen at `t` (the last presented at or before it), s. */
  shownAt(t: number): number | undefined {
    const i = this.#indexAt(t);
    return i < 0 ? undefined : this.#p[i];
  }

  /** The longest interval without a point inside [from, to], ms (a page that stopped presenting). */
  longestGap(from: number, to: number): number {
    let previous = from;
    let longest = 0;
    for (let i = Math.max(0, this.#indexAt(from)); i < this.#t.length && this.#t[i]! <= to; i++) {
      const t = Math.max(this.#t[i]!, from);
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    return Math.max(longest, to - previous);
  }
}

/** Every pair (i < j) of `n` pages. */
export function pairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

/** Signed pairwise position differences at one instant, ms (pages i - j, in {@link pairs} order). */
export interface DriftSample {
  t: number;
  diffs: number[];
}

/**
 * Samples every pair's position difference (ms) every `stepMs` over [from, to]; instants where some page
 * has no position yet are skipped.
 */
export function sampleDrift(timelines: readonly PageTimeline[], from: number, to: number, stepMs: number): DriftSample[] {
  const ps = pairs(timelines.length);
  const out: DriftSample[] = [];
  for (let t = from; t <= to; t += stepMs) {
    const pos = timelines.map((tl) => tl.positionAt(t));
    if (pos.some((p) => p === undefined)) continue;
    out.push({ t, diffs: ps.map(([i, j]) => (pos[i]! - pos[j]!) * 1000) });
  }
  return out;
}

/**
 * Share of sampled instants at which some pair of pages shows different frames (each page's on-screen
 * frame is the last one presented), over [from, to].
 */
export function frameMismatchShare(timelines: readonly PageTimeline[], from: number, to: number, stepMs: number): number {
  let samples = 0;
  let mismatched = 0;
  for (let t = from; t <= to; t += stepMs) {
    const shown = timelines.map((tl) => tl.shownAt(t));
    if (shown.some((s) => s === undefined)) continue;
    samples++;
    const ms = shown.map((s) => Math.round((s! * 1000) / FRAME_MS));
    if (ms.some((f) => f !== ms[0])) mismatched++;
  }
  return samples === 0 ? Number.NaN : mismatched / samples;
}

/**
 * The first instant at or after `from` from which every pair stays within `toleranceMs` for `holdMs`
 * (sampled every `stepMs`), or undefined if none before `until`. With `subject`, only the pairs of that
 * page with each other page count (a joining page against the room).
 */
export function firstSettled(
  timelines: readonly PageTimeline[],
  from: number,
  until: number,
  toleranceMs: number,
  holdMs: number,
  options: { stepMs?: number; subject?: number } = {},
): number | undefined {
  const stepMs = options.stepMs ?? 10;
  const spread = (pos: number[]): number => {
    if (options.subject === undefined) return Math.max(...pos) - Math.min(...pos);
    const own = pos[options.subject]!;
    return Math.max(...pos.map((p) => Math.abs(p - own)));
  };
  let start: number | undefined;
  for (let t = from; t <= until; t += stepMs) {
    const pos = timelines.map((tl) => tl.positionAt(t));
    const ok = pos.every((p) => p !== undefined) && spread(pos as number[]) <= toleranceMs / 1000;
    if (!ok) {
      start = undefined;
      continue;
    }
    start ??= t;
    if (t - start >= holdMs) return start;
  }
  return undefined;
}
