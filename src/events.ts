/**
 * Every DOM event `<paxos-video>` fires: names in one `as const` table, `detail` types, and the
 * `HTMLElementEventMap` declaration that makes `el.addEventListener('paxos-state', e => e.detail.state)` typed.
 *
 * All are `CustomEvent`s with `bubbles: true, composed: true`, so a page can listen on `document` for every
 * room on it, and `<paxos-inspector>` can follow an element from outside its shadow root.
 */
import type { VideoState, Waiter } from './playback/video-state.js';
import type { RoomErrorCode, RoomEvents } from './room/room-events.js';

/** Event names, by role. The values are what `addEventListener` takes. */
export const PaxosEvents = {
  /** A slot was decided and applied: the room's video state changed. */
  state: 'paxos-state',
  /** A protocol message was sent or received (prepare, promise, nack, accept, accepted, decide, ...). */
  message: 'paxos-message',
  /** The room's leader changed (or is unknown). */
  leader: 'paxos-leader',
  /** The acceptor/learner configuration changed. */
  config: 'paxos-config',
  /** A peer joined the room. */
  peerJoin: 'paxos-peer-join',
  /** A peer left the room. */
  peerLeave: 'paxos-peer-leave',
  /** This node cannot reach a majority of the acceptors: nothing can be decided. */
  quorumLost: 'paxos-quorum-lost',
  /** A majority of the acceptors is reachable again. */
  quorumRestored: 'paxos-quorum-restored',
  /** The drift controller measured the local video against the room's timeline (throttled). */
  sync: 'paxos-sync',
  /** The element's status changed. */
  status: 'paxos-status',
  /** The browser refused to autoplay with sound: the video was muted to keep in sync, and a prompt is shown. */
  autoplayBlocked: 'paxos-autoplay-blocked',
  /** The room holds every tab on one frame while it waits for tabs that are not ready (or who it waits for changed). */
  wait: 'paxos-wait',
  /** The room waits for nobody any more: every tab plays again from the held frame at one instant. */
  resume: 'paxos-resume',
  /** This tab is behind the room and gave up seeking to catch up (its video cannot keep up). */
  behind: 'paxos-behind',
  /** Something went wrong: bad attribute, unreachable server, wrong token or secret, ... */
  error: 'paxos-error',
  /** This tab founded, joined or left a history of the room, or met another one (two foundings under one name). */
  history: 'paxos-history',
} as const;

/** One of the event names. */
export type PaxosEventName = (typeof PaxosEvents)[keyof typeof PaxosEvents];

/** The element's connection/consensus status. */
export type PaxosStatus = 'connecting' | 'joined' | 'synced' | 'no-quorum' | 'offline' | 'error';

/** A node's role in the room. */
export type PaxosRole = 'leader' | 'acceptor' | 'learner';

/** A Paxos ballot: `(round, nodeId)`, compared lexicographically. */
export interface BallotDetail {
  readonly round: number;
  readonly node: string;
}

/** The room's shared video state, with the slot it results from. */
export type PaxosVideoState = VideoState;

/** `paxos-state` */
export interface PaxosStateDetail {
  /** The state after the decided slot. */
  readonly state: PaxosVideoState;
  /** The slot just applied. */
  readonly slot: number;
  /** The commands of that slot, with who proposed them (empty for a no-op or configuration slot). */
  readonly commands: ReadonlyArray<{ readonly type: string; readonly proposer: string; readonly id: string; readonly by?: string }>;
}

/** `paxos-message` */
export interface PaxosMessageDetail {
  /** Whether this node sent or received the message. */
  readonly direction: 'send' | 'receive';
  /** Protocol message type: prepare, promise, nack, accept, accepted, decide, heartbeat, forward, ... */
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly ballot?: BallotDetail;
  readonly slot?: number;
  /** Last slot the sender had applied, where the message says (heartbeat, ack, promise). */
  readonly decidedThrough?: number;
}

/** `paxos-leader` */
export interface PaxosLeaderDetail {
  /** The leader's node id, or `null` while none is known. */
  readonly leader: string | null;
  readonly ballot?: BallotDetail;
}

/** `paxos-config` */
export interface PaxosConfigDetail {
  readonly acceptors: readonly string[];
  readonly learners: readonly string[];
  /** The slot from which this configuration is in force. */
  readonly slot: number;
}

/** `paxos-peer-join` and `paxos-peer-leave` */
export interface PaxosPeerDetail {
  readonly peer: string;
}

/** `paxos-quorum-lost` and `paxos-quorum-restored` */
export interface PaxosQuorumDetail {
  /** Acceptors this node can reach, itself included. */
  readonly reachable: number;
  /** Acceptors needed for a majority. */
  readonly needed: number;
}

/** `paxos-sync` */
export interface PaxosSyncDetail {
  /** Local position minus the room's position, in ms (positive: ahead). */
  readonly drift: number;
  /** What the drift controller did about it. */
  readonly action: 'none' | 'nudge' | 'seek';
  /** The playbackRate now in force on the local video. */
  readonly rate: number;
}

/** `paxos-status` */
export interface PaxosStatusDetail {
  readonly status: PaxosStatus;
  readonly previous: PaxosStatus;
}

/** `paxos-autoplay-blocked` */
export interface PaxosAutoplayBlockedDetail {
  /** Whether muted playback worked (the video plays, muted, in sync). */
  readonly mutedFallback: boolean;
}

