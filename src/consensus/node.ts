/**
 * PaxosNode: one participant of Multi-Paxos ("Paxos Made Simple" §3), as a deterministic state machine
 * in the style of etcd's raft package. It never reads a clock, never draws Math.random, never does I/O:
 *
 * - inputs: {@link PaxosNode.step} (a message from a peer), {@link PaxosNode.tick} (logical time),
 *   {@link PaxosNode.propose}, {@link PaxosNode.read}, and membership hints from the host;
 * - outputs are pulled with {@link PaxosNode.drain}, which first saves the persistent state through the
 *   injected storage and only then releases the messages: persist-before-send holds by construction.
 *
 * Every node plays all three roles of the paper: each is a learner; the nodes of the current
 * configuration are acceptors; one of them (at most one in a stable period) is the distinguished
 * proposer, the leader, which runs phase 1 once and then phase 2 for slot after slot.
 */
import { mayAccept, mayPromise } from './acceptor.js';
import { ballotEquals, compareBallots, maxBallot, NO_BALLOT, nextBallot, type Ballot } from './ballot.js';
import { normalizeAcceptors, quorumSize } from './config.js';
import { acceptorsAfterForce } from './force.js';
import { Log } from './log.js';
import { planAcceptors } from './membership.js';
import { LIMITS, parseMessage, type Envelope, type Message } from './messages.js';
import { assertNodeId, isNodeId } from './node-id.js';
import { resolveTiming, type PaxosNodeOptions, type Timing } from './options.js';
import { emptyOutput, NOTHING, type FailureCode, type NodeStats, type Output, type OutputBuffer, type Role, type StepResult } from './output.js';
import { PeerTable } from './peers.js';
import { Phase1, Phase2 } from './proposer/leader.js';
import { RecentCommands } from './recent-commands.js';
import type { StateMachine } from './state-machine.js';
import { parsePersistentState, type PersistentState, type Storage } from './storage.js';
import { proposalKey, type AcceptedEntry, type ProposedCommand, type SlotValue } from './values.js';

interface PendingProposal<C> {
  readonly command: C;
  readonly deadline: number;
  lastSent: number;
  /** Slot the leader said it was decided at, when this node could not see it applied (snapshot). */
  decidedAt?: number;
}

interface PendingRead {
  readonly deadline: number;
  lastSent: number;
  /** Slot the leader confirmed; the read answers once it is applied. */
  index: number | undefined;
}

/** A read the leader is confirming with a heartbeat round. */
interface LeaderRead {
  readonly requester: string;
  readonly readId: string;
  readonly seq: number;
  readonly index: number;
}

type Mode = 'follower' | 'candidate' | 'leader';

export class PaxosNode<S, C> {
  readonly id: string;
  protected readonly machine: StateMachine<S, C>;
  protected readonly log: Log<S, C>;
  readonly #storage: Storage<S, C>;
  readonly #random: () => number;
  readonly #timing: Timing;

  // Acceptor state (persistent, with the log).
  // TS-private rather than #private: the simulator's break-promise mutant (test/sim/mutants.ts) overwrites it.
  private promised: Ballot = NO_BALLOT;
  #dirty = false;

  // Logical time and the room as this node sees it.
  #now = 0;
  #eligible: boolean;
  readonly #peers = new PeerTable();
  #highestSeen: Ballot = NO_BALLOT;

  // Leadership.
  #mode: Mode = 'follower';
  #ballot: Ballot = NO_BALLOT;
  #leaderBallot: Ballot | undefined;
  #leaderSince = 0;
  #electionElapsed = 0;
  #electionTimeout: number;
  protected phase1: Phase1<C> | undefined;
  protected phase2: Phase2<C> | undefined;
  #askedAcceptors = '';
  #plannedAt = -1;
  #advancing = false;
  #advanceAgain = false;
  #queue: ProposedCommand<C>[] = [];
  #heartbeatElapsed = 0;
  #heartbeatSeq = 0;
  readonly #acks = new Map<string, number>();
  #leaderReads: LeaderRead[] = [];
  #waitingReads: { requester: string; readId: string }[] = [];
  readonly #recent = new RecentCommands();

  // Learning and catch-up: the highest slot this node knows to be decided somewhere, and who said so.
  // While it is above the applied slot, the node asks for the slots in between.
  #frontier = -1;
  #frontierSource: string | undefined;
  #lastCatchup = Number.NEGATIVE_INFINITY;
  #joinCursor = 0;
  #catchupAttempts = 0;

  // This node's own proposals and reads.
  readonly #pending = new Map<string, PendingProposal<C>>();
  readonly #reads = new Map<string, PendingRead>();

  // Output since the last drain, and what was last reported.
  #out: OutputBuffer<S, C> = emptyOutput();
  #reportedRole: Role | undefined;
  #reportedLeader: string | undefined;
  #quorumLost = false;

  /** Counters of received, sent and refused messages. */
  readonly stats: NodeStats = { received: 0, sent: 0, rejected: 0, rejectedByReason: {} };

  constructor(options: PaxosNodeOptions<S, C>) {
    assertNodeId(options.id, 'id');
    this.id = options.id;
    this.machine = options.stateMachine;
    this.#storage = options.storage;
    this.#random = options.random;
    this.#eligible = options.eligible ?? true;
    this.#timing = resolveTiming(options as PaxosNodeOptions<unknown, unknown>);
    this.#electionTimeout = this.#randomElectionTimeout();
    this.log = new Log(this.machine);

    const saved = this.#storage.load();
    if (saved !== undefined) {
      this.#restore(parsePersistentState(saved, this.machine));
    } else if (options.bootstrap !== undefined) {
      const acceptors = normalizeAcceptors(options.bootstrap);
      acceptors.forEach((a) => assertNodeId(a, 'bootstrap acceptor'));
      if (acceptors.length === 0 || acceptors.length > this.#timing.maxAcceptors) {
        throw new RangeError(`bootstrap must list 1 to ${this.#timing.maxAcceptors} acceptors`);
      }
      const state = this.machine.initial();
      this.log.install({ slot: 0, state, acceptors });
      this.#frontier = 0;
      this.#dirty = true;
      this.#out.events.push({ type: 'restored', slot: 0, state });
      this.#reportConfig(1);
    }
    this.#reportStatus();
  }

