/**
 * One RTCPeerConnection to one remote peer, with its single data channel, negotiated by the "perfect
 * negotiation" pattern (W3C WebRTC 1.0, §10.7 / MDN):
 *
 * - Either side may start a negotiation at any time (a new connection, an ICE restart); when both offer at
 *   once ("glare") the impolite side ignores the incoming offer and the polite side rolls its own back and
 *   answers. The mesh makes the side with the lexicographically LARGER node id polite.
 * - A new connection is first offered by the impolite side only: the polite side waits
 *   `initialOfferDelayMs` for that offer before making its own. Both sides make their link the moment they
 *   learn of each other, so without the wait every new pair would start in glare; and Chromium, rolling back
 *   a connection's very first offer, sometimes never gathers a candidate for the answer that follows (seen
 *   in 2 of 6 rooms of four separate browsers opened at once), leaving the connection `new` for good.
 * - A watchdog covers that stall whatever causes it: when both descriptions are set and no local candidate
 *   came within `gatherTimeoutMs`, the link reports itself dead (an ICE restart on the same connection does
 *   not revive it), and the mesh replaces it with a new connection.
 * - The data channel is negotiated out of band (`negotiated: true, id: 0`): both sides create it, so neither
 *   waits for an `ondatachannel` and a replaced connection never leaves a stray channel. Reliable, ordered.
 * - ICE restart: on `failed` at once, on `disconnected` after a grace period (it often recovers by itself),
 *   with backoff between attempts. After too many failed restarts, or when the channel or DTLS closes, the
 *   link reports itself dead and the mesh decides whether to make a new connection.
 *
 * Signals must be fed in the order the remote sent them (the mesh serializes them per peer).
 */
import { Backoff } from './backoff.js';

/** A signal body without the link ids, which the mesh adds (see signal-envelope.ts). */
export type LinkSignal =
  | { k: 'desc'; type: 'offer' | 'answer'; sdp: string }
  | {
      k: 'ice';
      candidate: string;
      sdpMid?: string | null | undefined;
      sdpMLineIndex?: number | null | undefined;
      usernameFragment?: string | null | undefined;
    };

/** Why a link died. */
export type LinkDeathReason = 'channel-closed' | 'ice-failed' | 'connection-failed' | 'gathering-stalled';

/** Options of {@link PeerLink}. */
export interface PeerLinkOptions {
  /** Whether this side yields on glare. */
  polite_: boolean;
  /** ICE servers and policy. */
  rtcConfig_: RTCConfiguration;
  /** This incarnation's id (see signal-envelope.ts). */
  localId_: string;
  /** Sends a signal to the remote peer through the signaling server. */
  sendSignal_: (signal: LinkSignal) => void;
  /** The data channel opened. */
  onOpen_: () => void;
  /** A text or binary message arrived on the data channel (unparsed). */
  onData_: (data: unknown) => void;
  /** The link cannot carry traffic any more and will not recover by itself. */
  onDead_: (reason: LinkDeathReason) => void;
  /** ICE or signaling state changed. */
  onStateChange_: () => void;
  /** Time for a first local candidate once both descriptions are set, before the link is declared dead, ms. Default 4000. */
  gatherTimeoutMs_?: number | undefined;
}

/** Grace before restarting ICE on `disconnected`, ms. */
const DISCONNECTED_GRACE_MS = 2_500;
/** ICE restarts before the link gives up. */
const MAX_ICE_RESTARTS = 5;
/** How long the polite side waits for the remote's first offer before offering itself, ms. */
const INITIAL_OFFER_DELAY_MS = 1_500;

/** The fields of a `getStats()` entry that {@link PeerLink.refreshRtt_} reads. */
interface Stat {
  type?: string;
  selectedCandidatePairId?: string;
  nominated?: boolean;
  state?: string;
  currentRoundTripTime?: number;
}

/** The data channel's fixed id, negotiated out of band by both sides. */
export const DATA_CHANNEL_ID = 0;
/**
 * How long data may wait in the channel's send buffer before `send` calls the channel stalled and refuses, ms.
 * A cut link's SCTP backs its retransmissions off for seconds, and even once the path is back, what is sent
 * waits behind them until the next one: a tab back from a 5 s cut asked for what it missed and got it 2 s
 * late. The mesh sends through the relay while the channel is stalled. On a live link the buffer empties
 * within a round trip, bursts included. It also bounds the buffer well below the 16 MiB at which the browser
 * closes a channel: consensus messages are at most 64 KiB, a few a tick.
 */
