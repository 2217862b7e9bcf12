/**
 * What a {@link Room} reports, in its own words: its events (by name, with their detail, handed in order to
 * the host's one sink), its status, and the errors its promises reject with. The element maps each room event `name` to its DOM event
 * `paxos-<name>` and each {@link RoomError} to a `PaxosVideoError` with the same code; the room knows
 * nothing of the element.
 */
import type { Ballot, MessageSummary, Role } from '../consensus/index.js';
import type { VideoState } from '../playback/video-state.js';

/** Where a room is: joining, caught up, cut off from a majority, without any connection, or failed for good. */
export type RoomStatus = 'connecting' | 'joined' | 'synced' | 'no-quorum' | 'offline' | 'error';

/** Why a room reports a problem, or why one of its promises rejects. */
export type RoomErrorCode =
  | 'bad-argument'
  | 'signaling-unreachable'
  | 'unauthorized'
  | 'room-full'
  | 'id-taken'
  | 'wrong-secret'
  | 'no-quorum'
  | 'timeout'
  | 'not-connected'
  | 'protocol';

/** A failure of the room, with a stable code; `message` is for people. */
export class RoomError extends Error {
  constructor(
    readonly code: RoomErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One command of a decided slot, with who proposed it. */
export interface DecidedCommand {
  readonly type: string;
  readonly proposer: string;
  readonly id: string;
  /** The proposer's display name, as stamped in the command. */
  readonly by?: string | undefined;
}

/** The room's events, by name, with their detail. */
export interface RoomEvents {
  /** A slot was decided and applied (or a state installed from a snapshot or from storage). */
  state: { readonly state: VideoState; readonly slot: number; readonly commands: readonly DecidedCommand[] };
  /** A protocol message this node sent or received. */
  message: MessageSummary & { readonly direction: 'send' | 'receive'; readonly from: string; readonly to: string };
  /** The leader changed; null while none is known. */
  leader: { readonly leader: string | null; readonly ballot?: Ballot };
  /** The configuration changed, in force from `slot`. */
  config: { readonly acceptors: readonly string[]; readonly learners: readonly string[]; readonly slot: number };
  'peer-join': { readonly peer: string };
  'peer-leave': { readonly peer: string };
  /** This node cannot reach a majority of the acceptors. */
  'quorum-lost': { readonly reachable: number; readonly needed: number };
  'quorum-restored': { readonly reachable: number; readonly needed: number };
  status: { readonly status: RoomStatus; readonly previous: RoomStatus };
  /**
   * This tab's history of the room (history.ts): it `founded` one, `joined` the first one it heard, was
   * `absorbed` into `history` when it met a history that wins over its own (`other`, which it left: it now
   * catches up as a learner), or `met` a history `other` that its own wins over (that one's tabs come over).
   */
  history: { readonly history: string; readonly reason: 'founded' | 'joined' | 'absorbed' | 'met'; readonly other?: string };
  /** A problem worth showing; after a fatal one the status is `error`. */
  error: { readonly code: RoomErrorCode; readonly message: string };
}

/** Where a room reports its events: one function hears them all, in order. */
export type RoomEventSink = <K extends keyof RoomEvents>(name: K, detail: RoomEvents[K]) => void;

/** This node's part in the room's consensus. */
export type RoomRole = Role;
