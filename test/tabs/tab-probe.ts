/**
 * What the tab page's probe (test/tabs/tab.html) reports, and the waits the real-browser tab tests share
 * (test/tabs/hidden-tab.test.ts, test/interop/firefox.test.ts): poll a condition with a deadline, and say
 * where every tab stood when it timed out.
 */
import type { PaxosVideoState } from '../../src/events.js';
import { waitFor } from '../support/wait.js';

/** One tab as its probe sees it. */
export interface TabSnapshot {
  now: number;
  visibility: DocumentVisibilityState;
  nodeId: string;
  role: string;
  leader: string | null;
  status: string;
  state: PaxosVideoState;
  connected: string[];
  /** Connected peers reached through the server's relay (no direct data channel). */
  relayed: string[];
  video: { currentTime: number; paused: boolean; readyState: number };
  /** Video position minus the decided timeline's, s. */
  offset: number;
}

/** One recorded event of the page (`paxos-*` and media events). */
export interface LogEntry {
  i: number;
  /** Machine clock, ms. */
  t: number;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  detail: any;
}

/** How a command called in the page settled; `ms`: from the call to its decision, in the page. */
export type CommandResult = { ok: true; state: PaxosVideoState; ms: number } | { ok: false; code: string | null; message: string };

/**
 * Waits until `check` (evaluated in the tabs' pages) returns something truthy, polling every 100 ms; on
 * timeout, the error ends with `describe()` (every tab's state).
 */
export function until<T>(what: string, check: () => Promise<T | undefined | null | false>, describe: () => Promise<string>, timeoutMs = 30_000): Promise<T> {
  return waitFor(check, what, { timeoutMs, intervalMs: 100, describe });
}

/**
 * Like {@link until}, but `check` must hold on every poll for `holdMs` on end (a state, not a passing
 * moment); resolves with every value of that run.
 */
export async function untilSteady<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  describe: () => Promise<string>,
  holdMs: number,
  timeoutMs = 30_000,
): Promise<T[]> {
  let run: { since: number; values: T[] } | undefined;
  return until(
    `${what}, for ${holdMs} ms on end`,
    async () => {
      const value = await check();
      if (!value) {
        run = undefined;
        return undefined;
      }
      run ??= { since: performance.now(), values: [] };
      run.values.push(value);
      return performance.now() - run.since >= holdMs && run.values;
    },
    describe,
    timeoutMs,
  );
}
