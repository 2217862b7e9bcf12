/**
 * Configurations. The acceptors of slot s are fixed by the log before s: the initial set, changed by
 * every decided `config` value at a slot < s (alpha = 1: a change takes effect from the next slot).
 * Every other node of the room is a learner. A majority of the acceptors of a slot is a quorum for it.
 */

/** Smallest majority of `n` acceptors. */
export function quorumSize(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** Sorted and without duplicates: the one spelling of an acceptor set, so equal sets compare equal. */
export function normalizeAcceptors(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

export function sameAcceptors(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
