/**
 * The properties every simulated run must keep, checked as the run goes, from what the nodes output
 * and what crosses the network. The checker keeps its own record of the decided log (the "oracle"):
 *
 * - agreement: no two nodes apply different values at one slot;
 * - validity: every applied command was proposed, with that content; every configuration names nodes
 *   that exist, within the acceptor limit;
 * - in-order application: each node incarnation applies consecutive slots from its base (its snapshot),
 *   each once, so all applied logs are prefixes of one another; a snapshot equals the state of the log
 *   up to its slot;
 * - one configuration per slot: every node applies slot s with the acceptor set the log before s
 *   implies, and every decision of s is backed by Accepted messages (or the leader's own acceptance)
 *   from a majority of exactly that set;
 * - promises: no acceptor, across restarts, promises or accepts below a ballot it promised before;
 * - ballots: no proposer sends two different values for one slot in one ballot;
 * - reads: a read returns the state of the log at its slot, and that slot is at least every slot whose
 *   decision some proposer had learned, and every slot some read had returned, before the read began
 *   (linearizability);
 * - exactly-once: no command (a proposal of one proposer) takes effect twice, and its proposer is told the
 *   slot where it first took effect;
 * - read confirmations: every read index a leader hands out for slot s is backed by acks to its heartbeats,
 *   in its ballot and received after the read reached it, from a majority of exactly the acceptors of
 *   slot s + 1 (the configuration in force at the read index);
 * - schema: every message a node sends passes the validation its receivers run (`parseMessage`): a node
 *   must never send what its peers refuse.
 */
import {
  compareBallots,
  formatBallot,
  parseMessage,
  quorumSize,
  type AppliedEntry,
  type Ballot,
  type Message,
  type ProposalOutcome,
  type SlotValue,
} from '../../src/consensus/index.js';
import { digestMachine, sameDigest, type AppendCommand, type Digest } from './digest-machine.js';

type Msg = Message<Digest, AppendCommand>;

/** A canonical spelling of a slot value: equal keys mean equal values. */
function valueKey(value: SlotValue<AppendCommand>): string {
  if (value.kind === 'config') return `config ${value.acceptors.join(',')}`;
  if (value.kind === 'noop') return 'noop';
  let key = 'commands';
  for (const c of value.commands) key += ` ${c.proposer}/${c.id}/${c.command.tag}`;
  return key;
}

export class Checker {
  readonly violations: string[] = [];
  /** Canonical key of the value decided at each slot (index = slot), and the value itself. */
  private readonly chosen: (string | undefined)[] = [];
  private readonly chosenValues: SlotValue<AppendCommand>[] = [];
  /** Acceptors of each slot, as the decided log implies. */
  private readonly acceptorsAt: (readonly string[] | undefined)[] = [];
  /** State after each slot of the contiguous decided prefix. */
  private readonly digestAt: Digest[] = [];
  private readonly cursor = new Map<string, number>();
  private readonly maxPromised = new Map<string, Ballot>();
  private readonly acceptedBy = new Map<string, Set<string>>();
  private readonly proposedIn = new Map<string, string>();
  /** Command tag -> proposer and canonical command, for validity. */
  readonly proposed = new Map<string, string>();
  /** Proposer and proposal id -> command tag. */
  private readonly tagOf = new Map<string, string>();
  readonly nodes = new Set<string>();
  /**
   * Highest slot whose decision some proposer had learned (settled ok), or that some read returned: a read
   * that begins later must return a state at least that new (linearizability).
   */
  settledFrontier = 0;
  /** Command tag -> the slot where it first took effect. */
  private readonly firstApplied = new Map<string, number>();
  /** Order of the events the checker sees (deliveries), to tell what came after what. */
  private clock = 0;
  /** The ballot each node last led in (its last heartbeat). */
  private readonly ledIn = new Map<string, Ballot>();
  /** `leader|requester|readId` -> when the read request first reached the leader. */
  private readonly readArrived = new Map<string, number>();
  /** `leader|ballot` -> acker -> when its latest ack in that ballot reached the leader. */
  private readonly acksTo = new Map<string, Map<string, number>>();
  /** Configurations seen applied (by their first slot), to tell a new one from one seen before. */
  private readonly configs = new Set<string>();

  constructor(
    initialAcceptors: readonly string[],
    private readonly maxAcceptors: number,
    /** Kinds of violation not to report (to look for the others: `npm run sim -- --skip exactly-once`). */
    private readonly skip: readonly string[] = [],
  ) {
    this.acceptorsAt[1] = [...initialAcceptors].sort();
    this.digestAt[0] = digestMachine.initial();
  }

  /** Number of slots decided so far. */
  get decisions(): number {
    return this.digestAt.length - 1;
  }

  /** Acceptors of `slot`, as the decided log implies (known up to the slot after the last decided one). */
  acceptorsOf(slot: number): readonly string[] | undefined {
    return this.acceptorsAt[slot];
  }

  private violate(kind: string, detail: string): void {
    if (this.skip.includes(kind)) return;
    if (this.violations.length < 20) this.violations.push(`${kind}: ${detail}`);
  }