/** `paxos-wait` */
export interface PaxosWaitDetail {
  /** The tabs the room waits for, with their names, why and since when (`since`, shared-clock ms). */
  readonly waiting: readonly Waiter[];
  /** The held position, seconds: every tab shows this frame. */
  readonly position: number;
}

/** `paxos-resume` */
export interface PaxosResumeDetail {
  /** The position playback resumes from, seconds. */
  readonly position: number;
  /** Shared-clock time, ms, at which every tab starts again (a lead into the future). */
  readonly anchor: number;
  /** The tabs the room went on without (`dropped`: `timeout` or `gone`); they catch up on their own. */
  readonly dropped: readonly Waiter[];
}

/** `paxos-behind` */
export interface PaxosBehindDetail {
  /** How far this tab's video is from the room's timeline, ms (negative: behind). */
  readonly drift: number;
}

/**
 * Error codes of `paxos-error` and of rejected method promises: the room's (`bad-argument`,
 * `signaling-unreachable`, `unauthorized`, `room-full`, `id-taken`, `wrong-secret`, `no-quorum`, `timeout`,
 * `not-connected`, `protocol`), which the element passes on as they are, and the element's own.
 */
export type PaxosErrorCode = RoomErrorCode | 'bad-attribute' | 'media-error';

/** `paxos-error` */
export interface PaxosErrorDetail {
  readonly code: PaxosErrorCode;
  readonly message: string;
}

/** `paxos-history` */
export interface PaxosHistoryDetail {
  /** The id of the history this tab is in now. */
  readonly history: string;
  /**
   * `founded`: this tab founded it (no stored state, no peer listed); `joined`: it is the first history
   * this joining tab heard; `absorbed`: this tab met it, it wins over the tab's own (`other`), so the tab
   * left `other` and catches up in it as a learner; `met`: this tab met `other`, which its own wins over.
   */
  readonly reason: 'founded' | 'joined' | 'absorbed' | 'met';
  /** The other history: the one left (`absorbed`) or met (`met`). */
  readonly other?: string;
}

/** Maps each event name to its `detail` type. */
export interface PaxosEventDetailMap {
  'paxos-state': PaxosStateDetail;
  'paxos-message': PaxosMessageDetail;
  'paxos-leader': PaxosLeaderDetail;
  'paxos-config': PaxosConfigDetail;
  'paxos-peer-join': PaxosPeerDetail;
  'paxos-peer-leave': PaxosPeerDetail;
  'paxos-quorum-lost': PaxosQuorumDetail;
  'paxos-quorum-restored': PaxosQuorumDetail;
  'paxos-sync': PaxosSyncDetail;
  'paxos-status': PaxosStatusDetail;
  'paxos-autoplay-blocked': PaxosAutoplayBlockedDetail;
  'paxos-wait': PaxosWaitDetail;
  'paxos-resume': PaxosResumeDetail;
  'paxos-behind': PaxosBehindDetail;
  'paxos-error': PaxosErrorDetail;
  'paxos-history': PaxosHistoryDetail;
}

/**
 * The element fires each room event `name` as the DOM event `paxos-<name>` with the detail as it is. This
 * type is `true` only while every room event's detail fits its DOM event's: checked at compile time, it
 * costs nothing in the bundle.
 */
type RoomEventsFitDomEvents = { [K in keyof RoomEvents]: RoomEvents[K] extends PaxosEventDetailMap[`paxos-${K}`] ? true : never }[keyof RoomEvents];
const roomEventsFit: RoomEventsFitDomEvents = true;
void roomEventsFit;

/** The `CustomEvent` type of one event name. */
export type PaxosEvent<K extends PaxosEventName> = CustomEvent<PaxosEventDetailMap[K]>;

declare global {
  interface HTMLElementEventMap {
    'paxos-state': CustomEvent<PaxosStateDetail>;
    'paxos-message': CustomEvent<PaxosMessageDetail>;
    'paxos-leader': CustomEvent<PaxosLeaderDetail>;
    'paxos-config': CustomEvent<PaxosConfigDetail>;
    'paxos-peer-join': CustomEvent<PaxosPeerDetail>;
    'paxos-peer-leave': CustomEvent<PaxosPeerDetail>;
    'paxos-quorum-lost': CustomEvent<PaxosQuorumDetail>;
    'paxos-quorum-restored': CustomEvent<PaxosQuorumDetail>;
    'paxos-sync': CustomEvent<PaxosSyncDetail>;
    'paxos-status': CustomEvent<PaxosStatusDetail>;
    'paxos-autoplay-blocked': CustomEvent<PaxosAutoplayBlockedDetail>;
    'paxos-wait': CustomEvent<PaxosWaitDetail>;
    'paxos-resume': CustomEvent<PaxosResumeDetail>;
    'paxos-behind': CustomEvent<PaxosBehindDetail>;
    'paxos-error': CustomEvent<PaxosErrorDetail>;
    'paxos-history': CustomEvent<PaxosHistoryDetail>;
  }
}

/** An error with one of the documented codes; method promises reject with it. */
export class PaxosVideoError extends Error {
  override readonly name = 'PaxosVideoError';
  constructor(
    readonly code: PaxosErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Creates one of the element's events with the documented options. */
export function paxosEvent<K extends PaxosEventName>(name: K, detail: PaxosEventDetailMap[K]): PaxosEvent<K> {
  return new CustomEvent(name, { detail, bubbles: true, composed: true });
}
