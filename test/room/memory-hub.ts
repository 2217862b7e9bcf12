/**
 * An in-memory network for the Room's own tests (Room is the layer above net, so its transport may be a
 * stand-in here; the browser tests run it over the real one). One hub plays the signaling server (join with
 * the peer list, `peer-joined` / `peer-left`, a clock to sample) and the mesh between the nodes that joined
 * it: a message is delivered as JSON on a later turn, a peer is open as soon as both sides have a mesh. Each
 * mesh sits under a PartitionedMesh (test/support), so a test cuts links the way the browser tests do.
 */
import type { MeshEvents } from '../../src/net/mesh.js';
import { SignalingError } from '../../src/net/signaling-error.js';
import type { SignalingClientEvents, TimeSample } from '../../src/net/signaling-client.js';
import { TypedEventTarget } from '../../src/net/typed-events.js';
import type { MeshSetup, RoomMesh, RoomSignaling, RoomTransport } from '../../src/room/room-transport.js';
import { PartitionedMesh } from '../support/partitioned-mesh.js';

export class MemoryHub {
  /** The server's clock (the shared clock the rooms estimate). */
  now: () => number = () => Date.now();
  /** How long a time request takes to be answered, ms (0: at once). */
  timeDelayMs = 0;
  /** How long a join takes to be answered, ms (0: at once). */
  joinDelayMs = 0;
  /** Time requests waiting for their answer now, and the most there ever were at once. */
  timeInFlight = 0;
  maxTimeInFlight = 0;
  /** Messages from `from` to `to` for which this answers true are lost, the link staying up (see MemoryMesh.send). */
  lose: ((from: string, to: string) => boolean) | undefined;
  /** A join refusal, by node id: the error `join` rejects with. */
  readonly refuse = new Map<string, SignalingError>();
  readonly #signaling = new Map<string, MemorySignaling>();
  readonly #meshes = new Map<string, MemoryMesh>();
  readonly #partitions = new Map<string, PartitionedMesh>();

