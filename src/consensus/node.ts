/**
 * PaxosNode: one participant of Multi-Paxos ("Paxos Made Simple" §3), as a deterministic state machine
 * in the style of etcd's raft package. It never reads a clock, never draws Math.random, never does I/O:
 *
 * - inputs: {@link PaxosNode.step} (a message from a peer), {@link PaxosNode.tick} (logical time),
 *   {@link PaxosNode.propose}, {@link PaxosNode.read}, and hints from the host (peers, eligibility, timing);
 * - outputs are pulled with {@link PaxosNode.drain}, which first saves the persistent state through the
 *   injected storage and only then releases the messages: persist-before-send holds by construction.
 *
 * Every node plays all three roles of the paper: each is a learner; the nodes of the current
 * configuration are acceptors; one of them (at most one in a stable period) is the distinguished
 * proposer, the leader, which runs phase 1 once and then phase 2 for slot after slot. As a proposer a
 * node is in one of four parts, and, as in etcd, each part has its own step and tick functions, swapped
 * when the part changes:
 *
 *   follower --(election timeout)--> pre-candidate --(majority would promise)--> candidate
 *   candidate --(majority promised)--> leader;   any --(higher ballot, refusal, timeout)--> follower
 *
 * The pre-vote (acceptor.ts) is what keeps a node that cannot reach a majority from raising ballots.
 * Proposals (proposals.ts, sessions.ts), reads (read-only.ts), catch-up (catch-up.ts) and quorums
 * (quorum.ts) each have their own module.
 */
import { mayAccept, mayPromise, wouldPromise } from './acceptor.js';
import { ballotEquals, compareBallots, maxBallot, NO_BALLOT, nextBallot, type Ballot } from './ballot.js';
import { CatchUp } from './catch-up.js';
import { acceptorsAfterForce, checkedAcceptors } from './force.js';
import { Log } from './log.js';
import { planAcceptors } from './membership.js';
import { MAX_ENTRIES, MAX_ID_LENGTH, parseWire, type Message, type PromiseMessage, type Snapshot } from './messages.js';
import { assertNodeId, isNodeId } from './node-id.js';
import { resolveTiming, type PaxosNodeOptions, type Timing, type TimingOptions } from './options.js';
import { emptyOutput, type FailureCode, type NodeStats, type Output, type OutputBuffer, type Role, type StepResult } from './output.js';
import { PeerTable } from './peers.js';
import { Phase1 } from './phase1.js';
import type { Phase2 } from './phase2.js';
import { Proposals, type PendingProposal } from './proposals.js';
import { isQuorum, normalizeAcceptors, quorumSize } from './quorum.js';
import { ReadOnly, type ReadRound } from './read-only.js';
import type { StateMachine } from './state-machine.js';
import { parsePersistentState, type PersistentState, type Storage } from './storage.js';
import { sameCommand, sameValue, type AcceptedEntry, type ProposedCommand, type SlotValue } from './values.js';

/** A read of this node's, until it is answered. */
interface PendingRead {
  readonly deadline_: number;
  lastSent_: number;
  /** The read index the leader confirmed; the read answers once it is applied. */
  index_: number | undefined;
}

/** The part this node plays as a proposer, in the order of an election. */
const FOLLOWER = 0;
const PRE_CANDIDATE = 1;
const CANDIDATE = 2;
const LEADER = 3;
type Part = typeof FOLLOWER | typeof PRE_CANDIDATE | typeof CANDIDATE | typeof LEADER;

type Step<S, C> = (from: string, m: Message<S, C>) => void;

const PENDING = 'this id is already pending';

const tallyKey = (slot: number, b: Ballot): string => `${slot} ${b.round} ${b.node}`;

/** Why `id` cannot name a proposal or a read, if it cannot. */
const badId = (id: unknown): string | undefined =>
  typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? undefined : `an id is 1-${MAX_ID_LENGTH} characters`;

export class PaxosNode<S, C> {
  readonly id: string;
  // A member whose name ends in `_` is internal to the core (never on the wire, never stored): the widget
  // build shortens such names (rollup.config.mjs). The protected ones are the simulator's seams.
  protected readonly machine_: StateMachine<S, C>;
  protected readonly log_: Log<S, C>;
  readonly #storage: Storage<S, C>;
  readonly #random: () => number;
  #options: PaxosNodeOptions<S, C>;
  #timing: Timing;

  // The acceptor's persistent state (with the log, and the proposer's next sequence number).
  // TS-private rather than #private: the simulator's break-promise mutant (test/sim/mutants.ts) overwrites it.
  private promised: Ballot = NO_BALLOT;
  #dirty = false;

  // Logical time, and the room as this node sees it.
  #now = 0;
  #eligible: boolean;
  readonly #peers = new PeerTable();
  #highestSeen: Ballot = NO_BALLOT;
  #quorumLost = false;

  // The proposer: its part, that part's step and tick functions, and the part's state.
  #part: Part = FOLLOWER;
  #step: Step<S, C> = this.#stepFollower;
  #tick: () => void = this.#tickElection;
  /** The ballot of this node's pre-vote, campaign or leadership. */
  #ballot: Ballot = NO_BALLOT;
  /** The ballot of the leader this node last heard. */
  #leaderBallot: Ballot | undefined;
  #leaderSince = 0;
  /** Tick this node last heard a leader (its heartbeat, accept or decide): the pre-vote's lease. */
  #leaderHeard = -Infinity;
  #electionElapsed = 0;
  #electionTimeout: number;
  #heartbeatElapsed = 0;
  #heartbeatSeq = 0;
  /** Who would promise this node's pre-vote ballot. */
  readonly #votes = new Set<string>();
  protected phase1_: Phase1<C> | undefined;
  protected phase2_: Phase2<C> | undefined;
  #askedAcceptors = '';
  #plannedAt = -1;
  /** Commands waiting for the next slot (the leader's, or a candidate's until it leads). */
  #queue: ProposedCommand<C>[] = [];
  /** Highest heartbeat each node acked in this node's ballot. */
  readonly #acks = new Map<string, number>();
  readonly #readOnly = new ReadOnly();

  // The learner.
  readonly #catchUp = new CatchUp();
  /** `slot round node acceptor`: the acceptors that reported accepting the next slot in a ballot, the learner's tally. */
  readonly #tally = new Set<string>();

  // This node as a client of the room: its proposals and reads.
  readonly #proposals = new Proposals<C>(0);
  readonly #reads = new Map<string, PendingRead>();

