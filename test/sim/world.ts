/**
 * One simulated run: a room of 3 to 9 nodes driven by a seeded scheduler that loses, duplicates, delays
 * and reorders messages, partitions and heals the network (symmetric and one-way, minority, majority,
 * split brain, the leader alone), crashes nodes for good or until they restart from their persisted
 * state, lets nodes join and leave, makes tabs hidden (not eligible to lead), and proposes and reads from
 * every side at once. Then the faults stop, and every live node must get a fresh proposal decided.
 *
 * The same seed replays the same run exactly: every random choice comes from the seed.
 */
import { MemoryStorage, PaxosNode, type Message, type PaxosNodeOptions, type Storage } from '../../src/consensus/index.js';
import { summarizeMessage, formatBallot, toWire } from '../../src/consensus/index.js';
import { Checker } from './checker.js';
import { digestMachine, type AppendCommand, type Digest } from './digest-machine.js';
import { Rng } from './rng.js';

type Node = PaxosNode<Digest, AppendCommand>;
type Msg = Message<Digest, AppendCommand>;
export type NodeOptions = PaxosNodeOptions<Digest, AppendCommand>;

/** A planted bug: a different node class and/or a storage that misbehaves. */
export interface Mutant {
  readonly name: string;
  readonly description: string;
  createNode?(options: NodeOptions): Node;
  wrapStorage?(storage: Storage<Digest, AppendCommand>): Storage<Digest, AppendCommand>;
}

export interface RunOptions {
  readonly seed: number;
  /** Collect a readable trace of the run. */
  readonly trace?: boolean;
  readonly mutant?: Mutant;
  /** Kinds of violation to ignore (see Checker). */
  readonly skip?: readonly string[];
}

export interface RunResult {
  readonly seed: number;
  readonly scenario: string;
  readonly decisions: number;
  readonly violations: readonly string[];
  /** Why liveness failed, if it did. */
  readonly stall: string | undefined;
  /** The stall's cause, in a few words that group stalls (see World.diagnoseStall). */
  readonly stallCause: string | undefined;
  /** Whether a majority of the acceptors was alive when the faults stopped (else liveness is not required). */
  readonly livenessChecked: boolean;
  readonly ticks: number;
  readonly messages: number;
  readonly trace: readonly string[];
}

interface SimNode {
  readonly id: string;
  readonly storage: Storage<Digest, AppendCommand>;
  node: Node | undefined;
  status: 'up' | 'down' | 'stopped' | 'left';
  restartAt: number;
  eligibleAt: number;
  proposals: number;
  /** Crash at the next output: after drain() persisted it, before any of it is sent (or reported). */
  crashAtFlush: boolean;
}

interface Packet {
  readonly from: string;
  readonly to: string;
  readonly message: Msg;
}

/** How long the run may take once faults stop for every live node's fresh proposal to be decided. */
export const LIVENESS_BOUND_TICKS = 200;
/** Packets kept for re-delivery long after. */
const ARCHIVE_SIZE = 4096;
const PROPOSAL_TIMEOUT = 400;

export function runSeed(options: RunOptions): RunResult {
  return new World(options).run();
}

class World {
  private readonly rng: Rng;
  private readonly nodes = new Map<string, SimNode>();
  private readonly buckets = new Map<number, Packet[]>();
  private readonly blocked = new Set<string>();
  private readonly trace: string[] = [];
  private readonly tracing: boolean;
  private readonly checker: Checker;
  private now = 0;
  private messages = 0;
  private nextId = 0;
  private reads = 0;
  private readonly readFrontier = new Map<string, number>();
  private readonly probes = new Map<string, { node: string; ok: boolean | undefined }>();
  private healAt = -1;
  /** The current partition heals link by link; `healing` while it does. */
  private gradualHeal = false;
  private healing = false;
  /** Packets sent so far (a bounded ring), for re-delivery long after. */
  private readonly archive: Packet[] = [];
  private archived = 0;
  /** Peers the host wrongly reported gone (a signaling flap), and when it takes that back. */
  private readonly flapped = new Map<string, number>();
  /** Reads fire at a higher rate until this tick (a configuration change was just applied). */
  private readStormUntil = -1;

