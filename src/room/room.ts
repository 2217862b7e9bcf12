/**
 * Room: the host of one node of a room, in the etcd-raft sense. It owns the consensus node and drives it with
 * real time and real I/O: a tick timer, the mesh for protocol messages, the signaling client for peers coming
 * and going, sessionStorage for the acceptor's durable state, and the shared clock. After every input it
 * drains the node (which persists before it releases anything), sends the messages, reports the slots the
 * node applied, and settles proposals and reads.
 *
 * It speaks its own vocabulary (room-events.ts: events, status, errors) and knows nothing of the DOM element
 * or the `<video>`: the element listens to `state` and asks for proposals. The network comes in through a
 * {@link RoomTransport} (the real one by default), so the room can be tested on its own.
 */
import { PaxosNode, summarizeMessage, type Message, type NodeEvent, type Output, type Role } from '../consensus/index.js';
import { compareHistories, historyOf, newHistory, seal } from './history.js';
import { type RoomMesh, type RoomTransport, webRtcTransport } from './room-transport.js';
import type { TimeSample } from '../net/signaling-client.js';
import type { SignalingError } from '../net/signaling-error.js';
import { SharedClock, type SharedClockOptions } from '../playback/shared-clock.js';
import { type VideoCommand, type VideoState, atSlot, initialVideoState, videoStateMachine } from '../playback/video-state.js';
import { meshErrorCode, outcomeError, signalingError, signalingFailure } from './room-errors.js';
import { type DecidedCommand, type RoomErrorCode, type RoomEventSink, type RoomEvents, type RoomStatus, RoomError } from './room-events.js';
import { deriveStatus } from './room-status.js';
import { timingFor } from './room-timing.js';
import { SessionStore } from './session-store.js';
import { newLinkId } from '../net/signal-envelope.js';

/** How a room is set up. */
export interface RoomOptions {
  readonly signalingUrl: string;
  readonly room: string;
  /** This node's id (claimed by the host, see identity.ts). */
  readonly id: string;
  readonly token?: string;
  readonly secret?: string;
  readonly iceServers?: RTCIceServer[];
  readonly maxAcceptors: number;
  /** Local clock, ms (injectable for tests); the shared clock is this plus the estimated offset. */
  readonly localNow: () => number;
  /** Where the acceptor state lives (sessionStorage), or undefined to keep it in memory only. */
  readonly storage: globalThis.Storage | undefined;
  /** The way to the server and the peers. Default: {@link webRtcTransport} to `signalingUrl`. */
  readonly transport?: RoomTransport;
  /** Tuning of the shared clock estimator (default: this project's). */
  readonly clockOptions?: Partial<SharedClockOptions>;
  /** Tick period of the consensus node, ms. */
  readonly tickMs?: number;
  /** Time a proposal may take before its promise rejects with `timeout`, ms. */
  readonly proposalTimeoutMs?: number;
  /** Hears every event of the room, in order (the host's one view of it; see room-events.ts). */
  readonly onEvent: RoomEventSink;
  /** Called once, when {@link Room.clockReady} becomes true. */
  readonly onClockReady_?: () => void;
  /** Called after every tick of the node (the host's periodic duties, such as ending a room's overdue waits). */
  readonly onTick_?: () => void;
}

/**
 * A message sent longer ago than this (beyond the worst round trip) was held on its way, ms: it does not end
 * a returning tab's stale mark (see #onMessage). A cut short enough to deliver it sooner leaves no mark.
 */
const FRESH_MS = 1000;

/** The longest a tab waits for its first clock burst before it plays on the best estimate it has, ms. */
const CLOCK_WAIT_MS = 3000;

/** What the room reports of one peer. */
export interface PeerInfo {
  /** The peer's node id. */
  readonly id: string;
  /** Its role as this node last learned it. */
  readonly role: Role;
  /** Whether protocol messages reach it now. */
  readonly connected: boolean;
  /** Whether they go through the signaling server's relay (no direct data channel). */
  readonly relayed: boolean;
  /** Round trip of the data channel's connection, ms; null when unknown. */
  readonly rtt: number | null;
}

const DEFAULT_TICK_MS = 50;
/** Ticks between two updates of the consensus timeouts from the measured round trips (the mesh measures every 2 s). */
const RETIME_TICKS = 40;

