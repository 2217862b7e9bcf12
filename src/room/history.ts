/**
 * A room's history: which founding a tab's consensus state descends from. A tab founds a history when it
 * has no stored state and the server lists no peers; a tab that cannot yet see the room that exists (the
 * server restarted under it, two first joins on two server processes) founds a second one under the same
 * name. So every protocol message carries its history's id, tabs of different histories never mix their
 * messages (the core never sees a foreign one), and when two histories meet {@link compareHistories} picks
 * the one that absorbs the other's tabs: they leave theirs and join the winner as learners.
 *
 * The id is made here, by the founder, not in the pure consensus core: the founding time (shared-clock ms,
 * base 36, nine digits), a dot, and 96 random bits, e.g. `0miu9r0yo.x1Q-7dZ0b2kT_a3P`: ids sort by founding time.
 */
import { PROTOCOL_VERSION, type Message } from '../consensus/index.js';
import { newLinkId } from '../net/signal-envelope.js';
import { LIMITS } from '../net/signaling-protocol.js';

/** The form of a history id (the server checks the one a join carries against the same). */
export const HISTORY_PATTERN = LIMITS.historyPattern;

/** A new history id, founded at `now` (shared-clock ms). */
export function newHistory(now: number): string {
  return `${Math.max(0, Math.floor(now)).toString(36).padStart(9, '0')}.${newLinkId()}`;
}

/** A history as the meeting rule weighs it: its id, and the last slot decided in it as far as a tab knows. */
export interface HistoryWeight {
  readonly id: string;
  readonly applied: number;
}

/**
 * The meeting rule: positive when `a` wins over `b`. The history with more decided slots wins (the room
 * that has been playing, not a tab that just founded), then the older founding, then the smaller id: every
 * tab that weighs the same two histories picks the same one.
 */
export function compareHistories(a: HistoryWeight, b: HistoryWeight): number {
  // Ids begin with their founding time, in fixed width: the smaller id is the older founding.
  return a.applied - b.applied || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/**
 * A protocol message on the wire (protocol version 3): the core's envelope `{v, m}` with the sender's
 * history `h` (null while a joining tab has none yet), the last slot it applied, `a`, and when it was sent,
 * `t` (shared-clock ms; the room tells a fresh message from one a connection held through a cut by it).
 */
export const seal = (m: Message<unknown, unknown>, h: string | undefined, a: number, t: number) => ({ v: PROTOCOL_VERSION, h: h ?? null, a, t, m });

/**
 * The history fields of an envelope from a peer: `{h, a}` (and `t` as sent: the room reads it only as a
 * number, so a missing or malformed one counts as fresh, the rule of senders that did not send it), or
 * undefined when they are malformed (a history id of the wrong form, a slot that is not one). An envelope of
 * another version is left to the core, which refuses it with the reason `protocol version`.
 */
export function historyOf(raw: unknown): { h?: string | null; a?: number; t?: unknown } | undefined {
  const w = raw as { v?: unknown; h?: unknown; a?: number } | null;
  if (w?.v !== PROTOCOL_VERSION) return {};
  const { h, a } = w;
  if ((h === null || (typeof h === 'string' && HISTORY_PATTERN.test(h))) && Number.isSafeInteger(a) && a! >= -1) return w as { h: string | null; a: number; t?: unknown };
  return undefined;
}