  // Output since the last drain, and what was last reported.
  #out: OutputBuffer<S, C> = emptyOutput();
  #reportedRole: Role | undefined;
  #reportedLeader: string | undefined;

  /** Counters of received, sent and refused messages (a refusal's reason starts `protocol version` for another build's message). */
  readonly stats: NodeStats = { received: 0, sent: 0, rejected: 0, rejectedByReason: {} };

  constructor(options: PaxosNodeOptions<S, C>) {
    assertNodeId(options.id, 'id');
    this.id = options.id;
    this.machine_ = options.stateMachine;
    this.#storage = options.storage;
    this.#random = options.random;
    this.#eligible = options.eligible ?? true;
    this.#options = options;
    this.#timing = resolveTiming(options);
    this.#electionTimeout = this.#randomElectionTimeout();
    this.log_ = new Log(this.machine_);

    const saved = this.#storage.load();
    if (saved !== undefined) {
      // A reload: the acceptor's promise, and the log as it was saved (applied again from the snapshot).
      const { promised, seq, snapshot, entries } = parsePersistentState(saved, this.machine_);
      this.promised = this.#highestSeen = promised;
      this.#proposals.seq = seq;
      if (snapshot !== undefined) this.#installSnapshot(snapshot);
      this.log_.restoreEntries_(entries);
      for (const e of entries) if (e.decided) this.#catchUp.note_(e.slot);
      this.#applyAndReport();
    } else if (options.bootstrap !== undefined) {
      const acceptors = checkedAcceptors(options.bootstrap, this.#timing.maxAcceptors, 'bootstrap');
      this.#installSnapshot({ slot: 0, state: this.machine_.initial(), acceptors, sessions: [] });
    }
    this.#reportStatus();
  }

  // ---- inputs ----------------------------------------------------------------------------------------

  /**
   * Handles a message from peer `from`, as received on the wire ({@link toWire}'s envelope). The message is
   * untrusted: it is validated first, and a malformed one (or one of another protocol version) is refused
   * with a reason, and counted in {@link stats}, without touching any state. Never throws.
   */
  step(from: string, raw: unknown): StepResult<Message<S, C>> {
    if (!isNodeId(from)) return this.#refuse('sender is not a node id');
    if (from === this.id) return this.#refuse('a message from this node itself');
    const parsed = parseWire(raw, from, this.machine_);
    if (!parsed.ok) return this.#refuse(parsed.reason);
    this.stats.received++;
    const m = parsed.value;
    const peer = this.#peers.get_(from);
    peer.lastHeard_ = this.#now;
    switch (m.type) {
      // Every node of the configuration is an acceptor, whatever part it plays as a proposer.
      case 'pre-prepare':
        this.#onPrePrepare(from, m.ballot);
        break;
      case 'prepare':
        this.#onPrepare(from, m.ballot, m.slot);
        break;
      case 'accept':
        this.#onAccept(from, m.ballot, m.slot, m.value);
        break;
      case 'heartbeat':
        this.#onHeartbeat(from, m.ballot, m.seq, m.applied);
        break;
      // Every node is a learner.
      case 'accepted':
        // The leader counts its own way (phase 2 in flight); the others count for the next slot they need.
        if (this.#part !== LEADER && m.slot === this.log_.firstUndecided_) {
          this.#tally.add(`${tallyKey(m.slot, m.ballot)} ${from}`);
          this.#learnIfChosen(m.slot);
          this.#applyAndAdvance();
        }
        this.#step(from, m);
        break;
      case 'decide':
        this.#noteLeader(m.ballot);
        this.#learnFrom(m.slot, m.value);
        this.#applyAndAdvance();
        break;
      case 'catchup':
        this.#sendEntries(from, m.slot);
        break;
      case 'entries':
        if (m.snapshot !== undefined) this.#installSnapshot(m.snapshot);
        for (const e of m.entries) this.#learnFrom(e.slot, e.value);
        this.#applyAndAdvance();
        break;
      // Every node is a client of the leader.
      case 'read-index': {
        const read = this.#reads.get(m.readId);
        if (read !== undefined && read.index_ === undefined) read.index_ = m.slot;
        this.#answerReads();
        break;
      }
      // The proposer's messages go to the part this node plays.
      case 'ack':
        peer.eligible_ = m.eligible;
        peer.applied_ = m.applied;
        this.#step(from, m);
        // A leader that missed slots (deaf while they were chosen) learns of them from its followers'
        // progress, and catches up at its next tick: nothing else would tell it.
        this.#catchUp.note_(m.applied, from);
        break;
      default:
        this.#step(from, m);
    }
    return { ok: true, message: m };
  }

  /** Advances logical time by one tick (the browser calls it every 50 ms). */
  tick(): void {
    this.#now++;
    this.#checkQuorum();
    if (this.log_.known) this.#tick();
    this.#catchUpIfBehind();
    this.#retryProposals();
    this.#retryReads();
  }

  /**
   * Proposes `command` under `proposalId` (unique among this node's pending proposals). The outcome comes
   * out of {@link drain} in `proposals`: decided, with the slot where the command took effect (once, even
   * if the room decided it again), or failed with a code. Every proposal settles exactly once.
   */
  propose(command: C, proposalId: string): void {
    const refusal = badId(proposalId) ?? (this.#proposals.pending_.has(proposalId) ? PENDING : undefined);
    if (refusal !== undefined) return this.#fail(String(proposalId), 'invalid', refusal);
    let parsed: C;
    try {
      parsed = this.machine_.parseCommand(command);
    } catch (error) {
      return this.#fail(proposalId, 'invalid', `invalid command: ${(error as Error).message}`);
    }
    // The next sequence number is saved before the proposal leaves (drain persists first).
    this.#dirty = true;
    this.#submit(this.#proposals.add_(proposalId, parsed, this.#now + this.#timing.proposalTimeoutTicks, this.#now));
    this.#advance();
  }

  /**
   * A linearizable read (read-only.ts): answers with the state once the leader has confirmed a read index
   * with a majority of the acceptors in force at that index, and this node has applied it. The outcome
   * comes out of {@link drain} in `reads`.
   */
  read(readId: string): void {
    const refusal = badId(readId) ?? (this.#reads.has(readId) ? PENDING : undefined);
    if (refusal !== undefined) return void this.#out.reads.push({ id: String(readId), ok: false, code: 'invalid', reason: refusal });
    const read: PendingRead = { deadline_: this.#now + this.#timing.readTimeoutTicks, lastSent_: this.#now, index_: undefined };
    this.#reads.set(readId, read);
    this.#submitRead(readId, read);
  }

  /** The host saw `peer` join the room (or come back under its id). */
  peerJoined(peer: string): void {
    const view = this.#peerView(peer);
    if (view === undefined) return;
    view.left_ = false;
    view.reachable_ = true;
    // A joiner asks its first peer for the room's state at once, not at its first tick (50 ms later).
    this.#catchUpIfBehind();
  }

  /** The host saw `peer` leave the room for good: a leader replaces it if it was an acceptor. */
  peerLeft(peer: string): void {
    const view = this.#peerView(peer);
    if (view === undefined) return;
    view.left_ = true;
    view.reachable_ = false;
    this.#plannedAt = -1;
    // The leader left (its tab closed or crashed): no need to sit out an election timeout that follows the
    // room's round trips. Its lease is over here, so this node grants pre-votes and may campaign at the next
    // tick; a leader that is in fact alive still holds the others' lease, and their refusals.
    if (this.#part === FOLLOWER && peer === this.leader) {
      this.#leaderHeard = -Infinity;
      this.#electionElapsed = this.#electionTimeout;
    }
    this.#advance();
  }

  /** The host's view of the link to `peer` (data channel open or not). */
  peerReachable(peer: string, reachable: boolean): void {
    const view = this.#peerView(peer);
    if (view === undefined) return;
    view.reachable_ = reachable;
    // A leader sends a peer it can reach (again) what it lacks as far as the leader knows: a newcomer (it has
    // acknowledged nothing yet) the room's state, a peer back from a cut the slots decided since its last
    // ack. The peer's own request would wait for a heartbeat and cost another round trip (issue 12: join
    // to synced, back within 2 s of a cut). A peer that knows more ignores the copies.
    if (reachable && this.#part === LEADER && view.applied_ < this.log_.applied) this.#sendEntries(peer, view.applied_ + 1);
  }

  /**
   * Whether this node may lead. A hidden tab must not: when false the node never campaigns, and a
   * leader hands leadership to an eligible peer and steps down.
   */
  setEligible(eligible: boolean): void {
    if (this.#eligible === eligible) return;
    this.#eligible = eligible;
    if (eligible) return;
    if (this.#part === LEADER) this.#handOff();
    if (this.#part !== FOLLOWER) this.#becomeFollower();
  }

  /**
   * Changes the timeouts from now on (e.g. from measured round trips): the heartbeat period at once, the
   * election timeout when it is next drawn, the deadline of every later proposal and read. A bad value
   * throws a RangeError and changes nothing.
   */
  setTiming(timing: TimingOptions): void {
    const options = { ...this.#options, ...timing };
    this.#timing = resolveTiming(options);
    this.#options = options;
  }

  /**
   * UNSAFE operator action, like etcd's --force-new-cluster: when a majority of the acceptors is gone
   * for good, restart the room from the survivors. This node decides by itself, without any quorum,
   * that its next slot changes the acceptors to `acceptors` (default: itself and the live nodes it knows,
   * up to maxAcceptors), then runs phase 1 on that set. If the lost acceptors were in fact alive and
   * deciding, the room's history can fork. Use only when they cannot come back.
   */
  forceReconfigure(acceptors?: readonly string[]): void {
    if (!this.log_.known) throw new Error('forceReconfigure: no room state yet');
    if (!this.#eligible) throw new Error('forceReconfigure: a hidden tab may not lead');
    const value: SlotValue<C> = { kind: 'config', acceptors: acceptorsAfterForce(this.id, acceptors, this.#peers.ids_(false), this.#timing.maxAcceptors) };
    const slot = this.log_.firstUndecided_;
    this.#learn(slot, value);
    this.#applyAndReport();
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
    this.#out = emptyOutput();
    this.stats.sent += out.messages.length;
    return out;
  }

  // ---- views -----------------------------------------------------------------------------------------

  /** The state after {@link applied}. Throws while the node has not received the room's state. */
  get state(): S {
    return this.log_.state;
  }

  /** Last applied slot (-1 while the node has no state). */
  get applied(): number {
    return this.log_.applied;
  }

  /** Whether the node holds the room's state. */
  get known(): boolean {
    return this.log_.known;
  }

  get role(): Role {
    if (this.#part === LEADER) return 'leader';
    return this.log_.acceptors.includes(this.id) ? 'acceptor' : 'learner';
  }

  /** The node this node believes leads, if any. */
  get leader(): string | undefined {
    if (this.#part === LEADER) return this.id;
    const node = this.#leaderBallot?.node;
    return node === this.id ? undefined : node;
  }

  /** Acceptors of the next undecided slot. */
  get acceptors(): readonly string[] {
    return this.log_.acceptors;
  }

  /** The highest ballot this node has promised. */
  get promisedBallot(): Ballot {
    return this.promised;
  }

  /** Proposals of this node still waiting to settle. */
  get pendingProposals(): number {
    return this.#proposals.pending_.size;
  }

  // ---- rules that the simulator's planted bugs replace --------------------------------------------

  /** Whether the members of `acceptors` that `voted` are a quorum: a majority (quorum.ts). */
  protected isQuorum_(acceptors: readonly string[], voted: (id: string) => boolean): boolean {
    return isQuorum(acceptors, voted);
  }

  /** P2c: the value a leader must propose at `slot`, from the promises of `promisers`, if any. */
  protected recoveredValue_(phase1: Phase1<C>, slot: number, promisers: readonly string[]): AcceptedEntry<C> | undefined {
    return phase1.highestAccepted_(slot, promisers);
  }

  /** The acceptors of the slot in flight: those fixed by the slots before it (alpha = 1). */
  protected acceptorsForProposal_(_slot: number, _value: SlotValue<C>): readonly string[] {
    return this.log_.acceptors;
  }

  /** Records an accepted value in the log (the acceptor's durable memory). */
  protected recordAccepted_(slot: number, ballot: Ballot, value: SlotValue<C>): boolean {
    return this.log_.accept_(slot, ballot, value);
  }

  /** Whether a command must take no effect: the sessions remember it (sessions.ts). */
  protected isCopy_(c: ProposedCommand<C>): boolean {
    return this.log_.sessions_.isCopy(c);
  }

  /** Rule 2 of read-only.ts: a majority of the round's acceptors promised this ballot and acked after it began. */
  protected readConfirmed_(round: ReadRound, acked: (id: string) => boolean): boolean {
    return this.isQuorum_(round.acceptors, (a) => acked(a) && !!this.phase1_?.hasPromised_(a, round.index_ + 1));
  }

  // ---- the acceptor ----------------------------------------------------------------------------------

  /** Pre-vote (acceptor.ts): would this node promise `ballot`? Answering changes nothing here. */
  #onPrePrepare(from: string, ballot: Ballot): void {
    if (!this.log_.known) return;
    // Heard within the election timeout, a leader is live. (Not a campaign: pre-candidates back to
    // following after a refusal would refuse each other for a whole timeout, and nobody would win.)
    const liveLeader = this.#part === LEADER || this.#now - this.#leaderHeard < this.#timing.electionTicks;
    if (wouldPromise(this.promised, ballot, liveLeader)) this.#send(from, { type: 'pre-promise', ballot });
    else this.#nack(from, ballot, this.log_.firstUndecided_);
  }

  /** Phase 1b: promise `ballot` and report what was accepted and decided from `slot` on. */
  #onPrepare(from: string, ballot: Ballot, slot: number): void {
    this.#observe(ballot);
    if (!this.log_.known) return; // a joining node holds no acceptor state yet
    if (!mayPromise(this.promised, ballot)) return this.#nack(from, ballot, slot);
    this.#promise(ballot);
    // Whoever promises another proposer's ballot stops proposing.
    if (this.#part !== FOLLOWER) this.#becomeFollower();
    this.#electionElapsed = 0; // someone is campaigning: give it time
    this.#send(from, {
      type: 'promise',
      ballot,
      slot,
      applied: this.log_.applied,
      accepted: this.log_.acceptedFrom_(slot),
      decided: this.log_.decidedFrom_(slot, MAX_ENTRIES),
    });
    // A proposer behind our snapshot cannot learn the compacted slots from the promise: send them.
    if (slot <= (this.log_.snapshot?.slot ?? -1)) this.#sendEntries(from, slot);
  }

  /** Phase 2b: accept `value` at `slot` unless a higher ballot is promised. */
  #onAccept(from: string, ballot: Ballot, slot: number, value: SlotValue<C>): void {
    this.#observe(ballot);
    if (!this.log_.known) return;
    if (!mayAccept(this.promised, ballot)) return this.#nack(from, ballot, slot);
    this.#promise(ballot);
    this.#noteLeader(ballot);
    if (this.recordAccepted_(slot, ballot, value)) this.#dirty = true;
    // Phase 2b goes to the leader and to every other acceptor of the slot, so that each learns the slot
    // from the acceptors (one message delay before the leader's decide would reach it).
    for (const to of new Set([from, ...this.acceptorsForProposal_(slot, value)])) if (to !== this.id) this.#send(to, { type: 'accepted', ballot, slot });
    this.#learnIfChosen(slot);
    this.#applyAndReport();
  }

  /** A leader's heartbeat: acked (with this node's progress) unless a higher ballot is promised. */
  #onHeartbeat(from: string, ballot: Ballot, seq: number, applied: number): void {
    this.#observe(ballot);
    const refused = this.log_.known && compareBallots(ballot, this.promised) < 0;
    if (refused) this.#nack(from, ballot, this.log_.firstUndecided_);
    // A learner follows a live leader whatever it promised when it was an acceptor (it still does not
    // ack: an ack says "nothing higher promised"); an acceptor that promised a higher ballot does not.
    if (refused && this.log_.acceptors.includes(this.id)) return;
    this.#noteLeader(ballot);
    this.#catchUp.note_(applied, from);
    if (!refused) this.#send(from, { type: 'ack', ballot, seq, applied: this.log_.applied, eligible: this.#eligible });
    this.#catchUpIfBehind();
  }

  #promise(ballot: Ballot): void {
    if (compareBallots(ballot, this.promised) <= 0) return;
    this.promised = ballot;
    this.#dirty = true;
  }

  #nack(to: string, ballot: Ballot, slot: number): void {
    this.#send(to, { type: 'nack', ballot, promised: this.promised, slot });
  }

  // ---- the proposer: one step and one tick function per part -----------------------------------------

  /** Follower: the leader's messages reach it as an acceptor and a learner; a handoff makes it campaign. */
  #stepFollower(_from: string, m: Message<S, C>): void {
    if (m.type !== 'handoff') return;
    this.#observe(m.ballot);
    if (this.#eligible && this.log_.known) this.#campaign();
  }

  /**
   * Pre-candidate and candidate (as etcd's stepCandidate): pre-promises, then promises; a refusal sends
   * it back to following. Proposals and reads sent to it wait in its queues until it leads.
   */
  #stepCandidate(from: string, m: Message<S, C>): void {
    switch (m.type) {
      case 'pre-promise':
        if (this.#part !== PRE_CANDIDATE || !ballotEquals(m.ballot, this.#ballot)) return;
        this.#votes.add(from);
        if (this.isQuorum_(this.log_.acceptors, (a) => this.#votes.has(a))) this.#campaign();
        return;
      case 'promise':
        return this.#onPromise(from, m);
      case 'nack':
        return this.#onNack(from, m.ballot, m.promised);
      case 'forward':
        for (const c of m.commands) this.#enqueue(c);
        return this.#advance();
      case 'read':
        this.#readOnly.add_(from, m.readId);
        return this.#startReadRound();
      default:
        return this.#stepFollower(from, m);
    }
  }

  /** Leader: phase 2 and read confirmations; promises still come from new acceptors after a change. */
  #stepLeader(from: string, m: Message<S, C>): void {
    if (m.type === 'accepted') {
      if (!ballotEquals(m.ballot, this.#ballot) || this.phase2_?.slot !== m.slot) return;
      this.phase2_.acks_.add(from);
      this.#advance();
    } else if (m.type === 'ack') {
      if (!ballotEquals(m.ballot, this.#ballot)) return;
      this.#acks.set(from, Math.max(this.#acks.get(from) ?? -1, m.seq));
      this.#confirmReads();
    } else {
      this.#stepCandidate(from, m);
    }
  }

  /** Follower: counts silence; past the election timeout, a pre-vote (when it could win). */
  #tickElection(): void {
    this.#electionElapsed++;
    if (this.#shouldCampaign()) this.#preCampaign();
  }

  /**
   * Pre-candidate and candidate: re-sends prepares; no majority would promise, or promised, within the
   * election timeout: back to following. A candidate campaigns again only through a new pre-vote, so one
   * cut off from a majority raises no ballot again (issue 12: one cut off for 20 s climbed 40 rounds, then
   * deposed the leader).
   */
  #tickCandidate(): void {
    if (++this.#electionElapsed >= this.#electionTimeout) this.#becomeFollower();
    else this.#retransmit();
  }

  /** Leader: heartbeats, re-sends, the next slot. */
  #tickLeader(): void {
    if (++this.#heartbeatElapsed >= this.#timing.heartbeatTicks) this.#sendHeartbeats();
    this.#retransmit();
    this.#advance();
  }

  /** Whether a follower should start a pre-vote now. */
  #shouldCampaign(): boolean {
    // A node cut off from a majority could never win: campaigning would only raise its ballot and, once
    // the partition heals, depose a leader that was doing fine (the "disruptive rejoin" problem).
    if (!this.#eligible || this.#quorumLost) return false;
    const acceptors = this.log_.acceptors;
    // A lone acceptor with no leader in sight needs nobody's promise: it leads at once.
    if (acceptors.length === 1 && acceptors[0] === this.id && this.#leaderBallot === undefined) return true;
    // Learners wait longer, so that an acceptor usually wins.
    return this.#electionElapsed >= this.#electionTimeout * (acceptors.includes(this.id) ? 1 : 3);
  }

  /** Back to following (etcd's becomeFollower): what the node proposed or confirmed as a leader is dropped. */
  #becomeFollower(): void {
    this.#become(FOLLOWER, this.#stepFollower, this.#tickElection);
  }

  /** Pre-vote: asks the acceptors whether they would promise the next ballot. Nothing is promised yet. */
  #preCampaign(): void {
    this.#become(PRE_CANDIDATE, this.#stepCandidate, this.#tickCandidate);
    this.#ballot = nextBallot(maxBallot(this.promised, this.#highestSeen), this.id);
    const acceptors = this.log_.acceptors;
    if (acceptors.includes(this.id)) this.#votes.add(this.id);
    if (this.isQuorum_(acceptors, (a) => this.#votes.has(a))) return this.#campaign();
    for (const a of acceptors) if (a !== this.id) this.#send(a, { type: 'pre-prepare', ballot: this.#ballot });
  }

  /** Phase 1a: a new ballot above every ballot seen, promised to itself first. */
  #campaign(): void {
    if (!this.#eligible || !this.log_.known) return;
    this.#become(CANDIDATE, this.#stepCandidate, this.#tickCandidate);
    this.promised = this.#highestSeen = this.#ballot = nextBallot(maxBallot(this.promised, this.#highestSeen), this.id);
    this.#dirty = true;
    const phase1 = (this.phase1_ = new Phase1(this.#ballot));
    const slot = this.log_.firstUndecided_;
    if (this.log_.acceptors.includes(this.id)) phase1.record_(this.id, slot, this.log_.applied, this.log_.acceptedFrom_(slot));
    this.#advance();
  }

  #becomeLeader(): void {
    this.#part = LEADER;
    this.#step = this.#stepLeader;
    this.#tick = this.#tickLeader;
    this.#leaderBallot = this.#ballot;
    this.#leaderSince = this.#now;
    this.#sendHeartbeats();
    this.#reportStatus();
    this.#resubmit();
  }

  /** Enters `part` with its step and tick functions, from a clean slate. */
  #become(part: Part, step: Step<S, C>, tick: () => void): void {
    this.#part = part;
    this.#step = step;
    this.#tick = tick;
    this.phase1_ = undefined;
    this.phase2_ = undefined;
    this.#queue = [];
    this.#readOnly.reset();
    this.#acks.clear();
    this.#votes.clear();
    this.#askedAcceptors = '';
    this.#electionElapsed = 0;
    this.#electionTimeout = this.#randomElectionTimeout();
    this.#reportStatus();
  }

  /** A refusal: another ballot is promised. Only an acceptor of this node's configuration can defeat its ballot. */
  #onNack(from: string, ballot: Ballot, promised: Ballot): void {
    this.#observe(promised);
    if (ballotEquals(ballot, this.#ballot) && this.log_.acceptors.includes(from)) this.#becomeFollower();
  }

  #onPromise(from: string, m: PromiseMessage<C>): void {
    this.#observe(m.ballot);
    if (this.phase1_ === undefined || !ballotEquals(m.ballot, this.#ballot)) return;
    this.phase1_.record_(from, m.slot, m.applied, m.accepted);
    for (const e of m.decided) this.#learnFrom(e.slot, e.value);
    this.#catchUp.note_(m.applied, from);
    this.#applyAndAdvance();
  }

  /** Asks the most suitable eligible peer to take over now, instead of waiting for an election timeout. */
  #handOff(): void {
    // A live, eligible peer that holds the state; an acceptor if there is one (it needs no promotion).
    const ready = [...this.#peers.entries_()].filter(([id, p]) => p.eligible_ && p.applied_ >= 0 && this.#peerAlive(id)).map(([id]) => id);
    const best = ready.find((id) => this.log_.acceptors.includes(id)) ?? ready[0];
    if (best !== undefined) this.#send(best, { type: 'handoff', ballot: this.#ballot });
  }

  /** Learns of a leader's ballot from its heartbeat, accept or decide. */
  #noteLeader(ballot: Ballot): void {
    this.#observe(ballot);
    if (this.#part !== FOLLOWER) {
      // A campaign or a leadership yields to a higher ballot; a pre-vote, which holds none, to any leader this node may follow.
      if (this.#part === PRE_CANDIDATE ? !mayAccept(this.promised, ballot) : compareBallots(ballot, this.#ballot) <= 0) return;
      this.#becomeFollower();
    }
    // An older leader's message is ignored, unless the newer one has fallen silent (a learner may have
    // heard of a ballot that never got a majority).
    if (this.#leaderBallot !== undefined && compareBallots(ballot, this.#leaderBallot) < 0 && this.#now - this.#leaderHeard < this.#timing.electionTicks) return;
    this.#electionElapsed = 0;
    this.#leaderHeard = this.#now;
    if (ballotEquals(ballot, this.#leaderBallot)) return;
    this.#leaderBallot = ballot;
    this.#reportStatus();
    this.#resubmit(); // a new leader: hand it whatever is still pending here
  }

  /**
   * The leader's loop: slot after slot, make sure phase 1 covers the slot (a quorum of its acceptors has
   * promised), pick the value (the highest accepted one found by phase 1, else a configuration change,
   * else the queued commands), run phase 2, decide, and go on. One slot is in flight at a time.
   */
  #advance(): void {
    this.#advanceSlots();
    this.#startReadRound();
  }

  #advanceSlots(): void {
    for (let phase1; (phase1 = this.phase1_) !== undefined; ) {
      const slot = this.log_.firstUndecided_;
      const inFlight = this.phase2_;
      if (inFlight !== undefined) {
        if (inFlight.slot < slot) {
          // Decided while in flight (possibly with another ballot's value): re-queue what did not make it.
          this.phase2_ = undefined;
          if (inFlight.value.kind === 'commands') for (const c of inFlight.value.commands) this.#enqueue(c);
          continue;
        }
        if (!this.isQuorum_(this.acceptorsForProposal_(inFlight.slot, inFlight.value), (a) => inFlight.acks_.has(a))) return;
        this.#decide(inFlight);
        continue;
      }
      // Phase 1 covers this slot when a quorum of its acceptors promised with complete reports of it. An
      // acceptor that had already applied the slot may have compacted it away: this node learns the slot
      // from it (catch-up, driven by the frontier its promise raised) or does without its report.
      if (!this.#phase1Covers(slot)) {
        if (this.log_.acceptors.join() === this.#askedAcceptors) return; // waiting for promises
        this.#sendPrepares(); // a new acceptor set: phase 1 on it
        if (!this.#phase1Covers(slot)) return;
      }
      if (this.#part === CANDIDATE) this.#becomeLeader();
      const recovered = this.recoveredValue_(phase1, slot, this.log_.acceptors.filter((a) => phase1.covers_(a, slot)));
      const value = recovered?.value ?? this.#freshValue(slot);
      if (value === undefined) return;
      this.#startPhase2(slot, value);
    }
  }

  /** Whether a quorum of the acceptors of `slot` promised this ballot with complete reports of it. */
  #phase1Covers(slot: number): boolean {
    return this.isQuorum_(this.log_.acceptors, (a) => !!this.phase1_?.covers_(a, slot));
  }

  /** What a leader proposes at a slot where phase 1 found nothing: membership first, then commands. */
  #freshValue(slot: number): SlotValue<C> | undefined {
    if (this.#part === LEADER && this.#plannedAt !== this.#now) {
      // Liveness of peers changes with time and hints, not with every message: plan once per tick.
      this.#plannedAt = this.#now;
      const acceptors = planAcceptors({
        acceptors: this.log_.acceptors,
        maxAcceptors: this.#timing.maxAcceptors,
        self: this.id,
        peers: this.#peers.statuses_(this.log_.acceptors, (id) => this.#peerAlive(id)),
      });
      if (acceptors !== undefined) return { kind: 'config', acceptors };
    }
    // The queue, less what took effect since it was queued (phase 1 may have recovered a copy).
    const batch: ProposedCommand<C>[] = [];
    while (this.#queue.length > 0 && batch.length < this.#timing.maxBatch) {
      const c = this.#queue.shift() as ProposedCommand<C>;
      if (!this.isCopy_(c) && !batch.some((b) => sameCommand(b, c))) batch.push(c);
    }
    if (batch.length > 0) return { kind: 'commands', commands: batch };
    // Phase 1 found values past this slot: fill the gap so they can be decided.
    if ((this.phase1_?.maxReportedSlot_ ?? 0) > slot) return { kind: 'noop' };
    return undefined;
  }

  #startPhase2(slot: number, value: SlotValue<C>): void {
    this.#sendAccepts((this.phase2_ = { slot, value, acks_: new Set(), sentAt_: 0 }));
  }

  /** Phase 2a: asks the acceptors of the slot that have not accepted yet (this node accepts at once). */
  #sendAccepts(p: Phase2<C>): void {
    const { slot, value } = p;
    p.sentAt_ = this.#now;
    for (const a of this.acceptorsForProposal_(slot, value)) {
      if (p.acks_.has(a)) continue;
      if (a !== this.id) {
        this.#send(a, { type: 'accept', ballot: this.#ballot, slot, value });
      } else if (mayAccept(this.promised, this.#ballot)) {
        if (this.recordAccepted_(slot, this.#ballot, value)) this.#dirty = true;
        p.acks_.add(a);
      }
    }
  }

  #decide(phase2: Phase2<C>): void {
    this.phase2_ = undefined;
    this.#broadcast({ type: 'decide', ballot: this.#ballot, slot: phase2.slot, value: phase2.value });
    this.#learn(phase2.slot, phase2.value);
    this.#applyAndReport();
  }

  #sendPrepares(): void {
    const phase1 = this.phase1_;
    if (phase1 === undefined) return;
    const slot = this.log_.firstUndecided_;
    const acceptors = this.log_.acceptors;
    // A leader that has just become an acceptor (it led as a learner) promises to itself like any other.
    if (acceptors.includes(this.id) && !phase1.hasPromised_(this.id, slot) && mayPromise(this.promised, this.#ballot)) {
      phase1.record_(this.id, slot, this.log_.applied, this.log_.acceptedFrom_(slot));
    }
    for (const a of acceptors) {
      if (a !== this.id && !phase1.hasPromised_(a, slot)) this.#send(a, { type: 'prepare', ballot: this.#ballot, slot });
    }
    phase1.sentAt_ = this.#now;
    this.#askedAcceptors = acceptors.join();
  }

  /** Re-sends unanswered prepares and accepts (messages get lost). */
  #retransmit(): void {
    if (this.phase1_ !== undefined && this.phase2_ === undefined && this.#now - this.phase1_.sentAt_ >= this.#timing.retryTicks) {
      if (!this.#phase1Covers(this.log_.firstUndecided_)) this.#sendPrepares();
    }
    const inFlight = this.phase2_;
    if (inFlight !== undefined && this.#now - inFlight.sentAt_ >= this.#timing.retryTicks) this.#sendAccepts(inFlight);
  }

  #sendHeartbeats(): void {
    this.#heartbeatElapsed = 0;
    this.#broadcast({ type: 'heartbeat', ballot: this.#ballot, seq: ++this.#heartbeatSeq, applied: this.log_.applied });
    this.#confirmReads();
  }

  // ---- proposals (this node's own: proposals.ts; the room's memory of them: sessions.ts) -------------

  /** Hands a pending proposal to the leader: into the queue if this node proposes, else forwarded. */
  #submit(p: PendingProposal<C>): void {
    p.lastSent_ = this.#now;
    const c = this.#proposals.wire_(p, this.id);
    // A proposer queues it (the caller then advances: becoming leader re-submits from inside the loop).
    if (this.#proposing()) {
      this.#enqueue(c);
    } else {
      this.#toLeader({ type: 'forward', commands: [c] });
    }
  }

  /** Whether this node leads, or campaigns to: proposals and reads then wait here. */
  #proposing(): boolean {
    return this.#part >= CANDIDATE;
  }

  #toLeader(m: Message<S, C>): void {
    if (this.leader !== undefined) this.#send(this.leader, m);
  }

  /** Queues a command for the next slot, unless it took effect already or is queued or in flight. */
  #enqueue(c: ProposedCommand<C>): void {
    // This node's own proposals go in only while pending: one reported failed stays withdrawn.
    if (c.proposer === this.id && !this.#proposals.pending_.has(c.id)) return;
    if (this.isCopy_(c) || this.#queue.some((q) => sameCommand(q, c))) return;
    const inFlight = this.phase2_?.value;
    if (inFlight?.kind === 'commands' && inFlight.commands.some((q) => sameCommand(q, c))) return;
    this.#queue.push(c);
  }

  #resubmit(): void {
    for (const p of this.#proposals.pending_.values()) this.#submit(p);
    for (const [id, r] of this.#reads) if (r.index_ === undefined) this.#submitRead(id, r);
  }

  #retryProposals(): void {
    for (const p of this.#proposals.pending_.values()) {
      if (this.#now >= p.deadline_) {
        this.#proposals.pending_.delete(p.id);
        // A failed proposal is withdrawn from this node's own queue, so that a later leadership of this
        // node cannot decide it after its proposer was told it failed. (One already in an accept round may
        // still take effect, until this node's next command does: see sessions.ts.)
        this.#queue = this.#queue.filter((c) => !(c.proposer === this.id && c.id === p.id));
        this.#out.proposals.push(this.#giveUp(p.id, 'decided'));
      } else if (this.#now - p.lastSent_ >= 2 * this.#timing.retryTicks) {
        this.#submit(p);
      }
    }
  }

  /**
   * Settles the proposals the room's sessions say took effect: at the slot of the first effect, also when
   * the room decided a copy again, or when this node skipped that slot with a snapshot.
   */
  #settleProposals(): void {
    const sessions = this.log_.sessions_;
    for (const p of this.#proposals.pending_.values()) {
      const slot = sessions.firstEffect_(this.id, p.seq);
      if (slot === undefined) continue;
      this.#proposals.pending_.delete(p.id);
      this.#out.proposals.push({ id: p.id, ok: true, slot });
    }
  }

  #fail(id: string, code: FailureCode, reason: string): void {
    this.#out.proposals.push({ id, ok: false, code, reason });
  }

  /** The failure of a proposal or read that is given up: no quorum, or not `done` in time. */
  #giveUp(id: string, done: string): { id: string; ok: false; code: FailureCode; reason: string } {
    const lost = this.#quorumLost;
    return { id, ok: false, code: lost ? 'no-quorum' : 'timeout', reason: lost ? 'a majority of the acceptors is unreachable' : `not ${done} in time` };
  }

  // ---- reads (the leader's side: read-only.ts) -------------------------------------------------------

  #submitRead(id: string, read: PendingRead): void {
    read.lastSent_ = this.#now;
    if (this.#proposing()) {
      this.#readOnly.add_(this.id, id);
      this.#startReadRound();
    } else {
      this.#toLeader({ type: 'read', readId: id });
    }
  }

  /** Fixes the index of the waiting reads, once rule 1 of read-only.ts holds, and asks for a confirmation round. */
  #startReadRound(): void {
    const phase1 = this.phase1_;
    const slot = this.log_.firstUndecided_;
    const inFlight = this.phase2_;
    if (
      !this.#readOnly.waiting_ ||
      this.#part !== LEADER ||
      phase1 === undefined ||
      phase1.maxReportedSlot_ >= slot ||
      !this.#phase1Covers(slot) ||
      inFlight?.value.kind === 'config'
    ) {
      return;
    }
    this.#readOnly.start_(inFlight?.slot ?? this.log_.applied, this.log_.acceptors, this.#heartbeatSeq + 1);
    this.#sendHeartbeats();
  }

  /** Answers the reads of every confirmed round (rule 2 of read-only.ts). */
  #confirmReads(): void {
    const acked = (seq: number) => (a: string) => a === this.id || (this.#acks.get(a) ?? -1) >= seq;
    for (const round of this.#readOnly.advance_((r) => this.readConfirmed_(r, acked(r.seq)))) {
      for (const { requester, readId } of round.requests) {
        const read = requester === this.id ? this.#reads.get(readId) : undefined;
        if (read !== undefined) read.index_ = round.index_;
        else if (requester !== this.id) this.#send(requester, { type: 'read-index', readId, slot: round.index_ });
      }
    }
    this.#answerReads();
  }

  #answerReads(): void {
    for (const [id, read] of this.#reads) {
      if (read.index_ === undefined || this.log_.applied < read.index_) continue;
      this.#reads.delete(id);
      this.#out.reads.push({ id, ok: true, slot: this.log_.applied, state: this.log_.state });
    }
  }

  #retryReads(): void {
    for (const [id, read] of this.#reads) {
      if (this.#now >= read.deadline_) {
        this.#reads.delete(id);
        this.#out.reads.push(this.#giveUp(id, 'confirmed'));
      } else if (read.index_ === undefined && this.#now - read.lastSent_ >= 2 * this.#timing.retryTicks) {
        this.#submitRead(id, read);
      }
    }
  }

  // ---- the learner (catch-up: catch-up.ts) -----------------------------------------------------------

  /** Records a decided value; false when it was known. */
  #learn(slot: number, value: SlotValue<C>): boolean {
    if (!this.log_.learn_(slot, value)) return false;
    this.#dirty = true;
    if (this.log_.known) this.#catchUp.note_(slot);
    return true;
  }

  /**
   * Records a value another node says was decided. Rule 3 of read-only.ts: a leader decides every slot
   * from its first undecided one itself, so one decided by another proposer means its ballot is no longer
   * the newest: it steps down. Its own slot in flight is not such a slot: the acceptors tell each other
   * what they accepted, so a follower may learn it chosen, and tell the leader, before the leader counts
   * the acceptances itself.
   */
  #learnFrom(slot: number, value: SlotValue<C>): void {
    const ahead = slot >= this.log_.firstUndecided_;
    const own = this.phase2_?.slot === slot && sameValue(this.phase2_.value, value);
    if (this.#learn(slot, value) && ahead && !own && this.#part === LEADER) this.#becomeFollower();
  }

  /**
   * The value this node accepted for `slot` is chosen once a majority of the slot's acceptors accepted it in
   * the same ballot (one value per slot and ballot: the ballot's leader proposed it); then it is learned.
   */
  #learnIfChosen(slot: number): void {
    const mine = this.log_.acceptedFrom_(slot)[0];
    if (mine?.slot === slot && this.isQuorum_(this.acceptorsForProposal_(slot, mine.value), (a) => a === this.id || this.#tally.has(`${tallyKey(slot, mine.ballot)} ${a}`))) this.#learnFrom(slot, mine.value);
  }

  #applyAndAdvance(): void {
    this.#applyAndReport();
    this.#advance();
  }

  #applyAndReport(): void {
    const applied = this.log_.applyDecided_((c) => this.isCopy_(c));
    if (applied.length === 0) return;
    this.#tally.clear(); // the slots it counted are decided
    for (const entry of applied) {
      this.#out.applied.push(entry);
      if (entry.value.kind === 'config') {
        this.#plannedAt = -1;
        this.#reportConfig(entry.slot + 1);
      }
    }
    if (this.log_.compact_(this.#timing.snapshotEvery)) this.#dirty = true;
    this.#reportStatus();
    this.#settleProposals();
    this.#answerReads();
  }

  #installSnapshot(snapshot: Snapshot<S>): void {
    if (snapshot.slot <= this.log_.applied) return;
    if (this.#part === LEADER) this.#becomeFollower(); // others decided past this leader: rule 3
    this.log_.install_({ ...snapshot, acceptors: normalizeAcceptors(snapshot.acceptors) });
    this.#dirty = true;
    this.#catchUp.note_(snapshot.slot);
    this.#out.events.push({ type: 'restored', slot: snapshot.slot, state: snapshot.state });
    this.#reportConfig(snapshot.slot + 1);
    this.#reportStatus();
    this.#settleProposals();
  }

  /**
   * Sends the decided slots from `slot` on; to a node behind the last snapshot, the state after the applied
   * slot instead: a newcomer's push then fits one relayed signal, where the last snapshot and up to
   * `snapshotEvery` slots after it took several (issue 12: join to synced). (Slots decided past a gap in this
   * log follow when the node asks for them.)
   */
  #sendEntries(to: string, slot: number): void {
    const log = this.log_;
    if (log.snapshot === undefined) return;
    if (slot <= log.snapshot.slot) return this.#send(to, { type: 'entries', snapshot: log.appliedSnapshot_(), entries: [] });
    const entries = log.decidedFrom_(slot, MAX_ENTRIES);
    if (entries.length > 0) this.#send(to, { type: 'entries', entries });
  }

  /**
   * Asks a peer for the decided slots this node is missing (rate-limited, a different peer each time); a
   * joining node, for the room's state.
   */
  #catchUpIfBehind(): void {
    const known = this.log_.known;
    if (known && this.#catchUp.frontier_ <= this.log_.applied) return;
    const peers = known ? [...this.log_.acceptors, ...this.#peers.ids_(true)] : this.#peers.ids_(false);
    const to = this.#catchUp.next_(this.#now, this.#timing.retryTicks, [this.leader, ...peers], (id) => id !== this.id && (!known || this.#peerAlive(id)));
    if (to !== undefined) this.#send(to, { type: 'catchup', slot: known ? this.log_.firstUndecided_ : 0 });
  }

  // ---- membership and quorum -------------------------------------------------------------------------

  /** Reachable per the host; for a leader, also heard from within suspectTicks (since it took over). */
  #peerAlive(id: string): boolean {
    return this.#peers.alive_(id, this.#now, this.#timing.suspectTicks, this.#part === LEADER ? this.#leaderSince : undefined);
  }

  #checkQuorum(): void {
    if (!this.log_.known) return;
    const acceptors = this.log_.acceptors;
    const needed = quorumSize(acceptors.length);
    const reachable = acceptors.filter((a) => a === this.id || this.#peerAlive(a)).length;
    const lost = reachable < needed;
    if (lost === this.#quorumLost) return;
    this.#quorumLost = lost;
    this.#out.events.push({ type: lost ? 'quorum-lost' : 'quorum-restored', reachable, needed });
  }

  #peerView(peer: string) {
    assertNodeId(peer, 'peer');
    return peer === this.id ? undefined : this.#peers.get_(peer);
  }

  // ---- plumbing --------------------------------------------------------------------------------------

  #observe(ballot: Ballot): void {
    if (compareBallots(ballot, this.#highestSeen) > 0) this.#highestSeen = ballot;
  }

  #send(to: string, message: Message<S, C>): void {
    this.#out.messages.push({ to, message });
  }

  /** Sends to every node of the room this node knows: acceptors and learners. */
  #broadcast(message: Message<S, C>): void {
    const targets = new Set<string>(this.log_.acceptors);
    for (const id of this.#peers.ids_(true)) targets.add(id);
    targets.delete(this.id);
    for (const to of targets) this.#send(to, message);
  }

  #refuse(reason: string): StepResult<Message<S, C>> {
    this.stats.rejected++;
    const key = reason.slice(0, 80);
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
      const ballot = this.#part === LEADER ? this.#ballot : this.#leaderBallot;
      this.#out.events.push({ type: 'leader', leader, ballot: leader === undefined ? undefined : ballot });
    }
  }

  #reportConfig(slot: number): void {
    const acceptors = this.log_.acceptors;
    const learners = this.#peers.ids_(true).filter((id) => !acceptors.includes(id)).sort();
    if (!acceptors.includes(this.id)) learners.unshift(this.id);
    this.#out.events.push({ type: 'config', slot, acceptors, learners });
  }

  #persistentState(): PersistentState<S, C> {
    // Without a snapshot yet, `snapshot` is undefined: JSON leaves it out.
    return { version: 2, promised: this.promised, seq: this.#proposals.seq, snapshot: this.log_.snapshot as Snapshot<S>, entries: this.log_.persistentEntries_() };
  }
}
