/**
 * Video commands: the values the room decides on. Each is an intent stamped by the tab that proposed it,
 * with every number it needs already computed there (positions in seconds, anchors in shared-clock
 * milliseconds), so applying one is pure and every tab derives the same state from the same log.
 *
 * Commands arrive from peers and from persisted logs, so {@link parseCommand} checks them fully:
 * finite numbers in range, a known `type`, an acceptable `src`. Unknown extra fields are dropped.
 */
import * as v from '../schema/index.js';
import { MAX_SRC_LENGTH, mediaSrcProblem } from './media-src.js';
import { type PlaybackErrorCode, PlaybackInputError } from './playback-error.js';

/** Slowest playback rate a command may set. */
export const MIN_RATE = 0.25;
/** Fastest playback rate a command may set. */
export const MAX_RATE = 4;
/** Largest position accepted, in seconds (a year: beyond any real media, well inside double precision). */
export const MAX_POSITION = 366 * 24 * 3600;
/** Largest shared-clock time accepted, in ms since the epoch (the largest valid `Date`). */
export const MAX_ANCHOR = 8.64e15;

/** Start (or resume) playing: position `position` s is on screen at shared time `anchor` ms. */
export interface PlayCommand {
  readonly type: 'play';
  /** Media position, in seconds, at `anchor`. */
  readonly position: number;
  /** Shared-clock time, in ms, at which playback starts from `position` (a short lead into the future). */
  readonly anchor: number;
}

/** Stop playing and hold `position`. */
export interface PauseCommand {
  readonly type: 'pause';
  /** Media position, in seconds, to freeze at (computed by the proposer at the time of the pause). */
  readonly position: number;
}

/** Jump to `position`; if playing, `position` is on screen at shared time `anchor`. */
export interface SeekCommand {
  readonly type: 'seek';
  /** Target media position, in seconds. */
  readonly position: number;
  /** Shared-clock time, in ms, at which the target is on screen (matters while playing). */
  readonly anchor: number;
}

/** Change the playback rate from shared time `anchor` on, where the position is `position`. */
export interface RateCommand {
  readonly type: 'rate';
  /** New playback rate, {@link MIN_RATE} to {@link MAX_RATE}. */
  readonly rate: number;
  /** Media position, in seconds, at `anchor` (the old timeline's position there, so playback stays continuous). */
  readonly position: number;
  /** Shared-clock time, in ms, from which the new rate applies. */
  readonly anchor: number;
}

/** Switch the room to another video: paused at its start. */
export interface LoadCommand {
  readonly type: 'load';
  /** The new source: http(s), blob: or relative URL, at most {@link MAX_SRC_LENGTH} characters. */
  readonly src: string;
}

/** Any command a tab may propose. */
export type VideoCommand = PlayCommand | PauseCommand | SeekCommand | RateCommand | LoadCommand;
/** The `type` tags of {@link VideoCommand}. */
export type VideoCommandType = VideoCommand['type'];

/** A finite number from `min` to `max`. */
const numberIn = /*#__NO_SIDE_EFFECTS__*/ (min: number, max: number) =>
  v.pipe(v.number('must be a number'), v.finite('must be finite'), v.minValue(min, `must be >= ${min}`), v.maxValue(max, `must be <= ${max}`));
const positionSchema = numberIn(0, MAX_POSITION);
const anchorSchema = numberIn(0, MAX_ANCHOR);
const rateSchema = numberIn(MIN_RATE, MAX_RATE);
// mediaSrcProblem checks the length first (at most MAX_SRC_LENGTH), then the rest.
const srcSchema = v.pipe(v.string('must be a string'), v.rawCheck(mediaSrcProblem));

/** Schemas of the pieces, shared with the state schema. */
export const fieldSchemas = { position: positionSchema, anchor: anchorSchema, rate: rateSchema, src: srcSchema };

/** Schema of {@link VideoCommand}. */
export const videoCommandSchema = v.variant(
  'type',
  [
    v.object({ type: v.literal('play'), position: positionSchema, anchor: anchorSchema }),
    v.object({ type: v.literal('pause'), position: positionSchema }),
    v.object({ type: v.literal('seek'), position: positionSchema, anchor: anchorSchema }),
    v.object({ type: v.literal('rate'), rate: rateSchema, position: positionSchema, anchor: anchorSchema }),
    v.object({ type: v.literal('load'), src: srcSchema }),
  ],
  'must be an object with type play, pause, seek, rate or load',
);

/**
 * Validates an untrusted value against `schema` and returns a clean copy (extra fields dropped).
 * @throws {PlaybackInputError} with `code`, listing every problem, one line each: `path: message` (the path
 *   omitted at the root), e.g. `anchor: is missing`.
 */
export function parseInput<T>(schema: v.GenericSchema<T>, raw: unknown, code: PlaybackErrorCode): T {
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  throw new PlaybackInputError(
    code,
    result.issues.map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
  );
}

/**
 * Validates an untrusted value as a {@link VideoCommand} and returns a clean copy (extra fields dropped).
 * @throws {PlaybackInputError} `invalid-command`, listing every problem, when it is not one.
 */
export function parseCommand(raw: unknown): VideoCommand {
  return parseInput(videoCommandSchema, raw, 'invalid-command');
}
