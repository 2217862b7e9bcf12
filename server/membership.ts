/**
 * Room membership across every server process: who is in a room, atomically claiming a node id under the
 * room-size cap, and finding the socket that holds a node id. One process keeps it in memory; several share
 * it in Redis (see redis-membership.ts).
 */
import { RoomDirectory } from './room-directory.js';

/** A peer joined to a room, held by one socket. */
export interface Member {
  room: string;
  nodeId: string;
  socketId: string;
}

/** Result of {@link Membership.join}. */
export type JoinOutcome = { ok: true; peers: string[] } | { ok: false; code: 'room-full' | 'id-taken' };

/** Cluster-wide room membership. */
export interface Membership {
  /** Claims `member.nodeId` in `member.room` unless it is held or the room holds `maxRoomSize` peers. */
  join(member: Member, maxRoomSize: number): Promise<JoinOutcome>;
  /** Releases the claim if `member.socketId` still holds it. */
  leave(member: Member): Promise<void>;
  /** The socket id (on any process) holding `nodeId` in `room`. */
  socketOf(room: string, nodeId: string): Promise<string | undefined>;
  /** Stops background work and releases this process's claims. */
  close(): Promise<void>;
}

/** Membership of a single process, in memory. */
export function createLocalMembership(): Membership {
  const directory = new RoomDirectory();
  return {
    async join({ room, nodeId, socketId }, maxRoomSize) {
      const peers = directory.nodeIds(room);
      if (directory.socketOf(room, nodeId) !== undefined) return { ok: false, code: 'id-taken' };
      if (peers.length >= maxRoomSize) return { ok: false, code: 'room-full' };
      directory.add(room, nodeId, socketId);
      return { ok: true, peers };
    },
    async leave({ room, nodeId, socketId }) {
      directory.remove(room, nodeId, socketId);
    },
    async socketOf(room, nodeId) {
      return directory.socketOf(room, nodeId);
    },
    async close() {},
  };
}
