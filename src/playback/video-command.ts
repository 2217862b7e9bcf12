/**
 * Video commands: the values the room decides on. Each is an intent stamped by the tab that proposed it,
 * with every number it needs already computed there (positions in seconds, anchors in shared-clock
 * milliseconds), so applying one is pure and every tab derives the same state from the same log.
 *
 * Commands arrive from peers and from persisted logs, so {@link parseCommand} checks them fully:
 * finite numbers in range, a known `type`, an acceptable `src`. Unknown extra fields are dropped.
 */
import * as v from '../schema/index.js';
import { nameProblem } from './display-name.js';
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

/** Longest a room waits for one tab, ms (ten minutes: far beyond any sensible `wait-timeout`). */
export const MAX_WAIT_MS = 600_000;

/** What every command may carry besides its type and numbers. */
export interface Stamped {
  /** Display name of the tab that proposed it (see display-name.ts), for "paused by Ana". */
  readonly by?: string;
}

/**
 * Start (or resume) playing: position `position` s is on screen at shared time `anchor` ms. A play while the
 * room waits for tabs that are not ready resumes at once without them (they catch up on their own).
 */
export interface PlayCommand extends Stamped {
  readonly type: 'play';
  /** Media position, in seconds, at `anchor`. */
  readonly position: number;
  /** Shared-clock time, in ms, at which playback starts from `position` (a short lead into the future). */
  readonly anchor: number;
}

/** Stop playing and hold `position`. */
export interface PauseCommand extends Stamped {
  readonly type: 'pause';
  /** Media position, in seconds, to freeze at (computed by the proposer at the time of the pause). */
  readonly position: number;
}

/** Jump to `position`; if playing, `position` is on screen at shared time `anchor`. */
export interface SeekCommand extends Stamped {
  readonly type: 'seek';
  /** Target media position, in seconds. */
  readonly position: number;
  /** Shared-clock time, in ms, at which the target is on screen (matters while playing). */
  readonly anchor: number;
}

/** Change the playback rate from shared time `anchor` on, where the position is `position`. */
export interface RateCommand extends Stamped {
  readonly type: 'rate';
  /** New playback rate, {@link MIN_RATE} to {@link MAX_RATE}. */
  readonly rate: number;
  /** Media position, in seconds, at `anchor` (the old timeline's position there, so playback stays continuous). */
  readonly position: number;
  /** Shared-clock time, in ms, from which the new rate applies. */
  readonly anchor: number;
}

/** Switch the room to another video: paused at its start. */
export interface LoadCommand extends Stamped {
  readonly type: 'load';
  /** The new source: http(s), blob: or relative URL, at most {@link MAX_SRC_LENGTH} characters. */
  readonly src: string;
}

/** Why a tab cannot play where the room is: it ran out of data, its seek is still loading, or its source is. */
export type WaitReason = 'buffering' | 'seeking' | 'loading';

/** Why the room stopped waiting for a tab that was not ready: its wait timed out, or it left or lost its link. */
export type DropReason = 'timeout' | 'gone';

/**
 * Tab `id` cannot play where the room is: the room holds its timeline (every tab on one frame) until the tab
 * is ready, or for `timeout` ms at most. Made on the timeline whose anchor is `anchor`: on any other (a
 * seek or a resume was decided meanwhile) it is stale and changes nothing.
 */
export interface WaitCommand extends Stamped {
  readonly type: 'wait';
  /** Node id of the tab that is not ready (`by` is its name). */
  readonly id: string;
  readonly reason: WaitReason;
  /** Media position, in seconds, to hold at, when this wait starts a hold: where that tab stopped. */
  readonly position: number;
  /** Anchor of the timeline the tab could not follow. */
  readonly anchor: number;
  /** Shared-clock time, in ms, of the report: the room waits until `since + timeout` at most. */
  readonly since: number;
  /** The longest the room waits for this tab, ms (its `wait-timeout`). */
  readonly timeout: number;
}

/**
 * The room stops waiting for tab `id` (its wait of `since`): the tab is ready, or, with `drop`, the room goes
 * on without it. When the room then waits for nobody, its timeline runs again from shared time `anchor`.
 */
export interface ReadyCommand extends Stamped {
  readonly type: 'ready';
  readonly id: string;
  readonly since: number;
  /** Shared-clock time, in ms, at which the held position is on screen again (a lead into the future). */
  readonly anchor: number;
  readonly drop?: DropReason;
}

/** Any command a tab may propose. */
export type VideoCommand = PlayCommand | PauseCommand | SeekCommand | RateCommand | LoadCommand | WaitCommand | ReadyCommand;
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
const nameSchema = v.pipe(v.string('must be a string'), v.rawCheck(nameProblem));
const by = v.optional(nameSchema);
/** A node id (the consensus core's pattern, restated: this layer does not depend on that one). */
const idSchema = v.pipe(v.string('must be a string'), v.regex(/^[\w-]{8,64}$/, 'must be a node id'));
const reasonSchema = v.picklist(['buffering', 'seeking', 'loading'] as const);
const timeoutSchema = numberIn(0, MAX_WAIT_MS);

/** Schemas of the pieces, shared with the state schema. */
export const fieldSchemas = { position: positionSchema, anchor: anchorSchema, rate: rateSchema, src: srcSchema, name: nameSchema, id: idSchema, reason: reasonSchema, timeout: timeoutSchema };

/** Schema of {@link VideoCommand}. */
export const videoCommandSchema = v.variant(
  'type',
  [
    v.object({ type: v.literal('play'), position: positionSchema, anchor: anchorSchema, by }),
    v.object({ type: v.literal('pause'), position: positionSchema, by }),
    v.object({ type: v.literal('seek'), position: positionSchema, anchor: anchorSchema, by }),
    v.object({ type: v.literal('rate'), rate: rateSchema, position: positionSchema, anchor: anchorSchema, by }),
    v.object({ type: v.literal('load'), src: srcSchema, by }),
    v.object({ type: v.literal('wait'), id: idSchema, reason: reasonSchema, position: positionSchema, anchor: anchorSchema, since: anchorSchema, timeout: timeoutSchema, by }),
    v.object({ type: v.literal('ready'), id: idSchema, since: anchorSchema, anchor: anchorSchema, drop: v.optional(v.picklist(['timeout', 'gone'] as const)), by }),
  ],
  // No message of its own: the default ones say what is wrong (`expected object, got null`, or
  // `type: expected "play" | "pause" | ..., got "stop"`), and cost the bundle nothing more.
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
