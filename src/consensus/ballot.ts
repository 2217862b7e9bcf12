/**
 * Ballot numbers (the paper's "proposal numbers"). A ballot is a pair (round, node): rounds order
 * ballots, and the proposer's node id breaks ties, so two proposers never share a ballot. Ballots are
 * never derived from wall-clock time: a proposer picks a round above every round it has seen.
 */
export interface Ballot {
  /** Positive integer; 0 only in {@link NO_BALLOT}. */
  readonly round: number;
  /** Id of the proposer that owns the ballot. */
  readonly node: string;
}

/** The ballot below every real ballot: what an acceptor has promised before any prepare. */
export const NO_BALLOT: Ballot = Object.freeze({ round: 0, node: '' });

/** Orders ballots: negative when a < b, 0 when equal, positive when a > b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round < b.round ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

export function ballotEquals(a: Ballot | undefined, b: Ballot | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.round === b.round && a.node === b.node;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/** The smallest ballot owned by `node` that is greater than `above`. */
export function nextBallot(above: Ballot, node: string): Ballot {
  return { round: above.round + 1, node };
}

/** Short readable form, e.g. `7.tab-3f9a` (`none` for {@link NO_BALLOT}). */
export function formatBallot(b: Ballot): string {
  return b.round === 0 ? 'none' : `${b.round}.${b.node}`;
}
