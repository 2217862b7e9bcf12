/**
 * The room's video state and the pure state machine the consensus log drives.
 *
 * Timeline model: while playing, the position at shared-clock time `t` (ms) is
 * `position + (t - anchor) / 1000 * rate`, and before `anchor` it is `position` (a play scheduled a lead into
 * the future holds its first frame until then). While paused, the position is `position`.
 *
 * `apply` only copies numbers the proposer stamped into the command; it does no arithmetic, so every tab
 * computes bit-identical states from the same log. The builders (`makePlay`, ...) are where the arithmetic
 * happens, once, on the proposing tab.
 */
import * as v from '../schema/index.js';
import { PlaybackInputError } from './playback-error.js';
import {
  type LoadCommand,
  type PauseCommand,
  type PlayCommand,
  type RateCommand,
  type SeekCommand,
  type VideoCommand,
  MAX_POSITION,
  fieldSchemas,
  parseCommand,
  parseInput,
} from './video-command.js';

export * from './video-command.js';

/** The shared state of the room's video. */
export interface VideoState {
  /** The source, or `''` for "the page's own video" (nothing loaded through the room yet). */
  readonly src: string;
  /** Whether playback is paused. */
  readonly paused: boolean;
  /** Media position in seconds: the held position when paused, the position at `anchor` when playing. */
  readonly position: number;
  /** Shared-clock time in ms at which the video is at `position` (meaningful while playing). */
  readonly anchor: number;
  /** Playback rate. */
  readonly rate: number;
  /** The log slot this state results from; {@link NO_SLOT} before any. The host sets it (see {@link atSlot}). */
  readonly slot: number;
}

/** `slot` of a state no decided slot has touched yet. */
export const NO_SLOT = -1;

/**
 * The deterministic state machine the consensus core replicates, stated structurally so the playback layer
 * does not depend on the consensus layer (which only needs this shape).
 */
export interface StateMachine<S, C> {
  /** The state before any command. */
  initial(): S;
  /** The state after `command`; pure: never mutates `state`. */
  apply(state: S, command: C): S;
  /** Validates an untrusted command; throws on bad input. */
  parseCommand(raw: unknown): C;
  /** Validates an untrusted state (a snapshot); throws on bad input. */
  parseState(raw: unknown): S;
}

/** The state of a room before anything was decided: the page's own video, paused at 0, rate 1. */
export function initialVideoState(): VideoState {
  return { src: '', paused: true, position: 0, anchor: 0, rate: 1, slot: NO_SLOT };
}

/** Schema of {@link VideoState} (an empty `src` allowed: the page's own video). */
export const videoStateSchema = v.object({
  src: v.union([v.literal(''), fieldSchemas.src], 'must be empty or an http(s), blob: or relative URL'),
  paused: v.boolean('must be a boolean'),
  position: fieldSchemas.position,
  anchor: fieldSchemas.anchor,
  rate: fieldSchemas.rate,
  slot: v.pipe(v.number('must be a number'), v.safeInteger('must be an integer'), v.minValue(NO_SLOT, `must be >= ${NO_SLOT}`)),
});

/**
 * Validates an untrusted value as a {@link VideoState} and returns a clean copy.
 * @throws {PlaybackInputError} `invalid-state`, listing every problem, when it is not one.
 */
export function parseState(raw: unknown): VideoState {
  return parseInput(videoStateSchema, raw, 'invalid-state');
}

/**
 * The state after `command`. Pure and arithmetic-free (see the module comment). Rules:
 * - `play` while paused starts the timeline `{position, anchor}` of the command; while playing it is a
 *   no-op, so a second click cannot make the room jump.
 * - `pause` while playing freezes at the command's position (the proposer's position at the pause's time);
 *   while paused it is a no-op, so a stale pause cannot move a held position.
 * - `seek` sets the position (and, while playing, the anchor from which it plays on); `paused` is kept.
 * - `rate` sets rate, position and anchor together: the proposer computed `position` on the old timeline at
 *   `anchor`, so the new timeline continues the old one without a jump.
 * - `load` switches the source and resets to paused at 0; the rate is kept (a viewer's preference).
 */
export function apply(state: VideoState, command: VideoCommand): VideoState {
  // Every field of a command but its type is a field of the state, set as stamped (parseCommand dropped
  // any other field).
  const { type, ...stamped } = command;
  switch (type) {
    case 'play':
      return state.paused ? { ...state, ...stamped, paused: false } : state;
    case 'pause':
      return state.paused ? state : { ...state, ...stamped, paused: true };
    case 'load':
      return { ...state, ...stamped, paused: true, position: 0, anchor: 0 };
    case 'seek':
    case 'rate':
      return { ...state, ...stamped };
  }
}

