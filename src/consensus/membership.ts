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
 * - The set is never empty: when every acceptor left and no learner is live, the leader (an acceptor, or
 *   the learner that leads) stays.
 */
export function planAcceptors(view: MembershipView): string[] | undefined {
  const byId = new Map(view.peers.map((p) => [p.id, p]));
  const current = new Set(view.acceptors);
  const spares = view.peers
    .filter((p) => !current.has(p.id) && p.id !== view.self && !p.left && p.alive && p.caughtUp)
    .map((p) => p.id)
    .sort();
  if (!current.has(view.self)) spares.unshift(view.self);
  const next: string[] = [];
  for (const id of view.acceptors) {
    const peer = byId.get(id);
    if (id === view.self || peer === undefined) {
      // The leader itself, or a node the caller gave no status for: keep.
      next.push(id);
    } else if (peer.left) {
      const spare = spares.shift();
      if (spare !== undefined) next.push(spare);
    } else if (!peer.alive && spares.length > 0) {
      next.push(spares.shift() as string);
    } else {
      next.push(id);
    }
  }
  while (next.length < view.maxAcceptors && spares.length > 0) next.push(spares.shift() as string);
  // A set larger than the limit (the limit was lowered) shrinks by dropping dead members first.
  while (next.length > view.maxAcceptors) {
    const dead = next.findIndex((id) => id !== view.self && !(byId.get(id)?.alive ?? true));
    next.splice(dead >= 0 ? dead : next.findIndex((id) => id !== view.self), 1);
  }
  if (next.length === 0) next.push(view.self);
  const normalized = normalizeAcceptors(next);
  return normalized.join() === normalizeAcceptors(view.acceptors).join() ? undefined : normalized;
}
