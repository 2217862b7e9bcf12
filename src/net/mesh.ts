/**
 * The WebRTC mesh of a room: one {@link PeerLink} (RTCPeerConnection + negotiated data channel) per peer,
 * set up through the signaling server. Consensus talks to the room only through this class: `send` and the
 * `message` event. Its signals (sealing, ordering, link incarnations) are in mesh-signals.ts, its relay
 * fallback through the server in mesh-relay.ts.
 *
 * Lifecycle of a peer:
 * - Discovered from the signaling server (the join's peer list, `peer-joined`, or a first signal from it),
 *   a link is made at once on both sides. The side with the lexicographically LARGER node id is polite: it
 *   lets the other offer first, and perfect negotiation sorts out any later collision (peer-link.ts).
 * - Until its channel opens, messages to it go through the server's relay; once the channel opens, traffic
 *   moves to it. If it is not open within `directTimeoutMs`, the link is retried (mesh-relay.ts).
 * - A channel that stalls (data waiting in it longer than peer-link.ts's STALL_MS: a cut link's SCTP backs
 *   off) sends through the relay until it drains. A channel that closes (or ICE that will not recover) while
 *   the peer is still in the room: relay at once, and a new connection after a backoff. New connections come from the tab's {@link ConnectionBudget}
 *   (Chrome's 500-connections-per-tab cap): ICE restarts come first since they reuse the connection, repeated
 *   failures to a peer back off, and a peer whose connections never open stops being retried until
 *   something changes (it re-joins, the network comes back, the tab becomes visible, signaling reconnects).
 * - A peer that re-joins the server, or this tab re-joining: a link that is down restarts ICE, or sends its
 *   pending offer again (peer-link.ts restartIce: signals sent meanwhile were lost).
 * - Left the room (`peer-left`) with its channel closed, or said `bye`: dropped. A peer that left the
 *   signaling server while its channel is still open is kept: the mesh keeps working while the signaling
 *   server is down. (Keeping also a peer whose connection is down, so that a network change restarts ICE
 *   instead of making a new connection, left the lab's rooms unable to decide during the next server cut:
 *   see docs/lab.md, round 5.)
 * - Without WebRTC (no `RTCPeerConnection`: Debian's WebKit, or WebRTC disabled by a policy or an
 *   extension) every peer is reached through the relay from the start: no link is made, and each peer is
 *   told so by a `relay` frame, when it is discovered and whenever it offers a connection, so that it
 *   relays to this tab at once too and stops offering (a peer without WebRTC is `noRtc` on the other side).
 *
 * Background tabs: message delivery is event-driven (data channel and socket events are not throttled like
 * timers). Only the relay timeout, retries and RTT refresh use timers, and they tolerate the 1 s (or 1 min)
 * clamping Chrome applies to hidden tabs; becoming visible again re-kicks links that are down.
 */
import { Backoff } from './backoff.js';
import { tabConnectionBudget, type ConnectionBudget } from './connection-budget.js';
import { checkSecret } from './crypto.js';
import { BYE_FRAME, decodeFrame, encodeMessageFrame, RELAY_FRAME } from './mesh-frame.js';
import { MeshError } from './mesh-error.js';
import { DIRECT_TIMEOUT_MS, MeshRelay, type RelayPeer } from './mesh-relay.js';
import { MeshSignals, routeSignal, type MeshSignaling } from './mesh-signals.js';
import { MalformedCounter, type MeshMessage } from './peer-codec.js';
import { PeerLink, type LinkDeathReason, type LinkSignal } from './peer-link.js';
import { newLinkId, type SignalBody } from './signal-envelope.js';
import { TypedEventTarget } from './typed-events.js';

export { MeshError, type MeshErrorCode } from './mesh-error.js';
export type { MeshSignaling } from './mesh-signals.js';

/** Options of {@link Mesh}. */
export interface MeshOptions {
  /** This node's id (as joined on the signaling server). */
  selfId: string;
  /** The room (salts the secret's key). */
  room: string;
  /** The signaling client, joined or about to join; the mesh follows its peer list. */
  signaling: MeshSignaling;
  /** Room secret: signaling payloads are end-to-end encrypted with it (crypto.ts). */
  secret?: string;
  /** STUN/TURN servers. Default none (host candidates only, enough on one LAN or machine). */
  iceServers?: RTCIceServer[];
  /** `relay` forbids direct host/srflx candidates (a test uses it to force the relay fallback). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Time for a direct channel to open before messages go through the relay, ms. Default 10 s. */
  directTimeoutMs?: number;
  /**
   * Time for a new connection's first local ICE candidate once it is negotiated, before it is replaced by a
   * new one, ms (see peer-link.ts, the gathering watchdog). Default 4 s.
   */
  gatherTimeoutMs?: number;
  /** Connection budget. Default: the tab-wide one. */
  budget?: ConnectionBudget;
}

