/**
 * The room's video state and the pure state machine the consensus log drives.
 *
 * Timeline model: while playing, the position at shared-clock time `t` (ms) is
 * `position + (t - anchor) / 1000 * rate`, and before `anchor` it is `position` (a play scheduled a lead into
 * the future holds its first frame until then). While paused, the position is `position`.
 *
 * The room holds its timeline (every tab on one frame) while it waits for a tab that is not ready (see
 * {@link Waiter}); the waiting list is part of the state, so every tab, a joiner's snapshot and a reloaded
 * tab know who the room waits for, since when and how long it may.
 *
 * `apply` only copies numbers the proposer stamped into the command; it does no arithmetic, so every tab
 * computes bit-identical states from the same log. The builders (`makePlay`, ...) are where the arithmetic
 * happens, once, on the proposing tab.
 */
import * as v from '../schema/index.js';
import { PlaybackInputError } from './playback-error.js';
import {
  type DropReason,
  type LoadCommand,
  type PauseCommand,
  type PlayCommand,
  type RateCommand,
  type ReadyCommand,
  type SeekCommand,
  type VideoCommand,
  type WaitCommand,
  type WaitReason,
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
  /**
   * The tabs that were not ready, in the order they said so. While one of them is not `dropped`, a playing
   * room holds at `position`. Emptied by a play, pause, seek or load.
   */
  readonly wait: readonly Waiter[];
  /** Display name of the tab whose play, pause, seek, rate or load made this state (absent before any). */
  readonly by?: string;
}

/** A tab the room waits for (or stopped waiting for, with `dropped`). */
export interface Waiter {
  /** Its node id. */
  readonly id: string;
  /** Its display name. */
  readonly name: string;
  /** Why it is not ready. */
  readonly reason: WaitReason;
  /** Shared-clock time, in ms, since when the room waits for it. */
  readonly since: number;
  /** The longest the room waits for it, ms. */
  readonly timeout: number;
  /**
   * Set once the room goes on without it (`timeout`, or `gone`: it left or lost its link). It then catches up
   * on its own, and the room does not wait for it again until it has said it is ready.
   */
  readonly dropped?: DropReason;
}

/** Most tabs a state lists as waited for (a bound on what a peer can make every tab hold). */
export const MAX_WAITERS = 64;

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
  return { src: '', paused: true, position: 0, anchor: 0, rate: 1, slot: NO_SLOT, wait: [] };
}

/** Whether the room holds its timeline: playing, but waiting for a tab that is not ready. */
export const isHeld = (state: VideoState): boolean => !state.paused && state.wait.some((w) => !w.dropped);

/** Schema of {@link VideoState} (an empty `src` allowed: the page's own video). */
export const videoStateSchema = v.object({
  // A string that is not a source gets the source's problem (the union reports the one option it failed only in
  // its checks); the message is for anything else.
  src: v.union([v.literal(''), fieldSchemas.src], 'must be a string'),
  paused: v.boolean('must be a boolean'),
  position: fieldSchemas.position,
  anchor: fieldSchemas.anchor,
  rate: fieldSchemas.rate,
  slot: v.pipe(v.number('must be a number'), v.safeInteger('must be an integer'), v.minValue(NO_SLOT, `must be >= ${NO_SLOT}`)),
  // Optional: a state saved or sent by a build without waiting has none.
  wait: v.optional(
    v.pipe(
      v.array(
        v.object({
          id: fieldSchemas.id,
          name: v.union([v.literal(''), fieldSchemas.name]),
          reason: fieldSchemas.reason,
          since: fieldSchemas.anchor,
          timeout: fieldSchemas.timeout,
          dropped: v.optional(v.picklist(['timeout', 'gone'] as const)),
        }),
      ),
      v.maxLength(MAX_WAITERS),
      v.check((list) => new Set(list.map((w) => w.id)).size === list.length, 'lists a tab twice'),
    ),
  ),
  by: v.optional(fieldSchemas.name),
});

/**
 * Validates an untrusted value as a {@link VideoState} and returns a clean copy.
 * @throws {PlaybackInputError} `invalid-state`, listing every problem, when it is not one.
 */
