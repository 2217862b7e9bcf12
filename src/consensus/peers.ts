/**
 * The room as one node sees it: every other node it has heard of, whether the host says it is reachable
 * or gone, when it last heard from it, and what its heartbeat acks said (eligible to lead, caught up).
 */
import type { PeerStatus } from './membership.js';

/** What this node knows of another node of the room. */
export interface PeerView {
  reachable_: boolean;
  left_: boolean;
  /** Tick of the last valid message from it. */
  lastHeard_: number;
  eligible_: boolean;
  /** Last slot it said it applied (-1: it has no state yet). */
  applied_: number;
}

export class PeerTable {
  readonly #views = new Map<string, PeerView>();

  /** The view of `id`, created (reachable, not yet heard from) on first mention. */
  get_(id: string): PeerView {
    let view = this.#views.get(id);
    if (view === undefined) {
      view = { reachable_: true, left_: false, lastHeard_: -Infinity, eligible_: false, applied_: -1 };
      this.#views.set(id, view);
    }
    return view;
  }

  entries_(): IterableIterator<[string, PeerView]> {
    return this.#views.entries();
  }

  /**
   * Whether `id` looks alive: reachable per the host and not gone; with `heardSince` (a leader passes
   * the tick it took over), also heard from within `suspectTicks` of now or of that tick. A node this
   * node never heard of (say, an acceptor that left while this node was reloading) is judged the same way.
   */
  alive_(id: string, now: number, suspectTicks: number, heardSince?: number): boolean {
    const p = this.#views.get(id);
    if (p !== undefined && (!p.reachable_ || p.left_)) return false;
    if (heardSince === undefined) return true;
    return now - Math.max(p?.lastHeard_ ?? -Infinity, heardSince) <= suspectTicks;
  }

  /** Nodes not gone, reachable per the host or (`all`) not. */
  ids_(all: boolean): string[] {
    return [...this.#views].filter(([, p]) => !p.left_ && (all || p.reachable_)).map(([id]) => id);
  }

  /** Input of the membership plan: every known node, and every acceptor even if never heard of. */
  statuses_(acceptors: readonly string[], alive: (id: string) => boolean): PeerStatus[] {
    const out = [...this.#views].map(([id, p]) => ({ id, left: p.left_, alive: alive(id), caughtUp: p.applied_ >= 0 }));
    for (const id of acceptors) if (!this.#views.has(id)) out.push({ id, left: false, alive: alive(id), caughtUp: false });
    return out;
  }
}