/** What `peers()` reports of one peer. */
export interface MeshPeerInfo {
  /** The peer's node id. */
  id: string;
  /** Whether messages can reach it now (direct channel open, or relayed while signaling is up). */
  connected: boolean;
  /** Whether messages to it go through the signaling relay. */
  relayed: boolean;
  /** Round trip of the direct connection's selected candidate pair, ms (from getStats); null if unknown. */
  rtt: number | null;
  /** Whether the signaling server lists it in the room. */
  inRoom: boolean;
}

/** Events of {@link Mesh}, by name, with their `detail`. */
export interface MeshEvents {
  /** A message from a peer; `relayed` when it came through the signaling server. */
  message: { from: string; data: MeshMessage; relayed: boolean };
  /** A peer became reachable. */
  'peer-open': { peer: string; relayed: boolean };
  /** A peer stopped being reachable (`reason`: `left`, `bye`, `wrong-secret`, `unreachable`). */
  'peer-close': { peer: string; reason: string };
  /** Anything `peers()` reports of a peer changed, except `rtt`. */
  'peer-state': MeshPeerInfo;
  /** A problem worth showing (wrong secret, budget spent, ...). */
  error: { error: MeshError };
}

/** Counters of {@link Mesh.stats}. */
export interface MeshStats {
  /** Frames rejected by the codec, total. */
  malformed: number;
  /** Frames rejected, by reason. */
  malformedByReason: Partial<Record<string, number>>;
  /** Signal envelopes rejected (bad envelope or wrong secret). */
  badSignals: number;
  /** Stale signals dropped (meant for a replaced connection). */
  staleSignals: number;
  /** Messages sent / received through the relay. */
  relayedSent: number;
  relayedReceived: number;
  /** RTCPeerConnections this mesh created. */
  connectionsCreated: number;
  /** ICE restarts over all links, current and past. */
  iceRestarts: number;
  /** Offer collisions (glare) over all links. */
  glare: number;
}

interface PeerEntry extends RelayPeer {
  link_?: PeerLink | undefined;
  reported_: string; // last emitted peer-state, to emit only on change
  reachable_: boolean;
  recreateTimer_?: ReturnType<typeof setTimeout> | undefined;
  recreate_: Backoff;
  /** Links made in a row that never opened; past a few, stop until something changes. */
  failedLinks_: number;
  openedAt_: number;
  /** The RTT of its last link, reported until the current one has measured its own. */
  rtt?: number | undefined;
  /** It said it has no WebRTC (a `relay` frame): reached through the relay only, no link is made. */
  noRtc_?: boolean;
}

const MAX_FAILED_LINKS = 3;
const STABLE_LINK_MS = 30_000;
/** How often open links measure their RTT, ms. */
const RTT_REFRESH_MS = 2_000;

/** The mesh of one node in one room. */
export class Mesh extends TypedEventTarget<MeshEvents> {
  /** This node's id. */
  readonly selfId: string;
  readonly #opts: MeshOptions;
  readonly #signaling: MeshSignaling;
  readonly #budget: ConnectionBudget;
  readonly #signals: MeshSignals;
  readonly #relay: MeshRelay;
  readonly #entries = new Map<string, PeerEntry>();
  readonly #malformed = new MalformedCounter();
  /** The counters of {@link stats}; `iceRestarts` and `glare` here are those of links already dropped. */
  readonly #counters = { badSignals: 0, staleSignals: 0, connectionsCreated: 0, iceRestarts: 0, glare: 0 };
  readonly #unsubscribe: Array<() => void> = [];
  readonly #statsTimer: ReturnType<typeof setInterval>;
  /** This browser has WebRTC (see the class comment for a tab without it). */
  readonly #rtc = typeof RTCPeerConnection == 'function';
  #budgetReported = false;
  #closed = false;