  // Scenario parameters, all drawn from the seed.
  private readonly maxAcceptors: number;
  private loss: number;
  private dup: number;
  private delayP: number;
  private readonly maxDelay: number;
  private readonly faultTicks: number;
  private readonly proposalRate: number;
  private readonly faultRate: number;
  private readonly snapshotEvery: number;
  /** Per tick: chance that very old packets are delivered again. */
  private readonly replayRate: number;
  /** Per tick: chance that the host wrongly reports a live peer gone (signaling restart, socket drop). */
  private readonly flapRate: number;
  private crashStops = 0;
  private leaves = 0;
  private readonly scenario: string;

  constructor(private readonly options: RunOptions) {
    this.rng = new Rng(options.seed);
    this.tracing = options.trace ?? false;
    const r = this.rng;
    const n = r.int(3, 9);
    this.maxAcceptors = r.pick([3, 5, 5, 7]);
    const bootstrapAll = r.chance(0.75);
    this.loss = r.chance(0.3) ? 0 : r.next() * 0.3;
    this.dup = r.chance(0.5) ? 0 : r.next() * 0.1;
    this.delayP = r.next() * 0.5;
    this.maxDelay = r.int(1, 10);
    this.faultTicks = r.int(100, 300);
    this.proposalRate = 0.05 + r.next() * 0.4;
    this.faultRate = r.chance(0.2) ? 0.3 : 1;
    this.snapshotEvery = r.pick([4, 16, 64]);
    this.replayRate = r.chance(0.5) ? 0 : r.next() * 0.2;
    this.flapRate = r.chance(0.5) ? 0 : r.next() * 0.01;
    const ids = Array.from({ length: n }, () => this.newId());
    const initial = bootstrapAll ? ids.slice(0, this.maxAcceptors) : [ids[0] as string];
    this.checker = new Checker(initial, this.maxAcceptors, options.skip);
    this.scenario =
      `nodes=${n} maxAcceptors=${this.maxAcceptors} bootstrap=${bootstrapAll ? 'all' : 'one'} ` +
      `loss=${this.loss.toFixed(2)} dup=${this.dup.toFixed(2)} delayed=${this.delayP.toFixed(2)}x${this.maxDelay} ` +
      `faultTicks=${this.faultTicks} faultRate=${this.faultRate} snapshotEvery=${this.snapshotEvery} ` +
      `replay=${this.replayRate.toFixed(2)} flap=${this.flapRate.toFixed(3)}`;
    this.note(`scenario ${this.scenario}`);
    for (const id of ids) this.create(id, bootstrapAll || id === ids[0] ? initial : undefined);
    for (const a of ids) for (const b of ids) if (a !== b) this.nodes.get(a)?.node?.peerJoined(b);
  }

  run(): RunResult {
    let stall: string | undefined;
    let livenessChecked = false;
    const quietEnd = this.faultTicks + LIVENESS_BOUND_TICKS;
    let settleEnd = Number.POSITIVE_INFINITY;
    for (this.now = 1; ; this.now++) {
      if (this.checker.violations.length > 0) break;
      if (this.now < this.faultTicks) this.injectFaults();
      else if (this.now === this.faultTicks) livenessChecked = this.stopFaults();
      this.restartDue();
      for (const sn of this.nodes.values()) {
        if (sn.node === undefined) continue;
        sn.node.tick();
        this.flush(sn);
      }
      this.deliver();
      if (this.now < this.faultTicks) this.workload();
      if (this.now > this.faultTicks) {
        const open = [...this.probes.values()].filter((p) => p.ok !== true);
        if (open.length === 0 && settleEnd === Number.POSITIVE_INFINITY) settleEnd = this.now + PROPOSAL_TIMEOUT + 10;
        if (settleEnd !== Number.POSITIVE_INFINITY) {
          const unsettled = this.live().filter((sn) => (sn.node?.pendingProposals ?? 0) > 0);
          if (unsettled.length === 0) break;
          if (this.now >= settleEnd) {
            if (livenessChecked) stall = `proposals of ${unsettled.map((s) => s.id).join(', ')} never settled`;
            break;
          }
        } else if (this.now >= quietEnd || open.some((p) => p.ok === false)) {
          if (livenessChecked) {
            stall = `${open.length} fresh proposal(s) not decided within ${LIVENESS_BOUND_TICKS} ticks after faults stopped ` +
              `(${open.map((p) => `${p.node}:${p.ok === false ? 'failed' : 'pending'}`).join(', ')})`;
          }
          break;
        }
      }
    }
    return {
      seed: this.options.seed,
      scenario: this.scenario,
      decisions: this.checker.decisions,
      violations: this.checker.violations,
      stall,
      stallCause: stall === undefined ? undefined : this.diagnoseStall(),
      livenessChecked,
      ticks: this.now,
      messages: this.messages,
      trace: this.trace,
    };
  }

