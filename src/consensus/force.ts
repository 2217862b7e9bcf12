/**
 * Acceptor sets given from outside the room's log: the founders (`bootstrap`) and an unsafe forced
 * reconfiguration (see `PaxosNode.forceReconfigure`).
 */
import { normalizeAcceptors } from './quorum.js';
import { assertNodeId } from './node-id.js';

/** `ids` as an acceptor set; throws a clear error unless they are 1 to `max` node ids. */
export function checkedAcceptors(ids: readonly string[], max: number, what: string): string[] {
  ids.forEach((id) => assertNodeId(id, what));
  const set = normalizeAcceptors(ids);
  if (set.length === 0 || set.length > max) throw new RangeError(`${what} must be 1 to ${max} acceptors, got ${set.length}`);
  return set;
}

/** The set of a forced reconfiguration: the operator's list, else this node and the live nodes it knows, lowest ids first. */
export function acceptorsAfterForce(self: string, requested: readonly string[] | undefined, live: readonly string[], max: number): string[] {
  return requested !== undefined ? checkedAcceptors(requested, max, 'forceReconfigure') : normalizeAcceptors([self, ...[...live].sort().slice(0, max - 1)]);
}
