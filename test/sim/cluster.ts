/**
 * A small deterministic room for unit tests and the figures: real PaxosNodes over an in-memory network
 * that delivers every message in order (unless a test blocks a link or drops a message), with crash and
 * restart over each node's persisted storage. Everything a node outputs is recorded for assertions.
 */
import {
  MemoryStorage,
  PaxosNode,
  type AppliedEntry,
  type Message,
  type NodeEvent,
  type PaxosNodeOptions,
  type ProposalOutcome,
  type ReadOutcome,
  toWire,
} from '../../src/consensus/index.js';
import { MAX_MESSAGE_DEPTH } from '../../src/net/peer-codec.js';
import { inspectJson } from '../../src/net/plain-json.js';
import { digestMachine, type AppendCommand, type Digest } from './digest-machine.js';
import { Rng } from './rng.js';

type Node = PaxosNode<Digest, AppendCommand>;
export type Msg = Message<Digest, AppendCommand>;

export interface Sent {
  readonly from: string;
  readonly to: string;
  readonly message: Msg;
}

export interface ClusterOptions {
  readonly seed?: number;
  /** Options for every node (id, storage, machine and random are filled in). */
  readonly node?: Partial<PaxosNodeOptions<Digest, AppendCommand>>;
  /** Initial acceptors (default: all the initial nodes, up to maxAcceptors). */
  readonly bootstrap?: readonly string[];
}

interface Member {
  node: Node | undefined;
  readonly storage: MemoryStorage<Digest, AppendCommand>;
  readonly applied: AppliedEntry<AppendCommand>[];
  readonly proposals: ProposalOutcome[];
  readonly reads: ReadOutcome<Digest>[];
  readonly events: NodeEvent<Digest>[];
}

/** `n` ids of the form node-000, node-001, ... */
export function nodeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `node-${String(i).padStart(3, '0')}`);
}

export class Cluster {
  readonly members = new Map<string, Member>();
  private readonly queue: Sent[] = [];
  private readonly blocked = new Set<string>();
  private readonly rng: Rng;
  /** Every message sent, in order. */
  readonly sent: Sent[] = [];
  /** Drops a message when it returns true (after it is recorded as sent). */
  drop: ((m: Sent) => boolean) | undefined;
  ticks = 0;

  constructor(ids: readonly string[], private readonly options: ClusterOptions = {}) {
    this.rng = new Rng(options.seed ?? 1);
    const max = options.node?.maxAcceptors ?? 5;
    const bootstrap = options.bootstrap ?? ids.slice(0, max);
    for (const id of ids) this.add(id, bootstrap);
    for (const a of ids) for (const b of ids) if (a !== b) this.node(a).peerJoined(b);
  }

  /** Adds a node: with `bootstrap` it founds the room, without it joins. Not yet introduced to peers. */
  add(id: string, bootstrap?: readonly string[]): Node {
    const member: Member = { node: undefined, storage: new MemoryStorage(), applied: [], proposals: [], reads: [], events: [] };
    this.members.set(id, member);
    this.boot(id, bootstrap);
    return this.node(id);
  }

  /** Adds a joining node and tells everyone (like the signaling server's peer-joined). */
  join(id: string): Node {
    const node = this.add(id);
    for (const other of this.up()) {
      if (other === id) continue;
      node.peerJoined(other);
      this.node(other).peerJoined(id);
    }
    return node;
  }

  private boot(id: string, bootstrap?: readonly string[]): void {
    const member = this.members.get(id) as Member;
    const jitter = this.rng.fork();
    member.node = new PaxosNode<Digest, AppendCommand>({
      ...this.options.node,
      id,
      stateMachine: digestMachine,
      storage: member.storage,
      random: () => jitter.next(),
      ...(bootstrap === undefined ? {} : { bootstrap }),
    });
    this.flush(id);
  }

  node(id: string): Node {
    const node = this.members.get(id)?.node;
    if (node === undefined) throw new Error(`${id} is not up`);
    return node;
  }