  /** Why the room is stuck, judged from the nodes' views when the liveness bound ran out. */
  private diagnoseStall(): string {
    const up = this.live().filter((sn) => sn.node?.known);
    const leaders = up.filter((sn) => sn.node?.role === 'leader');
    if (leaders.length === 0) {
      if (up.every((sn) => !sn.node?.acceptors.some((a) => this.nodes.get(a)?.status === 'up'))) return 'no leader: no live acceptor';
      return 'no leader';
    }
    if (leaders.length > 1) return 'several leaders';
    const leader = leaders[0]?.node as Node;
    const acceptors = leader.acceptors;
    if (acceptors.length === 0) return 'leader with an empty configuration';
    const live = acceptors.filter((a) => this.nodes.get(a)?.status === 'up').length;
    if (live < Math.floor(acceptors.length / 2) + 1) return "leader's configuration has no live majority";
    if (!leader.acceptors.includes(leader.id)) return 'a learner leads and decides nothing';
    if (up.some((sn) => sn.node !== leader && sn.node?.leader !== leader.id)) return 'nodes do not follow the leader';
    return 'a leader with a live majority decides nothing';
  }

  // ---- nodes -----------------------------------------------------------------------------------------

  private newId(): string {
    return `node-${String(this.nextId++).padStart(3, '0')}`;
  }

  private create(id: string, bootstrap: readonly string[] | undefined): SimNode {
    const base = new MemoryStorage<Digest, AppendCommand>();
    const storage = this.options.mutant?.wrapStorage?.(base) ?? base;
    const sn: SimNode = { id, storage, node: undefined, status: 'up', restartAt: -1, eligibleAt: -1, proposals: 0, crashAtFlush: false };
    this.nodes.set(id, sn);
    this.checker.nodes.add(id);
    this.boot(sn, bootstrap);
    return sn;
  }

  private boot(sn: SimNode, bootstrap: readonly string[] | undefined): void {
    const jitter = this.rng.fork();
    const options: NodeOptions = {
      id: sn.id,
      random: () => jitter.next(),
      stateMachine: digestMachine,
      storage: sn.storage,
      maxAcceptors: this.maxAcceptors,
      proposalTimeoutTicks: PROPOSAL_TIMEOUT,
      readTimeoutTicks: 100,
      snapshotEvery: this.snapshotEvery,
      ...(bootstrap === undefined ? {} : { bootstrap }),
    };
    const node = this.options.mutant?.createNode?.(options) ?? new PaxosNode(options);
    sn.node = node;
    sn.status = 'up';
    this.checker.startIncarnation(sn.id, node.promisedBallot);
    this.flush(sn);
  }

  private live(): SimNode[] {
    return [...this.nodes.values()].filter((sn) => sn.status === 'up');
  }

  private present(): SimNode[] {
    return [...this.nodes.values()].filter((sn) => sn.status === 'up' || sn.status === 'down');
  }

