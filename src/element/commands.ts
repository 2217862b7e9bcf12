/**
 * The element's commands: what each of its methods (play, pause, seek, setRate, load), and each user action
 * on the video, asks the room for. A command is made from the room's decided state and shared clock at the
 * moment it is proposed (the proposer stamps every number, see playback/video-state.ts), proposed to the
 * room, and settles with the decided state; every failure is a `PaxosVideoError`.
 */
import { PaxosVideoError } from '../events.js';
import type { UserIntent } from '../media/video-driver.js';
import {
  type DropReason,
  type VideoCommand,
  type VideoState,
  type WaitReason,
  type Waiter,
  makeLoad,
  makePause,
  makePlay,
  makeRate,
  makeReady,
  makeSeek,
  makeWait,
  parseCommand,
} from '../playback/video-state.js';
import type { RoomError } from '../room/room-events.js';
import type { Room } from '../room/room.js';

/** Makes a command from the room as it is now. @throws on a bad argument. */
export type CommandOf = (room: Room) => VideoCommand;

/** Least time a play is scheduled into the future, so every tab can learn of it and start together. */
const MIN_LEAD_MS = 120;
const MAX_LEAD_MS = 1000;

/** How far ahead a play or seek is scheduled: enough for the slowest peer to learn of it in time. */
export function leadMs(room: Pick<Room, 'worstRtt'>): number {
  return Math.min(MAX_LEAD_MS, MIN_LEAD_MS + 3 * room.worstRtt);
}

export const playCommand: CommandOf = (room) => makePlay(room.state, room.sharedNow(), leadMs(room));
export const pauseCommand: CommandOf = (room) => makePause(room.state, room.sharedNow());
export const seekCommand = (seconds: number): CommandOf => (room) => makeSeek(room.state, seconds, room.sharedNow(), leadMs(room));
export const rateCommand = (rate: number): CommandOf => (room) => makeRate(room.state, rate, room.sharedNow(), leadMs(room));
export const loadCommand = (src: string): CommandOf => () => makeLoad(src);
/** This tab cannot play where the room is: the room may hold for it, `timeoutMs` at most. */
export const waitCommand = (reason: WaitReason, position: number, timeoutMs: number): CommandOf => (room) =>
  makeWait(room.state, room.id, reason, position, room.sharedNow(), timeoutMs);
/** The room stops waiting for `waiter`: it is ready, or the room goes on without it (`drop`). */
export const readyCommand = (waiter: Waiter, drop?: DropReason): CommandOf => (room) => makeReady(waiter, room.sharedNow(), leadMs(room), drop);

/** What a user's action on the video asks the room for. */
export function intentCommand(intent: UserIntent): CommandOf {
  switch (intent.type) {
    case 'play':
      return playCommand;
    // Where the user paused the video, not where the room's timeline is now.
    case 'pause':
      return () => parseCommand({ type: 'pause', position: intent.position });
    case 'seek':
      return seekCommand(intent.position);
    case 'rate':
      return rateCommand(intent.rate);
  }
}

/** `room`, or a `not-connected` error while there is none (or, with `withState`, before it knows the state). */
export function joinedRoom(room: Room | undefined, withState?: boolean): Room {
  if (!room || (withState && !room.known)) throw new PaxosVideoError('not-connected', 'not in a room yet');
  return room;
}

/** `promise`, with a room's failure turned into the element's: the same code and message. */
export function asElement<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error: RoomError) => Promise.reject(new PaxosVideoError(error.code, error.message)));
}

/** Proposes what `command` makes to `room`, signed `by` (a checked display name); resolves with the decided state. */
export async function propose(room: Room | undefined, command: CommandOf, by: string): Promise<VideoState> {
  const joined = joinedRoom(room, true);
  let made: VideoCommand;
  try {
    made = { ...command(joined), by };
  } catch (error) {
    throw new PaxosVideoError('bad-argument', (error as Error).message);
  }
  await asElement(joined.propose(made));
  return joined.state;
}
