/**
 * A room's status from what it knows, as one pure function: the room recomputes it after anything that may
 * change it, and reports `status` when the result differs.
 */
import type { RoomStatus } from './room-events.js';

/**
 * The status these facts call for. `error` is not among the results: a fatal failure sets it once, and it
 * stays.
 * @param started the node exists: the room was joined once (so a lost connection is `offline`, not `connecting`)
 * @param signalingJoined the signaling server lists this node in the room now
 * @param anyPeerUp some peer is reachable (direct channel or relay)
 * @param quorumLost the node reported that it cannot reach a majority of the acceptors
 * @param known the node holds the room's state (it founded the room, recovered it, or caught up) and has
 *   applied every slot its peers say they applied
 */
export function deriveStatus(started: boolean, signalingJoined: boolean, anyPeerUp: boolean, quorumLost: boolean, known: boolean): Exclude<RoomStatus, 'error'> {
  // Peers still reachable over the mesh keep a room going while the signaling server is away.
  if (!signalingJoined && !anyPeerUp) return started ? 'offline' : 'connecting';
  if (quorumLost) return 'no-quorum';
  return known ? 'synced' : 'joined';
}
