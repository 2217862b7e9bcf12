/**
 * A minimal socket.io client for the browser: one WebSocket connection to a socket.io v4 server's main
 * namespace, speaking the frames of socket-io-wire.ts. It replaces the official `socket.io-client` (~13 KB
 * gzipped) in the widget bundle.
 *
 * What it leaves out, on purpose:
 * - HTTP long-polling: WebSocket only. A network that blocks WebSocket cannot reach the server.
 * - Reconnection: a lost connection is reported (`disconnect` with a reason, or `connect_error`) and stays
 *   lost; {@link SignalingClient} reconnects with its own backoff, after every kind of loss alike.
 * - Buffering while disconnected: `send()` answers false and `request()` rejects at once, so the caller
 *   decides (the signaling client queues relays until it has re-joined the room, which must come first).
 * - Namespaces other than `/`, binary payloads, acks of server events.
 *
 * The server is a trust boundary: a malformed frame (see `decodeFrame`) is dropped and reported as a
 * `malformed` event; nothing the server sends can make this throw. A server that stops pinging for
 * pingInterval + pingTimeout is taken as gone (`ping timeout`), which also notices a silently dropped network;
 * so is one whose ping is overdue when something is sent (its timer may not have run on a sleeping device),
 * and, when the caller says so (`silentSince_`), one that has said nothing since a request went unanswered.
 *
 * Disconnect reasons are socket.io's: `io server disconnect` (the server sent DISCONNECT: a kick),
 * `io client disconnect` (our `disconnect()`), `ping timeout`, `transport close` (the WebSocket or the engine
 * closed), `transport error`.
 */
import { SignalingError } from './signaling-error.js';
import { DISCONNECT, MAX_FRAME_CHARS, PONG, decodeFrame, encodeConnect, encodeEvent } from './socket-io-wire.js';
import { TypedEventTarget } from './typed-events.js';

/** The part of a WebSocket this client uses: the browser's, or the `ws` package's in Node. */
export interface WireWebSocket {
  readonly readyState: number;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
  send(data: string): void;
  close(): void;
}

/** A WebSocket constructor (the browser's `WebSocket`, or `ws`'s for Node). */
export type WebSocketConstructor = new (url: string) => WireWebSocket;

/** Options of {@link WireSocket}. */
export interface WireSocketOptions {
  /** Makes the auth data sent with each CONNECT (the server's `socket.handshake.auth`). */
  auth?: () => object;
  /**
   * How long connecting may take (WebSocket, engine open, CONNECT) before `connect_error`, ms, the WebSocket's
   * opening at most half of it.
   */
  connectTimeoutMs: number;
  /** Largest frame decoded, in UTF-16 code units. Default {@link MAX_FRAME_CHARS}. */
  maxFrameChars?: number;
  /** The WebSocket implementation. Default `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
}

/** Events of {@link WireSocket}, by name, with their `detail`. */
export interface WireSocketEvents {
  /** The server accepted our CONNECT: `send()` and `request()` work from now on. */
  connect: { sid: string };
  /** Connecting failed: refused by a server middleware (its message), `timeout`, or a transport reason. */
  connect_error: { message: string };
  /** An established connection ended, for `reason` (see the module comment). */
  disconnect: { reason: string };
  /** A server EVENT. */
  event: { name: string; args: unknown[] };
  /** A frame from the server was dropped; `reason` says why. */
  malformed: { reason: string };
}

/** Called once with the ack's first argument, or with the error that prevented it. */
export type AckCallback = (error: SignalingError | undefined, reply?: unknown) => void;

interface PendingAck {
  done_: AckCallback;
  timer_: ReturnType<typeof setTimeout>;
}

const OPEN = 1; // WebSocket.OPEN, the same in every implementation

/** One socket.io connection at a time to one server; `connect()` again after a loss. */
export class WireSocket extends TypedEventTarget<WireSocketEvents> {
  readonly #url: string;
  readonly #o: WireSocketOptions;
  #ws: WireWebSocket | undefined;
  #connected = false;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  #pingDeadlineMs = 0;
  /** When the server was last heard from (Date.now()). */
  #heardAt = 0;
  #nextId = 0;
  readonly #acks = new Map<number, PendingAck>();