  member(id: string): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no node ${id}`);
    return m;
  }

  up(): string[] {
    return [...this.members].filter(([, m]) => m.node !== undefined).map(([id]) => id);
  }

  /** Collects a node's output and queues its messages. */
  flush(id: string): void {
    const m = this.member(id);
    if (m.node === undefined) return;
    const out = m.node.drain();
    m.applied.push(...out.applied);
    m.proposals.push(...out.proposals);
    m.reads.push(...out.reads);
    m.events.push(...out.events);
    for (const { to, message } of out.messages) {
      // As the mesh checks it before a send: JSON.stringify below would drop a key set to undefined, the
      // mesh refuses the message (a newcomer's push once went nowhere so).
      const problem = inspectJson(toWire(message), MAX_MESSAGE_DEPTH);
      if (problem) throw new Error(`${id} sent a message (${message.type}) that is not plain JSON: ${problem.message}`);
      const s = { from: id, to, message };
      this.sent.push(s);
      if (this.drop?.(s)) continue;
      this.queue.push(s);
    }
  }

  /** Delivers queued messages in order until none is left (a bounded number of steps). */
  deliverAll(limit = 100_000): void {
    for (let steps = 0; this.queue.length > 0; steps++) {
      if (steps >= limit) throw new Error('deliverAll: the network never went quiet');
      const s = this.queue.shift() as Sent;
      const target = this.members.get(s.to)?.node;
      if (target === undefined || this.blocked.has(`${s.from}>${s.to}`)) continue;
      // Through JSON, as on a data channel: what a node sends must survive it.
      const result = target.step(s.from, JSON.parse(JSON.stringify(toWire(s.message))));
      if (!result.ok) throw new Error(`${s.to} refused a ${s.message.type} from ${s.from}: ${result.reason}`);
      this.flush(s.to);
    }
  }

  /** One tick on every live node, then delivery. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.ticks++;
      for (const id of this.up()) {
        this.node(id).tick();
        this.flush(id);
      }
      this.deliverAll();
    }
  }

  /** Ticks until `done()` holds; returns the ticks it took. Throws after `maxTicks`. */
  tickUntil(done: () => boolean, maxTicks = 500, what = 'condition'): number {
    for (let i = 0; i <= maxTicks; i++) {
      if (done()) return i;
      this.tick();
    }
    throw new Error(`${what} not reached within ${maxTicks} ticks`);
  }

  /** Runs `action` on a node, flushes and delivers. */
  act(id: string, action: (node: Node) => void): void {
    action(this.node(id));
    this.flush(id);
    this.deliverAll();
  }

  /** The live node(s) in the leader role. */
  leaders(): string[] {
    return this.up().filter((id) => this.node(id).role === 'leader');
  }

  /** Waits for exactly one leader that every live node recognizes. */
  awaitLeader(maxTicks = 200): string {
    let leader = '';
    this.tickUntil(() => {
      const leaders = this.leaders();
      if (leaders.length !== 1) return false;
      leader = leaders[0] as string;
      return this.up().every((id) => this.node(id).leader === leader);
    }, maxTicks, 'a single recognized leader');
    return leader;
  }

  crash(id: string): void {
    this.member(id).node = undefined;
    for (const other of this.up()) this.node(other).peerReachable(id, false);
  }

  restart(id: string): void {
    this.boot(id, undefined);
    for (const other of this.up()) {
      if (other === id) continue;
      this.node(id).peerJoined(other);
      this.node(other).peerReachable(id, true);
    }
  }

  /** Blocks every link between the two groups, both ways, and tells the hosts. */
  partition(a: readonly string[], b: readonly string[]): void {
    for (const x of a) {
      for (const y of b) {
        this.blocked.add(`${x}>${y}`);
        this.blocked.add(`${y}>${x}`);
        this.members.get(x)?.node?.peerReachable(y, false);
        this.members.get(y)?.node?.peerReachable(x, false);
      }
    }
  }

  heal(): void {
    for (const key of this.blocked) {
      const [x, y] = key.split('>') as [string, string];
      this.members.get(x)?.node?.peerReachable(y, true);
    }
    this.blocked.clear();
  }

  /** Proposes `tag` at `id` under proposal id `tag`. */
  propose(id: string, tag: string): void {
    this.act(id, (n) => n.propose({ tag }, tag));
  }

  outcome(id: string, proposalId: string): ProposalOutcome | undefined {
    return this.member(id).proposals.find((p) => p.id === proposalId);
  }

  /** Tags applied by a node, in order. */
  tags(id: string): string[] {
    return this.member(id).applied.flatMap((e) => (e.value.kind === 'commands' ? e.value.commands.map((c) => c.command.tag) : []));
  }

  /** Messages sent since index `from`, by type. */
  countByType(from = 0): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.sent.slice(from)) counts[s.message.type] = (counts[s.message.type] ?? 0) + 1;
    return counts;
  }
}