  /**
   * A node incarnation starts: from scratch (nothing applied) until it reports a snapshot. A restarted
   * acceptor must come back with at least the ballot it promised before (promises survive restarts).
   */
  startIncarnation(node: string, promised: Ballot): void {
    this.cursor.delete(node);
    const max = this.maxPromised.get(node);
    if (max !== undefined && compareBallots(promised, max) < 0) {
      this.violate('promise', `${node} restarted promising ${formatBallot(promised)} after promising ${formatBallot(max)}`);
    }
  }

  restored(node: string, slot: number, state: Digest): void {
    const cur = this.cursor.get(node);
    if (cur !== undefined && slot <= cur) this.violate('order', `${node} installed a snapshot at ${slot} after applying ${cur}`);
    const expected = this.digestAt[slot];
    if (expected === undefined) this.violate('snapshot', `${node} installed a snapshot at ${slot}, past every decided prefix (${this.decisions})`);
    else if (!sameDigest(expected, state)) this.violate('snapshot', `${node}'s snapshot at ${slot} differs from the decided log`);
    this.cursor.set(node, slot);
  }

  applied(node: string, entry: AppliedEntry<AppendCommand>): void {
    const cur = this.cursor.get(node);
    if (cur === undefined) this.violate('order', `${node} applied slot ${entry.slot} without any state`);
    else if (entry.slot !== cur + 1) this.violate('order', `${node} applied slot ${entry.slot} after ${cur}`);
    this.cursor.set(node, entry.slot);

    const key = valueKey(entry.value);
    const known = this.chosen[entry.slot];
    if (known !== undefined) {
      if (known !== key) this.violate('agreement', `slot ${entry.slot}: ${node} applied ${key}, another node ${known}`);
    } else {
      this.chosen[entry.slot] = key;
      this.chosenValues[entry.slot] = entry.value;
      this.checkValidity(entry.slot, entry.value);
      this.checkOnce(entry.slot, entry.value);
      this.extendOracle();
    }
    const expected = this.acceptorsAt[entry.slot];
    if (expected !== undefined && expected.join(',') !== entry.acceptors.join(',')) {
      this.violate('config', `${node} applied slot ${entry.slot} under acceptors [${entry.acceptors}], the log says [${expected}]`);
    }
  }

  private checkValidity(slot: number, value: SlotValue<AppendCommand>): void {
    if (value.kind === 'commands') {
      for (const c of value.commands) {
        const proposed = this.proposed.get(c.command.tag);
        if (proposed !== `${c.proposer}|${c.id}`) this.violate('validity', `slot ${slot} holds ${c.command.tag} (${c.proposer}/${c.id}), never proposed as such`);
      }
    } else if (value.kind === 'config') {
      const unknown = value.acceptors.filter((a) => !this.nodes.has(a));
      if (unknown.length > 0 || value.acceptors.length === 0 || value.acceptors.length > this.maxAcceptors) {
        this.violate('validity', `slot ${slot} holds an impossible configuration [${value.acceptors}]`);
      }
    }
  }

  /** A receiver refused a message (it failed validation there). */
  reject(detail: string): void {
    this.violate('rejected', detail);
  }

  /** Exactly-once: a command that took effect at an earlier slot must not take effect again. */
  private checkOnce(slot: number, value: SlotValue<AppendCommand>): void {
    if (value.kind !== 'commands') return;
    for (const c of value.commands) {
      const first = this.firstApplied.get(c.command.tag);
      if (first === undefined) this.firstApplied.set(c.command.tag, slot);
      else if (first !== slot) this.violate('exactly-once', `${c.command.tag} (${c.proposer}/${c.id}) took effect at slot ${first} and again at slot ${slot}`);
    }
  }

  /** A proposal settled: a success names the slot where the command first took effect. */
  settled(node: string, outcome: ProposalOutcome): void {
    if (!outcome.ok) return;
    this.settledFrontier = Math.max(this.settledFrontier, outcome.slot);
    const tag = this.tagOf.get(`${node}|${outcome.id}`);
    const first = tag === undefined ? undefined : this.firstApplied.get(tag);
    if (first !== undefined && first !== outcome.slot) {
      this.violate('exactly-once', `${node} was told ${outcome.id} (${tag}) was decided at slot ${outcome.slot}, it first took effect at ${first}`);
    }
  }

  /** A proposal was made: `tag` by `node` under proposal id `id`. */
  proposal(tag: string, node: string, id: string): void {
    this.proposed.set(tag, `${node}|${id}`);
    this.tagOf.set(`${node}|${id}`, tag);
  }

  /** Whether `acceptors` (in force from `slot`) is a configuration not seen before: reads should race it. */
  noteConfig(slot: number, acceptors: readonly string[]): boolean {
    const key = `${slot}|${acceptors.join(',')}`;
    if (this.configs.has(key)) return false;
    this.configs.add(key);
    return true;
  }

