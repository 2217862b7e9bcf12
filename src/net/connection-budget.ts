/**
 * Chrome caps one tab at 500 RTCPeerConnections over the tab's lifetime, and a room that reconnects all at
 * once (a server restart, a laptop waking up) could burn through them. Every new connection the mesh makes
 * is drawn from a budget: a lifetime cap below Chrome's (leaving a reserve for the page itself) and a rate
 * limit per minute that turns a reconnect storm into a slow drip. The mesh prefers an ICE restart (which
 * reuses the connection) to a new connection, and falls back to the relay when the budget is spent.
 *
 * One budget is shared by every mesh of the tab ({@link tabConnectionBudget}): several elements in one page
 * draw from the same Chrome limit.
 */

/** Options of {@link ConnectionBudget}. */
export interface ConnectionBudgetOptions {
  /** Most connections over the budget's lifetime. Default 450 (Chrome's 500 less a reserve for the page). */
  limit?: number;
  /** Most new connections in any 60 s window. Default 120 (a full room of 32, reconnected a few times over). */
  perMinute?: number;
  /** Clock, ms (injectable for tests). */
  now?: () => number;
}

/** Answer of {@link ConnectionBudget.acquire}. */
export type BudgetDecision =
  | { ok: true }
  | { ok: false; reason: 'exhausted' }
  | { ok: false; reason: 'rate'; retryInMs: number };

/** Counts connections made and says whether another may be made now. */
export class ConnectionBudget {
  /** Connections acquired so far. */
  used = 0;
  readonly #limit: number;
  readonly #perMinute: number;
  readonly #now: () => number;
  #recent: number[] = [];

  constructor(options: ConnectionBudgetOptions = {}) {
    this.#limit = options.limit ?? 450;
    this.#perMinute = options.perMinute ?? 120;
    this.#now = options.now ?? Date.now;
  }

  /** Connections still allowed over the lifetime. */
  get remaining(): number {
    return Math.max(0, this.#limit - this.used);
  }

  /** Takes one connection from the budget, or says why not (and when to ask again, for the rate limit). */
  acquire(): BudgetDecision {
    if (this.used >= this.#limit) return { ok: false, reason: 'exhausted' };
    const t = this.#now();
    this.#recent = this.#recent.filter((at) => at > t - 60_000);
    if (this.#recent.length >= this.#perMinute) {
      return { ok: false, reason: 'rate', retryInMs: Math.max(1, this.#recent[0]! + 60_000 - t) };
    }
    this.#recent.push(t);
    this.used += 1;
    return { ok: true };
  }
}

/** The budget shared by every mesh in this tab. */
export const tabConnectionBudget = new ConnectionBudget();
