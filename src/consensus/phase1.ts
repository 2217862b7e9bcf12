/**
 * Phase 1 of one ballot, from the proposer's side ("Paxos Made Simple" §2.2 and §3): the promises.
 *
 * A promise covers every slot from the slot it was asked for, so one phase 1 serves all following slots:
 * a leader runs phase 2 for slot after slot while the promising acceptors still form a quorum of each
 * slot's acceptor set. After a configuration change it asks the new members for promises in the same
 * ballot, which is "phase 1 on the new set".
 */
import { compareBallots, type Ballot } from './ballot.js';
import type { AcceptedEntry } from './values.js';

/**
 * One acceptor's promise: valid for slots >= fromSlot; what it had accepted there when it promised, and
 * the last slot it had applied then. Its report of a slot is complete only above that slot: at or below
 * it, the acceptor may have compacted its log (it knows the decision; the leader must learn it instead).
 */
interface PromiseRecord<C> {
  readonly fromSlot_: number;
  readonly applied_: number;
  readonly accepted_: ReadonlyMap<number, AcceptedEntry<C>>;
}

export class Phase1<C> {
  readonly #promises = new Map<string, PromiseRecord<C>>();
  /** Highest slot any promise reported an accepted value for (0 when none). Written by record_() only. */
  maxReportedSlot_ = 0;
  /** Tick at which prepares were last sent, for retransmission. */
  sentAt_ = 0;

  constructor(readonly ballot: Ballot) {}

  /** Records a promise for this ballot. A promise asked for an earlier slot covers more, so it wins. */
  record_(from: string, fromSlot: number, applied: number, accepted: readonly AcceptedEntry<C>[]): void {
    const existing = this.#promises.get(from);
    if (existing !== undefined && existing.fromSlot_ <= fromSlot) return;
    const bySlot = new Map<number, AcceptedEntry<C>>();
    for (const e of accepted) {
      if (e.slot < fromSlot) continue;
      bySlot.set(e.slot, e);
      if (e.slot > this.maxReportedSlot_) this.maxReportedSlot_ = e.slot;
    }
    this.#promises.set(from, { fromSlot_: fromSlot, applied_: applied, accepted_: bySlot });
  }

  /** Whether `id` promised this ballot for `slot` with a complete report of it. */
  covers_(id: string, slot: number): boolean {
    const p = this.#promises.get(id);
    return p !== undefined && p.fromSlot_ <= slot && p.applied_ < slot;
  }

  /** Whether `id` has promised this ballot for `slot` (complete report or not): no need to ask again. */
  hasPromised_(id: string, slot: number): boolean {
    const p = this.#promises.get(id);
    return p !== undefined && p.fromSlot_ <= slot;
  }

  /**
   * P2c: the value of the highest ballot accepted at `slot` among `promisers`' reports, which the leader
   * must propose; undefined when none of them accepted anything there (the leader is free to choose).
   */
  highestAccepted_(slot: number, promisers: readonly string[]): AcceptedEntry<C> | undefined {
    let best: AcceptedEntry<C> | undefined;
    for (const id of promisers) {
      const e = this.#promises.get(id)?.accepted_.get(slot);
      if (e !== undefined && (best === undefined || compareBallots(e.ballot, best.ballot) > 0)) best = e;
    }
    return best;
  }

}
