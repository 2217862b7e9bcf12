/**
 * The mesh's relay fallback: a peer whose direct channel is not open (not yet, or not any more) is reached
 * through the signaling server's `signal` relay, as a `relay` signal sealed like any other, while the direct
 * path keeps being retried; traffic moves back as soon as the channel opens.
 *
 * - A new link gets `directTimeoutMs` to open. Past it the peer is relayed and the link retried with an ICE
 *   restart (fresh candidates: the network may have changed since it was made), and checked again twice as
 *   late, up to two minutes; a link that keeps failing dies after its restarts run out and is replaced.
 * - A channel that closes, or ICE that goes down under an open channel, relays at once (mesh.ts).
 * - The relay is usable while the peer is in the room, has our secret, and we are joined to the server.
 */
import { MeshError } from './mesh-error.js';
import { utf8Length } from './plain-json.js';
import type { LinkIds, MeshSignals, SignalPeer } from './mesh-signals.js';

/** Largest frame sent through the relay: sealing and JSON escaping must still fit the server's 16 KiB. */
export const MAX_RELAY_FRAME_BYTES = 8 * 1024;
/** Time a new link has to open before messages go through the relay, ms (MeshOptions.directTimeoutMs). */
export const DIRECT_TIMEOUT_MS = 10_000;
/** The longest wait between two retries of a direct path that does not open, ms. */
const MAX_DIRECT_RETRY_MS = 120_000;

/** What the relay knows of a peer. */
export interface RelayPeer extends SignalPeer {
  /** Messages to it go through the relay. */
  relayed: boolean;
  /** The signaling server lists it in the room. */
  inRoom: boolean;
  /** Its last signal could not be opened with our secret: not even the relay reaches it. */
  wrongSecret: boolean;
  /** Pending check of its direct path. */
  directTimer?: ReturnType<typeof setTimeout> | undefined;
}

export class MeshRelay {
  /** Frames sent and received through the relay. */
  sent = 0;
  received = 0;
  readonly #signals: MeshSignals;
  readonly #joined: () => boolean;
  readonly #sender: (peer: RelayPeer) => LinkIds | null | undefined;
  readonly #onError: (error: MeshError) => void;

  /**
   * @param joined whether this node is joined to the signaling server now
   * @param sender the link whose ids stamp a relayed frame to `peer` (see MeshSignals.send)
   * @param onError a frame too large for the relay (`relay-too-large`)
   */
  constructor(signals: MeshSignals, joined: () => boolean, sender: (peer: RelayPeer) => LinkIds | null | undefined, onError: (error: MeshError) => void) {
    this.#signals = signals;
    this.#joined = joined;
    this.#sender = sender;
    this.#onError = onError;
  }

  /** Whether messages to `peer` can go through the relay now. */
  usable(peer: RelayPeer): boolean {
    return peer.relayed && peer.inRoom && !peer.wrongSecret && this.#joined();
  }

  /** Sends `frame` to `peer` through the relay; false, with a `relay-too-large` error, when it does not fit. */
  send(peer: RelayPeer, frame: string): boolean {
    if (utf8Length(frame) > MAX_RELAY_FRAME_BYTES) {
      this.#onError(new MeshError('relay-too-large', `a ${frame.length}-byte message cannot go through the relay to ${peer.id}`, peer.id));
      return false;
    }
    this.sent += 1;
    this.#signals.send(peer, { k: 'relay', m: frame }, () => this.#sender(peer));
    return true;
  }

  /**
   * While `isOpen()` stays false: after `delay`, `fallBack()` (relay meanwhile, retry the direct path), then
   * check again twice as late. `stillWatched()` ends the watch (the link was replaced).
   */
  watchDirect(peer: RelayPeer, delay: number, stillWatched: () => boolean, isOpen: () => boolean, fallBack: () => void): void {
    clearTimeout(peer.directTimer);
    peer.directTimer = setTimeout(() => {
      peer.directTimer = undefined;
      if (!stillWatched() || isOpen()) return;
      fallBack();
      if (stillWatched()) this.watchDirect(peer, Math.min(delay * 2, MAX_DIRECT_RETRY_MS), stillWatched, isOpen, fallBack);
    }, delay);
  }
}
