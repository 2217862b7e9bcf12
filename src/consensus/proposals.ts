/**
 * This node's own proposals, from `propose()` until each settles, once: decided (at the slot where it
 * first took effect) or failed. Each gets the next of this node's sequence numbers, which the node
 * persists, so that a command never shares its number with another one of this node's, across reloads
 * too: the room's sessions (sessions.ts) tell a copy from a new command by that number.
 */
import type { ProposedCommand } from './values.js';

/** A proposal waiting to settle. */
export interface PendingProposal<C> {
  readonly id: string;
  readonly seq: number;
  readonly command: C;
  /** Tick at which it fails if not decided. */
  readonly deadline_: number;
  /** Tick at which it was last handed to a leader. */
  lastSent_: number;
}

export class Proposals<C> {
  /** By proposal id, in the order of their numbers. */
  readonly pending_ = new Map<string, PendingProposal<C>>();
  /** The next sequence number. */
  seq: number;

  constructor(seq: number) {
    this.seq = seq;
  }

  add_(id: string, command: C, deadline: number, now: number): PendingProposal<C> {
    const p = { id, seq: this.seq++, command, deadline_: deadline, lastSent_: now };
    this.pending_.set(id, p);
    return p;
  }

  /** `p` as it travels through the log, with the lowest number this node still waits on. */
  wire_(p: PendingProposal<C>, proposer: string): ProposedCommand<C> {
    const lowest = (this.pending_.values().next().value as PendingProposal<C> | undefined)?.seq ?? p.seq;
    return { id: p.id, proposer, seq: p.seq, lowest: Math.min(lowest, p.seq), command: p.command };
  }
}