  private flush(sn: SimNode): void {
    const node = sn.node;
    if (node === undefined) return;
    const out = node.drain();
    // A crash between persist and send: drain() saved the state and the node applied what it applied, but
    // no message leaves and no outcome reaches the host.
    const crash = sn.crashAtFlush && out.messages.length > 0;
    for (const e of out.events) {
      if (e.type === 'restored') this.checker.restored(sn.id, e.slot, e.state);
      else if (e.type === 'config' && this.checker.noteConfig(e.slot, e.acceptors)) this.readStormUntil = this.now + 20;
      else if (this.tracing && e.type !== 'role') this.note(`${sn.id} ${e.type} ${JSON.stringify({ ...e, type: undefined })}`);
    }
    for (const entry of out.applied) {
      this.checker.applied(sn.id, entry);
      if (this.tracing) this.note(`${sn.id} applied ${entry.slot} ${JSON.stringify(entry.value)}`);
    }
    if (crash) {
      sn.crashAtFlush = false;
      this.note(`crash ${sn.id} after persisting, before sending ${out.messages.length} message(s), until ${sn.restartAt}`);
      this.goDown(sn);
      return;
    }
    for (const p of out.proposals) {
      this.checker.settled(sn.id, p);
      const probe = this.probes.get(`${sn.id}|${p.id}`);
      if (probe !== undefined) probe.ok = p.ok;
      if (this.tracing) this.note(`${sn.id} proposal ${p.id} ${p.ok ? `decided at ${p.slot}` : `failed ${p.code}`}`);
    }
    for (const r of out.reads) {
      const frontier = this.readFrontier.get(`${sn.id}|${r.id}`) ?? 0;
      if (r.ok) this.checker.readAnswered(sn.id, r.slot, r.state, frontier);
    }
    for (const { to, message } of out.messages) {
      this.checker.sent(sn.id, to, message);
      this.send(sn.id, to, message);
    }
  }

  private restartDue(): void {
    for (const [peer, at] of this.flapped) {
      if (at > this.now) continue;
      this.flapped.delete(peer);
      if (this.nodes.get(peer)?.status !== 'up') continue;
      this.note(`the host sees ${peer} again`);
      for (const other of this.live()) if (other.id !== peer) other.node?.peerJoined(peer);
    }
    for (const sn of this.nodes.values()) {
      if (sn.status === 'down' && sn.restartAt <= this.now) this.restart(sn);
      if (sn.eligibleAt === this.now && sn.node !== undefined) {
        sn.node.setEligible(true);
        this.flush(sn);
      }
    }
    if (this.healAt === this.now) this.heal();
    if (this.healing) this.healSome();
  }

  private restart(sn: SimNode): void {
    this.note(`restart ${sn.id} from its persisted state`);
    this.boot(sn, undefined);
    this.flapped.delete(sn.id);
    for (const other of this.live()) {
      if (other === sn) continue;
      sn.node?.peerJoined(other.id);
      // A reloaded tab joins the signaling server again: everyone hears that it (re)joined.
      other.node?.peerJoined(sn.id);
    }
    this.flush(sn);
  }

  // ---- network ---------------------------------------------------------------------------------------

