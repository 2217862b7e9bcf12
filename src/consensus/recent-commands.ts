/**
 * The commands applied most recently (by proposal key), with their slots, so that a leader drops a
 * proposal forwarded again after it was decided, and can tell its proposer where it was decided.
 * Bounded: the oldest are forgotten first.
 */
export class RecentCommands {
  readonly #capacity: number;
  readonly #slots = new Map<string, number>();
  // A ring of keys gives the eviction order (a Map's first key gets slow after many deletions).
  readonly #ring: (string | undefined)[] = [];
  #next = 0;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  /** Slot `key` was applied at, if remembered. */
  slot(key: string): number | undefined {
    return this.#slots.get(key);
  }

  remember(key: string, slot: number): void {
    if (this.#slots.has(key)) return;
    const evicted = this.#ring[this.#next];
    if (evicted !== undefined) this.#slots.delete(evicted);
    this.#ring[this.#next] = key;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#slots.set(key, slot);
  }
}
