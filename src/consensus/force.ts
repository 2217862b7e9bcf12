/**
 * The acceptor set of an unsafe forced reconfiguration (see `PaxosNode.forceReconfigure`): the
 * operator's list if given, else this node and the live nodes it knows, lowest ids first, up to the limit.
 */
import { normalizeAcceptors } from './quorum.js';
import { assertNodeId } from './node-id.js';

export function acceptorsAfterForce(
  self: string,
  requested: readonly string[] | undefined,
  live: readonly string[],
  maxAcceptors: number,
): string[] {
  if (requested !== undefined) {
    requested.forEach((id) => assertNodeId(id, 'forceReconfigure acceptor'));
    const set = normalizeAcceptors(requested);
    if (set.length === 0 || set.length > maxAcceptors) {
      throw new RangeError(`forceReconfigure needs 1 to ${maxAcceptors} acceptors, got ${set.length}`);
    }
    return set;
  }
  return normalizeAcceptors([self, ...[...live].sort().slice(0, maxAcceptors - 1)]);
}
