/**
 * The browser side of the signaling protocol (signaling-protocol.ts): a socket.io connection (our own small
 * WebSocket-only client, wire-socket.ts) that joins one room, tracks the room's peer list, relays opaque
 * payloads to one peer, and takes clock samples.
 *
 * - The join rides in socket.io's CONNECT (its `auth`, read as the CONNECT goes out), so a connection is
 *   joined one round trip after the WebSocket opens; a join asked for once connected goes as a `join` event.
 * - Every server message is validated with the shared schemas; an invalid one (or a malformed frame) is
 *   dropped and counted in `invalid`, never thrown into the page.
 * - After any lost connection (server restart or kick, network drop, ping timeout, a refused connect) it
 *   reconnects with jittered backoff and re-joins by itself, then emits `joined` (`rejoin`) with the fresh peer
 *   list. A re-join presents the resume key of the last join, so the server hands it the node id at once
 *   even while it still holds the previous socket (not yet noticed gone). A re-join refused with `id-taken`
 *   anyway (the ack with the latest key was lost) is retried until the server lets the old socket go.
 * - `signal()` while not joined (between a disconnect and the re-join) queues a bounded number of recent
 *   payloads and sends them after the re-join, where the server accepts them.
 */
import * as v from '../schema/index.js';
import { Backoff } from './backoff.js';
import { MalformedCounter } from './peer-codec.js';
import { SignalingError, type SignalingErrorCode } from './signaling-error.js';
import {
  CLIENT_EVENTS,
  ERROR_CODES,
  ErrorNoticeSchema,
  JoinAckSchema,
  JoinRequestSchema,
  PeerNoticeSchema,
  SERVER_EVENTS,
  ShutdownNoticeSchema,
  SignalDeliverySchema,
  SignalRequestSchema,
  TimeAckSchema,
  describeIssues,
  type JoinRequest,
} from './signaling-protocol.js';
import { TypedEventTarget } from './typed-events.js';
import { WireSocket, type WebSocketConstructor } from './wire-socket.js';

export { SignalingError, type SignalingErrorCode } from './signaling-error.js';

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** Local clock for {@link SignalingClient.timeSample}, ms. Default `performance.timeOrigin + performance.now()`. */
  now?: () => number;
  /** How long `join()` waits for the first successful join before rejecting with `unreachable`. Default 10 s. */
  joinTimeoutMs?: number;
  /** How long a request waits for the server's ack. Default 5 s. */
  ackTimeoutMs?: number;
  /**
   * How long one connection attempt may take before it is given up and made again at once, ms, its
   * WebSocket's opening half of it. Default 4 s: an attempt made while the network is down waits on the
   * operating system's connection retries (1 s, then 2 s, then 4 s apart), so a fresh one every 2 s notices a
   * network that came back within a second.
   */
  connectTimeoutMs?: number;
  /** The WebSocket implementation (e.g. the `ws` package in Node). Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
}

/** One NTP-style clock sample: local send time, server clock, local receive time (all ms). */
export interface TimeSample {
  t0: number;
  serverTime: number;
  t1: number;
}

/** Events of {@link SignalingClient}, by name, with their `detail`. */
export interface SignalingClientEvents {
  /**
   * The socket is connected, its join not yet answered: requests that need no membership (`timeSample`)
   * can go now, a round trip before `joined`.
   */
  connect: Record<string, never>;
  /**
   * Every successful join; `rejoin` is true when it follows a lost connection (`peers` is then the room as
   * it is now). `sample`: the join's round trip as a clock sample (the answer carries the server's clock; its
   * `t0` is NaN, a sample the clock drops, for a join sent as an event). A joining page is idle until this answer
   * comes, and at its busiest right after (its peer connections, the room's state), when the replies to its
   * first time requests come in late: this round trip is the one it measures best.
   */
  joined: { peers: string[]; rejoin: boolean; sample: TimeSample };
  /** The connection to the server was lost (the client reconnects by itself unless closed). */
  disconnect: { reason: string };
  'peer-joined': { nodeId: string };
  'peer-left': { nodeId: string };
  /** A payload relayed from peer `from` (stamped by the server). */
  signal: { from: string; data: unknown };
  /** The server reported an error, or a re-join failed. */
  error: { error: SignalingError };
  /** The server is stopping; the client reconnects once it is gone. */
  shutdown: { reason: string };
}