export function parseState(raw: unknown): VideoState {
  const state = parseInput(videoStateSchema, raw, 'invalid-state');
  return { ...state, wait: state.wait ?? [] };
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
 * - `play`, `pause`, `seek` and `load` empty the waiting list: every tab looks again at whether it can play
 *   at the new start, and says so if not. A play while the room holds resumes at once, without waiting.
 * - `wait` (on the timeline it names, in a playing room, from a tab not listed yet) lists the tab; the first
 *   one the room waits for sets the held position.
 * - `ready` takes the tab's wait off the list, or with `drop` marks it dropped; when that leaves nobody to
 *   wait for, the timeline runs again from the held position at the command's anchor.
 */
export function apply(state: VideoState, command: VideoCommand): VideoState {
  const { wait } = state;
  switch (command.type) {
    case 'wait': {
      const { id, by = '', reason, since, timeout } = command;
      if (state.paused || command.anchor !== state.anchor || wait.length >= MAX_WAITERS || wait.some((w) => w.id === id)) return state;
      return {
        ...state,
        position: isHeld(state) ? state.position : command.position,
        wait: [...wait, { id, name: by, reason, since, timeout }],
      };
    }
    case 'ready': {
      const { id, since, drop } = command;
      if (!wait.some((w) => w.id === id && w.since === since)) return state;
      const next = {
        ...state,
        wait: wait.flatMap((w) => (w.id !== id ? [w] : drop ? [{ ...w, dropped: drop }] : [])),
      };
      return isHeld(state) && !isHeld(next) ? { ...next, anchor: command.anchor } : next;
    }
  }
  // Every field of the other commands but their type is a field of the state, set as stamped (parseCommand
  // dropped any other field).
  const { type, ...stamped } = command;
  const cleared = { ...state, ...stamped, wait: [] };
  switch (type) {
    case 'play':
      return state.paused || isHeld(state) ? { ...cleared, paused: false } : state;
    case 'pause':
      return state.paused ? state : { ...cleared, paused: true };
    case 'load':
      return { ...cleared, paused: true, position: 0, anchor: 0 };
    case 'seek':
      return cleared;
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
  if (state.paused || isHeld(state) || sharedNowMs <= state.anchor) return state.position;
  return Math.min(MAX_POSITION, state.position + ((sharedNowMs - state.anchor) / 1000) * state.rate);
}

/** Whether a playing `state` has started at `sharedNowMs` (false while paused, held, or before the anchor). */
export function isRunningAt(state: VideoState, sharedNowMs: number): boolean {
  return !state.paused && !isHeld(state) && sharedNowMs >= state.anchor;
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

/**
 * Tab `id` cannot play where the room is, for `reason`: it stopped at `position` (its video's position),
 * on the timeline of `state`. The room waits for it `timeoutMs` at most.
 * @throws {PlaybackInputError} on an out-of-range number or a bad id.
 */
export function makeWait(state: VideoState, id: string, reason: WaitReason, position: number, sharedNow: number, timeoutMs: number): WaitCommand {
  return parseCommand({ type: 'wait', id, reason, position, anchor: state.anchor, since: sharedNow, timeout: timeoutMs }) as WaitCommand;
}

/**
 * The room stops waiting for `waiter` (ready, or `drop`ped); if nobody else holds the room, it plays on
 * `leadMs` from now, so every tab starts again on the same frame.
 */
export function makeReady(waiter: Waiter, sharedNow: number, leadMs: number, drop?: DropReason): ReadyCommand {
  return parseCommand({ type: 'ready', id: waiter.id, since: waiter.since, anchor: sharedNow + leadMs, ...(drop ? { drop } : {}) }) as ReadyCommand;
}

/**
 * The waits the room should end at shared time `now`: of a tab that left or lost its link (`gone`: not
 * `live`), and those that timed out. Pure; the room's leader proposes what it finds.
 */
export function dueDrops(state: VideoState, now: number, live: (id: string) => boolean): [Waiter, DropReason][] {
  return state.wait.flatMap((w): [Waiter, DropReason][] => (w.dropped ? [] : !live(w.id) ? [[w, 'gone']] : now >= w.since + w.timeout ? [[w, 'timeout']] : []));
}