  /**
   * @param url the server's `http(s)://` (or `ws(s)://`) URL. Its path is where the server lives, so
   * socket.io's endpoint is `<path>/socket.io/`: `https://site.example/watch/` (or `/watch`) connects to
   * `wss://site.example/watch/socket.io/`, a bare origin to `/socket.io/`. Query and fragment are dropped.
   */
  constructor(url: string, options: WireSocketOptions) {
    super();
    const u = new URL(url);
    this.#url = `${u.origin.replace('http', 'ws')}${u.pathname.replace(/\/?$/, '/socket.io/')}?EIO=4&transport=websocket`;
    this.#o = options;
  }

  /** Whether the server accepted our CONNECT and the connection is up. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Whether connecting or connected (false once a connection is lost: call `connect()` again). */
  get active(): boolean {
    return this.#ws !== undefined;
  }

  /** Opens a connection, unless one is open or opening. The outcome is a `connect` or `connect_error`. */
  connect(): void {
    if (this.#ws) return;
    let ws: WireWebSocket;
    try {
      // Without the option, the global one: where there is none, its ReferenceError is the reason.
      ws = new (this.#o.WebSocket ?? (WebSocket as WebSocketConstructor))(this.#url);
    } catch (err) {
      // An invalid URL or a missing WebSocket: report it like any failure, asynchronously.
      setTimeout(() => this.emit('connect_error', { message: `cannot open a WebSocket: ${err}` }));
      return;
    }
    this.#ws = ws;
    // (Binary frames, which the server never sends, arrive as a Blob or a Buffer: not text, dropped as malformed.)
    ws.onmessage = (e: { data: unknown }) => ws === this.#ws && this.#onFrame(e.data);
    ws.onclose = () => ws === this.#ws && this.#lost('transport close');
    ws.onerror = () => ws === this.#ws && this.#lost('transport error');
    // Until the WebSocket opens, an attempt waits on TCP's retries of its first packet (Linux's: 1 s, then 2 s,
    // then 4 s apart), so after a cut the network could be back 2 s before the attempt tries again. Half the
    // timeout for that stage (2 s of the signaling client's 4) makes a fresh attempt, and with the retry in
    // each, a first packet every second; the other half is for the handshake on the open socket.
    // (A socket given up or lost by then is closing: its readyState is no longer CONNECTING, 0.)
    const ms = this.#o.connectTimeoutMs;
    this.#connectTimer = setTimeout(() => this.#lost('timeout'), ms);
    setTimeout(() => ws.readyState || this.#lost('timeout'), ms / 2);
  }

  /** Closes the connection (saying DISCONNECT when connected); `disconnect` follows when it was up. */
  disconnect(): void {
    if (this.#connected) this.#write(DISCONNECT);
    this.#lost('io client disconnect');
  }

  /** Sends EVENT `name` with `args`; false (nothing sent) when not connected. */
  send(name: string, ...args: unknown[]): boolean {
    return this.#alive() && this.#write(encodeEvent(name, args));
  }

  /**
   * Whether connected. A ping overdue already (a laptop lid closed, a phone locked: the timer that would
   * have said so did not run) is a dead socket, not one to send into: it is lost now, and reported.
   */
  #alive(): boolean {
    if (this.#connected && Date.now() > this.#heardAt + this.#pingDeadlineMs) this.#lost('ping timeout');
    return this.#connected;
  }


  /**
   * Sends EVENT `name` asking for an ack, and calls `done` once: with the ack's first argument, or with a
   * {@link SignalingError}, `disconnected` when not connected or lost before the ack, `timeout` after
   * `timeoutMs`. A callback, not a Promise, so the ack is handled before any frame that follows it.
   */
  request(name: string, args: readonly unknown[], timeoutMs: number, done: AckCallback): void {
    if (!this.#alive()) return done(new SignalingError('disconnected', 'not connected to the signaling server'));
    const id = this.#nextId++;
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      done(new SignalingError('timeout', `no reply to ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#acks.set(id, { done_: done, timer_: timer });
    this.#write(encodeEvent(name, args, id));
  }

  /**
   * Ends the connection as dead (`ping timeout`) if the server has sent nothing since `since` (a Date.now()):
   * for a caller whose request went unanswered, when the path to the server is cut whatever TCP still thinks.
   */
  silentSince_(since: number): void {
    if (this.#heardAt <= since) this.#lost('ping timeout');
  }

  // -----------------------------------------------------------------------------------------------------

  #onFrame(data: unknown): void {
    this.#heardAt = Date.now();
    const f = decodeFrame(data, this.#o.maxFrameChars);
    if (typeof f === 'string') return this.emit('malformed', { reason: f });
    switch (f.type) {
      case 'open':
        if (this.#pingDeadlineMs) return this.emit('malformed', { reason: 'second-open' });
        this.#pingDeadlineMs = f.pingInterval + f.pingTimeout;
        this.#heard();
        this.#write(encodeConnect(this.#o.auth?.()));
        return;
      case 'ping':
        this.#heard();
        this.#write(PONG);
        return;
      case 'noop':
        return;
      case 'close':
        return this.#lost('transport close');
      case 'disconnect':
        return this.#lost('io server disconnect');
      case 'connect-error':
        return this.#lost(f.message);
      case 'connect':
        if (this.#connected || !this.#pingDeadlineMs) return this.emit('malformed', { reason: 'unexpected-connect' });
        clearTimeout(this.#connectTimer);
        this.#connected = true;
        return this.emit('connect', { sid: f.sid });
      case 'event':
        if (!this.#connected) return this.emit('malformed', { reason: 'event-before-connect' });
        return this.emit('event', { name: f.name, args: f.args });
      case 'ack': {
        const pending = this.#acks.get(f.id);
        // An unknown id is a reply that came after its timeout: late, not malformed.
        if (!pending) return;
        this.#acks.delete(f.id);
        clearTimeout(pending.timer_);
        pending.done_(undefined, f.args[0]);
      }
    }
  }

  /** The server is alive: it has pingInterval + pingTimeout until its next ping. */
  #heard(): void {
    clearTimeout(this.#pingTimer);
    this.#pingTimer = setTimeout(() => this.#lost('ping timeout'), this.#pingDeadlineMs);
  }

  #write(frame: string): boolean {
    try {
      if (this.#ws?.readyState !== OPEN) return false;
      this.#ws.send(frame);
      return true;
    } catch {
      return false; // the close event reports the loss
    }
  }

  /** Ends the current connection (idempotent) and reports it: `disconnect` if it was up, else `connect_error`. */
  #lost(reason: string): void {
    const ws = this.#ws;
    if (!ws) return;
    const wasConnected = this.#connected;
    this.#ws = undefined;
    this.#connected = false;
    this.#pingDeadlineMs = 0;
    // No-ops rather than null: Node's `ws` throws an 'error' that has no listener (closing while connecting
    // emits one).
    ws.onmessage = ws.onclose = ws.onerror = () => {};
    try {
      ws.close();
    } catch {
      // closing a socket that never opened may throw in some implementations; it is gone either way
    }
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#pingTimer);
    for (const pending of this.#acks.values()) {
      clearTimeout(pending.timer_);
      pending.done_(new SignalingError('disconnected', `connection lost (${reason}) before the reply`));
    }
    this.#acks.clear();
    if (wasConnected) this.emit('disconnect', { reason });
    else if (reason !== 'io client disconnect') this.emit('connect_error', { message: reason });
  }
}
