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
 *   decision some proposer had learned before the read began (linearizability).
 */
import {
  compareBallots,
  formatBallot,
  quorumSize,
  type AppliedEntry,
  type Ballot,
  type Message,
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
  readonly nodes = new Set<string>();
  /** Highest slot whose decision some proposer had learned (settled ok), for read linearizability. */
  settledFrontier = 0;

  constructor(initialAcceptors: readonly string[], private readonly maxAcceptors: number) {
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
  sent(from: string, message: Msg): void {
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
    if (message.type !== 'accepted') return;
    const key = `${to}|${formatBallot(message.ballot)}|${message.slot}`;
    let set = this.acceptedBy.get(key);
    if (set === undefined) this.acceptedBy.set(key, (set = new Set()));
    set.add(from);
  }

  /** A read answered `state` at `slot`; `frontier` is the settled frontier when it was issued. */
  readAnswered(node: string, slot: number, state: Digest, frontier: number): void {
    const expected = this.digestAt[slot];
    if (expected === undefined || !sameDigest(expected, state)) this.violate('read', `${node} read a state at ${slot} that the log does not imply`);
    if (slot < frontier) this.violate('read', `${node} read slot ${slot}, older than the decided slot ${frontier} known before the read began`);
  }
}