/** `state` labelled with the log slot it results from (the host calls this after applying a slot). */
export function atSlot(state: VideoState, slot: number): VideoState {
  if (!Number.isSafeInteger(slot) || slot < NO_SLOT) throw new RangeError(`slot must be an integer >= ${NO_SLOT}, got ${slot}`);
  return state.slot === slot ? state : { ...state, slot };
}

/**
 * Media position in seconds that `state` prescribes at shared-clock time `sharedNowMs`. Before a playing
 * state's anchor the position holds (playback has not started yet). Never negative.
 */
export function positionAt(state: VideoState, sharedNowMs: number): number {
  if (state.paused || sharedNowMs <= state.anchor) return state.position;
  return Math.min(MAX_POSITION, state.position + ((sharedNowMs - state.anchor) / 1000) * state.rate);
}

/** Whether a playing `state` has started at `sharedNowMs` (false while paused or before the anchor). */
export function isRunningAt(state: VideoState, sharedNowMs: number): boolean {
  return !state.paused && sharedNowMs >= state.anchor;
}

/** The state machine the consensus core replicates for `<paxos-video>`. */
export const videoStateMachine: StateMachine<VideoState, VideoCommand> = {
  initial: initialVideoState,
  apply,
  parseCommand,
  parseState,
};

// ---- Command builders: run on the proposing tab, stamp the numbers every tab will apply. -----------------

/**
 * The shared time from which a command proposed at `sharedNow` takes effect: a lead into the future, and
 * never before the start of a play that is already scheduled (a seek or rate change must not pull it in).
 */
function effectiveAnchor(state: VideoState, sharedNow: number, leadMs: number): number {
  const anchor = sharedNow + leadMs;
  return state.paused ? anchor : Math.max(anchor, state.anchor);
}

function checkTime(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) {
    throw new PlaybackInputError('invalid-command', [`${name}: must be a finite number >= 0, got ${ms}`]);
  }
}

/**
 * A play that starts `leadMs` from now, from where `state` is now, so every tab has time to learn of the
 * decision and start on the same frame. On a playing state the command is still valid (and a no-op).
 */
export function makePlay(state: VideoState, sharedNow: number, leadMs: number): PlayCommand {
  checkTime('sharedNow', sharedNow);
  checkTime('leadMs', leadMs);
  return parseCommand({ type: 'play', position: positionAt(state, sharedNow), anchor: sharedNow + leadMs }) as PlayCommand;
}

/**
 * A pause at the position `state` reaches `leadMs` from now (default 0: where it is now). A lead lets a
 * fast tab stop exactly there instead of stepping back; the host decides how it uses it.
 */
export function makePause(state: VideoState, sharedNow: number, leadMs = 0): PauseCommand {
  checkTime('sharedNow', sharedNow);
  checkTime('leadMs', leadMs);
  return parseCommand({ type: 'pause', position: positionAt(state, sharedNow + leadMs) }) as PauseCommand;
}

/**
 * A seek to `position` seconds. While playing it is on screen `leadMs` from now on every tab (each tab seeks
 * ahead to meet that timeline), or when an already scheduled play starts if that is later; while paused the
 * lead changes nothing.
 * @throws {PlaybackInputError} when `position` is not a finite number >= 0.
 */
export function makeSeek(state: VideoState, position: number, sharedNow: number, leadMs: number): SeekCommand {
  checkTime('sharedNow', sharedNow);
  checkTime('leadMs', leadMs);
  return parseCommand({ type: 'seek', position, anchor: effectiveAnchor(state, sharedNow, leadMs) }) as SeekCommand;
}

/**
 * A change to `rate` taking effect `leadMs` from now (or when an already scheduled play starts, if later), at
 * the position the current timeline reaches then, so the video does not jump.
 * @throws {PlaybackInputError} when `rate` is out of range.
 */
export function makeRate(state: VideoState, rate: number, sharedNow: number, leadMs: number): RateCommand {
  checkTime('sharedNow', sharedNow);
  checkTime('leadMs', leadMs);
  const anchor = effectiveAnchor(state, sharedNow, leadMs);
  return parseCommand({ type: 'rate', rate, position: positionAt(state, anchor), anchor }) as RateCommand;
}

/**
 * A switch to `src`.
 * @throws {PlaybackInputError} when `src` is not an acceptable source.
 */
export function makeLoad(src: string): LoadCommand {
  return parseCommand({ type: 'load', src }) as LoadCommand;
}