  /**
   * @throws {Error} for an invalid `selfId`/`secret`, or a secret where WebCrypto is unavailable.
   */
  constructor(options: MeshOptions) {
    super();
    if (typeof options.selfId !== 'string' || options.selfId.length === 0) throw new Error('Mesh: selfId is required');
    // Checked now, so a bad secret throws here rather than failing every signal later.
    if (options.secret !== undefined) checkSecret(options.secret);
    this.#opts = options;
    this.selfId = options.selfId;
    const s = (this.#signaling = options.signaling);
    this.#budget = options.budget ?? tabConnectionBudget;
    const onError = (error: MeshError): void => this.emit('error', { error });
    this.#signals = new MeshSignals(this.selfId, options.room, options.secret, s, onError);
    this.#relay = new MeshRelay(this.#signals, () => s.joined, (e) => (this.#closed ? null : (e as PeerEntry).link_));
    this.#unsubscribe.push(
      s.on('joined', ({ peers }) => this.#onRoomList(peers)),
      s.on('peer-joined', ({ nodeId }) => this.#onPeerJoined(nodeId, true)),
      s.on('peer-left', ({ nodeId }) => this.#onPeerLeft(nodeId)),
      s.on('signal', ({ from, data }) => this.#onSignal(from, data)),
      s.on('disconnect', () => this.#updateAll()),
    );
    this.#statsTimer = setInterval(() => this.#refreshRtts(), RTT_REFRESH_MS);
    if (typeof window !== 'undefined') {
      const kick = (): void => this.#kick();
      const onVisible = (): void => {
        if (document.visibilityState === 'visible') this.#kick();
      };
      window.addEventListener('online', kick);
      document.addEventListener('visibilitychange', onVisible);
      this.#unsubscribe.push(
        () => window.removeEventListener('online', kick),
        () => document.removeEventListener('visibilitychange', onVisible),
      );
    }
    if (s.joined) this.#onRoomList(s.peers);
  }

  /**
   * Sends `msg` (a plain JSON object, at most 64 KiB encoded) to peer `to`: on its direct channel, or through
   * the relay when the channel is not open or stalled; `relayToo`: through the relay as well (a message that
   * must not wait behind a channel that may be stalled without knowing it yet). Returns true when it was
   * handed to either, false when the peer is unknown or unreachable. Delivery is not acknowledged: consensus
   * retransmits. (With `relayToo`, true when the relay took it.)
   * @throws {MessageEncodeError} when `msg` is not a sendable object (too large, cyclic values aside, or with
   *   forbidden keys): a bug in the caller, reported at once.
   */
  send(to: string, msg: object, relayToo?: boolean): boolean {
    const frame = encodeMessageFrame(msg);
    const e = this.#entries.get(to);
    if (!e || this.#closed) return false;
    if (e.link_?.send(frame) && !relayToo) return true;
    // No open channel, or a stalled one (peer-link.ts, STALL_MS), or a copy asked for: the relay carries it.
    return this.#relay.usable_(e) && this.#relay.send(e, frame);
  }

  /** Every known peer, reachable or not. */
  peers(): MeshPeerInfo[] {
    return [...this.#entries.values()].map((e) => this.#info(e));
  }

  /** The current link to `peerId`, if any: for diagnostics, and for tests that reach below the mesh. */
  link(peerId: string): PeerLink | undefined {
    return this.#entries.get(peerId)?.link_;
  }

  /** Counters for the element's `stats`. */
  get stats(): MeshStats {
    const stats = {
      ...this.#counters,
      relayedSent: this.#relay.sent,
      relayedReceived: this.#relay.received_,
      malformed: this.#malformed.total,
      malformedByReason: { ...this.#malformed.byReason },
    };
    for (const e of this.#entries.values()) {
      stats.iceRestarts += e.link_?.iceRestarts ?? 0;
      stats.glare += e.link_?.glare ?? 0;
    }
    return stats;
  }

  /** Says `bye` on open channels and closes every connection. The signaling client stays the caller's. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#statsTimer);
    for (const off of this.#unsubscribe) off();
    for (const e of this.#entries.values()) {
      e.link_?.send(BYE_FRAME);
      this.#dropLink(e);
      this.#clearTimers(e);
    }
    this.#entries.clear();
  }

  // -----------------------------------------------------------------------------------------------------
  // Room membership.

  #onRoomList(peers: string[]): void {
    if (this.#closed) return;
    const listed = new Set(peers);
    // Signaling is back (or we joined): each listed peer as if it joined, but not heard from: the list may
    // hold a peer whose socket the server has not yet noticed gone.
    for (const id of peers) this.#onPeerJoined(id, false);
    for (const e of [...this.#entries.values()]) if (!listed.has(e.id)) this.#leftRoom(e);
  }

  /** The server says peer `id` is in the room; `justJoined`: it joined just now (a `peer-joined`). */
  #onPeerJoined(id: string, justJoined: boolean): void {
    if (this.#closed || id === this.selfId) return;
    const existed = this.#entries.has(id);
    const e = this.#ensureEntry(id);
    e.inRoom = true;
    // A peer that joins again after we gave up on it gets a fresh start; a link to it that is down restarts
    // ICE or sends its pending offer again (signals to the peer were lost while it or we were off the
    // server). An open link is left alone: if the peer is a new incarnation (a reload), its first signal
    // carries a new link id and the link is replaced then (see onBody); if only its socket came back, the
    // link is good.
    if (existed && !e.link_?.open) this.#reconnectSoon(e, true);
    // The server has just seen the peer join, so the relay reaches it now, before its first signal arrives:
    // a leader sends a newcomer the room's state at once, one trip to the server sooner than in answer to
    // the newcomer's offer. (A peer with another secret still shows as one in its first signal.)
    // A peer back on the server is reachable anew even if it never stopped being so here (the relay stood in
    // for its stalled channel, or a peer-left of its old socket came first and the channel stayed open): it
    // opens again, so that a leader sends it the slots it missed now rather than when it asks.
    if (justJoined) {
      e.heard_ = true;
      e.reachable_ = false;
    }
    this.#update(e);
  }

  #onPeerLeft(id: string): void {
    const e = this.#entries.get(id);
    if (e) this.#leftRoom(e);
  }

  /** The server no longer lists the peer: keep it while its channel is open (see the class comment). */
  #leftRoom(e: PeerEntry): void {
    e.inRoom = false;
    if (e.link_?.open) this.#update(e);
    else this.#removeEntry(e, 'left');
  }

  #ensureEntry(id: string): PeerEntry {
    let e = this.#entries.get(id);
    if (e) return e;
    e = {
      id,
      inRoom: true,
      reported_: '',
      reachable_: false,
      recreate_: new Backoff(1_000, 60_000),
      failedLinks_: 0,
      openedAt_: 0,
      inbound_: Promise.resolve(),
      outbound_: Promise.resolve(),
      wrongSecret_: false,
    };
    this.#entries.set(id, e);
    this.#makeLink(e);
    return e;
  }

  #removeEntry(e: PeerEntry, reason: string): void {
    this.#dropLink(e);
    this.#clearTimers(e);
    this.#entries.delete(e.id);
    if (e.reachable_) this.emit('peer-close', { peer: e.id, reason });
    e.reachable_ = false;
    this.emit('peer-state', { ...this.#info(e), connected: false });
  }

  // -----------------------------------------------------------------------------------------------------
  // Links.

  #makeLink(e: PeerEntry): PeerLink | undefined {
    if (this.#closed) return undefined;
    clearTimeout(e.recreateTimer_);
    e.recreateTimer_ = undefined;
    this.#dropLink(e);
    if (!this.#rtc || e.noRtc_) {
      // No link can exist: tell the peer when WebRTC is what this side lacks, so that it relays too.
      if (!this.#rtc) this.#relay.send(e, RELAY_FRAME);
      this.#fallBackToRelay(e);
      return undefined;
    }
    const decision = this.#budget.acquire();
    if (!decision.ok) {
      if (decision.reason === 'rate') {
        e.recreateTimer_ = setTimeout(() => {
          e.recreateTimer_ = undefined;
          if (!e.link_ && this.#entries.get(e.id) === e) this.#makeLink(e);
        }, decision.retryInMs);
      } else if (!this.#budgetReported) {
        this.#budgetReported = true;
        this.emit('error', {
          error: new MeshError('connection-budget', 'WebRTC connections used up: new peers are relayed'),
        });
      }
      this.#fallBackToRelay(e);
      return undefined;
    }
    this.#counters.connectionsCreated += 1;
    const link: PeerLink = new PeerLink({
      polite_: this.selfId > e.id,
      // The TURN credentials of the latest join plus the page's servers. A policy left out (undefined)
      // takes WebRTC's default, `all`.
      rtcConfig_: { iceServers: this.#signaling.iceServers.concat(this.#opts.iceServers ?? []), iceTransportPolicy: this.#opts.iceTransportPolicy },
      localId_: newLinkId(),
      gatherTimeoutMs_: this.#opts.gatherTimeoutMs,
      sendSignal_: (signal) => this.#sendSignal(e, link, signal),
      onOpen_: () => this.#onLinkOpen(e, link),
      onData_: (data) => this.#onFrame(e, data, false),
      onDead_: (reason) => this.#onLinkDead(e, link, reason),
      onStateChange_: () => this.#onLinkState(e, link),
    });
    e.link_ = link;
    this.#relay.watchDirect_(
      e,
      this.#opts.directTimeoutMs ?? DIRECT_TIMEOUT_MS,
      () => e.link_ === link,
      () => link.open,
      () => {
        this.#fallBackToRelay(e);
        link.retryDirect_();
      },
    );
    return link;
  }

  #dropLink(e: PeerEntry): void {
    const link = e.link_;
    if (!link) return;
    this.#counters.iceRestarts += link.iceRestarts;
    this.#counters.glare += link.glare;
    e.rtt = link.rtt ?? e.rtt;
    e.link_ = undefined;
    link.close();
  }

  #onLinkOpen(e: PeerEntry, link: PeerLink): void {
    if (e.link_ !== link) return;
    clearTimeout(e.directTimer_);
    e.directTimer_ = undefined;
    e.openedAt_ = Date.now();
    e.failedLinks_ = 0;
    this.#update(e);
    void link.refreshRtt_();
  }

  /** ICE went down under an open channel (relay meanwhile) or came back (direct again). */
  #onLinkState(e: PeerEntry, link: PeerLink): void {
    if (e.link_ === link && link.everOpened_) this.#update(e);
  }

  #onLinkDead(e: PeerEntry, link: PeerLink, _reason: LinkDeathReason): void {
    if (e.link_ !== link) return;
    const wasStable = link.everOpened_ && Date.now() - e.openedAt_ > STABLE_LINK_MS;
    if (!link.everOpened_) e.failedLinks_ += 1;
    this.#dropLink(e);
    if (!e.inRoom) return this.#removeEntry(e, 'left');
    if (wasStable) e.recreate_.reset();
    this.#fallBackToRelay(e);
    this.#reconnectSoon(e, false);
  }

  /**
   * Plans a new connection to a peer whose link is down. `fresh`: something changed (the peer re-joined,
   * signaling came back, the network or the tab woke up), so forget past failures and try soon.
   */
  #reconnectSoon(e: PeerEntry, fresh: boolean): void {
    if (this.#closed || this.#entries.get(e.id) !== e) return;
    if (fresh) {
      e.failedLinks_ = 0;
      e.recreate_.reset();
      if (e.link_ && !e.link_.open) {
        e.link_.restartIce(); // reuse the connection first
        return;
      }
    }
    if (e.link_ || e.recreateTimer_ !== undefined) return;
    if (e.failedLinks_ >= MAX_FAILED_LINKS) return; // wait for something to change (see class comment)
    e.recreateTimer_ = setTimeout(() => {
      e.recreateTimer_ = undefined;
      if (!e.link_ && this.#entries.get(e.id) === e && e.inRoom) this.#makeLink(e);
    }, e.recreate_.next());
  }

  /** Re-kicks every link that is down (network back online, tab visible again). */
  #kick(): void {
    for (const e of this.#entries.values()) if (!e.link_?.open && e.inRoom) this.#reconnectSoon(e, true);
    this.#refreshRtts();
  }

  #fallBackToRelay(e: PeerEntry): void {
    // A fallback relays whether or not the peer was heard yet (it may have no link to signal from); a wrong
    // secret still shows, as wrongSecret_, in its first signal.
    e.heard_ = true;
    this.#update(e);
  }

  // -----------------------------------------------------------------------------------------------------
  // Signals (mesh-signals.ts).

  #sendSignal(e: PeerEntry, link: PeerLink, signal: LinkSignal): void {
    this.#signals.send(e, signal, () => (this.#closed || e.link_ !== link ? null : link));
  }

  #onSignal(from: string, data: unknown): void {
    if (this.#closed || from === this.selfId) return;
    const e = this.#entries.get(from) ?? this.#ensureEntry(from);
    e.inRoom = true;
    this.#signals.receive(e, data, () => !this.#closed && this.#entries.get(from) === e, async (result) => {
      if (!result.ok) {
        this.#counters.badSignals += 1;
        if (result.reason === 'wrong-secret' && !e.wrongSecret_) {
          e.wrongSecret_ = true;
          this.#update(e, 'wrong-secret');
          this.emit('error', { error: new MeshError('wrong-secret', result.error.message, from) });
        }
        return;
      }
      if (e.wrongSecret_ || !e.heard_) {
        e.wrongSecret_ = false;
        e.heard_ = true;
        this.#update(e);
      }
      await this.#onBody(e, result.body);
    });
  }

