/**
 * The mesh's relay fallback: a peer whose direct channel is not open (not yet, or not any more) is reached
 * through the signaling server's `signal` relay, as a `relay` signal sealed like any other, while the direct
 * path keeps being retried; traffic moves back as soon as the channel opens.
 *
 * - A new link gets `directTimeoutMs` to open. Past it the peer is relayed and the link retried with an ICE
 *   restart (fresh candidates: the network may have changed since it was made), and checked again twice as
 *   late, up to two minutes; a link that keeps failing dies after its restarts run out and is replaced.
 * - A channel that closes, or ICE that goes down under an open channel, relays at once (mesh.ts).
 * - The relay is usable while the peer is in the room, has shown it has our secret (a signal of it opened),
 *   and we are joined to the server.
 * - A frame longer than {@link RELAY_PART_CHARS} (a catch-up for a tab that relays everything, say) goes in
 *   parts, each but the last marked `p`, reassembled by the receiver: signals to one peer keep their order.
 */
import { MAX_MESSAGE_BYTES } from './peer-codec.js';
import type { LinkIds, MeshSignals, RelaySignal, SignalPeer } from './mesh-signals.js';

/**
 * Characters of a frame in one relayed signal: at 3 bytes of UTF-8 each at most, sealed (base64, 4/3) or
 * JSON-escaped, a part stays under the server's 16 KiB for `signal.data`.
 */
export const RELAY_PART_CHARS = 4000;
/** Time a new link has to open before messages go through the relay, ms (MeshOptions.directTimeoutMs). */
export const DIRECT_TIMEOUT_MS = 10_000;
/** The longest wait between two retries of a direct path that does not open, ms. */
const MAX_DIRECT_RETRY_MS = 120_000;

/** What the relay knows of a peer. */
export interface RelayPeer extends SignalPeer {
  /** The signaling server lists it in the room. */
  inRoom: boolean;
  /** Its last signal could not be opened with our secret: not even the relay reaches it. */
  wrongSecret_: boolean;
  /**
   * A signal of it opened with our secret (it is of the room), or the relay was made its path (a fallback):
   * before either, a peer relayed only while its first link opens is not counted reachable.
   */
  heard_?: boolean;
  /** Pending check of its direct path. */
  directTimer_?: ReturnType<typeof setTimeout> | undefined;
  /** The parts received so far of a frame that came in parts. */
  parts_?: string | undefined;
}

export class MeshRelay {
  /** Frames sent and received through the relay. */
  sent = 0;
  received_ = 0;
  readonly #signals: MeshSignals;
  readonly #joined: () => boolean;
  readonly #sender: (peer: RelayPeer) => LinkIds | null | undefined;

  /**
   * @param joined whether this node is joined to the signaling server now
   * @param sender the link whose ids stamp a relayed frame to `peer` (see MeshSignals.send)
   */
  constructor(signals: MeshSignals, joined: () => boolean, sender: (peer: RelayPeer) => LinkIds | null | undefined) {
    this.#signals = signals;
    this.#joined = joined;
    this.#sender = sender;
  }

  /**
   * Whether messages to `peer` can go through the relay now (whether they do is the mesh's choice: when its
   * channel is not open or refuses them, see Mesh.send).
   */
  usable_(peer: RelayPeer): boolean {
    return peer.inRoom && !!peer.heard_ && !peer.wrongSecret_ && this.#joined();
  }

  /** Sends `frame` to `peer` through the relay, in parts if it is long. */
  send(peer: RelayPeer, frame: string): true {
    this.sent += 1;
    // A part may end between the halves of a surrogate pair: JSON.stringify (sealing, the wire) writes a
    // lone half as an escape, and the receiver's concatenation puts the pair together again.
    for (let i = 0; i < frame.length; i += RELAY_PART_CHARS) {
      const part: RelaySignal = { k: 'relay', m: frame.slice(i, i + RELAY_PART_CHARS) };
      if (i + RELAY_PART_CHARS < frame.length) part.p = 1;
      this.#signals.send(peer, part, () => this.#sender(peer));
    }
    return true;
  }

  /**
   * Takes a relayed signal from `peer`: the whole frame once its last part is in, else undefined. Parts
   * beyond a message's largest size are dropped (a peer's bug or malice spoils its own frames only).
   */
  receive(peer: RelayPeer, body: RelaySignal): string | undefined {
    const frame = (peer.parts_ ?? '') + body.m;
    peer.parts_ = body.p && frame.length <= MAX_MESSAGE_BYTES ? frame : undefined;
    return body.p ? undefined : frame;
  }

  /**
   * While `isOpen()` stays false: after `delay`, `fallBack()` (relay meanwhile, retry the direct path), then
   * check again twice as late. `stillWatched()` ends the watch (the link was replaced).
   */
  watchDirect_(peer: RelayPeer, delay: number, stillWatched: () => boolean, isOpen: () => boolean, fallBack: () => void): void {
    clearTimeout(peer.directTimer_);
    peer.directTimer_ = setTimeout(() => {
      peer.directTimer_ = undefined;
      if (!stillWatched() || isOpen()) return;
      fallBack();
      if (stillWatched()) this.watchDirect_(peer, Math.min(delay * 2, MAX_DIRECT_RETRY_MS), stillWatched, isOpen, fallBack);
    }, delay);
  }
}
