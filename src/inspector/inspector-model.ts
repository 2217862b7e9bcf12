/**
 * The inspector's model: folds the watched element's validated `paxos-*` events (and, once a second, its
 * `peers` property) into a bounded view of the room: the nodes with their roles, the highest ballot seen in
 * their messages and the last slot they are known to have decided; the decided log; the quorum; message
 * counts; drift and round-trip histories for the sparklines.
 *
 * Pure (no DOM, no timers): the element feeds it and reads `view()`, which is cached until the next change,
 * so rendering many frames of an unchanged room costs nothing here. Everything it keeps is bounded.
 */
import type { BallotDetail, PaxosRole, PaxosStatus } from '../events.js';
import type { InspectorEvent, MessageEventDetail, PeerSnapshot, TargetSnapshot } from './event-schemas.js';
import { maxBallot, shortId } from './format.js';

/** Sizes of the model's bounded histories. */
export interface InspectorModelOptions {
  /** Decided-log entries kept (newest). Default 50. */
  readonly logSize?: number;
  /** Samples kept per node for its sparkline. Default 40. */
  readonly historySize?: number;
}

/** One node of the room as the inspector shows it. */
export interface NodeView {
  readonly id: string;
  readonly shortId: string;
  /** The watched element's own node. */
  readonly self: boolean;
  readonly role: PaxosRole;
  /** Highest ballot seen in the messages it sent (its promise as an acceptor, its ballot as a leader). */
  readonly promised: BallotDetail | null;
  /** Last slot it is known to have decided; null while unknown. */
  readonly decided: number | null;
  /** Whether the watched element's messages reach it (always true for itself); null while unknown. */
  readonly connected: boolean | null;
  /** Whether its messages go through the signaling server's relay. */
  readonly relayed: boolean;
  /** Round trip to it, ms (null for itself or while unknown). */
  readonly rtt: number | null;
  /** It left the room but is still in the configuration (an acceptor waiting to be replaced). */
  readonly left: boolean;
  /** Sparkline samples, oldest first: drift (ms) for itself, round trip (ms) for a peer. */
  readonly history: readonly number[];
  readonly historyKind: 'drift' | 'rtt';
}

/** A decided slot. `kind`: commands; a configuration change; a no-op; a state installed without its slots. */
export interface SlotEntry {
  readonly kind: 'slot';
  readonly slot: number;
  readonly value: 'commands' | 'config' | 'noop' | 'snapshot';
  readonly commands: readonly { readonly type: string; readonly proposer: string; readonly id: string; readonly by?: string | undefined }[];
  /** The new acceptors, for a configuration change. */
  readonly acceptors?: readonly string[];
}

/** The quorum was lost or came back, between two slots. */
export interface QuorumEntry {
  readonly kind: 'quorum';
  readonly lost: boolean;
  readonly reachable: number;
  readonly needed: number;
  /** Unique within the log, for keyed rendering. */
  readonly seq: number;
}

/** One line of the log. */
export type LogEntry = SlotEntry | QuorumEntry;

/** Whether this node can reach a majority of the acceptors. */
export interface QuorumView {
  readonly state: 'ok' | 'lost' | 'unknown';
  readonly reachable: number | null;
  readonly needed: number | null;
  /** Times it was lost since the inspector attached. */
  readonly losses: number;
}

/** Everything the inspector draws, as of one moment. Immutable; a new object after every change. */
export interface InspectorView {
  /** Changes whenever anything in the view does. */
  readonly version: number;
  /** Changes only when `log` does (the element re-renders the log only then). */
  readonly logVersion: number;
  /** The watched element's node id ('' until it joined). */
  readonly self: string;
  readonly leader: string | null;
  readonly status: PaxosStatus | null;
  /** Self first, then the others by id. */
  readonly nodes: readonly NodeView[];
  /** Newest first. The same array until the log changes. */
  readonly log: readonly LogEntry[];
  readonly quorum: QuorumView;
  /** Last drift of the local video, ms. */
  readonly drift: number | null;
  /** Messages seen, by type. */
  readonly messages: Readonly<Record<string, number>>;
  readonly totalMessages: number;
  /** Events folded, and malformed ones dropped. */
  readonly events: number;
  readonly rejected: number;
  /** Last `paxos-error`. */
  readonly error: { readonly code: string; readonly message: string } | null;
}

