/**
 * People, not node ids: the display name a tab goes by (its `name` attribute), which travels with its
 * commands and readiness reports so that every tab can say "paused by Ana" or "waiting for Ben". A name
 * comes from a page and from peers, so it is bounded and checked like any other input.
 */
import { CONTROL } from './media-src.js';

/** Longest display name, in UTF-16 code units: enough for a person's name, short enough for a status bar. */
export const MAX_NAME_LENGTH = 32;

/** Why `name` is not a display name, or null when it is one. */
export function nameProblem(name: string): string | null {
  return !name || name.length > MAX_NAME_LENGTH
    ? `must be 1-${MAX_NAME_LENGTH} characters`
    : CONTROL.test(name) || name !== name.trim()
      ? 'must not have control characters or leading or trailing whitespace'
      : null;
}

/** What a tab without a name goes by: a short label that stays the same for its node id ("Tab k3X9"). */
export const nodeLabel = (id: string): string => `Tab ${id.slice(0, 4)}`;
