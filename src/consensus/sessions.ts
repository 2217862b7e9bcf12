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
 * {@link MAX_SESSIONS} sessions, dropping the one whose last command took effect longest ago. A command of
 * a proposer whose session was dropped is taken as new: exactly-once holds for the 64 proposers most
 * recently active, which is every tab of a room of the intended size.
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

/** One proposer's session, as it travels in snapshots (in the order of their last activity, oldest first). */
export interface Session {
  readonly proposer: string;
  /** Every command of the proposer numbered below this has settled: a copy of one is a no-op. */
  readonly below: number;
  /** Its commands numbered `below` or more that took effect: `[seq, slot of the first effect]`. */
  readonly done: readonly (readonly number[])[];
}

interface Live {
  below: number;
  readonly done: Map<number, number>;
}

export class Sessions {
  /** By proposer, the least recently active first (a Map keeps insertion order, and every node inserts alike). */
  readonly #live = new Map<string, Live>();

  constructor(sessions: readonly Session[] = []) {
    for (const s of sessions) this.#live.set(s.proposer, { below: s.below, done: new Map(s.done as [number, number][]) });
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

  /** Records that `c` (not a copy) took effect at `slot`, and forgets what its proposer has settled. */
  record(c: CommandId, slot: number): void {
    const live = this.#live;
    const s = live.get(c.proposer) ?? { below: 0, done: new Map<number, number>() };
    // The session moves to the end: the most recently active. Past the bound, the least recent goes.
    live.delete(c.proposer);
    live.set(c.proposer, s);
    if (live.size > MAX_SESSIONS) live.delete(live.keys().next().value as string);
    s.done.set(c.seq, slot);
    s.below = Math.max(s.below, c.lowest);
    // Numbers below `below` are settled at the proposer: `below` alone refuses a copy of one. Past the
    // bound (a proposer has at most MAX_DONE pending), the earliest recorded go the same way.
    for (const seq of s.done.keys()) {
      if (seq >= s.below && s.done.size <= MAX_DONE) continue;
      s.done.delete(seq);
      s.below = Math.max(s.below, seq + 1);
    }
  }

  /** The sessions for a snapshot. */
  snapshot(): Session[] {
    return [...this.#live].map(([proposer, s]) => ({ proposer, below: s.below, done: [...s.done] }));
  }
}