  async #onBody(e: PeerEntry, body: SignalBody): Promise<void> {
    if (body.k === 'relay') {
      const frame = this.#relay.receive(e, body);
      if (frame !== undefined) this.#onFrame(e, frame, true);
      return;
    }
    // Without WebRTC, an offer gets the answer that there will be no connection (see the class comment).
    if (!this.#rtc) {
      if (body.k == 'desc') this.#makeLink(e);
      return;
    }
    let link = e.link_;
    switch (routeSignal(link, body)) {
      case 'stale':
        this.#counters.staleSignals += 1; // meant for a connection of ours that is gone
        return;
      case 'new':
        e.failedLinks_ = 0;
        link = this.#makeLink(e);
        break;
      case 'replace':
        link = this.#makeLink(e);
        break;
      case 'rebind':
        link!.remoteId_ = body.s;
    }
    if (!link) return;
    if (link.remoteId_ === undefined) link.remoteId_ = body.s;
    await link.handleSignal_(body);
  }

  // -----------------------------------------------------------------------------------------------------
  // Frames in.

  #onFrame(e: PeerEntry, raw: unknown, relayed: boolean): void {
    if (this.#closed) return;
    const r = decodeFrame(raw);
    if (!r.ok) {
      this.#malformed.count(r.reason);
      return;
    }
    if (r.frame.kind === 'bye') {
      this.#removeEntry(e, 'bye');
      return;
    }
    if (r.frame.kind === 'relay') {
      // The peer has no WebRTC: drop the link to it and relay from now on (never answered, or two tabs
      // without WebRTC would echo it).
      e.noRtc_ = true;
      this.#clearTimers(e);
      this.#dropLink(e);
      this.#fallBackToRelay(e);
      return;
    }
    if (relayed) this.#relay.received_ += 1;
    this.emit('message', { from: e.id, data: r.frame.message, relayed });
  }

  // -----------------------------------------------------------------------------------------------------
  // State reporting.

  #info(e: PeerEntry): MeshPeerInfo {
    const direct = e.link_?.open ?? false;
    const rtt = e.link_?.rtt ?? e.rtt;
    return {
      id: e.id,
      connected: direct || this.#relay.usable_(e),
      // Whatever has no open channel goes through the relay (send): relayed until its channel opens, a tab
      // that joins or comes back after its links died reaches the room through the server at once, instead of
      // waiting for ICE and DTLS (a second or more on slow paths).
      relayed: !direct,
      rtt: direct && rtt !== undefined ? rtt : null,
      inRoom: e.inRoom,
    };
  }

  /** Emits what changed of `e`: `peer-open`/`peer-close` (for `closeReason`) and `peer-state`. */
  #update(e: PeerEntry, closeReason = 'unreachable'): void {
    if (this.#entries.get(e.id) !== e) return;
    const info = this.#info(e);
    if (info.connected !== e.reachable_) {
      e.reachable_ = info.connected;
      if (info.connected) this.emit('peer-open', { peer: e.id, relayed: info.relayed });
      else this.emit('peer-close', { peer: e.id, reason: closeReason });
    }
    const key = `${info.connected}|${info.relayed}|${info.inRoom}`;
    if (key !== e.reported_) {
      e.reported_ = key;
      this.emit('peer-state', info);
    }
  }

  #updateAll(): void {
    for (const e of this.#entries.values()) this.#update(e);
  }

  /** Each open link measures its RTT (kept on the link; {@link dropLink} saves the last one on the entry). */
  #refreshRtts(): void {
    for (const e of this.#entries.values()) if (e.link_?.open) void e.link_.refreshRtt_();
  }

  #clearTimers(e: PeerEntry): void {
    clearTimeout(e.directTimer_);
    clearTimeout(e.recreateTimer_);
    e.directTimer_ = e.recreateTimer_ = undefined;
  }
}
