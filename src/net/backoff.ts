/**
 * Exponential backoff with "equal jitter" (AWS's name): each delay is uniform in [ceiling/2, ceiling], the
 * ceiling doubling per retry up to a cap. For retries that many tabs may start at once (a server restart
 * reconnects a whole room): the jitter spreads them out, the half that is not random keeps a retry from
 * coming back at once (full jitter, uniform in [0, ceiling], may draw 0), the cap bounds the wait, and
 * `reset()` after a success lets the next failure retry quickly again.
 */
/** Delays for successive retries of one thing. */
export class Backoff {
  /** Retries since the last reset. */
  #attempts = 0;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;

  /**
   * @param initialMs the first delay's upper bound, ms
   * @param maxMs the largest delay, ms
   * @param random a random source in [0, 1), injectable for tests
   */
  constructor(initialMs: number, maxMs: number, random: () => number = Math.random) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#random = random;
  }

  /** The delay before the next retry, ms: uniform in [ceiling/2, ceiling], the ceiling doubling each time. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempts++);
    return ceiling / 2 + this.#random() * (ceiling / 2);
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempts = 0;
  }
}