export const STALL_MS = 500;

/** One peer connection with its data channel. */
export class PeerLink {
  /** This incarnation's id. */
  readonly localId_: string;
  /** The remote incarnation this link talks to, once known. */
  remoteId_: string | undefined;
  /** ICE restarts made. */
  iceRestarts = 0;
  /** Offer collisions seen (glare). */
  glare = 0;
  /** Latest round-trip time of the selected candidate pair, ms. */
  rtt: number | undefined;
  /** Whether the channel ever opened. */
  everOpened_ = false;

  readonly #pc: RTCPeerConnection;
  readonly #dc: RTCDataChannel;
  readonly #opts: PeerLinkOptions;
  readonly #restartBackoff = new Backoff(1_000, 15_000);
  #makingOffer = false;
  #ignoreOffer = false;
  #settingRemoteAnswerPending = false;
  #restartAttempts = 0;
  #disconnectedTimer: ReturnType<typeof setTimeout> | undefined;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #initialOfferTimer: ReturnType<typeof setTimeout> | undefined;
  #gatherTimer: ReturnType<typeof setTimeout> | undefined;
  /** When `send` last found the channel's send buffer empty (Date.now()). */
  #emptyAt = 0;
  /** Local candidates gathered since gathering last (re)started. */
  #localCandidates = 0;
  #closed = false;

