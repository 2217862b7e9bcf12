/**
 * The replicated log as one node holds it: a snapshot (the state after some slot), then slots that this
 * node has accepted or knows decided. It is also the learner: decided slots are applied strictly in slot
 * order, each exactly once, and a slot decided out of order waits for the gap before it to fill.
 *
 * Applying a batch of commands, the log asks the proposer sessions (sessions.ts) about each: a copy of a
 * command that already took effect takes none.
 *
 * Memory stays bounded over a long session: every `snapshotEvery` applied slots the log takes a snapshot
 * of the current state and drops every entry up to it. A node that lags behind a snapshot receives the
 * snapshot itself.
 */
import type { Ballot } from './ballot.js';
import { Sessions } from './sessions.js';
import type { StateMachine } from './state-machine.js';
import type { LogEntry, Snapshot } from './storage.js';
import type { AcceptedEntry, DecidedEntry, ProposedCommand, SlotValue } from './values.js';

/** A slot applied to the state, in slot order. */
export interface AppliedEntry<C, S = unknown> {
  readonly slot: number;
  /**
   * What took effect: the decided value, without the commands that were copies of commands that had
   * already taken effect (a batch of copies only reads as a no-op).
   */
  readonly value: SlotValue<C>;
  /** The acceptors of this slot (the configuration that decided it). */
  readonly acceptors: readonly string[];
  /** The state after this slot: the log is the one place where commands are applied. */
  readonly state: S;
}

export class Log<S, C> {
  readonly #machine: StateMachine<S, C>;
  #snap: Snapshot<S> | undefined;
  readonly #entries = new Map<number, LogEntry<C>>();
  #current: S | undefined;
  #appliedSlot = -1;
  #acceptorsNow: readonly string[] = [];
  /** The proposer sessions after {@link applied}. */
  sessions_ = new Sessions();

  constructor(machine: StateMachine<S, C>) {
    this.#machine = machine;
  }

  /** Whether this node holds the room's state (a joining node does not until its first snapshot). */
  get known(): boolean {
    return this.#snap !== undefined;
  }

  /** Last applied slot; -1 while unknown. */
  get applied(): number {
    return this.#appliedSlot;
  }

  /** The slot a leader proposes next: every slot before it is decided and applied. */
  get firstUndecided_(): number {
    return this.#appliedSlot + 1;
  }

  /** The application state after {@link applied}. Throws while unknown. */
  get state(): S {
    if (!this.known) throw new Error('no room state yet');
    return this.#current as S;
  }

  /** Acceptors of {@link firstUndecided_}; empty while unknown. */
  get acceptors(): readonly string[] {
    return this.#acceptorsNow;
  }

  get snapshot(): Snapshot<S> | undefined {
    return this.#snap;
  }

  /** Replaces everything up to `snapshot.slot` by the snapshot, if it is ahead of this log. */
  install_(snapshot: Snapshot<S>): boolean {
    if (snapshot.slot <= this.#appliedSlot) return false;
    this.#snap = snapshot;
    this.#current = snapshot.state;
    this.#appliedSlot = snapshot.slot;
    this.#acceptorsNow = snapshot.acceptors;
    this.sessions_ = new Sessions(snapshot.sessions);
    this.#dropThrough(snapshot.slot);
    return true;
  }

  #dropThrough(slot: number): void {
    for (const s of this.#entries.keys()) if (s <= slot) this.#entries.delete(s);
  }

  /** Records that this acceptor accepted `value` in `ballot` (no-op for slots already decided). */
  accept_(slot: number, ballot: Ballot, value: SlotValue<C>): boolean {
    return this.#record(slot, { slot, value, ballot, decided: false });
  }

  /** Records `value` as decided for `slot` (keeping the ballot it was accepted in). False when already known. */
  learn_(slot: number, value: SlotValue<C>): boolean {
    return this.#record(slot, { ...this.#entries.get(slot), slot, value, decided: true });
  }

  /** Records `entry` unless `slot` is applied or known decided. */
  #record(slot: number, entry: LogEntry<C>): boolean {
    if (slot <= this.#appliedSlot || this.#entries.get(slot)?.decided) return false;
    this.#entries.set(slot, entry);
    return true;
  }

  /**
   * Applies every decided slot that directly follows the applied prefix, in order. `isCopy` says whether
   * a command must take no effect (the sessions' verdict; a planted bug replaces it).
   */
  applyDecided_(isCopy: (c: ProposedCommand<C>) => boolean): AppliedEntry<C, S>[] {
    const applied: AppliedEntry<C, S>[] = [];
    for (let entry; this.known && (entry = this.#entries.get(this.#appliedSlot + 1))?.decided; ) {
      const slot = entry.slot;
      let value = entry.value;
      if (value.kind === 'commands') {
        const effective: ProposedCommand<C>[] = [];
        let state = this.#current as S;
        for (const c of value.commands) {
          if (isCopy(c)) continue;
          this.sessions_.record(c, slot);
          state = this.#machine.apply(state, c.command);
          effective.push(c);
        }
        this.#current = state;
        if (effective.length < value.commands.length) value = effective.length > 0 ? { kind: 'commands', commands: effective } : { kind: 'noop' };
      }
      applied.push({ slot, value, acceptors: this.#acceptorsNow, state: this.#current as S });
      if (value.kind === 'config') this.#acceptorsNow = value.acceptors;
      this.#appliedSlot = slot;
    }
    return applied;
  }

  /** Takes a snapshot at the applied slot and drops the entries it covers, once `every` slots piled up. */
  compact_(every: number): boolean {
    if (this.#snap === undefined || this.#appliedSlot - this.#snap.slot < every) return false;
    this.#snap = this.appliedSnapshot_();
    this.#dropThrough(this.#appliedSlot);
    return true;
  }

  /**
   * The state after the applied slot as a snapshot (once the state is known), without compacting: what a
   * node behind the last snapshot needs, in one piece instead of that snapshot and every slot since.
   */
  appliedSnapshot_(): Snapshot<S> {
    return { slot: this.#appliedSlot, state: this.#current as S, acceptors: this.#acceptorsNow, sessions: this.sessions_.snapshot() };
  }

  /** Accepted but not (known) decided slots from `from` on, in slot order: what a promise must report. */
  acceptedFrom_(from: number): AcceptedEntry<C>[] {
    return this.persistentEntries_().flatMap(({ slot, ballot, value, decided }) => (slot >= from && !decided && ballot !== undefined ? [{ slot, ballot, value }] : []));
  }

  /**
   * Decided slots this log still holds from `from` on (applied or not), at most `limit`, in slot order.
   * (As the log holds them: a receiver's validation keeps `slot` and `value` only.)
   */
  decidedFrom_(from: number, limit: number): DecidedEntry<C>[] {
    return this.persistentEntries_()
      .filter((e) => e.slot >= from && e.decided)
      .slice(0, limit);
  }

  /** Log entries for storage, in slot order. */
  persistentEntries_(): LogEntry<C>[] {
    return [...this.#entries.values()].sort((a, b) => a.slot - b.slot);
  }

  /** Restores entries loaded from storage (after {@link install} of the stored snapshot). */
  restoreEntries_(entries: readonly LogEntry<C>[]): void {
    for (const e of entries) if (e.slot > this.#appliedSlot) this.#entries.set(e.slot, e);
  }
}
