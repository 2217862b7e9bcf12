/** Waiting for conditions with a deadline: the benchmark never sleeps and hopes. */

/** A step of the benchmark failed: the message says which and why; the run exits non-zero. */
export class BenchError extends Error {
  override name = 'BenchError';
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` every `intervalMs` until it returns something other than undefined or false, and returns
 * that. After `timeoutMs` it throws a {@link BenchError} naming `what`, with `describe()`'s account of the
 * last state when given.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs: number,
  options: { intervalMs?: number; describe?: () => Promise<string> | string } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (performance.now() >= deadline) {
      const detail = options.describe ? `: ${await options.describe()}` : '';
      throw new BenchError(`timed out after ${(timeoutMs / 1000).toFixed(1)} s waiting for ${what}${detail}`);
    }
    await delay(options.intervalMs ?? 100);
  }
}

/** The benchmark's own clock, ms since the epoch (the same kind of clock the signaling server serves). */
export const nodeNow = (): number => performance.timeOrigin + performance.now();