  private send(from: string, to: string, message: Msg): void {
    this.messages++;
    const packet = { from, to, message };
    this.archive[this.archived++ % ARCHIVE_SIZE] = packet;
    if (this.rng.chance(this.loss)) return;
    const copies = this.rng.chance(this.dup) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = this.now + (this.rng.chance(this.delayP) ? this.rng.int(1, this.maxDelay) : 0);
      let bucket = this.buckets.get(at);
      if (bucket === undefined) this.buckets.set(at, (bucket = []));
      bucket.push(packet);
    }
  }

  /** Delivers again a few packets sent long ago (a relay or a reconnecting channel flushing old frames). */
  private replay(): void {
    const n = Math.min(this.archived, ARCHIVE_SIZE);
    if (n === 0) return;
    for (let i = this.rng.int(1, 3); i > 0; i--) {
      const packet = this.archive[this.rng.int(0, n - 1)] as Packet;
      const at = this.now + this.rng.int(0, this.maxDelay);
      let bucket = this.buckets.get(at);
      if (bucket === undefined) this.buckets.set(at, (bucket = []));
      bucket.push(packet);
    }
  }

  /** Delivers this tick's packets, including those sent (without delay) while delivering. */
  private deliver(): void {
    const bucket = this.buckets.get(this.now);
    if (bucket === undefined) return;
    for (let i = 0; i < bucket.length; i++) {
      const p = bucket[i] as Packet;
      const sn = this.nodes.get(p.to);
      if (sn?.node === undefined || this.blocked.has(`${p.from}>${p.to}`)) continue;
      const result = sn.node.step(p.from, toWire(p.message));
      if (!result.ok) {
        this.checker.reject(`${p.to} refused a ${p.message.type} from ${p.from}: ${result.reason}`);
        continue;
      }
      this.checker.delivered(p.from, p.to, result.message);
      if (this.tracing && p.message.type !== 'heartbeat' && p.message.type !== 'ack') {
        const s = summarizeMessage(p.message);
        this.note(`${p.from} -> ${p.to} ${s.type}${s.ballot ? ` b=${formatBallot(s.ballot)}` : ''}${s.slot !== undefined ? ` s=${s.slot}` : ''}`);
      }
      this.flush(sn);
    }
    this.buckets.delete(this.now);
  }

  // ---- faults ----------------------------------------------------------------------------------------

  private injectFaults(): void {
    const r = this.rng;
    const f = this.faultRate;
    if (this.healAt < this.now && !this.healing && r.chance(0.02 * f)) this.partition();
    if (r.chance(0.015 * f)) this.crash(false);
    if (this.crashStops < 1 && r.chance(0.003 * f)) this.crash(true);
    if (this.nodes.size < 9 && r.chance(0.004 * f)) this.join();
    if (this.leaves < 2 && r.chance(0.003 * f)) this.leave();
    if (r.chance(0.005 * f)) this.hide();
    if (r.chance(this.replayRate)) this.replay();
    if (r.chance(this.flapRate)) this.flap();
  }

  /** The host wrongly says a live peer left (its signaling socket dropped), and takes it back later. */
  private flap(): void {
    const up = this.live();
    if (up.length < 2) return;
    const sn = this.rng.pick(up);
    if (this.flapped.has(sn.id)) return;
    const until = this.now + this.rng.int(5, 80);
    this.flapped.set(sn.id, until);
    this.note(`the host wrongly reports ${sn.id} gone until ${until}`);
    for (const other of up) if (other !== sn && this.rng.chance(0.8)) other.node?.peerLeft(sn.id);
  }

  private partition(): void {
    const r = this.rng;
    const up = this.live().map((sn) => sn.id);
    if (up.length < 2) return;
    const kind = r.pick(['minority', 'split', 'leader', 'one-way', 'deaf', 'stale-leader'] as const);
    const duration = r.int(5, 60);
    this.healAt = this.now + duration;
    // Half the partitions heal link by link over a few ticks, in random order (one side hears the other first).
    this.gradualHeal = r.chance(0.5);
    if (kind === 'deaf') {
      // One node (the leader, usually) hears nobody but is heard by all: it keeps leading, unaware.
      const leaders = this.live().filter((sn) => sn.node?.role === 'leader').map((sn) => sn.id);
      const deaf = leaders.length > 0 && r.chance(0.7) ? r.pick(leaders) : r.pick(up);
      for (const a of up) if (a !== deaf) this.blocked.add(`${a}>${deaf}`);
      this.note(`deaf partition: ${deaf} hears nobody for ${duration} ticks`);
      return;
    }
    if (kind === 'stale-leader') {
      // The leader hears nobody and reaches only a few followers; the others stop hearing it and elect
      // another leader. Those few keep following the old one, which keeps leading, unaware.
      const leader = this.live().find((sn) => sn.node?.role === 'leader')?.id ?? r.pick(up);
      const others = r.shuffle(up.filter((id) => id !== leader));
      const followers = new Set(others.slice(0, r.int(1, Math.max(1, Math.floor(others.length / 2)))));
      for (const a of others) {
        this.blocked.add(`${a}>${leader}`);
        if (followers.has(a)) continue;
        this.blocked.add(`${leader}>${a}`);
        this.nodes.get(a)?.node?.peerReachable(leader, false);
        // The followers of the old leader hear nothing from the rest either: they keep following it.
        for (const f of followers) this.blocked.add(`${a}>${f}`);
      }
      this.note(`stale-leader partition: ${leader} hears nobody, reaches only [${[...followers].join(' ')}], for ${duration} ticks`);
      return;
    }
    if (kind === 'one-way') {
      const pairs = r.int(1, up.length);
      for (let i = 0; i < pairs; i++) {
        const a = r.pick(up);
        const b = r.pick(up);
        if (a !== b) this.blocked.add(`${a}>${b}`);
      }
      this.note(`one-way partition ${[...this.blocked].join(' ')} for ${duration} ticks`);
      return;
    }
    const shuffled = r.shuffle([...up]);
    let side: string[];
    if (kind === 'minority') side = shuffled.slice(0, r.int(1, Math.max(1, Math.floor((up.length - 1) / 2))));
    else if (kind === 'split') side = shuffled.slice(0, Math.floor(up.length / 2));
    else side = this.live().filter((sn) => sn.node?.role === 'leader').map((sn) => sn.id).slice(0, 1);
    if (side.length === 0) side = [shuffled[0] as string];
    const inside = new Set(side);
    for (const a of up) {
      for (const b of up) {
        if (a === b || inside.has(a) === inside.has(b)) continue;
        this.blocked.add(`${a}>${b}`);
        this.nodes.get(a)?.node?.peerReachable(b, false);
      }
    }
    this.note(`${kind} partition [${side.join(' ')}] | rest for ${duration} ticks`);
  }

  private heal(): void {
    if (this.gradualHeal && this.blocked.size > 0) {
      this.healing = true;
      this.note('heal the network, link by link');
      return;
    }
    this.healAll();
  }

  /** Heals one or two blocked links, in random order; the partition is over when none is left. */
  private healSome(): void {
    const links = [...this.blocked];
    for (let i = this.rng.int(1, 2); i > 0 && links.length > 0; i--) {
      const key = links.splice(this.rng.int(0, links.length - 1), 1)[0] as string;
      this.blocked.delete(key);
      const [a, b] = key.split('>') as [string, string];
      if (this.nodes.get(b)?.status === 'up') this.nodes.get(a)?.node?.peerReachable(b, true);
    }
    if (this.blocked.size === 0) this.healing = false;
  }

  private healAll(): void {
    this.healing = false;
    for (const key of this.blocked) {
      const [a, b] = key.split('>') as [string, string];
      if (this.nodes.get(b)?.status === 'up') this.nodes.get(a)?.node?.peerReachable(b, true);
    }
    if (this.blocked.size > 0) this.note('heal the network');
    this.blocked.clear();
  }

  private crash(forever: boolean): void {
    const up = this.live();
    if (up.length <= 2) return;
    const sn = this.rng.pick(up);
    if (!forever && this.rng.chance(0.5)) {
      // Crash at this node's next output, between persisting it and sending it.
      sn.crashAtFlush = true;
      sn.restartAt = this.now + this.rng.int(1, 40);
      return;
    }
    sn.node = undefined;
    if (forever) {
      this.crashStops++;
      sn.status = 'stopped';
      this.note(`crash-stop ${sn.id}`);
      for (const other of this.live()) other.node?.peerLeft(sn.id);
    } else {
      sn.restartAt = this.now + this.rng.int(1, 40);
      this.note(`crash ${sn.id} until ${sn.restartAt}`);
      this.goDown(sn);
    }
  }

  private goDown(sn: SimNode): void {
    sn.node = undefined;
    sn.status = 'down';
    sn.crashAtFlush = false;
    if (sn.restartAt <= this.now) sn.restartAt = this.now + 1;
    for (const other of this.live()) other.node?.peerReachable(sn.id, false);
  }

  private join(): void {
    const id = this.newId();
    this.note(`join ${id}`);
    const sn = this.create(id, undefined);
    for (const other of this.live()) {
      if (other === sn) continue;
      sn.node?.peerJoined(other.id);
      other.node?.peerJoined(id);
    }
  }

  private leave(): void {
    const up = this.live();
    if (up.length <= 2) return;
    const sn = this.rng.pick(up);
    this.leaves++;
    sn.node = undefined;
    sn.status = 'left';
    this.note(`leave ${sn.id}`);
    for (const other of this.live()) other.node?.peerLeft(sn.id);
  }

  private hide(): void {
    const sn = this.rng.pick(this.live());
    if (sn.node === undefined || sn.eligibleAt > this.now) return;
    sn.eligibleAt = this.now + this.rng.int(10, 80);
    this.note(`hide ${sn.id} until ${sn.eligibleAt}`);
    sn.node.setEligible(false);
    this.flush(sn);
  }

  /** Faults stop: heal, no loss, crashed nodes restart, every tab visible; then fresh probes. */
  private stopFaults(): boolean {
    this.note('faults stop');
    this.healAll();
    this.healAt = -1;
    for (const peer of this.flapped.keys()) {
      if (this.nodes.get(peer)?.status === 'up') for (const other of this.live()) if (other.id !== peer) other.node?.peerJoined(peer);
    }
    this.flapped.clear();
    for (const sn of this.nodes.values()) sn.crashAtFlush = false;
    this.loss = 0;
    this.dup = 0;
    this.delayP = 0;
    for (const sn of this.nodes.values()) {
      if (sn.status === 'down') this.restart(sn);
      if (sn.node !== undefined && sn.eligibleAt > this.now) {
        sn.eligibleAt = -1;
        sn.node.setEligible(true);
        this.flush(sn);
      }
    }
    const checked = this.recoverable();
    for (const sn of this.live()) this.propose(sn, true);
    return checked;
  }

  /**
   * Whether the live nodes can still make progress: the most advanced live node can teach the others
   * everything it applied, and every slot decided after that (known only to nodes that are gone) can be
   * recovered by phase 1, which needs a live majority of that slot's acceptors; so does the next slot.
   * A configuration that a live acceptor accepted but that is not decided yet may still be chosen (phase 1
   * must re-propose it): if it has no live majority, the room may end up with a dead majority, which only
   * the unsafe forceReconfigure can repair.
   */
  private recoverable(): boolean {
    const liveMajority = (acceptors: readonly string[]) =>
      acceptors.filter((a) => this.nodes.get(a)?.status === 'up').length > acceptors.length / 2;
    const known = Math.max(...this.live().map((sn) => sn.node?.applied ?? -1));
    for (let slot = Math.max(1, known + 1); slot <= this.checker.decisions + 1; slot++) {
      if (!liveMajority(this.checker.acceptorsOf(slot) ?? [])) return false;
    }
    for (const sn of this.live()) {
      for (const e of sn.storage.load()?.entries ?? []) {
        if (!e.decided && e.slot > known && e.value.kind === 'config' && !liveMajority(e.value.acceptors)) return false;
      }
    }
    return true;
  }

  // ---- workload --------------------------------------------------------------------------------------

  private workload(): void {
    if (this.rng.chance(this.proposalRate)) {
      const up = this.live();
      if (up.length > 0) this.propose(this.rng.pick(up));
    }
    const storm = this.now <= this.readStormUntil;
    if (this.rng.chance(storm ? 0.5 : this.proposalRate / 4)) {
      const up = this.live();
      // In a storm, reads go to a node that believes it leads as often as not (a stale leader among them).
      const leaders = up.filter((sn) => sn.node?.role === 'leader');
      const sn = storm && leaders.length > 0 && this.rng.chance(0.5) ? this.rng.pick(leaders) : this.rng.pick(up);
      if (sn.node !== undefined) {
        const id = `r${this.reads++}`;
        this.readFrontier.set(`${sn.id}|${id}`, this.checker.settledFrontier);
        sn.node.read(id);
        this.flush(sn);
      }
    }
  }

  /** Proposes a fresh command at `sn`; a probe must be decided once the faults stop (liveness). */
  private propose(sn: SimNode, probe = false): void {
    if (sn.node === undefined) return;
    const n = sn.proposals++;
    const id = `p${n}`;
    const tag = `${sn.id}:${n}`;
    this.checker.proposal(tag, sn.id, id);
    // Registered first: a lone acceptor decides it before propose() returns.
    if (probe) this.probes.set(`${sn.id}|${id}`, { node: sn.id, ok: undefined });
    sn.node.propose({ tag }, id);
    this.flush(sn);
  }

  private note(line: string): void {
    if (this.tracing) this.trace.push(`t=${this.now} ${line}`);
  }
}