  constructor(opts: PeerLinkOptions) {
    this.#opts = opts;
    this.localId_ = opts.localId_;
    this.#pc = new RTCPeerConnection(opts.rtcConfig_);
    this.#dc = this.#pc.createDataChannel('paxos-video', { negotiated: true, id: DATA_CHANNEL_ID, ordered: true });
    this.#pc.onnegotiationneeded = () => {
      if (this.#awaitingFirstOffer) this.#waitForFirstOffer();
      else void this.#negotiate();
    };
    this.#pc.onicecandidate = ({ candidate }) => {
      // A null candidate marks the end of gathering; nothing to send for it.
      if (!candidate || this.#closed || !candidate.candidate) return;
      this.#localCandidates += 1;
      this.#opts.sendSignal_({
        k: 'ice',
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      });
    };
    this.#pc.onicegatheringstatechange = () => {
      if (this.#pc.iceGatheringState === 'gathering') this.#localCandidates = 0;
    };
    this.#pc.oniceconnectionstatechange = () => this.#onIceState();
    this.#pc.onconnectionstatechange = () => {
      if (this.#pc.connectionState === 'failed' && this.#restartAttempts >= MAX_ICE_RESTARTS) this.#die('connection-failed');
      this.#opts.onStateChange_();
    };
    this.#pc.onsignalingstatechange = () => {
      this.#watchGathering();
      this.#opts.onStateChange_();
    };
    this.#dc.onopen = () => {
      if (this.#closed) return;
      this.everOpened_ = true;
      this.#opts.onOpen_();
    };
    this.#dc.onclose = () => this.#die('channel-closed');
    this.#dc.onmessage = (event) => {
      if (!this.#closed) this.#opts.onData_(event.data);
    };
  }

  /** Whether the connection took a remote description: it is bound to that remote's DTLS from then on. */
  get negotiated_(): boolean {
    return !!this.#pc.remoteDescription;
  }

  /**
   * Whether the data channel can carry traffic now: open, and ICE not `disconnected`/`failed` (the channel
   * stays "open" through an ICE outage, but what is sent then waits or is lost; the relay does better).
   */
  get open(): boolean {
    if (this.#closed || this.#dc.readyState !== 'open') return false;
    const ice = this.#pc.iceConnectionState;
    return ice !== 'disconnected' && ice !== 'failed';
  }

  /** ICE connection state, for diagnostics. */
  get iceState(): RTCIceConnectionState {
    return this.#pc.iceConnectionState;
  }

  /** Signaling state, for diagnostics. */
  get signalingState(): RTCSignalingState {
    return this.#pc.signalingState;
  }

  /** Sends a text frame on the channel; false when the channel is not open, or stalled (see {@link STALL_MS}). */
  send(frame: string | ArrayBuffer): boolean {
    if (!this.open) return false;
    const now = Date.now();
    const waiting = this.#dc.bufferedAmount;
    if (!waiting) this.#emptyAt = now;
    else if (now - this.#emptyAt > STALL_MS) return false;
    try {
      // Either kind goes as it is (the cast spares a branch that TypeScript's overloads of send() ask for).
      this.#dc.send(frame as string);
      return true;
    } catch {
      return false; // closed between the check and the send
    }
  }

  /** Applies a signal from the remote peer (perfect negotiation). Never throws. */
  async handleSignal_(signal: LinkSignal): Promise<void> {
    if (this.#closed) return;
    try {
      if (signal.k === 'desc') {
        this.#clearInitialOfferTimer();
        const readyForOffer = !this.#makingOffer && (this.#pc.signalingState === 'stable' || this.#settingRemoteAnswerPending);
        const collision = signal.type === 'offer' && !readyForOffer;
        if (collision) this.glare += 1;
        this.#ignoreOffer = !this.#opts.polite_ && collision;
        if (this.#ignoreOffer) return;
        this.#settingRemoteAnswerPending = signal.type === 'answer';
        // An answer that arrives when no offer is pending (a duplicate or a late one) is stale.
        if (signal.type === 'answer' && this.#pc.signalingState !== 'have-local-offer') {
          this.#settingRemoteAnswerPending = false;
          return;
        }
        // The body's own members (k, s, r) are not in the WebRTC dictionaries: they are ignored.
        await this.#pc.setRemoteDescription(signal);
        this.#settingRemoteAnswerPending = false;
        if (signal.type === 'offer') {
          await this.#pc.setLocalDescription();
          this.#sendLocalDescription();
        }
      } else {
        try {
          await this.#pc.addIceCandidate(signal);
        } catch (err) {
          // Candidates of an offer we ignored fail to apply; anything else is worth a restart later.
          if (!this.#ignoreOffer) throw err;
        }
      }
    } catch {
      this.#settingRemoteAnswerPending = false;
      // A description or candidate that cannot be applied leaves the connection unusable as negotiated;
      // an ICE restart renegotiates from the current state.
      if (!this.#closed) this.#scheduleRestart();
    }
  }

  /**
   * Restarts ICE now (network change, the peer or this tab back on the signaling server, test hook); counts as
   * one restart attempt. An offer still waiting for its answer is sent again instead: sent while the peer or
   * this tab was off the server, it was lost, and perfect negotiation would wait for its answer for good (an
   * impolite side ignores the peer's offers meanwhile). Its SDP carries the candidates gathered so far.
   */
  restartIce(): void {
    if (this.#closed) return;
    if (this.#pc.signalingState == 'have-local-offer') return this.#sendLocalDescription();
    this.#clearTimers();
    this.#restartNow();
  }

  /**
   * The channel has not opened in time: restart ICE (at once the first time, then with backoff), or give up
   * and report the link dead once its restarts are used up.
   */
  retryDirect_(): void {
    if (!this.#closed && !this.open) this.#scheduleRestart(true);
  }

  /**
   * Refreshes {@link rtt} from `getStats()`: the selected candidate pair's `currentRoundTripTime`, in ms
   * (unchanged while there is no selected pair). Never rejects.
   */
  async refreshRtt_(): Promise<void> {
    if (this.#closed) return;
    try {
      const report = await this.#pc.getStats();
      // The transport's selected pair; failing that (a browser without the field), a nominated one that works.
      let pairId: string | undefined;
      let nominated: Stat | undefined;
      report.forEach((s: Stat) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') nominated = s;
      });
      const pair: Stat | undefined = (pairId && report.get(pairId)) || nominated;
      if (typeof pair?.currentRoundTripTime === 'number') this.rtt = pair.currentRoundTripTime * 1000;
    } catch {
      /* the connection closed meanwhile */
    }
  }

  /** Closes the connection; no callback fires afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    try {
      this.#dc.close();
    } catch {
      /* already closed */
    }
    this.#pc.close();
  }

  // -----------------------------------------------------------------------------------------------------

  /** Whether ICE is up (`connected` or `completed`). */
  get #iceUp(): boolean {
    const ice = this.#pc.iceConnectionState;
    return ice === 'connected' || ice === 'completed';
  }

  /** Polite, and no description either way yet: the remote's first offer is expected (see the file comment). */
  get #awaitingFirstOffer(): boolean {
    return this.#opts.polite_ && this.#pc.signalingState === 'stable' && !this.#pc.remoteDescription && !this.#pc.localDescription;
  }

  #waitForFirstOffer(): void {
    if (this.#closed || this.#initialOfferTimer !== undefined) return;
    this.#initialOfferTimer = setTimeout(() => {
      this.#initialOfferTimer = undefined;
      // Still nothing from the remote (it may not know of us yet): offer ourselves.
      if (this.#awaitingFirstOffer) void this.#negotiate();
    }, INITIAL_OFFER_DELAY_MS);
  }

  #clearInitialOfferTimer(): void {
    clearTimeout(this.#initialOfferTimer);
    this.#initialOfferTimer = undefined;
  }

  /**
   * Arms the gathering watchdog when a negotiation completes (both descriptions set, `stable`): a
   * connection that has not connected and has no local candidate by then is stalled (see the file comment).
   */
  #watchGathering(): void {
    if (this.#closed || this.#pc.signalingState !== 'stable' || !this.#pc.localDescription || !this.#pc.remoteDescription) return;
    clearTimeout(this.#gatherTimer);
    this.#gatherTimer = setTimeout(() => {
      this.#gatherTimer = undefined;
      if (this.#closed || this.#iceUp) return;
      if (this.#localCandidates === 0 && this.#pc.iceGatheringState !== 'complete') this.#die('gathering-stalled');
    }, this.#opts.gatherTimeoutMs_ ?? 4_000);
  }

  async #negotiate(): Promise<void> {
    if (this.#closed) return;
    this.#clearInitialOfferTimer();
    try {
      this.#makingOffer = true;
      await this.#pc.setLocalDescription();
      this.#sendLocalDescription();
    } catch {
      if (!this.#closed) this.#scheduleRestart();
    } finally {
      this.#makingOffer = false;
    }
  }

  #sendLocalDescription(): void {
    const d = this.#pc.localDescription;
    if (this.#closed || !d || (d.type !== 'offer' && d.type !== 'answer')) return;
    this.#opts.sendSignal_({ k: 'desc', type: d.type, sdp: d.sdp });
  }

  #onIceState(): void {
    if (this.#closed) return;
    const state = this.#pc.iceConnectionState;
    if (this.#iceUp) {
      this.#restartAttempts = 0;
      this.#restartBackoff.reset();
      this.#clearTimers();
    } else if (state === 'disconnected') {
      this.#disconnectedTimer ??= setTimeout(() => {
        this.#disconnectedTimer = undefined;
        if (this.#pc.iceConnectionState === 'disconnected') this.#scheduleRestart(true);
      }, DISCONNECTED_GRACE_MS);
    } else if (state === 'failed') {
      this.#scheduleRestart(true);
    }
    this.#opts.onStateChange_();
  }

  /** Restarts ICE after a backoff delay (the first one at once), or gives up after too many. */
  #scheduleRestart(now?: boolean): void {
    if (this.#closed || this.#restartTimer !== undefined) return;
    if (this.#restartAttempts >= MAX_ICE_RESTARTS) {
      this.#die('ice-failed');
      return;
    }
    const delay = now && this.#restartAttempts === 0 ? 0 : this.#restartBackoff.next();
    this.#restartAttempts += 1;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#closed && !this.#iceUp) this.#restartNow();
    }, delay);
  }

  /** Restarts ICE on this connection, counted in {@link iceRestarts}. */
  #restartNow(): void {
    this.iceRestarts += 1;
    this.#pc.restartIce();
  }

  #die(reason: LinkDeathReason): void {
    if (this.#closed) return;
    this.close();
    this.#opts.onDead_(reason);
  }

  #clearTimers(): void {
    clearTimeout(this.#disconnectedTimer);
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#gatherTimer);
    this.#clearInitialOfferTimer();
    this.#disconnectedTimer = this.#restartTimer = this.#gatherTimer = undefined;
  }
}
