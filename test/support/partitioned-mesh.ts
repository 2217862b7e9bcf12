/**
 * A network partition at the room's transport seam: wraps the mesh a room talks through, so that a test can
 * cut this node's link to a peer (every message to or from it dropped, the peer reported unreachable) and
 * restore it, while the real connection underneath goes on (so a restored link carries traffic at once).
 * It cuts this side only: cut both sides for a symmetric partition.
 *
 * Test code: the shipped mesh has no such switch (see test/support/element-hooks.ts for how tests reach it).
 */
import type { MeshEvents, MeshPeerInfo } from '../../src/net/mesh.js';
import { TypedEventTarget } from '../../src/net/typed-events.js';
import type { RoomMesh } from '../../src/room/room-transport.js';

export class PartitionedMesh extends TypedEventTarget<MeshEvents> implements RoomMesh {
  /** The mesh underneath. */
  readonly inner: RoomMesh;
  /** Messages that arrived from a cut peer, dropped. */
  dropped = 0;
  readonly #cut = new Set<string>();

  constructor(inner: RoomMesh) {
    super();
    this.inner = inner;
    inner.on('message', (d) => (this.#cut.has(d.from) ? (this.dropped += 1) : this.emit('message', d)));
    inner.on('peer-open', (d) => this.#cut.has(d.peer) || this.emit('peer-open', d));
    inner.on('peer-close', (d) => this.#cut.has(d.peer) || this.emit('peer-close', d));
    inner.on('peer-state', (d) => this.emit('peer-state', this.#cut.has(d.id) ? { ...d, connected: false } : d));
    inner.on('error', (d) => this.emit('error', d));
  }

  /** Cuts (`true`) or restores the link to `peer`, reporting the change as the mesh would (`peer-close` reason `blocked`). */
  cut(peer: string, cut: boolean): void {
    const before = this.#reachable(peer);
    if (cut) this.#cut.add(peer);
    else this.#cut.delete(peer);
    const after = this.#reachable(peer);
    if (before === after) return;
    // The meshes under test report MeshPeerInfo, inRoom included.
    const info = this.peers().find((p) => p.id === peer) as MeshPeerInfo;
    if (after) this.emit('peer-open', { peer, relayed: info.relayed });
    else this.emit('peer-close', { peer, reason: 'blocked' });
    this.emit('peer-state', info);
  }

  send(to: string, message: object, relayToo?: boolean): boolean {
    return !this.#cut.has(to) && this.inner.send(to, message, relayToo);
  }

  peers(): ReturnType<RoomMesh['peers']> {
    return this.inner.peers().map((p) => (this.#cut.has(p.id) ? { ...p, connected: false } : p));
  }

  get stats(): RoomMesh['stats'] {
    return this.inner.stats;
  }

  close(): void {
    this.inner.close();
  }

  #reachable(peer: string): boolean {
    return this.peers().some((p) => p.id === peer && p.connected);
  }
}