  // ---- public inputs ---------------------------------------------------------------------------------

  /**
   * Handles a message from peer `from`. The message is untrusted: it is validated first, and a malformed
   * one is refused with a reason (and counted in {@link stats}) without touching any state. Never throws.
   */
  step(from: string, raw: unknown): StepResult<Message<S, C>> {
    if (!isNodeId(from)) return this.#refuse('sender is not a node id');
    if (from === this.id) return this.#refuse('message claims to come from this node');
    const parsed = parseMessage(raw, from, this.machine);
    if (!parsed.ok) return this.#refuse(parsed.reason);
    this.stats.received++;
    const message = parsed.value;
    this.#peers.get(from).lastHeard = this.#now;
    this.#dispatch(from, message);
    return { ok: true, message };
  }

  /** Advances logical time by one tick (the browser calls it every 50 ms). */
  tick(): void {
    this.#now++;
    if (this.log.known) {
      if (this.#mode === 'leader') {
        if (++this.#heartbeatElapsed >= this.#timing.heartbeatTicks) this.#sendHeartbeats();
        this.#retransmit();
        this.#advance();
      } else if (this.#mode === 'candidate') {
        if (++this.#electionElapsed >= this.#electionTimeout) this.#campaign();
        else this.#retransmit();
      } else {
        this.#electionElapsed++;
        if (this.#shouldCampaign()) this.#campaign();
      }
      this.#catchUpIfBehind();
    } else {
      this.#askForState();
    }
    this.#retryProposals();
    this.#retryReads();
    this.#checkQuorum();
  }

  /**
   * Proposes `command` under `proposalId` (unique among this node's proposals). The outcome comes out of
   * {@link drain} in `proposals`: decided (with its slot) or failed with a code. Every proposal settles.
   */
  propose(command: C, proposalId: string): void {
    if (typeof proposalId !== 'string' || proposalId.length === 0 || proposalId.length > LIMITS.maxIdLength) {
      this.#failProposal(String(proposalId), 'invalid', `proposal id must be 1-${LIMITS.maxIdLength} characters`);
      return;
    }
    if (this.#pending.has(proposalId)) {
      this.#failProposal(proposalId, 'invalid', 'a proposal with this id is already pending');
      return;
    }
    let parsed: C;
    try {
      parsed = this.machine.parseCommand(command);
    } catch (error) {
      this.#failProposal(proposalId, 'invalid', `invalid command: ${(error as Error).message}`);
      return;
    }
    const pending: PendingProposal<C> = { command: parsed, deadline: this.#now + this.#timing.proposalTimeoutTicks, lastSent: this.#now };
    this.#pending.set(proposalId, pending);
    this.#submit(proposalId, pending);
  }

  /**
   * A linearizable read (the classic Paxos read): answers with the state once the leader has confirmed
   * its ballot with a majority of the current acceptors, and this node has applied every slot decided
   * before the read began. The outcome comes out of {@link drain} in `reads`.
   */
  read(readId: string): void {
    if (typeof readId !== 'string' || readId.length === 0 || readId.length > LIMITS.maxIdLength || this.#reads.has(readId)) {
      this.#out.reads.push({ id: String(readId), ok: false, code: 'invalid', reason: 'read id must be unique and 1-128 characters' });
      return;
    }
    const read: PendingRead = { deadline: this.#now + this.#timing.readTimeoutTicks, lastSent: this.#now, index: undefined };
    this.#reads.set(readId, read);
    this.#submitRead(readId, read);
  }

  /** The host saw `peer` join the room (or come back under its id). */
  peerJoined(peer: string): void {
    assertNodeId(peer, 'peer');
    if (peer === this.id) return;
    const view = this.#peers.get(peer);
    view.left = false;
    view.reachable = true;
  }

  /** The host saw `peer` leave the room for good: a leader replaces it if it was an acceptor. */
  peerLeft(peer: string): void {
    assertNodeId(peer, 'peer');
    if (peer === this.id) return;
    const view = this.#peers.get(peer);
    view.left = true;
    view.reachable = false;
    this.#plannedAt = -1;
    this.#advance();
  }

  /** The host's view of the link to `peer` (data channel open or not). */
  peerReachable(peer: string, reachable: boolean): void {
    assertNodeId(peer, 'peer');
    if (peer === this.id) return;
    this.#peers.get(peer).reachable = reachable;
  }

  /**
   * Whether this node may lead. A hidden tab must not: when false the node never starts phase 1, and a
   * leader hands leadership to an eligible peer and steps down.
   */
  setEligible(eligible: boolean): void {
    if (this.#eligible === eligible) return;
    this.#eligible = eligible;
    if (eligible) return;
    if (this.#mode === 'leader') this.#handOff();
    if (this.#mode !== 'follower') this.#stepDown();
  }

  /**
   * UNSAFE operator action, like etcd's --force-new-cluster: when a majority of the acceptors is gone
   * for good, restart the room from the survivors. This node decides by itself, without any quorum,
   * that its next slot changes the acceptors to `acceptors` (default: itself and the live nodes it knows,
   * up to maxAcceptors), then runs phase 1 on that set. If the lost acceptors were in fact alive and
   * deciding, the room's history can fork. Use only when they cannot come back.
   */
  forceReconfigure(acceptors?: readonly string[]): void {
    if (!this.log.known) throw new Error('forceReconfigure: this node has no state to restart the room from');
    if (!this.#eligible) throw new Error('forceReconfigure: this node may not lead (setEligible(false)); run it on a visible tab');
    const live = this.#peers.reachable();
    const next = acceptorsAfterForce(this.id, acceptors, live, this.#timing.maxAcceptors);
    const slot = this.log.firstUndecided;
    const value: SlotValue<C> = { kind: 'config', acceptors: next };
    this.#learn(slot, value);
    this.#campaign();
    // Tell everyone now; a node that misses it learns it by catch-up from the new leader.
    this.#broadcast({ type: 'decide', ballot: this.#ballot, slot, value });
  }

  /**
   * Saves the persistent state through the storage (if it changed), then returns everything that
   * happened since the previous drain: messages to send, applied slots, settled proposals and reads,
   * events. If saving throws, the error propagates and nothing is released or lost: call again.
   */
  drain(): Output<S, C> {
    if (this.#dirty) {
      this.#storage.save(this.#persistentState());
      this.#dirty = false;
    }
    const out = this.#out;
    if (out.messages.length + out.applied.length + out.proposals.length + out.reads.length + out.events.length === 0) return NOTHING;
    this.#out = emptyOutput();
    this.stats.sent += out.messages.length;
    return out;
  }

  // ---- public views ----------------------------------------------------------------------------------

  /** The state after {@link applied}. Throws while the node has not received the room's state. */
  get state(): S {
    return this.log.state;
  }

  /** Last applied slot (-1 while the node has no state). */
  get applied(): number {
    return this.log.applied;
  }

  /** Whether the node holds the room's state. */
  get known(): boolean {
    return this.log.known;
  }

  get role(): Role {
    if (this.#mode === 'leader') return 'leader';
    return this.log.acceptors.includes(this.id) ? 'acceptor' : 'learner';
  }

  /** The node this node believes leads, if any. */
  get leader(): string | undefined {
    if (this.#mode === 'leader') return this.id;
    const node = this.#leaderBallot?.node;
    return node === this.id ? undefined : node;
  }

  /** Acceptors of the next undecided slot. */
  get acceptors(): readonly string[] {
    return this.log.acceptors;
  }

  /** The highest ballot this node has promised. */
  get promisedBallot(): Ballot {
    return this.promised;
  }

  /** Proposals of this node still waiting to settle. */
  get pendingProposals(): number {
    return this.#pending.size;
  }

  // ---- rules that the simulator's planted bugs replace --------------------------------------------

  /** Whether `count` members of `acceptors` are a quorum: a majority. */
  protected quorumReached(count: number, acceptors: readonly string[]): boolean {
    return count >= quorumSize(acceptors.length);
  }

  /** P2c: the value a leader must propose at `slot`, from the promises of `promisers`, if any. */
  protected recoveredValue(phase1: Phase1<C>, slot: number, promisers: readonly string[]): AcceptedEntry<C> | undefined {
    return phase1.highestAccepted(slot, promisers);
  }

  /** The acceptors of the slot in flight: those fixed by the slots before it (alpha = 1). */
  protected acceptorsForProposal(_slot: number, _value: SlotValue<C>): readonly string[] {
    return this.log.acceptors;
  }

  /** Records an accepted value in the log (the acceptor's durable memory). */
  protected recordAccepted(slot: number, ballot: Ballot, value: SlotValue<C>): boolean {
    return this.log.accept(slot, ballot, value);
  }

  // ---- message handling ------------------------------------------------------------------------------

  #dispatch(from: string, m: Message<S, C>): void {
    switch (m.type) {
      case 'prepare':
        return this.#onPrepare(from, m.ballot, m.slot);
      case 'promise':
        this.#observe(m.ballot);
        if (this.#mode === 'follower' || this.phase1 === undefined || !ballotEquals(m.ballot, this.#ballot)) return;
        this.phase1.record(from, m.slot, m.decidedThrough, m.accepted);
        for (const e of m.decided) this.#learnQuietly(e.slot, e.value);
        this.#noteFrontier(m.decidedThrough, from);
        this.#applyAndReport();
        return this.#advance();
      case 'nack':
        this.#observe(m.promised);
        // Only an acceptor of our configuration can defeat our ballot.
        if (this.#mode !== 'follower' && ballotEquals(m.ballot, this.#ballot) && this.log.acceptors.includes(from)) this.#stepDown();
        return;
      case 'accept':
        return this.#onAccept(from, m.ballot, m.slot, m.value);
      case 'accepted':
        if (this.#mode !== 'leader' || !ballotEquals(m.ballot, this.#ballot) || this.phase2?.slot !== m.slot) return;
        this.phase2.acks.add(from);
        return this.#advance();
      case 'decide':
        this.#noteLeader(m.ballot);
        return this.#learn(m.slot, m.value);
      case 'heartbeat':
        return this.#onHeartbeat(from, m.ballot, m.seq, m.decidedThrough);
      case 'ack': {
        const peer = this.#peers.get(from);
        peer.eligible = m.eligible;
        peer.decidedThrough = m.decidedThrough;
        if (this.#mode !== 'leader' || !ballotEquals(m.ballot, this.#ballot)) return;
        this.#acks.set(from, Math.max(this.#acks.get(from) ?? -1, m.seq));
        return this.#checkLeaderReads();
      }
      case 'forward': {
        if (this.#mode === 'follower') return; // the proposer retries once it knows the leader
        const settled: { id: string; slot: number }[] = [];
        for (const c of m.commands) {
          const slot = this.#recent.slot(proposalKey(c.proposer, c.id));
          if (slot !== undefined) settled.push({ id: c.id, slot });
          else this.#enqueue(c);
        }
        if (settled.length > 0) this.#send(from, { type: 'settled', proposals: settled });
        return this.#advance();
      }
      case 'settled':
        for (const { id, slot } of m.proposals) {
          const pending = this.#pending.get(id);
          if (pending !== undefined) pending.decidedAt = slot;
        }
        this.#noteFrontier(Math.max(...m.proposals.map((p) => p.slot)), from);
        return this.#settleSkipped();
      case 'catchup':
        return this.#onCatchup(from, m.slot);
      case 'entries':
        if (m.snapshot !== undefined) this.#installSnapshot(m.snapshot);
        for (const e of m.entries) this.#learnQuietly(e.slot, e.value);
        this.#applyAndReport();
        return this.#advance();
      case 'read':
        if (this.#mode === 'leader') this.#registerLeaderRead(from, m.readId);
        return;
      case 'read-index': {
        const read = this.#reads.get(m.readId);
        if (read === undefined || read.index !== undefined) return;
        // Not a frontier: the slot may still be in flight. Heartbeats bring the decisions it waits for.
        read.index = m.slot;
        return this.#checkLocalReads();
      }
      case 'handoff':
        this.#observe(m.ballot);
        if (this.#mode === 'follower' && this.#eligible && this.log.known) this.#campaign();
        return;
    }
  }

  /** Phase 1b. */
  #onPrepare(from: string, ballot: Ballot, slot: number): void {
    this.#observe(ballot);
    if (!this.log.known) return; // a joining node holds no acceptor state yet
    if (!mayPromise(this.promised, ballot)) {
      this.#send(from, { type: 'nack', ballot, promised: this.promised, slot });
      return;
    }
    if (compareBallots(ballot, this.promised) > 0) {
      this.promised = ballot;
      this.#dirty = true;
    }
    if (this.#mode !== 'follower' && compareBallots(ballot, this.#ballot) > 0) this.#stepDown();
    this.#electionElapsed = 0; // someone is campaigning: give it time
    this.#send(from, {
      type: 'promise',
      ballot,
      slot,
      decidedThrough: this.log.applied,
      accepted: this.log.acceptedFrom(slot),
      decided: this.log.decidedFrom(slot, LIMITS.maxEntries),
    });
    // A proposer behind our snapshot cannot learn the compacted slots from the promise: send them.
    if (slot <= (this.log.snapshot?.slot ?? -1)) this.#onCatchup(from, slot);
  }

  /** Phase 2b. */
  #onAccept(from: string, ballot: Ballot, slot: number, value: SlotValue<C>): void {
    this.#observe(ballot);
    if (!this.log.known) return;
    if (!mayAccept(this.promised, ballot)) {
      this.#send(from, { type: 'nack', ballot, promised: this.promised, slot });
      return;
    }
    if (compareBallots(ballot, this.promised) > 0) {
      this.promised = ballot;
      this.#dirty = true;
    }
    this.#noteLeader(ballot);
    if (this.recordAccepted(slot, ballot, value)) this.#dirty = true;
    this.#send(from, { type: 'accepted', ballot, slot });
    this.#applyAndReport();
  }

  #onHeartbeat(from: string, ballot: Ballot, seq: number, decidedThrough: number): void {
    this.#observe(ballot);
    if (this.log.known && compareBallots(ballot, this.promised) < 0) {
      this.#send(from, { type: 'nack', ballot, promised: this.promised, slot: Math.max(0, this.log.firstUndecided) });
      return;
    }
    this.#noteLeader(ballot);
    this.#noteFrontier(decidedThrough, from);
    this.#send(from, { type: 'ack', ballot, seq, decidedThrough: this.log.applied, eligible: this.#eligible });
    this.#catchUpIfBehind();
  }

  /** Sends the decided slots from `slot` on, with the snapshot when `slot` is behind it. */
  #onCatchup(from: string, slot: number): void {
    const snap = this.log.snapshot;
    if (snap === undefined) return;
    const withSnapshot = slot <= snap.slot;
    const entries = this.log.decidedFrom(withSnapshot ? snap.slot + 1 : slot, LIMITS.maxEntries);
    if (!withSnapshot && entries.length === 0) return;
    this.#send(from, withSnapshot ? { type: 'entries', snapshot: snap, entries } : { type: 'entries', entries });
  }

  // ---- leadership ------------------------------------------------------------------------------------

  #shouldCampaign(): boolean {
    if (!this.#eligible) return false;
    // A node cut off from a majority could never win: campaigning would only raise its ballot and, once
    // the partition heals, depose a leader that was doing fine (the "disruptive rejoin" problem).
    if (this.#quorumLost) return false;
    const acceptors = this.log.acceptors;
    // A lone acceptor with no leader in sight needs nobody's promise: it leads at once.
    if (acceptors.length === 1 && acceptors[0] === this.id && this.#leaderBallot === undefined) return true;
    // Learners wait longer, so that an acceptor usually wins.
    const patience = acceptors.includes(this.id) ? 1 : 3;
    return this.#electionElapsed >= this.#electionTimeout * patience;
  }

  /** Phase 1a: a new ballot above every ballot seen, promised to itself first. */
  #campaign(): void {
    if (!this.#eligible || !this.log.known) return;
    this.#ballot = nextBallot(maxBallot(this.promised, this.#highestSeen), this.id);
    this.promised = this.#ballot;
    this.#highestSeen = this.#ballot;
    this.#dirty = true;
    this.#mode = 'candidate';
    this.phase1 = new Phase1(this.#ballot);
    this.phase2 = undefined;
    this.#acks.clear();
    this.#leaderReads = [];
    this.#waitingReads = [];
    this.#askedAcceptors = '';
    this.#electionElapsed = 0;
    this.#electionTimeout = this.#randomElectionTimeout();
    const slot = this.log.firstUndecided;
    if (this.log.acceptors.includes(this.id)) this.phase1.record(this.id, slot, this.log.applied, this.log.acceptedFrom(slot));
    this.#reportStatus();
    this.#advance();
  }

  #becomeLeader(): void {
    this.#mode = 'leader';
    this.#leaderBallot = this.#ballot;
    this.#leaderSince = this.#now;
    this.#sendHeartbeats();
    this.#reportStatus();
    for (const [id, p] of this.#pending) this.#submit(id, p);
    for (const [id, r] of this.#reads) if (r.index === undefined) this.#submitRead(id, r);
  }

  #stepDown(): void {
    if (this.#mode === 'follower') return;
    this.#mode = 'follower';
    this.phase1 = undefined;
    this.phase2 = undefined;
    this.#queue = [];
    this.#leaderReads = [];
    this.#waitingReads = [];
    this.#acks.clear();
    this.#electionElapsed = 0;
    this.#electionTimeout = this.#randomElectionTimeout();
    this.#reportStatus();
  }

  /** Asks the most suitable eligible peer to take over now, instead of waiting for an election timeout. */
  #handOff(): void {
    let best: string | undefined;
    let bestSlot = -1;
    for (const [id, p] of this.#peers.entries()) {
      if (!p.eligible || !this.#peerAlive(id) || p.decidedThrough < 0) continue;
      const score = p.decidedThrough + (this.log.acceptors.includes(id) ? 1e12 : 0);
      if (score > bestSlot) {
        best = id;
        bestSlot = score;
      }
    }
    if (best !== undefined) this.#send(best, { type: 'handoff', ballot: this.#ballot });
  }

  /** Learns of a leader's ballot from its heartbeat, accept or decide. */
  #noteLeader(ballot: Ballot): void {
    this.#observe(ballot);
    if (this.#mode !== 'follower') {
      if (compareBallots(ballot, this.#ballot) <= 0) return;
      this.#stepDown();
    }
    if (this.#leaderBallot !== undefined && compareBallots(ballot, this.#leaderBallot) < 0) return;
    this.#electionElapsed = 0;
    if (ballotEquals(ballot, this.#leaderBallot)) return;
    this.#leaderBallot = ballot;
    this.#reportStatus();
    // A new leader: hand it whatever is still pending here.
    for (const [id, p] of this.#pending) this.#submit(id, p);
    for (const [id, r] of this.#reads) if (r.index === undefined) this.#submitRead(id, r);
  }

  /**
   * The leader's loop: slot after slot, make sure phase 1 covers the slot (a quorum of its acceptors has
   * promised), pick the value (the highest accepted one found by phase 1, else a configuration change,
   * else the queued commands), run phase 2, decide, and go on. One slot is in flight at a time.
   */
  #advance(): void {
    // Not re-entrant: a step taken inside (becoming leader re-submits pending proposals) asks for another
    // pass instead of starting phase 2 under the pass that is choosing the value of the same slot.
    if (this.#advancing) {
      this.#advanceAgain = true;
      return;
    }
    this.#advancing = true;
    try {
      do {
        this.#advanceAgain = false;
        this.#advanceSlots();
      } while (this.#advanceAgain);
      this.#startReadRounds();
    } finally {
      this.#advancing = false;
    }
  }

  #advanceSlots(): void {
    for (;;) {
      if (this.#mode === 'follower' || !this.log.known || this.phase1 === undefined) return;
      const slot = this.log.firstUndecided;
      const inFlight = this.phase2;
      if (inFlight !== undefined) {
        if (inFlight.slot < slot) {
          // Decided while in flight (possibly with another ballot's value): re-queue what did not make it.
          this.phase2 = undefined;
          this.#requeue(inFlight.value);
          continue;
        }
        const acceptors = this.acceptorsForProposal(inFlight.slot, inFlight.value);
        if (!this.quorumReached(inFlight.count(acceptors), acceptors)) return;
        this.#decide(inFlight);
        continue;
      }
      const acceptors = this.log.acceptors;
      // Phase 1 covers this slot when a quorum of its acceptors promised with complete reports of it. An
      // acceptor that had already applied the slot may have compacted it away: this node learns the slot
      // from it (catch-up, driven by the frontier its promise raised) or does without its report.
      let promisers = this.phase1.promisers(slot, acceptors);
      if (!this.quorumReached(promisers.length, acceptors)) {
        if (acceptors.join(',') === this.#askedAcceptors) return; // waiting for promises
        this.#sendPrepares(); // a new acceptor set: phase 1 on it
        promisers = this.phase1.promisers(slot, acceptors);
        if (!this.quorumReached(promisers.length, acceptors)) return;
      }
      if (this.#mode === 'candidate') this.#becomeLeader();
      const recovered = this.recoveredValue(this.phase1, slot, promisers);
      const value = recovered?.value ?? this.#freshValue(slot);
      if (value === undefined) return;
      this.#startPhase2(slot, value);
    }
  }

  /** What a leader proposes at a slot where phase 1 found nothing: membership first, then commands. */
  #freshValue(slot: number): SlotValue<C> | undefined {
    if (this.#mode === 'leader' && this.#plannedAt !== this.#now) {
      // Liveness of peers changes with time and hints, not with every message: plan once per tick.
      this.#plannedAt = this.#now;
      const acceptors = planAcceptors({
        acceptors: this.log.acceptors,
        maxAcceptors: this.#timing.maxAcceptors,
        self: this.id,
        peers: this.#peers.statuses(this.log.acceptors, (id) => this.#peerAlive(id)),
      });
      if (acceptors !== undefined) return { kind: 'config', acceptors };
    }
    if (this.#queue.length > 0) return { kind: 'commands', commands: this.#queue.splice(0, this.#timing.maxBatch) };
    // Phase 1 found values past this slot: fill the gap so they can be decided.
    if (this.phase1 !== undefined && this.phase1.maxReportedSlot > slot) return { kind: 'noop' };
    return undefined;
  }

  #startPhase2(slot: number, value: SlotValue<C>): void {
    const phase2 = new Phase2(slot, value, this.#now);
    this.phase2 = phase2;
    for (const acceptor of this.acceptorsForProposal(slot, value)) {
      if (acceptor !== this.id) {
        this.#send(acceptor, { type: 'accept', ballot: this.#ballot, slot, value });
      } else if (mayAccept(this.promised, this.#ballot)) {
        if (this.recordAccepted(slot, this.#ballot, value)) this.#dirty = true;
        phase2.acks.add(this.id);
      }
    }
  }

  #decide(phase2: Phase2<C>): void {
    this.phase2 = undefined;
    this.#broadcast({ type: 'decide', ballot: this.#ballot, slot: phase2.slot, value: phase2.value });
    this.#learnQuietly(phase2.slot, phase2.value);
    this.#applyAndReport();
  }

  #sendPrepares(): void {
    if (this.phase1 === undefined) return;
    const slot = this.log.firstUndecided;
    const acceptors = this.log.acceptors;
    // A leader that has just become an acceptor (it led as a learner) promises to itself like any other.
    if (acceptors.includes(this.id) && !this.phase1.hasPromised(this.id, slot) && mayPromise(this.promised, this.#ballot)) {
      this.phase1.record(this.id, slot, this.log.applied, this.log.acceptedFrom(slot));
    }
    for (const a of acceptors) {
      if (a !== this.id && !this.phase1.hasPromised(a, slot)) this.#send(a, { type: 'prepare', ballot: this.#ballot, slot });
    }
    this.phase1.sentAt = this.#now;
    this.#askedAcceptors = acceptors.join(',');
  }

  /** Re-sends unanswered prepares and accepts (messages get lost). */
  #retransmit(): void {
    if (this.phase1 !== undefined && this.phase2 === undefined && this.#now - this.phase1.sentAt >= this.#timing.retryTicks) {
      const slot = this.log.firstUndecided;
      const acceptors = this.log.acceptors;
      if (!this.quorumReached(this.phase1.promisers(slot, acceptors).length, acceptors)) this.#sendPrepares();
    }
    const inFlight = this.phase2;
    if (inFlight !== undefined && this.#now - inFlight.sentAt >= this.#timing.retryTicks) {
      for (const a of this.acceptorsForProposal(inFlight.slot, inFlight.value)) {
        if (!inFlight.acks.has(a)) this.#send(a, { type: 'accept', ballot: this.#ballot, slot: inFlight.slot, value: inFlight.value });
      }
      inFlight.sentAt = this.#now;
    }
  }

  #sendHeartbeats(): void {
    this.#heartbeatElapsed = 0;
    this.#heartbeatSeq++;
    this.#broadcast({ type: 'heartbeat', ballot: this.#ballot, seq: this.#heartbeatSeq, decidedThrough: this.log.applied });
    this.#checkLeaderReads();
  }

  // ---- proposals -------------------------------------------------------------------------------------

  /** Hands a pending proposal to the leader: into the queue if this node leads, else forwarded. */
  #submit(id: string, pending: PendingProposal<C>): void {
    pending.lastSent = this.#now;
    const command: ProposedCommand<C> = { id, proposer: this.id, command: pending.command };
    const decidedAt = this.#recent.slot(proposalKey(this.id, id));
    if (decidedAt !== undefined) {
      pending.decidedAt = decidedAt;
      this.#settleSkipped();
    } else if (this.#mode !== 'follower') {
      this.#enqueue(command);
      this.#advance();
    } else {
      const leader = this.leader;
      if (leader !== undefined) this.#send(leader, { type: 'forward', commands: [command] });
    }
  }

  #enqueue(command: ProposedCommand<C>): void {
    // This node's own proposals go in only while pending: one reported failed stays withdrawn.
    if (command.proposer === this.id && !this.#pending.has(command.id)) return;
    const key = proposalKey(command.proposer, command.id);
    if (this.#recent.slot(key) !== undefined) return;
    const same = (c: ProposedCommand<C>) => c.id === command.id && c.proposer === command.proposer;
    if (this.#queue.some(same)) return;
    const inFlight = this.phase2?.value;
    if (inFlight?.kind === 'commands' && inFlight.commands.some(same)) return;
    this.#queue.push(command);
  }

  #requeue(value: SlotValue<C>): void {
    if (value.kind === 'commands') for (const c of value.commands) this.#enqueue(c);
  }

  #retryProposals(): void {
    for (const [id, p] of this.#pending) {
      if (this.#now >= p.deadline) {
        this.#pending.delete(id);
        // A failed proposal is withdrawn from this node's own queue, so that a later leadership of this
        // node cannot decide it after its proposer was told it failed. (One already in an accept round may
        // still be chosen: that is what `timeout` means.)
        this.#queue = this.#queue.filter((c) => !(c.proposer === this.id && c.id === id));
        const code: FailureCode = this.#quorumLost ? 'no-quorum' : 'timeout';
        this.#failProposal(id, code, code === 'no-quorum' ? 'a majority of the acceptors is unreachable' : 'not decided in time');
      } else if (this.#now - p.lastSent >= 2 * this.#timing.retryTicks) {
        this.#submit(id, p);
      }
    }
  }

  /** Settles proposals known decided at slots this node skipped over with a snapshot, once applied. */
  #settleSkipped(): void {
    for (const [id, p] of this.#pending) {
      if (p.decidedAt === undefined || p.decidedAt > this.log.applied) continue;
      this.#pending.delete(id);
      this.#out.proposals.push({ id, ok: true, slot: p.decidedAt });
    }
  }

  #failProposal(id: string, code: FailureCode, reason: string): void {
    this.#out.proposals.push({ id, ok: false, code, reason });
  }

  // ---- reads -----------------------------------------------------------------------------------------

  #submitRead(id: string, read: PendingRead): void {
    read.lastSent = this.#now;
    if (this.#mode === 'leader') this.#registerLeaderRead(this.id, id);
    else if (this.#mode === 'follower' && this.leader !== undefined) this.#send(this.leader, { type: 'read', readId: id });
  }

  /** Queues a read at this leader; its confirmation round starts once the leader is up to date. */
  #registerLeaderRead(requester: string, readId: string): void {
    const same = (r: { requester: string; readId: string }) => r.requester === requester && r.readId === readId;
    if (this.#leaderReads.some(same) || this.#waitingReads.some(same)) return;
    this.#waitingReads.push({ requester, readId });
    this.#startReadRounds();
  }

  /**
   * Whether this leader knows every slot a proposer may have seen decided: phase 1 covers its first
   * undecided slot with a quorum of complete reports, and found no value there or after it. Until then
   * (a new leader recovering slots, or a configuration change whose new acceptors have not promised yet),
   * a value chosen under an earlier ballot may still be unknown to it.
   */
  #readsReady(): boolean {
    if (this.#mode !== 'leader' || this.phase1 === undefined) return false;
    const slot = this.log.firstUndecided;
    const acceptors = this.log.acceptors;
    return this.phase1.maxReportedSlot < slot && this.quorumReached(this.phase1.promisers(slot, acceptors).length, acceptors);
  }

  /**
   * Read index: every slot decided so far (the slot in flight is not included: nobody can have seen it
   * decided yet), confirmed by a heartbeat round that a quorum acknowledges in this ballot.
   */
  #startReadRounds(): void {
    if (this.#waitingReads.length === 0 || !this.#readsReady()) return;
    const seq = this.#heartbeatSeq + 1;
    const index = Math.max(this.log.applied, this.#frontier);
    for (const r of this.#waitingReads) this.#leaderReads.push({ ...r, seq, index });
    this.#waitingReads = [];
    this.#sendHeartbeats();
  }

  #checkLeaderReads(): void {
    if (this.#mode !== 'leader' || this.#leaderReads.length === 0) return;
    const acceptors = this.log.acceptors;
    this.#leaderReads = this.#leaderReads.filter((r) => {
      const confirmed = acceptors.filter((a) => a === this.id || (this.#acks.get(a) ?? -1) >= r.seq).length;
      if (!this.quorumReached(confirmed, acceptors)) return true;
      if (r.requester === this.id) {
        const read = this.#reads.get(r.readId);
        if (read !== undefined) read.index = r.index;
      } else {
        this.#send(r.requester, { type: 'read-index', readId: r.readId, slot: r.index });
      }
      return false;
    });
    this.#checkLocalReads();
  }

  #checkLocalReads(): void {
    for (const [id, read] of this.#reads) {
      if (read.index === undefined || this.log.applied < read.index) continue;
      this.#reads.delete(id);
      this.#out.reads.push({ id, ok: true, slot: this.log.applied, state: this.log.state });
    }
  }

  #retryReads(): void {
    for (const [id, read] of this.#reads) {
      if (this.#now >= read.deadline) {
        this.#reads.delete(id);
        const code: FailureCode = this.#quorumLost ? 'no-quorum' : 'timeout';
        this.#out.reads.push({ id, ok: false, code, reason: code === 'no-quorum' ? 'a majority of the acceptors is unreachable' : 'not confirmed in time' });
      } else if (read.index === undefined && this.#now - read.lastSent >= 2 * this.#timing.retryTicks) {
        this.#submitRead(id, read);
      }
    }
  }

  // ---- learning --------------------------------------------------------------------------------------

  /** Records a decided value and applies whatever became applicable. */
  #learn(slot: number, value: SlotValue<C>): void {
    this.#learnQuietly(slot, value);
    this.#applyAndReport();
    this.#advance();
  }

  #learnQuietly(slot: number, value: SlotValue<C>): void {
    if (this.log.learn(slot, value)) this.#dirty = true;
    if (this.log.known) this.#noteFrontier(slot, undefined);
  }

  #applyAndReport(): void {
    const applied = this.log.applyDecided();
    if (applied.length === 0) return;
    for (const entry of applied) {
      this.#out.applied.push(entry);
      const value = entry.value;
      if (value.kind === 'commands') {
        for (const c of value.commands) {
          this.#recent.remember(proposalKey(c.proposer, c.id), entry.slot);
          if (c.proposer === this.id && this.#pending.delete(c.id)) this.#out.proposals.push({ id: c.id, ok: true, slot: entry.slot });
        }
      } else if (value.kind === 'config') {
        this.#plannedAt = -1;
        this.#reportConfig(entry.slot + 1);
      }
    }
    if (this.log.compact(this.#timing.snapshotEvery)) this.#dirty = true;
    this.#reportStatus();
    this.#settleSkipped();
    this.#checkLocalReads();
  }

  #installSnapshot(snapshot: { slot: number; state: S; acceptors: readonly string[] }): void {
    if (!this.log.install({ slot: snapshot.slot, state: snapshot.state, acceptors: normalizeAcceptors(snapshot.acceptors) })) return;
    this.#dirty = true;
    this.#noteFrontier(snapshot.slot, undefined);
    this.#out.events.push({ type: 'restored', slot: snapshot.slot, state: snapshot.state });
    this.#reportConfig(snapshot.slot + 1);
    this.#reportStatus();
    this.#settleSkipped();
  }

  #noteFrontier(slot: number, source: string | undefined): void {
    if (slot <= this.#frontier) return;
    this.#frontier = slot;
    if (source !== undefined) this.#frontierSource = source;
  }

  /**
   * Asks for the decided slots this node is missing (rate-limited), trying in turn the node that reported
   * them, the leader, the acceptors and the other peers: any of them may have crashed since.
   */
  #catchUpIfBehind(): void {
    if (this.#frontier <= this.log.applied || this.#now - this.#lastCatchup < this.#timing.retryTicks) return;
    const targets: string[] = [];
    const add = (id: string | undefined) => {
      if (id !== undefined && id !== this.id && !targets.includes(id) && this.#peerAlive(id)) targets.push(id);
    };
    add(this.#frontierSource);
    add(this.leader);
    for (const id of this.log.acceptors) add(id);
    for (const id of this.#peers.ids()) add(id);
    const target = targets[this.#catchupAttempts++ % Math.max(1, targets.length)];
    if (target === undefined) return;
    this.#lastCatchup = this.#now;
    this.#send(target, { type: 'catchup', slot: this.log.firstUndecided });
  }

  /** A joining node asks its peers in turn for the room's state. */
  #askForState(): void {
    if (this.#now - this.#lastCatchup < this.#timing.retryTicks) return;
    const candidates = this.#peers.reachable();
    const leader = this.leader;
    const target = leader ?? candidates[this.#joinCursor++ % Math.max(1, candidates.length)];
    if (target === undefined) return;
    this.#lastCatchup = this.#now;
    this.#send(target, { type: 'catchup', slot: 0 });
  }

  // ---- membership and quorum -------------------------------------------------------------------------

  /** Reachable per the host; for a leader, also heard from within suspectTicks (since it took over). */
  #peerAlive(id: string): boolean {
    return this.#peers.alive(id, this.#now, this.#timing.suspectTicks, this.#mode === 'leader' ? this.#leaderSince : undefined);
  }

  #checkQuorum(): void {
    if (!this.log.known) return;
    const acceptors = this.log.acceptors;
    const needed = quorumSize(acceptors.length);
    const reachable = acceptors.filter((a) => a === this.id || this.#peerAlive(a)).length;
    const lost = reachable < needed;
    if (lost === this.#quorumLost) return;
    this.#quorumLost = lost;
    this.#out.events.push({ type: lost ? 'quorum-lost' : 'quorum-restored', reachable, needed });
  }

  // ---- plumbing --------------------------------------------------------------------------------------

  #observe(ballot: Ballot): void {
    if (compareBallots(ballot, this.#highestSeen) > 0) this.#highestSeen = ballot;
  }

  #send(to: string, message: Message<S, C>): void {
    this.#out.messages.push({ to, message } satisfies Envelope<S, C>);
  }

  /** Sends to every node of the room this node knows: acceptors and learners. */
  #broadcast(message: Message<S, C>): void {
    const targets = new Set<string>(this.log.acceptors);
    for (const id of this.#peers.present()) targets.add(id);
    targets.delete(this.id);
    for (const to of targets) this.#send(to, message);
  }

  #refuse(reason: string): StepResult<Message<S, C>> {
    this.stats.rejected++;
    const key = reason.length > 80 ? reason.slice(0, 80) : reason;
    this.stats.rejectedByReason[key] = (this.stats.rejectedByReason[key] ?? 0) + 1;
    return { ok: false, reason };
  }

  #randomElectionTimeout(): number {
    const e = this.#timing.electionTicks;
    return e + Math.min(e - 1, Math.floor(this.#random() * e));
  }

  #reportStatus(): void {
    const role = this.role;
    if (role !== this.#reportedRole) {
      this.#reportedRole = role;
      this.#out.events.push({ type: 'role', role });
    }
    const leader = this.leader;
    if (leader !== this.#reportedLeader) {
      this.#reportedLeader = leader;
      const ballot = this.#mode === 'leader' ? this.#ballot : this.#leaderBallot;
      this.#out.events.push({ type: 'leader', leader, ballot: leader === undefined ? undefined : ballot });
    }
  }

  #reportConfig(slot: number): void {
    const acceptors = this.log.acceptors;
    const learners = this.#peers.present().filter((id) => !acceptors.includes(id)).sort();
    if (!acceptors.includes(this.id)) learners.unshift(this.id);
    this.#out.events.push({ type: 'config', slot, acceptors, learners });
  }

  #restore(saved: PersistentState<S, C>): void {
    this.promised = saved.promised;
    this.#highestSeen = saved.promised;
    if (saved.snapshot === undefined) return;
    this.log.install(saved.snapshot);
    this.log.restoreEntries(saved.entries);
    this.#frontier = saved.snapshot.slot;
    this.#out.events.push({ type: 'restored', slot: saved.snapshot.slot, state: saved.snapshot.state });
    this.#reportConfig(saved.snapshot.slot + 1);
    for (const e of saved.entries) if (e.decided) this.#noteFrontier(e.slot, undefined);
    this.#applyAndReport();
  }

  #persistentState(): PersistentState<S, C> {
    const snapshot = this.log.snapshot;
    const entries = this.log.persistentEntries();
    return snapshot === undefined
      ? { version: 1, promised: this.promised, entries }
      : { version: 1, promised: this.promised, snapshot, entries };
  }
}
