/**
 * What a node hands its host from {@link PaxosNode.drain}: messages to send, slots to apply, settled
 * proposals and reads, and events to report.
 */
import type { Ballot } from './ballot.js';
import type { AppliedEntry } from './log.js';
import type { Envelope } from './messages.js';

/** The part a node plays: it leads, or it is one of the acceptors, or it only learns. */
export type Role = 'leader' | 'acceptor' | 'learner';

/** Why a proposal or a read failed. */
export type FailureCode =
  /** A majority of the acceptors is unreachable: nothing can be decided until it comes back. */
  | 'no-quorum'
  /** Not known decided within the deadline. A timed-out proposal may still be decided later. */
  | 'timeout'
  /** Refused at once: bad id, duplicate id, or a command the state machine rejects. */
  | 'invalid';

/** How a proposal ended. Every proposal ends exactly once. */
export type ProposalOutcome =
  | { readonly id: string; readonly ok: true; readonly slot: number }
  | { readonly id: string; readonly ok: false; readonly code: FailureCode; readonly reason: string };

/** How a linearizable read ended: the state at `slot`, or a failure. */
export type ReadOutcome<S> =
  | { readonly id: string; readonly ok: true; readonly slot: number; readonly state: S }
  | { readonly id: string; readonly ok: false; readonly code: FailureCode; readonly reason: string };

/** Things that happened to the node, for the host to report (the element turns them into DOM events). */
export type NodeEvent<S> =
  | { readonly type: 'role'; readonly role: Role }
  | { readonly type: 'leader'; readonly leader: string | undefined; readonly ballot: Ballot | undefined }
  | {
      readonly type: 'config';
      /** First slot decided by these acceptors. */
      readonly slot: number;
      readonly acceptors: readonly string[];
      /** Every other node this node knows in the room. */
      readonly learners: readonly string[];
    }
  | { readonly type: 'quorum-lost'; readonly reachable: number; readonly needed: number }
  | { readonly type: 'quorum-restored'; readonly reachable: number; readonly needed: number }
  /** The node took a state without applying the slots before it: at bootstrap (slot 0), reload, or catch-up. */
  | { readonly type: 'restored'; readonly slot: number; readonly state: S };

/** Everything accumulated since the previous drain (a fresh object each time). */
export interface Output<S, C> {
  /** Messages to send, each to one node id. */
  readonly messages: readonly Envelope<S, C>[];
  /** Decided slots applied to the state, in slot order (after any `restored` event in `events`). */
  readonly applied: readonly AppliedEntry<C, S>[];
  readonly proposals: readonly ProposalOutcome[];
  readonly reads: readonly ReadOutcome<S>[];
  readonly events: readonly NodeEvent<S>[];
}

/** Counters of what a node received and refused. */
export interface NodeStats {
  received: number;
  sent: number;
  rejected: number;
  /** Refusals by reason. */
  readonly rejectedByReason: Record<string, number>;
}

/** Result of {@link PaxosNode.step}: the validated message, or why it was refused. */
export type StepResult<M> = { readonly ok: true; readonly message: M } | { readonly ok: false; readonly reason: string };

/** The node's own, growing copy of an {@link Output}. */
export type OutputBuffer<S, C> = { -readonly [K in keyof Output<S, C>]: Array<Output<S, C>[K][number]> };

export function emptyOutput<S, C>(): OutputBuffer<S, C> {
  return { messages: [], applied: [], proposals: [], reads: [], events: [] };
}