interface QueuedSignal {
  to: string;
  data: unknown;
  at: number;
}

interface PendingJoin {
  resolve_: (peers: string[]) => void;
  reject_: (error: SignalingError) => void;
  timer_: ReturnType<typeof setTimeout>;
}

/** This tab's clock, ms since the epoch (the element's default `localClock` too). */
export const defaultNow = (): number => performance.timeOrigin + performance.now();
/** Most `signal()` payloads kept while not joined. */
const MAX_QUEUED = 256;
/** Oldest queued payload still sent after a re-join, ms. */
const MAX_QUEUED_AGE_MS = 30_000;

const NETWORK_EVENTS = ['online', 'offline'];

const refuse = (code: SignalingErrorCode, message: string): Promise<never> => Promise.reject(new SignalingError(code, message));

/** A socket.io signaling connection for one room membership at a time. */
export class SignalingClient extends TypedEventTarget<SignalingClientEvents> {
  /** Server messages dropped as invalid, by event name. */
  readonly invalid = new MalformedCounter();
  /**
   * TURN servers with short-lived credentials from the latest join ack (empty when the server hands out
   * none). Every join, re-joins included, replaces them with fresh ones.
   */
  iceServers: RTCIceServer[] = [];
  readonly #socket: WireSocket;
  readonly #now: () => number;
  readonly #joinTimeoutMs: number;
  readonly #ackTimeoutMs: number;
  readonly #retry = new Backoff(500, 10_000);
  #membership: JoinRequest | undefined;
  #pendingJoin: PendingJoin | undefined;
  #peerSet = new Set<string>();
  #isJoined = false;
  #hasJoinedBefore = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #queue: QueuedSignal[] = [];
  #lastConnectError = '';
  /**
   * When the join in this socket's CONNECT went out (local clock, ms): see the `joined` event. NaN once a join
   * went as an event: an answer could then be to either (a retry after a slow first one), and a sample
   * timed from the wrong send would be wrong by seconds; the clock drops a NaN one.
   */
  #joinSentAt = NaN;
  #closed = false;

  /**
   * @param url the signaling server's origin, e.g. `https://example.org` (nothing is sent before `join()`)
   */
  constructor(url: string, options: SignalingClientOptions = {}) {
    super();
    this.#now = options.now ?? defaultNow;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 10_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.#socket = new WireSocket(url, {
      auth: () => {
        this.#joinSentAt = this.#now();
        return { j: this.#membership };
      },
      connectTimeoutMs: options.connectTimeoutMs ?? 4_000,
      WebSocket: options.WebSocket,
    });
    this.#listen();
    for (const type of NETWORK_EVENTS) globalThis.addEventListener?.(type, this.#onNetwork);
  }

  /**
   * The browser knows first when the network goes or comes back: the socket is dead (offline), or may be
   * (online: a new address, an attempt stuck in TCP's retries), so it is dropped at once, as socket.io's
   * own client does, and made again now (online) or after the backoff, which starts over.
   */
  readonly #onNetwork = ({ type }: Event): void => {
    if (!this.#membership) return;
    this.#socket.disconnect();
    this.#clearRetry();
    this.#scheduleRetry(type === 'online' ? 0 : undefined);
  };

  /** Whether the socket is connected and joined to the room. */
  get joined(): boolean {
    return this.#isJoined;
  }

  /** Whether the socket is connected (joined or not). */
  get connected(): boolean {
    return this.#socket.connected;
  }

