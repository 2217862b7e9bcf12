/**
 * The mesh's signals: what two peers' links say to each other through the signaling server (session
 * descriptions, ICE candidates, and frames relayed while no channel is open), sealed with the room's cipher
 * when it has a secret (signal-envelope.ts), kept in order per peer both ways although sealing and opening
 * are async (negotiation relies on the remote seeing our order), and routed to a link by incarnation.
 *
 * Link incarnations: each link has a random id sent as `s` with its signals, and the remote link's id (once
 * known) as `r`. A signal for another of our incarnations (`r` mismatch) is stale and dropped. An offer from
 * a new remote incarnation (`s` changed) means the remote replaced its connection (a reload, a recovery), so
 * ours is replaced too: it is bound to the old one's DTLS. An answer (and the candidates behind it) from a
 * new incarnation answers our link's own offer (`r` is ours): our link takes it when it has not negotiated
 * with the old incarnation yet (it was bound to it only by a signal it ignored), and drops it otherwise. It
 * never makes a new link: a new connection cannot use an answer and offers itself instead, which the peer
 * takes for another new incarnation, replaces its link and answers, and so on (a connection storm: 47
 * connections in 20 s on each side seen in test/browser/net/mesh.test.ts).
 */
import { SignalCipher } from './crypto.js';
import { MeshError } from './mesh-error.js';
import type { LinkSignal } from './peer-link.js';
import { newLinkId, SignalEnvelope, type SignalBody, type UnwrapResult } from './signal-envelope.js';
import type { SignalingClient } from './signaling-client.js';

/** The part of {@link SignalingClient} the mesh uses. */
export type MeshSignaling = Pick<SignalingClient, 'on' | 'signal' | 'joined' | 'peers' | 'iceServers'>;

/** A frame, or a part of one (`p`: more parts follow), relayed through the server (see mesh-relay.ts). */
export type RelaySignal = { k: 'relay'; m: string; p?: 1 | undefined };

/** A link's incarnation ids: its own, and the remote one's once known. */
export interface LinkIds {
  readonly localId_: string;
  readonly remoteId_: string | undefined;
}

/** A link as signals are routed to it: its ids, and whether its connection took a remote description. */
export interface RoutedLink extends LinkIds {
  readonly negotiated_: boolean;
}

/** What signals keep per peer: one chain each way, so that everything is sent and handled in order. */
export interface SignalPeer {
  readonly id: string;
  inbound_: Promise<void>;
  outbound_: Promise<void>;
}

/**
 * Where a description or candidate from a peer belongs, given our current link to it: `rebind` is the current
 * link, which now talks to the signal's sender.
 */
export type Route = 'stale' | 'replace' | 'rebind' | 'new' | 'current';

/** Routes `body` (a description or a candidate) by incarnation: see the module comment. */
export function routeSignal(link: RoutedLink | undefined, body: { readonly s: string; readonly r?: string | undefined; readonly type?: string }): Route {
  if (!link) return 'new';
  if (body.r !== undefined && body.r !== link.localId_) return 'stale';
  if (link.remoteId_ !== undefined && body.s !== link.remoteId_) return body.type == 'offer' ? 'replace' : link.negotiated_ ? 'stale' : 'rebind';
  return 'current';
}

export class MeshSignals {
  readonly #selfId: string;
  readonly #signaling: MeshSignaling;
  readonly #envelope: Promise<SignalEnvelope>;
  readonly #onError: (error: MeshError) => void;
  /** The `s` of relayed frames sent while there is no link (any well-formed id: relays ignore it). */
  readonly #relayLinkId = newLinkId();

  /**
   * @param secret the room secret (checked by the caller); without one, bodies travel in the clear
   * @param onError a signal could not be sent, or the room key could not be derived (`signal-failed`)
   */
  constructor(selfId: string, room: string, secret: string | undefined, signaling: MeshSignaling, onError: (error: MeshError) => void) {
    this.#selfId = selfId;
    this.#signaling = signaling;
    this.#onError = onError;
    this.#envelope =
      secret === undefined ? Promise.resolve(new SignalEnvelope(selfId)) : SignalCipher.create(secret, room).then((c) => new SignalEnvelope(selfId, c));
    this.#envelope.catch((err: unknown) => onError(new MeshError('signal-failed', `cannot derive the room key: ${String(err)}`)));
  }

  /**
   * Sends `signal` to `peer`, after everything sent to it before. Once those are out, `sender()` says which
   * link sends it (its ids stamp the body): `null` to drop it (that link was replaced, or the mesh closed),
   * `undefined` when no link does (a relayed frame with no link yet). A refusal of the server (not
   * connected, too large) is reported as `signal-failed`.
   */
  send(peer: SignalPeer, signal: LinkSignal | RelaySignal, sender: () => LinkIds | null | undefined): void {
    peer.outbound_ = peer.outbound_.then(async () => {
      const link = sender();
      if (link === null) return;
      const body = { ...signal, s: link?.localId_ ?? this.#relayLinkId, ...(link?.remoteId_ ? { r: link.remoteId_ } : {}) } as SignalBody;
      const data = await (await this.#envelope).wrap(peer.id, body);
      try {
        this.#signaling.signal(peer.id, data);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.#onError(new MeshError('signal-failed', `signal to ${peer.id} not sent: ${message}`, peer.id));
      }
    }, () => undefined);
  }

  /**
   * Opens `data` from `peer`, after everything received from it before, and hands the result to `handle`
   * (while `live()` still holds: the peer may have been dropped meanwhile).
   */
  receive(peer: SignalPeer, data: unknown, live: () => boolean, handle: (result: UnwrapResult) => Promise<void> | void): void {
    peer.inbound_ = peer.inbound_.then(async () => {
      if (!live()) return;
      await handle(await (await this.#envelope).unwrap(peer.id, data));
    }, () => undefined);
  }
}
