/**
 * Room membership across every server process: who is in a room, atomically claiming a node id under the
 * room-size cap, and finding the socket that holds a node id. One process keeps it in memory; several share
 * it in Redis (see redis-membership.ts).
 *
 * A claim carries the hash of its resume key. A join that presents the key's hash takes the node id over
 * from the socket that holds it: the same tab, back on a new socket before the server noticed the old one
 * gone (a network change, a cut link). Anyone else gets `id-taken`.
 */
import { RoomDirectory } from './room-directory.js';

/** A peer joined to a room, held by one socket. */
export interface Member {
  room: string;
  nodeId: string;
  socketId: string;
}

/** A claim being made: the member, and the hash of the resume key it hands its client. */
export interface Claim extends Member {
  keyHash: string;
}

/**
 * Result of {@link Membership.join}. `replaced`: the socket that held the node id until this join took it
 * over with its resume key (the caller disconnects it).
 */
export type JoinOutcome = { ok: true; peers: string[]; replaced?: string } | { ok: false; code: 'room-full' | 'id-taken' };

/** Cluster-wide room membership. */
export interface Membership {
  /**
   * Claims `claim.nodeId` in `claim.room` unless the room holds `maxRoomSize` peers, or another socket holds
   * the node id and `resumeHash` is not the hash of that claim's resume key.
   */
  join(claim: Claim, maxRoomSize: number, resumeHash?: string): Promise<JoinOutcome>;
  /** Releases the claim if `member.socketId` still holds it; true when it did (false: taken over, or gone). */
  leave(member: Member): Promise<boolean>;
  /** The socket id (on any process) holding `nodeId` in `room`. */
  socketOf(room: string, nodeId: string): Promise<string | undefined>;
  /** Stops background work and releases this process's claims. */
  close(): Promise<void>;
}

/** Membership of a single process, in memory. */
export function createLocalMembership(): Membership {
  const directory = new RoomDirectory();
  /** Socket id → the hash of its claim's resume key. */
  const keys = new Map<string, string>();
  return {
    async join({ room, nodeId, socketId, keyHash }, maxRoomSize, resumeHash) {
      const holder = directory.socketOf(room, nodeId);
      if (holder !== undefined && (resumeHash === undefined || keys.get(holder) !== resumeHash)) return { ok: false, code: 'id-taken' };
      const peers = directory.nodeIds(room).filter((id) => id !== nodeId);
      if (peers.length >= maxRoomSize) return { ok: false, code: 'room-full' };
      if (holder !== undefined) keys.delete(holder);
      directory.add(room, nodeId, socketId);
      keys.set(socketId, keyHash);
      return holder === undefined ? { ok: true, peers } : { ok: true, peers, replaced: holder };
    },
    async leave({ room, nodeId, socketId }) {
      if (!directory.remove(room, nodeId, socketId)) return false;
      keys.delete(socketId);
      return true;
    },
    async socketOf(room, nodeId) {
      return directory.socketOf(room, nodeId);
    },
    async close() {},
  };
}
