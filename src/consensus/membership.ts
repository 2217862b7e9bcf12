/**
 * Which acceptors the leader proposes next. Any change is safe (each slot is its own Paxos instance over
 * its own acceptor set, alpha = 1); these rules only pick the change that helps availability, and never
 * one the peers' schema refuses (an empty set, duplicates, or more than the limit).
 */
import { normalizeAcceptors } from './quorum.js';

/** What the leader knows about one other node when it plans the acceptor set. */
export interface PeerStatus {
  readonly id: string;
  /** The host said it left the room (signaling's peer-left): it will not come back under this id. */
  readonly left: boolean;
  /** Reachable per the host and heard from recently: a live node. */
  readonly alive: boolean;
  /** It holds the room's state (has installed a snapshot), so it can serve as an acceptor at once. */
  readonly caughtUp: boolean;
}

/** Inputs of {@link planAcceptors}. */
export interface MembershipView {
  readonly acceptors: readonly string[];
  readonly maxAcceptors: number;
  /** The leader itself: always alive, never removed by its own plan. */
  readonly self: string;
  readonly peers: readonly PeerStatus[];
}

/**
 * The acceptor set the leader should propose next, or undefined to keep the current one.
 *
 * - An acceptor that left is removed, replaced by a live learner when there is one.
 * - An acceptor that is only suspected (unreachable or silent) is replaced by a live learner, but never
 *   removed without one: shrinking on suspicion would let a partition shrink the quorum.
 * - While there is room, live caught-up learners are promoted (joins), lowest id first so that every
 *   leader makes the same choice. A leader that is itself a learner is the first of them.
 * - A set larger than this leader's limit (a tab with a larger `maxAcceptors` made it) is not shrunk.
 * - The set is never empty: when every acceptor left and no learner is live, the leader (an acceptor, or
 *   the learner that leads) stays.
 */
export function planAcceptors({ acceptors, maxAcceptors, self, peers }: MembershipView): string[] | undefined {
  const status = new Map(peers.map((p) => [p.id, p]));
  const spares = peers.filter((p) => !acceptors.includes(p.id) && p.id !== self && !p.left && p.alive && p.caughtUp).map((p) => p.id).sort();
  if (!acceptors.includes(self)) spares.unshift(self);
  const next = acceptors.flatMap((id) => {
    const p = id === self ? undefined : status.get(id);
    // The leader, a node without status, a live one, or a suspect no spare can replace, stays.
    return p === undefined || (!p.left && (p.alive || spares.length === 0)) ? [id] : spares.splice(0, 1);
  });
  // Promotions stop at this leader's limit; a larger set (another tab's larger limit made it) stays as it is.
  next.push(...spares.splice(0, maxAcceptors - next.length));
  const plan = normalizeAcceptors(next.length > 0 ? next : [self]);
  return plan.join() === normalizeAcceptors(acceptors).join() ? undefined : plan;
}
