import type { Ballot } from './ballot.js';

/**
 * A command as it travels through the log: who proposed it and under which numbers (see sessions.ts).
 * `proposer` and `seq` identify it in the room; `id` is the proposer's own name for it (the host's).
 */
export interface ProposedCommand<C> {
  /** The host's proposal id, unique per proposer. */
  readonly id: string;
  /** Node id of the proposer, the only node that settles this proposal. */
  readonly proposer: string;
  /** The proposer's sequence number for it: it takes effect at most once in the room. */
  readonly seq: number;
  /** Lowest number its proposer still waited on when it sent the command (see sessions.ts). */
  readonly lowest: number;
  readonly command: C;
}

/**
 * What one slot of the log holds once decided:
 * - `commands`: a batch of application commands, applied in order;
 * - `config`: the acceptor set for every later slot (it takes effect from the next slot);
 * - `noop`: fills a slot a new leader found a gap in.
 */
export type SlotValue<C> =
  | { readonly kind: 'commands'; readonly commands: readonly ProposedCommand<C>[] }
  | { readonly kind: 'config'; readonly acceptors: readonly string[] }
  | { readonly kind: 'noop' };

/** A decided slot on the wire (catch-up, promises). */
export interface DecidedEntry<C> {
  readonly slot: number;
  readonly value: SlotValue<C>;
}

/** A slot an acceptor has accepted (but not yet seen decided), as reported in a promise. */
export interface AcceptedEntry<C> {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: SlotValue<C>;
}

/** Whether two commands are the same command of the same proposer. */
export function sameCommand(a: { proposer: string; seq: number }, b: { proposer: string; seq: number }): boolean {
  return a.seq === b.seq && a.proposer === b.proposer;
}

/**
 * Whether two slot values are the same value. Both sides build a value the same way (values.ts's shapes, keys
 * in one order), so their JSON is equal when they are; a false "different" only costs a leader its term.
 */
export function sameValue<C>(a: SlotValue<C>, b: SlotValue<C>): boolean {
  return JSON.stringify(a) == JSON.stringify(b);
}
