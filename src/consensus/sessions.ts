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
 * Bounded: a session keeps the numbers at or above `below` that took effect, at most {@link MAX_DONE}
 * (past that, the earliest recorded are forgotten and every number up to theirs counts as settled, so a
 * proposer with more commands than that in flight may see its oldest time out), and the room keeps at most
 * {@link MAX_SESSIONS} sessions, dropping the one whose last command took effect longest ago. A command of
 * a proposer whose session was dropped is taken as new: exactly-once holds for the 64 proposers most
 * recently active, which is every tab of a room of the intended size.
 */

/** Most sessions a room keeps. */
export const MAX_SESSIONS = 64;
/** Most remembered commands per session. */
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

export class Sessions {
  /** The least recently active first: every node applies the same slots in the same order, so all agree. */
  #list: Session[];

  constructor(sessions: readonly Session[] = []) {
    this.#list = [...sessions];
  }

  /** Whether `c` must take no effect: it took effect already, or its proposer has settled it. */
  isCopy(c: CommandId): boolean {
    const s = this.#get(c.proposer);
    return s !== undefined && (c.seq < s.below || this.firstEffect_(c.proposer, c.seq) !== undefined);
  }

  /** The slot where command `seq` of `proposer` first took effect, if the room remembers it. */
  firstEffect_(proposer: string, seq: number): number | undefined {
    return this.#get(proposer)?.done.find((d) => d[0] === seq)?.[1];
  }

  /**
   * Records that `c` (not a copy) took effect at `slot`, and forgets what its proposer has settled (below
   * `lowest`). The session becomes the most recently active; past the bounds, the least recent go.
   */
  record(c: CommandId, slot: number): void {
    const s = this.#get(c.proposer);
    let below = Math.max(s?.below ?? 0, c.lowest);
    let done = [...(s?.done ?? []), [c.seq, slot]];
    // Past the bound, the earliest recorded go, and every number up to theirs counts as settled.
    while ((done = done.filter((d) => (d[0] as number) >= below)).length > MAX_DONE) below = (done[0]?.[0] as number) + 1;
    this.#list = [...this.#list.filter((x) => x !== s), { proposer: c.proposer, below, done }].slice(-MAX_SESSIONS);
  }

  /** The sessions for a snapshot (they are never changed in place). */
  snapshot(): Session[] {
    return this.#list;
  }

  #get(proposer: string): Session | undefined {
    return this.#list.find((s) => s.proposer === proposer);
  }
}
