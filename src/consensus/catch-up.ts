/**
 * Catch-up: the highest slot this node knows to be decided somewhere (its frontier), who said so, and
 * whom to ask next for the slots in between. While the frontier is above the applied slot, the node asks,
 * rate-limited, trying in turn the node that reported the frontier, the leader, the acceptors and the
 * other peers: any of them may have crashed since.
 */
export class CatchUp {
  /** Highest slot known decided somewhere (-1 while nothing is known). */
  frontier_ = -1;
  #source: string | undefined;
  #last = -Infinity;
  #turn = 0;

  /** `slot` is decided somewhere (`source` said so, if a peer did). */
  note_(slot: number, source?: string): void {
    if (slot <= this.frontier_) return;
    this.frontier_ = slot;
    if (source !== undefined) this.#source = source;
  }

  /**
   * Whom to ask now, or undefined (asked within `every` ticks, or nobody to ask). `candidates` in order of
   * preference; the frontier's source goes first.
   */
  next_(now: number, every: number, candidates: readonly (string | undefined)[], usable: (id: string) => boolean): string | undefined {
    if (now - this.#last < every) return undefined;
    const targets = [...new Set([this.#source, ...candidates])].filter((id): id is string => id !== undefined && usable(id));
    const target = targets[this.#turn++ % Math.max(1, targets.length)];
    if (target !== undefined) this.#last = now;
    return target;
  }
}