interface NodeRecord {
  id: string;
  promised: BallotDetail | null;
  decided: number | null;
  connected: boolean | null;
  relayed: boolean;
  rtt: number | null;
  left: boolean;
  history: number[];
  /** Role the element's `peers` reported, used until a configuration event is seen. */
  reportedRole: PaxosRole | null;
}

/** Distinct message types counted; others add up under `other` (the type is page input). */
const MAX_MESSAGE_TYPES = 24;

export class InspectorModel {
  readonly logSize: number;
  readonly historySize: number;

  #version = 0;
  #logVersion = 0;
  /** The log as `view()` gives it (newest first), rebuilt only when it changed. */
  #logView: { version: number; entries: readonly LogEntry[] } = { version: 0, entries: [] };
  #cached: InspectorView | null = null;
  #self = '';
  #selfRole: PaxosRole | null = null;
  #leader: string | null = null;
  /** Acceptors from the latest `paxos-config`; null until one is seen (roles then come from `peers`). */
  #acceptors: ReadonlySet<string> | null = null;
  #status: PaxosStatus | null = null;
  #nodes = new Map<string, NodeRecord>();
  #log: LogEntry[] = [];
  #lastSlot: number | null = null;
  /** Recent acceptor changes by the slot they take effect from, to label the slot that decided them. */
  #configs = new Map<number, readonly string[]>();
  #quorum: QuorumView = { state: 'unknown', reachable: null, needed: null, losses: 0 };
  #drift: number | null = null;
  #messages: Record<string, number> = {};
  #totalMessages = 0;
  #events = 0;
  #rejected = 0;
  #quorumSeq = 0;
  #error: { code: string; message: string } | null = null;

  constructor(options: InspectorModelOptions = {}) {
    this.logSize = bounded(options.logSize ?? 50, 'logSize', 1, 10_000);
    this.historySize = bounded(options.historySize ?? 40, 'historySize', 2, 10_000);
  }

  /** The view as of the last change (the same object until something changes). */
  view(): InspectorView {
    this.#cached ??= this.#buildView();
    return this.#cached;
  }

