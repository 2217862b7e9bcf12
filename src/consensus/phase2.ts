/**
 * Phase 2 from the proposer's side: the slot in flight. One slot is in flight at a time; the next is
 * proposed once it is decided, so the leader always knows the acceptors of the slot it proposes.
 */
import type { SlotValue } from './values.js';

export interface Phase2<C> {
  readonly slot: number;
  readonly value: SlotValue<C>;
  /** The acceptors of the slot that accepted it in this ballot. */
  readonly acks_: Set<string>;
  /** Tick at which accepts were last sent, for retransmission. */
  sentAt_: number;
}
