/**
 * Quorums, like etcd's quorum/majority.go: a quorum of a configuration is a majority of its acceptors.
 * Every rule that needs "enough acceptors" (phase 1, phase 2, read confirmation, the quorum-lost report)
 * counts through {@link isQuorum}, so any two quorums of one configuration share an acceptor: what makes
 * each of those rules safe.
 */

/** Smallest majority of `n` acceptors. */
export function quorumSize(n: number): number {
  return (n >> 1) + 1;
}

/** Whether the members of `acceptors` that `voted` are a majority of them. */
export function isQuorum(acceptors: readonly string[], voted: (id: string) => boolean): boolean {
  let n = 0;
  for (const a of acceptors) if (voted(a)) n++;
  return n >= quorumSize(acceptors.length);
}

/** Sorted and without duplicates: the one spelling of an acceptor set, so equal sets compare equal. */
export function normalizeAcceptors(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}