  /** Sets the watched element's node id once it is known. */
  setSelf(id: string): void {
    if (!id || id === this.#self) return;
    if (this.#self) this.#nodes.delete(this.#self);
    this.#self = id;
    this.#node(id);
    this.#changed();
  }

  /** Takes what the element already knows when the inspector attaches (it may have joined long ago). */
  seed(snapshot: TargetSnapshot): void {
    this.setSelf(snapshot.nodeId);
    this.#selfRole = snapshot.role;
    this.#leader = snapshot.leader;
    this.#status = snapshot.status;
    if (snapshot.status === 'no-quorum') this.#quorum = { ...this.#quorum, state: 'lost' };
    else if (snapshot.status === 'synced') this.#quorum = { ...this.#quorum, state: 'ok' };
    if (snapshot.slot >= 0) {
      this.#lastSlot = snapshot.slot;
      if (this.#self) this.#raiseDecided(this.#self, snapshot.slot);
    }
    if (snapshot.leader) this.#node(snapshot.leader);
    this.updatePeers(snapshot.peers, false);
    this.#changed();
  }

  /**
   * Takes the element's `peers` (connection, relay, round trip, reported role). `sample` adds each known
   * round trip to the peer's sparkline (the element polls once a second).
   */
  updatePeers(peers: readonly PeerSnapshot[], sample = true): void {
    for (const p of peers) {
      if (p.id === this.#self) continue;
      const n = this.#node(p.id);
      n.connected = p.connected;
      n.relayed = p.relayed;
      n.rtt = p.rtt;
      n.reportedRole = p.role;
      n.left = false;
      if (sample && p.rtt !== null) this.#push(n.history, p.rtt);
    }
    this.#changed();
  }

  /** Counts an event that failed validation. */
  reject(): void {
    this.#rejected++;
    this.#changed();
  }

  /** Folds one validated event. */
  fold(event: InspectorEvent): void {
    this.#events++;
    switch (event.name) {
      case 'paxos-message':
        this.#onMessage(event.detail);
        break;
      case 'paxos-state':
        this.#onState(event.detail.slot, event.detail.commands);
        break;
      case 'paxos-leader': {
        this.#leader = event.detail.leader;
        if (event.detail.leader) {
          const n = this.#node(event.detail.leader);
          n.promised = maxBallot(n.promised, event.detail.ballot);
        }
        break;
      }
      case 'paxos-config':
        this.#onConfig(event.detail.acceptors, event.detail.learners, event.detail.slot);
        break;
      case 'paxos-peer-join':
        if (event.detail.peer !== this.#self) this.#node(event.detail.peer).left = false;
        break;
      case 'paxos-peer-leave': {
        const id = event.detail.peer;
        if (id === this.#self) break;
        // A departed acceptor stays in the configuration until the leader replaces it: show it greyed.
        if (this.#acceptors?.has(id)) {
          const n = this.#node(id);
          n.left = true;
          n.connected = false;
        } else this.#nodes.delete(id);
        break;
      }
      case 'paxos-quorum-lost':
      case 'paxos-quorum-restored': {
        const lost = event.name === 'paxos-quorum-lost';
        const { reachable, needed } = event.detail;
        this.#quorum = { state: lost ? 'lost' : 'ok', reachable, needed, losses: this.#quorum.losses + (lost ? 1 : 0) };
        this.#append({ kind: 'quorum', lost, reachable, needed, seq: ++this.#quorumSeq });
        break;
      }
      case 'paxos-sync':
        this.#drift = event.detail.drift;
        if (this.#self) this.#push(this.#node(this.#self).history, event.detail.drift);
        break;
      case 'paxos-status':
        this.#status = event.detail.status;
        // A status change to synced implies a reachable majority even when the inspector missed the event.
        if (event.detail.status === 'synced' && this.#quorum.state === 'unknown') this.#quorum = { ...this.#quorum, state: 'ok' };
        break;
      case 'paxos-error':
        this.#error = { code: event.detail.code, message: event.detail.message };
        break;
    }
    this.#changed();
  }

  #onMessage(m: MessageEventDetail): void {
    if (!this.#self) this.setSelf(m.direction === 'send' ? m.from : m.to);
    const key = Object.hasOwn(this.#messages, m.type) || Object.keys(this.#messages).length < MAX_MESSAGE_TYPES ? m.type : 'other';
    this.#messages[key] = (this.#messages[key] ?? 0) + 1;
    this.#totalMessages++;
    const from = this.#node(m.from);
    this.#node(m.to);
    // A sender's ballot is its own (prepare, accept, decide, heartbeat) or the one it promised or accepted
    // (promise, accepted, ack); a nack's ballot is a lower bound of what it promised.
    from.promised = maxBallot(from.promised, m.ballot);
    if (m.decidedThrough !== undefined && m.decidedThrough >= 0) this.#raiseDecided(m.from, m.decidedThrough);
    if (m.type === 'decide' && m.slot !== undefined) {
      // The leader decided the slot before broadcasting it; the channel is reliable and ordered, so the
      // receiver learns it next.
      this.#raiseDecided(m.from, m.slot);
      this.#raiseDecided(m.to, m.slot);
    }
    if (from.connected === null && m.direction === 'receive') from.connected = true;
  }

  #onState(slot: number, commands: SlotEntry['commands']): void {
    if (this.#self) this.#raiseDecided(this.#self, slot);
    const previous = this.#lastSlot;
    this.#lastSlot = previous === null ? slot : Math.max(previous, slot);
    let value: SlotEntry['value'];
    let acceptors: readonly string[] | undefined;
    if (commands.length > 0) value = 'commands';
    else if (this.#configs.has(slot + 1)) {
      value = 'config';
      acceptors = this.#configs.get(slot + 1);
    } else if (previous === null || slot !== previous + 1) {
      // Not the slot after the last one seen: a state installed whole (at bootstrap, catch-up or reload).
      value = 'snapshot';
    } else value = 'noop';
    // A snapshot can re-install a slot already shown: keep one line per slot.
    this.#log = this.#log.filter((e) => e.kind !== 'slot' || e.slot !== slot);
    this.#append({ kind: 'slot', slot, value, commands: commands.map((c) => ({ ...c })), ...(acceptors ? { acceptors } : {}) });
  }

  #onConfig(acceptors: readonly string[], learners: readonly string[], slot: number): void {
    const before = this.#acceptors;
    const next = new Set(acceptors);
    const changed = !before || before.size !== next.size || [...next].some((id) => !before.has(id));
    this.#acceptors = next;
    // The configuration names every node this one knows: it is the membership.
    const members = new Set([...acceptors, ...learners]);
    if (this.#self) members.add(this.#self);
    for (const id of [...this.#nodes.keys()]) if (!members.has(id)) this.#nodes.delete(id);
    for (const id of members) this.#node(id);
    if (!changed || !before) return;
    // The change was decided in the slot before the one it takes effect from.
    this.#configs.set(slot, [...acceptors]);
    while (this.#configs.size > 8) this.#configs.delete(this.#configs.keys().next().value!);
    const entry = this.#log.find((e): e is SlotEntry => e.kind === 'slot' && e.slot === slot - 1);
    if (entry && entry.value === 'noop') {
      this.#log = this.#log.map((e) => (e === entry ? { ...entry, value: 'config', acceptors: [...acceptors] } : e));
      this.#logVersion++;
    }
  }

  #roleOf(id: string): PaxosRole {
    if (id === this.#leader) return 'leader';
    if (this.#acceptors) return this.#acceptors.has(id) ? 'acceptor' : 'learner';
    if (id === this.#self) return this.#selfRole === 'leader' ? 'acceptor' : (this.#selfRole ?? 'learner');
    const reported = this.#nodes.get(id)?.reportedRole ?? 'learner';
    // The leader is whoever `leader` says now, not who the last `peers` poll said.
    return reported === 'leader' ? 'acceptor' : reported;
  }

  #buildView(): InspectorView {
    const ids = [...this.#nodes.keys()].sort((a, b) => (a === this.#self ? -1 : b === this.#self ? 1 : a < b ? -1 : a > b ? 1 : 0));
    const nodes = ids.map((id): NodeView => {
      const n = this.#nodes.get(id)!;
      const self = id === this.#self;
      return {
        id,
        shortId: shortId(id),
        self,
        role: this.#roleOf(id),
        promised: n.promised,
        decided: n.decided,
        connected: self ? true : n.connected,
        relayed: n.relayed,
        rtt: self ? null : n.rtt,
        left: n.left,
        history: [...n.history],
        historyKind: self ? 'drift' : 'rtt',
      };
    });
    return {
      version: this.#version,
      logVersion: this.#logVersion,
      self: this.#self,
      leader: this.#leader,
      status: this.#status,
      nodes,
      log: this.#newestFirst(),
      quorum: this.#quorum,
      drift: this.#drift,
      messages: { ...this.#messages },
      totalMessages: this.#totalMessages,
      events: this.#events,
      rejected: this.#rejected,
      error: this.#error,
    };
  }

  #newestFirst(): readonly LogEntry[] {
    if (this.#logView.version !== this.#logVersion) this.#logView = { version: this.#logVersion, entries: [...this.#log].reverse() };
    return this.#logView.entries;
  }

  #node(id: string): NodeRecord {
    let n = this.#nodes.get(id);
    if (!n) {
      n = { id, promised: null, decided: null, connected: null, relayed: false, rtt: null, left: false, history: [], reportedRole: null };
      this.#nodes.set(id, n);
    }
    return n;
  }

  #raiseDecided(id: string, slot: number): void {
    const n = this.#node(id);
    n.decided = n.decided === null ? slot : Math.max(n.decided, slot);
  }

  #append(entry: LogEntry): void {
    this.#log.push(entry);
    this.#logVersion++;
    if (this.#log.length > this.logSize) this.#log.splice(0, this.#log.length - this.logSize);
  }

  #push(history: number[], value: number): void {
    history.push(value);
    if (history.length > this.historySize) history.splice(0, history.length - this.historySize);
  }

  #changed(): void {
    this.#version++;
    this.#cached = null;
  }
}

function bounded(x: number, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(x) || x < min || x > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${x}`);
  return x;
}