  /** The room history this node is in (src/room/history.ts), sent with every join from now on. */
  set history(h: string | undefined) {
    if (this.#membership) this.#membership.history = h;
  }

  /** The other peers in the room as last reported by the server. */
  get peers(): string[] {
    return [...this.#peerSet];
  }

  /**
   * Connects (if needed) and joins `room` as `nodeId`. Resolves with the other peers in the room.
   * Rejects with a {@link SignalingError}: `bad-request` for an invalid room/id (nothing is sent),
   * `id-taken`, `unauthorized`, `room-full` as the server refuses, `unreachable` when no join succeeded
   * within the join timeout (the client keeps trying, and emits `joined` when it gets through),
   * `already-joined` when this client has a membership already (call `leave()` first).
   */
  join(room: string, nodeId: string, token?: string, history?: string): Promise<string[]> {
    if (this.#closed) return refuse('closed', 'the signaling client is closed');
    // The server's own check of the request (an undefined token or history is left out of the JSON).
    const request = { room, nodeId, token, history };
    const parsed = v.safeParse(JoinRequestSchema, request);
    if (!parsed.success) return refuse('bad-request', describeIssues(parsed.issues));
    if (this.#membership) return refuse('already-joined', `already in room ${this.#membership.room}`);
    this.#membership = request;
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pendingJoin = undefined;
        const why = this.#lastConnectError ? `: ${this.#lastConnectError}` : '';
        reject(new SignalingError('unreachable', `no join within ${this.#joinTimeoutMs} ms${why}; still trying`));
      }, this.#joinTimeoutMs);
      this.#pendingJoin = { resolve_: resolve, reject_: reject, timer_: timer };
      if (this.#socket.connected) this.#sendJoin();
      else this.#socket.connect(); // no-op while connecting: the connect handler joins
    });
  }

  /**
   * Relays `data` (JSON, at most 16 KiB serialized) to peer `to` through the server. Returns true when it
   * was sent, or queued to be sent after a re-join; false when there is no membership.
   * @throws {SignalingError} `bad-request` / `too-large` for a payload the server would refuse.
   */
  signal(to: string, data: unknown): boolean {
    const parsed = v.safeParse(SignalRequestSchema, { to, data });
    if (!parsed.success) {
      const message = describeIssues(parsed.issues);
      throw new SignalingError(message.includes('larger than') ? 'too-large' : 'bad-request', `signal: ${message}`);
    }
    if (this.#closed || !this.#membership) return false;
    if (this.#isJoined && this.#socket.send(CLIENT_EVENTS.signal, { to, data })) return true;
    this.#queue.push({ to, data, at: this.#now() });
    if (this.#queue.length > MAX_QUEUED) this.#queue.shift();
    return true;
  }

  /**
   * One clock sample through the `time` ack. Rejects with `disconnected` or `timeout` (after 2 s: a sample
   * that slow is worth nothing). A server that said nothing at all meanwhile is taken for gone: the
   * socket is dropped and made again at once (a cut link is noticed in seconds, not at the ping timeout).
   */
  timeSample(): Promise<TimeSample> {
    return new Promise((resolve, reject) => {
      const t0 = this.#now();
      const sent = Date.now();
      this.#socket.request(CLIENT_EVENTS.time, [], 2000, (err, serverTime) => {
        const t1 = this.#now();
        if (err?.code === 'timeout') this.#socket.silentSince_(sent);
        if (err) return reject(err);
        const parsed = v.safeParse(TimeAckSchema, serverTime);
        if (!parsed.success) {
          this.invalid.count('time');
          return reject(new SignalingError('bad-request', `invalid time reply: ${describeIssues(parsed.issues)}`));
        }
        resolve({ t0, serverTime: parsed.output, t1 });
      });
    });
  }

  /** Leaves the room (the connection stays open for a later `join()`). */
  leave(): void {
    this.#dropMembership();
    this.#isJoined = false;
    this.#peerSet.clear();
    this.#clearRetry();
    this.#settleJoin()?.reject_(new SignalingError('closed', 'left before the join completed'));
    this.#socket.send(CLIENT_EVENTS.leave);
  }

  /** Leaves the room and closes the connection for good. */
  close(): void {
    if (this.#closed) return;
    this.leave();
    this.#closed = true;
    for (const type of NETWORK_EVENTS) globalThis.removeEventListener?.(type, this.#onNetwork);
    this.#socket.disconnect();
  }

  // -----------------------------------------------------------------------------------------------------

  #listen(): void {
    const s = this.#socket;
    s.on('connect', () => {
      this.#lastConnectError = '';
      // The CONNECT carried the membership (if any): its answer is the `joined` event. Should that not come
      // (a server stuck on Redis, or the join was asked for after the CONNECT went out), the retry sends a
      // `join` event (without a membership, it does nothing).
      this.#scheduleRetry(this.#ackTimeoutMs);
      this.emit('connect', {});
    });
    s.on('connect_error', ({ message }) => {
      this.#lastConnectError = message;
      // An attempt that got no answer at all never reached the server (the network is down): nothing to
      // spare it from, so the next one starts at once. An answer (a refusal, a closed socket) backs off.
      this.#scheduleRetry(message == 'timeout' ? 0 : undefined);
    });
    s.on('disconnect', ({ reason }) => {
      const wasJoined = this.#isJoined;
      this.#isJoined = false;
      if (wasJoined) this.#hasJoinedBefore = true;
      this.emit('disconnect', { reason });
      // Whatever the loss (a kick, a flood cut-off, a restart, a dead network), we reconnect: at once after
      // a dead socket (the server may be fine, the path to it back), else after the backoff.
      this.#scheduleRetry(reason === 'ping timeout' ? 0 : undefined);
    });
    s.on('malformed', ({ reason }) => this.invalid.count(`frame-${reason}`));
    s.on('event', ({ name, args: [payload] }) => {
      switch (name) {
        case SERVER_EVENTS.joined:
          return this.#onJoinAck(this.#membership, payload);
        // A validated object has the schema's keys only, so it is passed on as the event's detail.
        case SERVER_EVENTS.peerJoined: {
          const p = this.#validate(name, PeerNoticeSchema, payload);
          if (!p || !this.#isJoined || p.nodeId === this.#membership?.nodeId) return;
          this.#peerSet.add(p.nodeId);
          this.#flushQueue();
          return this.emit('peer-joined', p);
        }
        case SERVER_EVENTS.peerLeft: {
          const p = this.#validate(name, PeerNoticeSchema, payload);
          if (!p || !this.#isJoined) return;
          this.#peerSet.delete(p.nodeId);
          return this.emit('peer-left', p);
        }
        case SERVER_EVENTS.signal: {
          const p = this.#validate(name, SignalDeliverySchema, payload);
          if (p && this.#isJoined) this.emit('signal', p);
          return;
        }
        case SERVER_EVENTS.error: {
          const p = this.#validate(name, ErrorNoticeSchema, payload);
          if (p) this.emit('error', { error: new SignalingError(p.code, p.message, p.peer) });
          return;
        }
        case SERVER_EVENTS.shutdown: {
          const p = this.#validate(name, ShutdownNoticeSchema, payload);
          if (p) this.emit('shutdown', p);
          return;
        }
        default:
          this.invalid.count('unknown-event');
      }
    });
  }

  #validate<T extends v.GenericSchema>(event: string, schema: T, payload: unknown): v.InferOutput<T> | undefined {
    const parsed = v.safeParse(schema, payload);
    if (parsed.success) return parsed.output;
    this.invalid.count(event);
    return undefined;
  }

  /** Sends the join as an event (its callers have a membership). */
  #sendJoin(): void {
    const membership = this.#membership!;
    this.#joinSentAt = NaN;
    this.#socket.request(CLIENT_EVENTS.join, [membership], this.#ackTimeoutMs, (err, reply) => this.#onJoinAck(membership, err ? undefined : reply));
  }

  /**
   * The answer to the join of `membership`: a `join` event's ack, or the `joined` event after a CONNECT;
   * undefined when there was none (no ack in time, or the connection dropped).
   */
  #onJoinAck(membership: JoinRequest | undefined, reply: unknown): void {
    const t1 = this.#now();
    // Left or re-joined meanwhile, or joined already (the answer to a retried join, which a slow first one
    // beat): nothing to do.
    if (!membership || this.#membership !== membership || this.#closed || this.#isJoined) return;
    // No ack in time, the connection dropped (then its disconnect handler has scheduled the retry), or an
    // ack that is not one (counted in `invalid`): try again.
    const ack = reply === undefined ? undefined : this.#validate('join-ack', JoinAckSchema, reply);
    if (!ack) return this.#scheduleRetry();
    if (ack.ok) {
      this.iceServers = ack.iceServers ?? [];
      // Presented by the next join, so that it takes over this socket's claim if the server still holds it.
      membership.resume = ack.resume;
      return this.#onJoined(ack.peers, { t0: this.#joinSentAt, serverTime: ack.serverTime, t1 });
    }
    this.#onJoinRefused(new SignalingError(ack.error.code, ack.error.message));
  }

  #onJoined(peers: string[], sample: TimeSample): void {
    const rejoin = this.#hasJoinedBefore;
    this.#isJoined = true;
    this.#clearRetry();
    this.#peerSet = new Set(peers.filter((p) => p !== this.#membership?.nodeId));
    this.#flushQueue();
    const list = this.peers;
    this.#settleJoin()?.resolve_(list);
    this.emit('joined', { peers: list, rejoin, sample });
  }

  #onJoinRefused(error: SignalingError): void {
    const isRejoin = this.#hasJoinedBefore;
    if (error.code === ERROR_CODES.alreadyJoined) {
      // The server kept a membership whose ack we lost: leave it and join afresh.
      this.#socket.send(CLIENT_EVENTS.leave);
      return this.#scheduleRetry();
    }
    if (error.code === ERROR_CODES.idTaken && isRejoin) {
      // Our own previous socket, which the server still holds and our resume key did not take over (the
      // ack that carried the latest key was lost): it is freed at the server's ping timeout at the latest.
      return this.#scheduleRetry();
    }
    if (error.code === ERROR_CODES.rateLimited || error.code === ERROR_CODES.internal) return this.#scheduleRetry();
    // Any other refusal is for good (`unauthorized`, `room-full`, `bad-request`, an `id-taken` on a first
    // join): give up the membership, rather than keep one nothing will retry.
    this.#dropMembership();
    const pending = this.#settleJoin();
    if (pending) pending.reject_(error);
    else this.emit('error', { error });
  }

  #dropMembership(): void {
    this.#membership = undefined;
    this.#hasJoinedBefore = false;
    this.#queue = [];
  }

  /** Ends the pending `join()` promise's wait, and returns it to be settled (if there was one). */
  #settleJoin(): PendingJoin | undefined {
    const pending = this.#pendingJoin;
    clearTimeout(pending?.timer_);
    this.#pendingJoin = undefined;
    return pending;
  }

  /**
   * Sends what was queued while not joined to the peers now in the room. Payloads for a peer not back yet
   * stay queued until it re-joins (peers re-join in any order after a server restart) or grow too old.
   */
  #flushQueue(): void {
    if (!this.#isJoined || this.#queue.length === 0) return;
    const oldest = this.#now() - MAX_QUEUED_AGE_MS;
    const queued = this.#queue;
    this.#queue = [];
    for (const q of queued) {
      if (q.at < oldest) continue;
      if (!this.#peerSet.has(q.to) || !this.#socket.send(CLIENT_EVENTS.signal, { to: q.to, data: q.data })) this.#queue.push(q);
    }
  }

  /**
   * After the backoff delay, takes the next step back to a joined membership: connect when there is no
   * connection (the connect handler joins), else re-send the join. One timer serves every cause, so a
   * retry pending for one reason never hides another.
   */
  #scheduleRetry(delay?: number): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#closed) return;
      if (!this.#socket.active) this.#socket.connect();
      else if (this.#socket.connected && this.#membership && !this.#isJoined) this.#sendJoin();
    }, delay ?? this.#retry.next());
  }

  #clearRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retry.reset();
  }
}