  /** Extends the oracle's digests and acceptor sets over the contiguous decided prefix. */
  private extendOracle(): void {
    for (;;) {
      const slot = this.digestAt.length;
      const value = this.chosenValues[slot];
      if (value === undefined) return;
      let digest = this.digestAt[slot - 1] as Digest;
      if (value.kind === 'commands') for (const c of value.commands) digest = digestMachine.apply(digest, c.command);
      this.digestAt[slot] = digest;
      const before = this.acceptorsAt[slot] as readonly string[];
      this.acceptorsAt[slot + 1] = value.kind === 'config' ? [...value.acceptors].sort() : before;
    }
  }

  /** Every message a node sends. */
  sent(from: string, to: string, message: Msg): void {
    const parsed = parseMessage(message, from, digestMachine);
    if (!parsed.ok) this.violate('schema', `${from} sent a ${message.type} its receivers refuse: ${parsed.reason}`);
    if (message.type === 'promise' || message.type === 'accepted') {
      const max = this.maxPromised.get(from);
      if (max !== undefined && compareBallots(message.ballot, max) < 0) {
        this.violate('promise', `${from} sent ${message.type} for ${formatBallot(message.ballot)} after promising ${formatBallot(max)}`);
      }
      if (message.type === 'promise' && (max === undefined || compareBallots(message.ballot, max) > 0)) this.maxPromised.set(from, message.ballot);
    } else if (message.type === 'accept') {
      // One value per slot per ballot: a proposer never proposes two (what makes P2c meaningful).
      const key = `${formatBallot(message.ballot)}|${message.slot}`;
      const value = valueKey(message.value);
      const before = this.proposedIn.get(key);
      if (before === undefined) this.proposedIn.set(key, value);
      else if (before !== value) this.violate('ballot', `${from} proposed two values for slot ${message.slot} in ${formatBallot(message.ballot)}`);
    } else if (message.type === 'heartbeat') {
      this.ledIn.set(from, message.ballot);
    } else if (message.type === 'read-index') {
      this.checkReadIndex(from, to, message.readId, message.slot);
    } else if (message.type === 'decide') {
      const acceptors = this.acceptorsAt[message.slot];
      if (acceptors === undefined) return; // checked when the slot before is decided and applied
      const acks = this.acceptedBy.get(`${from}|${formatBallot(message.ballot)}|${message.slot}`) ?? new Set<string>();
      const backing = acceptors.filter((a) => a === from || acks.has(a)).length;
      if (backing < quorumSize(acceptors.length)) {
        this.violate('config', `${from} decided slot ${message.slot} in ${formatBallot(message.ballot)} with ${backing} of [${acceptors}]`);
      }
    }
  }

  /** Every message a node accepted as valid. */
  delivered(from: string, to: string, message: Msg): void {
    this.clock++;
    if (message.type === 'read') {
      const key = `${to}|${from}|${message.readId}`;
      if (!this.readArrived.has(key)) this.readArrived.set(key, this.clock);
      return;
    }
    if (message.type === 'ack') {
      const key = `${to}|${formatBallot(message.ballot)}`;
      let acks = this.acksTo.get(key);
      if (acks === undefined) this.acksTo.set(key, (acks = new Map()));
      acks.set(from, this.clock);
      return;
    }
    if (message.type !== 'accepted') return;
    const key = `${to}|${formatBallot(message.ballot)}|${message.slot}`;
    let set = this.acceptedBy.get(key);
    if (set === undefined) this.acceptedBy.set(key, (set = new Set()));
    set.add(from);
  }

  /**
   * A leader hands `requester` the read index `slot`: a majority of the acceptors of slot + 1 must have
   * acked the leader's ballot after the read reached it (each of them had not promised a higher ballot
   * then, so no other leader can have decided slot + 1 before the read began).
   */
  private checkReadIndex(leader: string, requester: string, readId: string, slot: number): void {
    const arrived = this.readArrived.get(`${leader}|${requester}|${readId}`);
    const ballot = this.ledIn.get(leader);
    const acceptors = this.acceptorsAt[slot + 1];
    if (arrived === undefined || ballot === undefined || acceptors === undefined) return;
    const acks = this.acksTo.get(`${leader}|${formatBallot(ballot)}`);
    const backing = acceptors.filter((a) => a === leader || (acks?.get(a) ?? -1) > arrived).length;
    if (backing < quorumSize(acceptors.length)) {
      this.violate('read-confirmation', `${leader} confirmed read ${readId} of ${requester} at index ${slot} in ${formatBallot(ballot)} with ${backing} of [${acceptors}] (the acceptors of slot ${slot + 1})`);
    }
  }

  /** A read answered `state` at `slot`; `frontier` is the settled frontier when it was issued. */
  readAnswered(node: string, slot: number, state: Digest, frontier: number): void {
    const expected = this.digestAt[slot];
    if (expected === undefined || !sameDigest(expected, state)) this.violate('read', `${node} read a state at ${slot} that the log does not imply`);
    if (slot < frontier) this.violate('read', `${node} read slot ${slot}, older than the decided slot ${frontier} known before the read began`);
    this.settledFrontier = Math.max(this.settledFrontier, slot);
  }
}
