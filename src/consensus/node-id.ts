/**
 * Node ids name the participants of a room: every tab is one node. They are strings of 8 to 64
 * characters from [A-Za-z0-9_-], long enough to be unique when chosen at random by the host, short
 * enough to keep every message small. Ballots embed them, so they also break ties between proposers.
 */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/** The rule, in words (for error messages). */
export const NODE_ID_RULE = 'a node id is 8-64 characters of [A-Za-z0-9_-]';

/** True when `value` is a well-formed node id. */
export function isNodeId(value: unknown): value is string {
  return typeof value === 'string' && NODE_ID_PATTERN.test(value);
}

/** Throws a TypeError naming `what` unless `value` is a well-formed node id. */
export function assertNodeId(value: unknown, what: string): asserts value is string {
  if (!isNodeId(value)) {
    throw new TypeError(`${what}: ${NODE_ID_RULE}, got ${JSON.stringify(value)}`);
  }
}