/** A random request id: proposal ids must stay unique across reloads of the same node id. */
const requestId = (prefix: string, n: number): string => `${prefix}${n.toString(36)}-${newLinkId()}`;

/** Whether the tab is visible (a hidden tab's timers are throttled: it must not lead). */
const visible = (): boolean => globalThis.document?.visibilityState !== 'hidden';

/** What a command or read gets before the room is joined, or after it is closed. */
const notInRoom = (): RoomError => new RoomError('not-connected', 'not in a room yet');

export class Room {
  readonly id: string;
  readonly #o: RoomOptions;
  readonly #clock: SharedClock;
  readonly #transport: RoomTransport;
  #mesh: RoomMesh | undefined;
  #node: PaxosNode<VideoState, VideoCommand> | undefined;
  #store: SessionStore<VideoState, VideoCommand> | undefined;
  /** The last slot decided in this tab's history as far as it knows (its own, or what its peers say). */
  #height = -1;
  /** The other history last met and reported (history.ts). */
  #met: string | undefined;
  /** Messages of other histories (and envelopes with malformed history fields) refused. */
  #foreign = 0;
  #state: VideoState = initialVideoState();
  #known = false;
  #status: RoomStatus = 'connecting';
  #quorumLost = false;
  /** Cut off from a majority since it last heard a peer of its history: it may have missed slots it cannot know of. */
  #stale = false;
  #role: Role = 'learner';
  #leader: string | null = null;
  #acceptors: readonly string[] = [];
  #counter = 0;
  /** Pending proposals (resolved with their slot) and reads (with a state), by request id. */
  readonly #pending = new Map<string, { resolve_: (result: never) => void; reject_: (e: Error) => void }>();
  #tickTimer: ReturnType<typeof setInterval> | undefined;
  #clockTimer: ReturnType<typeof setTimeout> | undefined;
  /** A time request is awaiting its reply. */
  #clockInFlight = false;
  #clockWaitTimer: ReturnType<typeof setTimeout> | undefined;
  #clockReady = false;
  #closed = false;
  readonly #tickMs: number;
  #decisions = 0;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: RoomOptions) {
    this.#o = options;
    this.id = options.id;
    this.#tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.#clock = new SharedClock(options.localNow, options.clockOptions);
    this.#transport = options.transport ?? webRtcTransport(options.signalingUrl, options.localNow);
  }

  // ---- what the host reads ----------------------------------------------------------------------------

  /** The decided video state (initial until this node learns the room's state). */
  get state(): VideoState {
    return this.#state;
  }
  /** Whether this node has the room's state (it founded the room or caught up). */
  get known(): boolean {
    return this.#known;
  }
  get status(): RoomStatus {
    return this.#status;
  }
  get role(): Role {
    return this.#role;
  }
  get leader(): string | null {
    return this.#leader;
  }
  /**
   * Whether the shared clock is good enough to play by: it has settled (`SharedClock.settled`), or the
   * tab has waited {@link CLOCK_WAIT_MS} for it (then the best estimate so far, or the local clock, is used:
   * a room without its server still plays, and corrects itself as samples come).
   */
  get clockReady(): boolean {
    return this.#clockReady;
  }

  /** Shared-clock time now, ms. */
  sharedNow(): number {
    return this.#clock.now();
  }
  get clock(): SharedClock {
    return this.#clock;
  }
  /** The other nodes of the room. */
  get peers(): PeerInfo[] {
    const acceptors = new Set(this.#acceptors);
    return (this.#mesh?.peers() ?? []).map((p) => ({
      id: p.id,
      role: p.id === this.#leader ? 'leader' : acceptors.has(p.id) ? 'acceptor' : 'learner',
      connected: p.connected,
      relayed: p.relayed,
      rtt: p.rtt,
    }));
  }
  /** The worst round trip to a peer with a direct channel, ms (0 while none is measured). */
  get worstRtt(): number {
    return Math.max(0, ...this.peers.map((p) => p.rtt ?? 0));
  }
  /** Slots applied, and messages dropped: malformed (from peers, the node, and the server) or of another history. */
  get counters(): { decisions: number; rejected: number } {
    return {
      decisions: this.#decisions,
      rejected: (this.#node?.stats.rejected ?? 0) + (this.#mesh?.stats.malformed ?? 0) + this.#transport.signaling.invalid.total + this.#foreign,
    };
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  /** Joins the room; resolves once joined (rejects with a {@link RoomError} when it cannot). */
  async start(): Promise<void> {
    this.#syncClock();
    this.#clockWaitTimer = setTimeout(() => this.#checkClockReady(true), CLOCK_WAIT_MS);
    const s = this.#transport.signaling;
    this.#unsubscribe.push(
      // Connected: sample the clock at once rather than at the next poll, and before the join's answer, which
      // sets the WebRTC connections going: replies handled while they keep the page busy come in late, and an
      // estimate from late replies is off (a LAN joiner's by 10-20 ms, its video nudged for a second).
      s.on('connect', () => this.#sampleNow()),
      s.on('joined', ({ sample, rejoin }) => {
        this.#addSample(sample);
        if (rejoin) this.#updateStatus();
      }),
      s.on('error', ({ error }) => this.#onSignalingError(error)),
      s.on('disconnect', () => this.#updateStatus()),
      s.on('peer-joined', ({ nodeId }) => {
        this.#node?.peerJoined(nodeId);
        this.#emit('peer-join', { peer: nodeId });
        this.#flush();
      }),
      s.on('peer-left', ({ nodeId }) => {
        this.#node?.peerLeft(nodeId);
        this.#emit('peer-leave', { peer: nodeId });
        this.#flush();
      }),
    );
    const store = (this.#store = new SessionStore(this.#o.storage, this.#o.room, this.id, videoStateMachine));
    let peers: string[];
    try {
      peers = await s.join(this.#o.room, this.id, this.#o.token, store.history);
    } catch (error) {
      throw signalingError(error as SignalingError, this.#o.signalingUrl);
    }
    if (this.#closed) return;
    this.#startNode(peers);
    this.#updateStatus();
  }

  #startNode(peers: string[]): void {
    const tickMs = this.#tickMs;
    const store = this.#store!;
    const stored = store.load();
    if (store.discarded_) this.#report('protocol', `stored consensus state dropped: ${store.discarded_}`);
    // The first node of an empty room founds a history (explicitly: see history.ts for why that is safe);
    // any other joins as a learner and catches up.
    const found = !stored && peers.length === 0;
    if (found) this.#enter(newHistory(this.#clock.now()), 'founded');
    this.#newNode(peers, found);

    const mesh = this.#transport.mesh({
      selfId: this.id,
      room: this.#o.room,
      ...(this.#o.secret ? { secret: this.#o.secret } : {}),
      ...(this.#o.iceServers ? { iceServers: this.#o.iceServers } : {}),
    });
    this.#mesh = mesh;
    this.#unsubscribe.push(
      mesh.on('message', ({ from, data }) => this.#onMessage(from, data)),
      mesh.on('peer-open', ({ peer }) => {
        this.#node!.peerReachable(peer, true);
        this.#flush();
      }),
      mesh.on('peer-close', ({ peer }) => {
        this.#node!.peerReachable(peer, false);
        this.#flush();
      }),
      mesh.on('peer-state', ({ relayed }) => {
        // Messages now go through the server: make sure it is there. A time request doubles as a probe, and
        // one unanswered from a silent server ends the socket (wire-socket.ts), so a tab cut off from
        // everything stops counting its peers as reachable through it within seconds.
        if (relayed) this.#sampleNow();
        this.#updateStatus();
      }),
      mesh.on('error', ({ error }) => this.#report(meshErrorCode(error.code), error.message)),
    );
    let ticks = 0;
    this.#tickTimer = setInterval(() => {
      // Timeouts follow the round trips measured (room-timing.ts); the node stays deterministic: it is an input.
      if (++ticks % RETIME_TICKS === 0) this.#node!.setTiming(timingFor(this.worstRtt, tickMs));
      this.#node!.tick();
      this.#flush();
      // Once a tick, after everything received was applied: is a peer ahead of this tab (see #updateStatus)?
      this.#updateStatus();
      this.#o.onTick_?.();
    }, tickMs);
    globalThis.document?.addEventListener('visibilitychange', this.#onVisibility);
    // The first drain reports the state the node starts from: founded, or recovered from storage.
    this.#flush();
  }

  /** A consensus node in this tab's history: its founder, or a learner that recovers or catches up. */
  #newNode(peers: readonly string[], found?: boolean): void {
    const node = new PaxosNode<VideoState, VideoCommand>({
      id: this.id,
      stateMachine: videoStateMachine,
      storage: this.#store!,
      random: Math.random,
      maxAcceptors: this.#o.maxAcceptors,
      proposalTimeoutTicks: Math.ceil((this.#o.proposalTimeoutMs ?? 5000) / this.#tickMs),
      eligible: visible(),
      bootstrap: found ? [this.id] : undefined,
    });
    this.#node = node;
    for (const p of peers) node.peerJoined(p);
  }

  /** Enters history `h` (durably, and in the signaling server's records on the next join). */
  #enter(h: string, reason: RoomEvents['history']['reason'], other?: string): void {
    this.#store!.history = h;
    this.#transport.signaling.history = h;
    this.#emit('history', { history: h, reason, other });
  }

  /**
   * A message of history `other`, whose sender has applied slot `applied`, reached this tab: the meeting
   * rule (history.ts) says which history stays. If it is the other, this tab leaves its own (its state
   * stays stored under the old history, see session-store.ts) and joins the winner as a new learner, which
   * catches up like any joining tab; its pending proposals and reads fail.
   */
  #meet(other: string, applied: number): void {
    const node = this.#node!;
    const mine = this.#store!.history!;
    this.#height = Math.max(this.#height, node.applied);
    if (compareHistories({ id: other, applied }, { id: mine, applied: this.#height }) <= 0) {
      if (this.#met !== other) this.#emit('history', { history: mine, reason: 'met', other });
      this.#met = other;
      return;
    }
    this.#settle(new RoomError('not-connected', 'the tab left for another history'));
    this.#enter(other, 'absorbed', mine);
    this.#height = applied;
    // (The new node reports its leader and configuration once it has caught up.)
    this.#known = this.#quorumLost = this.#stale = false;
    const peers = this.#mesh!.peers();
    this.#newNode(peers.map((p) => p.id));
    for (const p of peers) this.#node!.peerReachable(p.id, p.connected);
    this.#updateStatus();
  }

  /** Fails every pending proposal and read with `error`. */
  #settle(error: RoomError): void {
    for (const p of this.#pending.values()) p.reject_(error);
    this.#pending.clear();
  }

  /** Leaves the room: tells the peers (so the configuration drops this node) and stops every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#tickTimer);
    clearTimeout(this.#clockTimer);
    clearTimeout(this.#clockWaitTimer);
    globalThis.document?.removeEventListener('visibilitychange', this.#onVisibility);
    for (const off of this.#unsubscribe) off();
    this.#settle(new RoomError('not-connected', 'the element left the room'));
    this.#mesh?.close();
    this.#transport.signaling.leave();
    this.#transport.signaling.close();
  }

  // ---- commands ---------------------------------------------------------------------------------------

  /** Proposes a command; resolves with its slot once decided (and applied here). */
  propose(command: VideoCommand): Promise<number> {
    return this.#request('p', (node, id) => node.propose(command, id));
  }

  /** A linearizable read: the state as of a slot a majority of the acceptors confirmed. */
  read(): Promise<VideoState> {
    return this.#request('r', (node, id) => node.read(id));
  }

  /** Hands the node a proposal or read under a new request id; settles with its outcome (see #flush). */
  #request<T>(prefix: string, ask: (node: PaxosNode<VideoState, VideoCommand>, id: string) => void): Promise<T> {
    const node = this.#node;
    if (!node || this.#closed) return Promise.reject(notInRoom());
    const id = requestId(prefix, ++this.#counter);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve_: resolve, reject_: reject });
      ask(node, id);
      this.#flush();
    });
  }

  /** The unsafe operator action: see PaxosNode.forceReconfigure. Rejects before the room is joined. */
  async forceReconfigure(acceptors?: readonly string[]): Promise<void> {
    if (!this.#node) throw notInRoom();
    this.#node.forceReconfigure(acceptors);
    this.#flush();
  }

  // ---- the host loop ----------------------------------------------------------------------------------

  #onMessage(from: string, data: unknown): void {
    if (!this.#node || this.#closed) return;
    // The history first: a message of another history never reaches the node (history.ts).
    const w = historyOf(data);
    const mine = this.#store!.history;
    if (w?.h && w.h !== mine) {
      // A tab with no history yet takes the first it hears (it has no state to lose).
      if (mine) {
        this.#foreign++;
        this.#meet(w.h, w.a!);
        return this.#flush();
      }
      this.#enter(w.h, 'joined');
    }
    if (!w) return void this.#foreign++;
    // A peer of this history says how far it got; back from a cut, a message sent lately also says the room
    // is heard again. Not one sent earlier: a connection that outlived the cut delivers what it held first,
    // and that tells nothing of what was decided since (the tab would say `synced` before it caught up).
    if (w.h) {
      this.#height = Math.max(this.#height, w.a!);
      if (this.#stale && !(this.#clock.synced && (w.t as number) < this.#clock.now() - FRESH_MS - this.worstRtt)) this.#stale = false;
    }
    const node = this.#node;
    const result = node.step(from, data);
    if (result.ok) {
      this.#reportMessage('receive', from, this.id, result.message);
    }
    this.#flush();
  }

  /** Drains the node (it persists first), then sends, reports what it applied, and settles. */
  #flush(): void {
    const node = this.#node;
    if (!node || this.#closed) return;
    let out: Output<VideoState, VideoCommand>;
    try {
      out = node.drain();
    } catch (error) {
      // Persisting failed (storage full): nothing was sent, which is safe; say why.
      this.#report('protocol', `cannot persist consensus state: ${(error as Error).message}`);
      return;
    }
    for (const event of out.events) this.#onNodeEvent(event);
    for (const { to, message } of out.messages) {
      // A catch-up request and its answer go through the relay as well: a tab asks when it is behind, most
      // often just back from a cut, when its channel, or the answering peer's, may still hold data that SCTP
      // retransmits seconds apart, with nothing waiting in the buffer yet to say so (peer-link.ts, STALL_MS).
      // A second copy only gets a second answer, or is applied twice, which changes nothing.
      this.#mesh?.send(to, seal(message, this.#store!.history, node.applied, Math.round(this.#clock.now())), /^(catchup|entries)$/.test(message.type));
      this.#reportMessage('send', this.id, to, message);
    }
    for (const entry of out.applied) {
      const state = entry.state;
      if (this.#known && entry.slot <= this.#state.slot) continue; // covered by a snapshot taken in this drain
      const commands: DecidedCommand[] =
        entry.value.kind === 'commands' ? entry.value.commands.map((c) => ({ type: c.command.type, proposer: c.proposer, id: c.id, by: c.command.by })) : [];
      this.#decisions++;
      this.#adopt(state, entry.slot, commands);
    }
    for (const o of [...out.proposals, ...out.reads]) {
      const pending = this.#pending.get(o.id);
      if (!pending) continue;
      this.#pending.delete(o.id);
      // A proposal settles with its slot, a read with the state at its slot.
      if (o.ok) pending.resolve_(('state' in o ? atSlot(o.state as VideoState, o.slot) : o.slot) as never);
      else pending.reject_(outcomeError(o.code, o.reason));
    }
    // After the states: a page hears `synced` only once it heard the states that made it so.
    this.#updateStatus();
  }

  #onNodeEvent(event: NodeEvent<VideoState>): void {
    switch (event.type) {
      case 'role':
        this.#role = event.role;
        break;
      case 'leader':
        this.#leader = event.leader ?? null;
        this.#emit('leader', { leader: this.#leader, ...(event.ballot ? { ballot: event.ballot } : {}) });
        break;
      case 'config':
        this.#acceptors = event.acceptors;
        this.#emit('config', { acceptors: [...event.acceptors], learners: [...event.learners], slot: event.slot });
        break;
      case 'quorum-lost':
      case 'quorum-restored':
        this.#quorumLost = event.type === 'quorum-lost';
        this.#stale ||= this.#quorumLost;
        this.#emit(event.type, { reachable: event.reachable, needed: event.needed });
        break;
      case 'restored':
        // A state that did not come slot by slot: founded, recovered from storage, or a snapshot.
        this.#adopt(event.state, event.slot, []);
        break;
    }
  }

  /** Takes the node's state after `slot` and reports it. */
  #adopt(state: VideoState, slot: number, commands: readonly DecidedCommand[]): void {
    this.#state = atSlot(state, slot);
    this.#emit('state', { state: this.#state, slot, commands });
    if (!this.#known) {
      this.#known = true;
      this.#updateStatus();
    }
  }

  #emit<K extends keyof RoomEvents>(name: K, detail: RoomEvents[K]): void {
    this.#o.onEvent(name, detail);
  }

  #reportMessage(direction: 'send' | 'receive', from: string, to: string, message: Message<VideoState, VideoCommand>): void {
    // The summary holds only the fields the message has (type, and ballot, slot, decidedThrough if any).
    this.#emit('message', { direction, from, to, ...summarizeMessage(message) });
  }

  // ---- status, clock, errors --------------------------------------------------------------------------

  #updateStatus(): void {
    if (this.#status === 'error' || this.#closed) return;
    const anyPeerUp = (this.#mesh?.peers() ?? []).some((p) => p.connected);
    // Synced only once it applied every slot a peer said it applied, and, back from a cut, once a peer told it
    // how far the room got: a tab is not in sync with the room before it caught up on what it missed.
    const current = this.#known && !this.#stale && this.#height <= this.#node!.applied;
    this.#setStatus(deriveStatus(this.#node !== undefined, this.#transport.signaling.joined, anyPeerUp, this.#quorumLost, current));
  }

  #setStatus(next: RoomStatus): void {
    if (next === this.#status) return;
    const previous = this.#status;
    this.#status = next;
    this.#emit('status', { status: next, previous });
  }

  #report(code: RoomErrorCode, message: string): void {
    this.#emit('error', { code, message });
  }

  #onSignalingError(error: SignalingError): void {
    const failure = signalingFailure(error, this.#o.signalingUrl);
    if (!failure) return;
    this.#report(failure.error.code, failure.error.message);
    // Fatal: the server will not have this node; the host shows it and stops trying.
    if (failure.fatal) this.#setStatus('error');
  }

  #sampleNow(): void {
    // The first burst does not wait for each reply: the clock, which the video's start waits for, is ready one
    // round trip after the join instead of eight. Also when a sample is in flight already (the sampler's
    // retry found the socket connected before the join was acked): skipped then, the burst went one round
    // trip per sample, and a joiner on a 200 ms path started only at the clock's 3 s deadline.
    for (const delay of this.#clock.pipeline()) setTimeout(() => this.#closed || this.#askTime().catch(() => undefined), delay);
    if (this.#clockInFlight) return;
    clearTimeout(this.#clockTimer);
    this.#syncClock(0);
  }

  /** One time request; its reply feeds the clock. (The pipelined requests of the first burst schedule nothing more.) */
  #askTime(): Promise<void> {
    return this.#transport.signaling.timeSample().then(this.#addSample);
  }

  readonly #addSample = ({ t0, serverTime, t1 }: TimeSample): void => {
    this.#clock.addSample(t0, serverTime, t1);
    this.#checkClockReady();
  };

  /** NTP-style sampling of the server clock, paced by the estimator (burst at start, then periodic). */
  #syncClock(now?: number): void {
    if (this.#closed) return;
    // While the server is unreachable, try again every second (a sample needs it).
    const signaling = this.#transport.signaling;
    const delay = signaling.connected ? (now ?? this.#clock.nextSampleDelay()) : 1000;
    this.#clockTimer = setTimeout(() => {
      if (!signaling.connected) return this.#syncClock();
      this.#clockInFlight = true;
      this.#askTime()
        .catch(() => undefined)
        .then(() => {
          this.#clockInFlight = false;
          this.#syncClock();
        });
    }, delay);
  }

  /** `waitedOut`: {@link CLOCK_WAIT_MS} have passed since the start, settled or not. */
  #checkClockReady(waitedOut?: boolean): void {
    if (this.#clockReady || this.#closed) return;
    if (!this.#clock.settled && !waitedOut) return;
    this.#clockReady = true;
    clearTimeout(this.#clockWaitTimer);
    this.#o.onClockReady_?.();
  }

  readonly #onVisibility = (): void => {
    // A hidden tab's timers are throttled to once a second or less: it must not lead.
    this.#node?.setEligible(visible());
    this.#flush();
  };
}
