/**
 * The tests' waits. Every wait ends: with what it waited for, or with an error that names it (and, where the
 * caller can say, the state of things when it gave up). No test sleeps and hopes.
 *
 * - {@link within}: a promise (an event, an ack, a process exit) with a deadline.
 * - {@link waitFor}: a condition, checked until it holds, with a deadline. The one polling helper of the
 *   Node, browser, tab and interop tests alike.
 */

/** Rejects with `what` after `ms`, else settles like `promise`: a wait that always ends. */
export function within<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** How {@link waitFor} checks. */
export interface WaitOptions {
  /** Give up after this long, ms. Default 15 s. */
  timeoutMs?: number;
  /** Time between two checks, ms. Default 20 (a check that evaluates in a browser page wants more). */
  intervalMs?: number;
  /** An account of the state of things, appended to the timeout error. */
  describe?: () => string | Promise<string>;
}

/**
 * Resolves with the first truthy value `check` returns (it may be async), checking every `intervalMs`;
 * rejects after `timeoutMs` (or `options` itself, when a number) with `what`.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 20, describe } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) {
      const detail = describe ? `\n${await describe()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