  /** A transport for one node (a room makes one signaling connection, then one mesh). */
  transport(): RoomTransport {
    const signaling = new MemorySignaling(this);
    return {
      signaling,
      mesh: (setup: MeshSetup) => {
        const mesh = new MemoryMesh(this, setup.selfId);
        const partition = new PartitionedMesh(mesh);
        this.#partitions.set(setup.selfId, partition);
        this.#meshes.set(setup.selfId, mesh);
        // Links open on a later turn, as real ones do, once the room listens.
        setTimeout(() => {
          for (const other of this.#meshes.values()) if (other !== mesh && this.#meshes.get(mesh.selfId) === mesh) mesh.opened(other);
        });
        return partition;
      },
    };
  }

  /** Cuts (or restores) the links between `a` and `b`, both ways. */
  partition(a: string, b: string, cut: boolean): void {
    this.#partitions.get(a)?.cut(b, cut);
    this.#partitions.get(b)?.cut(a, cut);
  }

  /** The signaling connection of node `id`, to act on it (drop it, report an error on it). */
  signalingOf(id: string): MemorySignaling {
    const s = this.#signaling.get(id);
    if (!s) throw new Error(`${id} has not joined`);
    return s;
  }

  /** The mesh of node `id` (under its partition), to report an error on it. */
  meshOf(id: string): MemoryMesh {
    const m = this.#meshes.get(id);
    if (!m) throw new Error(`${id} has no mesh`);
    return m;
  }

  // ---- what the memory signaling and mesh call -------------------------------------------------------

  /**
   * Joins from now on are told of no peers while true, as when the server restarted under a room whose
   * tabs have not re-joined yet, or two first joins raced on two server processes: each founds a history.
   */
  blind = false;

  /** @internal */
  joined(s: MemorySignaling, id: string): string[] {
    const peers = this.blind ? [] : [...this.#signaling.keys()];
    this.#signaling.set(id, s);
    for (const other of this.#signaling.values()) if (other !== s) other.hear('peer-joined', { nodeId: id });
    return peers;
  }

  /** @internal */
  left(id: string): void {
    if (!this.#signaling.delete(id)) return;
    for (const other of this.#signaling.values()) other.hear('peer-left', { nodeId: id });
  }

  /** @internal */
  meshGone(mesh: MemoryMesh): void {
    if (this.#meshes.get(mesh.selfId) !== mesh) return;
    this.#meshes.delete(mesh.selfId);
    this.#partitions.delete(mesh.selfId);
    for (const other of this.#meshes.values()) other.closedBy(mesh.selfId);
  }

  /** @internal */
  meshOfPeer(id: string): MemoryMesh | undefined {
    return this.#meshes.get(id);
  }
}

/** The signaling server as one node sees it. */
export class MemorySignaling extends TypedEventTarget<SignalingClientEvents> implements RoomSignaling {
  joined = false;
  connected = true;
  /** The history told to the server (the last join's, or set since). */
  history: string | undefined;
  readonly invalid = { total: 0 };
  #id: string | undefined;
  readonly #hub: MemoryHub;

  constructor(hub: MemoryHub) {
    super();
    this.#hub = hub;
  }

  async join(_room: string, nodeId: string, _token?: string, history?: string): Promise<string[]> {
    const t0 = this.#hub.now();
    await (this.#hub.joinDelayMs > 0 ? new Promise((r) => setTimeout(r, this.#hub.joinDelayMs)) : Promise.resolve());
    const refused = this.#hub.refuse.get(nodeId);
    if (refused) throw refused;
    this.#id = nodeId;
    this.history = history;
    // As the real client: connected (time requests may go) before the join is answered.
    this.emit('connect', {});
    const peers = this.#hub.joined(this, nodeId);
    this.joined = true;
    const t1 = this.#hub.now();
    this.emit('joined', { peers, rejoin: false, sample: { t0, serverTime: (t0 + t1) / 2, t1 } });
    return peers;
  }

  async timeSample(): Promise<TimeSample> {
    if (!this.connected) throw new SignalingError('disconnected', 'not connected');
    const hub = this.#hub;
    const t0 = hub.now();
    hub.maxTimeInFlight = Math.max(hub.maxTimeInFlight, ++hub.timeInFlight);
    try {
      if (hub.timeDelayMs > 0) await new Promise((r) => setTimeout(r, hub.timeDelayMs));
    } finally {
      hub.timeInFlight--;
    }
    const t1 = hub.now();
    return { t0, serverTime: (t0 + t1) / 2, t1 };
  }

  leave(): void {
    if (this.#id) this.#hub.left(this.#id);
    this.joined = false;
  }

  close(): void {
    this.leave();
    this.connected = false;
  }

  /** The connection drops: the others see this node leave. */
  drop(): void {
    this.leave();
    this.connected = false;
    this.emit('disconnect', { reason: 'transport close' });
  }

  /** The server reports an error to this node. */
  error(error: SignalingError): void {
    this.emit('error', { error });
  }

  /** @internal */
  hear<K extends keyof SignalingClientEvents & string>(type: K, detail: SignalingClientEvents[K]): void {
    this.emit(type, detail);
  }
}

/** One node's links to the others. */
export class MemoryMesh extends TypedEventTarget<MeshEvents> implements RoomMesh {
  readonly selfId: string;
  readonly stats = { malformed: 0 };
  readonly #hub: MemoryHub;
  readonly #open = new Set<string>();
  #closed = false;

  constructor(hub: MemoryHub, selfId: string) {
    super();
    this.#hub = hub;
    this.selfId = selfId;
  }

  /** Counts of what was sent with `relayToo`, by message type (the room asks for it for some). */
  readonly relayedToo = new Map<string, number>();

  send(to: string, message: object, relayToo?: boolean): boolean {
    const target = this.#hub.meshOfPeer(to);
    if (this.#closed || !target || !this.#open.has(to)) return false;
    const data = JSON.parse(JSON.stringify(message)) as MeshEvents['message']['data'];
    if (relayToo) {
      const type = String((data as { m?: { type?: unknown } }).m?.type);
      this.relayedToo.set(type, (this.relayedToo.get(type) ?? 0) + 1);
    }
    // Lost on the way, the link still up (`hub.lose`): what a link that holds messages looks like from here.
    // A copy sent through the relay as well (`relayToo`) takes the server's path, which `lose` spares.
    if (this.#hub.lose?.(this.selfId, to) && !relayToo) return true;
    setTimeout(() => target.deliver(this.selfId, data));
    return true;
  }

  peers(): ReturnType<RoomMesh['peers']> {
    return [...this.#open].map((id) => ({ id, connected: true, relayed: false, rtt: 1, inRoom: true }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.meshGone(this);
  }

  /** The mesh reports a problem. */
  error(error: MeshEvents['error']['error']): void {
    this.emit('error', { error });
  }

  /** @internal A link to `other` opens, on both sides. */
  opened(other: MemoryMesh): void {
    this.#link(other.selfId);
    other.#link(this.selfId);
  }

  /** @internal */
  closedBy(peer: string): void {
    if (!this.#open.delete(peer)) return;
    this.emit('peer-close', { peer, reason: 'bye' });
    this.emit('peer-state', { id: peer, connected: false, relayed: false, rtt: null, inRoom: false });
  }

  /** @internal */
  deliver(from: string, data: MeshEvents['message']['data']): void {
    if (!this.#closed && this.#open.has(from)) this.emit('message', { from, data, relayed: false });
  }

  #link(peer: string): void {
    if (this.#closed || this.#open.has(peer)) return;
    this.#open.add(peer);
    this.emit('peer-open', { peer, relayed: false });
    this.emit('peer-state', { id: peer, connected: true, relayed: false, rtt: 1, inRoom: true });
  }
}

/** sessionStorage as Node has none: a Map behind the Storage interface. */
export class MemoryStorage implements Storage {
  readonly #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  clear(): void {
    this.#items.clear();
  }
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
}
