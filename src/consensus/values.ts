import type { Ballot } from './ballot.js';

/** A command as it travels through the log: who proposed it, under which host-chosen id. */
export interface ProposedCommand<C> {
  /** Unique per proposer; chosen by the host (e.g. a counter or a random string). */
  readonly id: string;
  /** Node id of the proposer, the only node that settles this proposal. */
  readonly proposer: string;
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

/** Key that identifies a proposal across the room (ids are only unique per proposer). */
export function proposalKey(proposer: string, id: string): string {
  return `${proposer}\u0000${id}`;
}
