/**
 * A tab's node identity in a room, kept in sessionStorage so that a reload comes back as the same acceptor
 * (the fail-recover model: its promises survive), and guarded by a Web Lock so that two live owners never
 * share an id.
 *
 * Why a lock: "Duplicate tab" copies sessionStorage, and several elements of one page share it. Each stored
 * id is held by a `navigator.locks` lock for as long as its element lives; a claimant takes the first stored
 * id whose lock is free (`ifAvailable`), and otherwise mints a new one. A reload releases the lock on unload
 * and takes it back on load, keeping its id; a duplicated tab finds the lock held and gets its own id.
 */

import { isNodeId } from '../consensus/index.js';
import { newLinkId } from '../net/signal-envelope.js';

const IDS_KEY = (room: string) => `paxos-video:ids:${room}`;
const LOCK_NAME = (room: string, id: string) => `paxos-video:node:${room}:${id}`;

/** A claimed identity; `release_()` gives the id back for a later claim (a reload, a re-added element). */
export interface ClaimedIdentity {
  readonly id: string;
  /** True when the id was found in storage (this node may have acceptor state to recover). */
  readonly recovered_: boolean;
  release_(): void;
}

/** A fresh random node id: 16 URL-safe characters (96 bits), made as the mesh makes its link ids. */
export const newNodeId = newLinkId;

function readIds(storage: Storage | undefined, room: string): string[] {
  try {
    const raw = storage?.getItem(IDS_KEY(room));
    const list: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(list) ? list.filter(isNodeId) : [];
  } catch {
    return []; // unreadable storage is treated as empty: a fresh id is always safe
  }
}

function writeIds(storage: Storage | undefined, room: string, ids: string[]): void {
  try {
    storage?.setItem(IDS_KEY(room), JSON.stringify(ids.slice(-16)));
  } catch {
    // Storage full or disabled: the id is still unique, it just won't survive a reload.
  }
}

/** Tries to take the Web Lock of `name` without waiting; resolves to a release function, or null if held. */
function tryLock(locks: LockManager, name: string): Promise<(() => void) | null> {
  return new Promise((resolveClaim) => {
    locks
      // Held: null. Taken: kept until released, by the callback's promise.
      .request(name, { ifAvailable: true }, (lock) =>
        lock ? new Promise<void>((release) => resolveClaim(() => release())) : resolveClaim(null),
      )
      .catch(() => resolveClaim(null));
  });
}

/**
 * Claims an identity for `room`: a stored one whose owner is gone, else a new one (stored for reloads).
 * Without Web Locks (very old browsers) every claim mints a new id: safe, at the cost of a configuration change.
 */
export async function claimIdentity(room: string, storage: Storage | undefined = safeSessionStorage()): Promise<ClaimedIdentity> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return { id: newNodeId(), recovered_: false, release_: () => {} };
  for (const id of readIds(storage, room)) {
    const release = await tryLock(locks, LOCK_NAME(room, id));
    if (release) return { id, recovered_: true, release_: release };
  }
  for (;;) {
    const id = newNodeId();
    const release = await tryLock(locks, LOCK_NAME(room, id));
    if (!release) continue; // astronomically unlikely: someone holds a lock on a fresh random id
    writeIds(storage, room, [...readIds(storage, room), id]);
    return { id, recovered_: false, release_: release };
  }
}

/** `sessionStorage`, or undefined where reading it throws (sandboxed iframes, disabled storage). */
export function safeSessionStorage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}
