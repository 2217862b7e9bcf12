/**
 * Proposer sessions, as Raft's client sessions (Ongaro's thesis, §6.3): the part of the replicated state
 * that makes every command take effect once. A command carries its proposer's id, a sequence number `seq`
 * (per proposer, kept across reloads) and `lowest`, the lowest number the proposer still waits on: every
 * command numbered below it has settled at the proposer (decided, or failed), so the room may forget it.
 *
 * Applying a slot, a node asks the sessions about each command: one already applied, or numbered below what
 * its proposer still waits on, is a copy (a retry, a value recovered by phase 1 and also re-sent, an old
 * message delivered again) and takes no effect; its proposer gets the slot of the first effect. Every node
 * applies the same slots in the same order, so every node's sessions agree, and a snapshot carries them.
 *
 * Bounded: a session keeps the numbers at or above `below` that took effect, at most {@link MAX_DONE} (a
 * proposer has at most that many proposals pending, see PaxosNode.propose), and the room keeps at most
 * {@link MAX_SESSIONS} sessions, dropping the one whose last command took effect longest ago.
 */

/** Most sessions a room keeps. */
export const MAX_SESSIONS = 64;
/** Most remembered commands per session; also the most proposals a node keeps pending. */
export const MAX_DONE = 64;

/** A command's identity, as the sessions see it. */
export interface CommandId {
  readonly proposer: string;
  readonly seq: number;
  /** Lowest number its proposer still waited on when it sent the command (at most `seq`). */
  readonly lowest: number;
}

/** One proposer's session, as it travels in snapshots. */
export interface Session {
  readonly proposer: string;
  /** Every command of the proposer numbered below this has settled: a copy of one is no-op. */
  readonly below: number;
  /** Its commands numbered `below` or more that took effect: `[seq, slot of the first effect]`, by seq. */
  readonly done: readonly (readonly number[])[];
  /** Last slot where one of its commands took effect. */
  readonly last: number;
}

interface Live {
  below: number;
  readonly done: Map<number, number>;
  last: number;
}

export class Sessions {
  readonly #live = new Map<string, Live>();

  constructor(sessions: readonly Session[] = []) {
    for (const s of sessions) this.#live.set(s.proposer, { below: s.below, done: new Map(s.done as [number, number][]), last: s.last });
  }

  /** Whether `c` must take no effect: it took effect already, or its proposer has settled it. */
  isCopy(c: CommandId): boolean {
    const s = this.#live.get(c.proposer);
    return s !== undefined && (c.seq < s.below || s.done.has(c.seq));
  }

  /** The slot where command `seq` of `proposer` first took effect, if the room remembers it. */
  firstEffect(proposer: string, seq: number): number | undefined {
    return this.#live.get(proposer)?.done.get(seq);
  }

  /** The first number `proposer` has never used, as far as the room knows. */
  next(proposer: string): number {
    const s = this.#live.get(proposer);
    if (s === undefined) return 0;
    let next = s.below;
    for (const seq of s.done.keys()) if (seq >= next) next = seq + 1;
    return next;
  }

  /** Records that `c` (not a copy) took effect at `slot`, and forgets what its proposer has settled. */
  record(c: CommandId, slot: number): void {
    let s = this.#live.get(c.proposer);
    if (s === undefined) {
      this.#live.set(c.proposer, (s = { below: 0, done: new Map(), last: slot }));
      if (this.#live.size > MAX_SESSIONS) this.#evict();
    }
    if (!s.done.has(c.seq)) s.done.set(c.seq, slot);
    s.last = slot;
    if (c.lowest > s.below) s.below = c.lowest;
    // Numbers below `below` are settled at the proposer: a copy of one is refused by `below` alone. Past
    // the bound, the lowest remembered numbers go the same way.
    const seqs = [...s.done.keys()].sort((a, b) => a - b);
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i] as number;
      if (seq >= s.below && seqs.length - i <= MAX_DONE) break;
      s.done.delete(seq);
      if (seq >= s.below) s.below = seq + 1;
    }
  }

  /** The sessions for a snapshot, by proposer. */
  snapshot(): Session[] {
    return [...this.#live]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([proposer, s]) => ({ proposer, below: s.below, done: [...s.done].sort((a, b) => a[0] - b[0]), last: s.last }));
  }

  /** Drops the session whose last command took effect longest ago (the lower id on a tie). */
  #evict(): void {
    let oldest: [string, Live] | undefined;
    for (const e of this.#live) {
      if (oldest === undefined || e[1].last < oldest[1].last || (e[1].last === oldest[1].last && e[0] < oldest[0])) oldest = e;
    }
    if (oldest !== undefined) this.#live.delete(oldest[0]);
  }
}
