/**
 * What the mesh puts in `signal.data`, the opaque payload the signaling server relays between two peers:
 * a session description, an ICE candidate, or a mesh message relayed because no direct channel opened.
 *
 * Every body names the link incarnation it comes from (`s`) and, once known, the one it is meant for
 * (`r`). A link is one RTCPeerConnection; when either side replaces its connection (a reloaded tab, a
 * connection that died), the new `s` tells the other side to replace its own, and `r` lets a new link drop
 * what was meant for an old one. See mesh.ts.
 *
 * Without a room secret a body travels as `{v: 1, p: body}`. With one it is sealed (crypto.ts) and travels
 * as `{v: 1, x: {iv, ct}}`: the server sees ciphertext only. A side with a secret refuses plain bodies and a
 * side without one cannot read sealed ones; both are reported as a wrong secret.
 */
import * as v from '../schema/index.js';
import { SealedSchema, toBase64, WrongSecretError, type SignalCipher } from './crypto.js';

/** Wire format version. */
export const ENVELOPE_VERSION = 1;

/** A link incarnation id: 8–32 of `[A-Za-z0-9_-]`. */
const LinkIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,32}$/));
const Common = { s: LinkIdSchema, r: v.optional(LinkIdSchema) };
// Bounded so a decrypted body cannot be bigger than what the server would have relayed in the clear.
const MAX_FIELD = 15 * 1024;

/** A session description (`offer` or `answer`) of perfect negotiation. */
const DescriptionBodySchema = v.strictObject({
  ...Common,
  k: v.literal('desc'),
  type: v.picklist(['offer', 'answer']),
  sdp: v.pipe(v.string(), v.maxLength(MAX_FIELD)),
});

/** One trickled ICE candidate. */
const CandidateBodySchema = v.strictObject({
  ...Common,
  k: v.literal('ice'),
  candidate: v.pipe(v.string(), v.maxLength(1024)),
  sdpMid: v.nullish(v.pipe(v.string(), v.maxLength(64))),
  sdpMLineIndex: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64))),
  usernameFragment: v.nullish(v.pipe(v.string(), v.maxLength(256))),
});

/** A mesh frame (peer-codec text) relayed through the server, or a part of one (`p`: more parts follow). */
const RelayBodySchema = v.strictObject({
  ...Common,
  k: v.literal('relay'),
  m: v.pipe(v.string(), v.maxLength(MAX_FIELD)),
  p: v.optional(v.literal(1)),
});

/** What a peer can send another through the signaling server. */
export const SignalBodySchema = v.variant('k', [DescriptionBodySchema, CandidateBodySchema, RelayBodySchema]);
/** What a peer can send another through the signaling server. */
export type SignalBody = v.InferOutput<typeof SignalBodySchema>;

const PlainWireSchema = v.strictObject({ v: v.literal(ENVELOPE_VERSION), p: v.unknown() });
const SealedWireSchema = v.strictObject({ v: v.literal(ENVELOPE_VERSION), x: SealedSchema });

/** Why an incoming `signal.data` was not accepted. */
export type UnwrapFailure =
  | { ok: false; reason: 'malformed'; detail: string }
  | { ok: false; reason: 'wrong-secret'; error: WrongSecretError };

/** Result of {@link SignalEnvelope.unwrap}. */
export type UnwrapResult = { ok: true; body: SignalBody } | UnwrapFailure;

const malformed = (detail: string): UnwrapFailure => ({ ok: false, reason: 'malformed', detail });
const wrongSecret = (error: WrongSecretError): UnwrapFailure => ({ ok: false, reason: 'wrong-secret', error });

/** Wraps outgoing bodies and unwraps incoming ones for one node, sealing them when a cipher is given. */
export class SignalEnvelope {
  readonly #selfId: string;
  readonly #cipher: SignalCipher | undefined;

  /**
   * @param selfId this node's id (the sender of what it wraps, the recipient of what it unwraps)
   * @param cipher the room's cipher when the room has a secret
   */
  constructor(selfId: string, cipher?: SignalCipher) {
    this.#selfId = selfId;
    this.#cipher = cipher;
  }

  /** The `signal.data` that carries `body` to `to`. */
  async wrap(to: string, body: SignalBody): Promise<unknown> {
    if (!this.#cipher) return { v: ENVELOPE_VERSION, p: body };
    return { v: ENVELOPE_VERSION, x: await this.#cipher.seal(this.#selfId, to, JSON.stringify(body)) };
  }

  /** Reads a `signal.data` from `from`. Never throws. */
  async unwrap(from: string, data: unknown): Promise<UnwrapResult> {
    let candidate: unknown;
    const sealed = v.safeParse(SealedWireSchema, data);
    const plain = v.safeParse(PlainWireSchema, data);
    if (!sealed.success && !plain.success) return malformed('not a signal envelope');
    if (this.#cipher) {
      if (!sealed.success) return wrongSecret(new WrongSecretError(from, 'the peer sent it unencrypted'));
      const opened = await this.#cipher.open(from, this.#selfId, sealed.output.x);
      if (!opened.ok) return wrongSecret(opened.error);
      try {
        candidate = JSON.parse(opened.plaintext);
      } catch {
        return malformed('sealed body is not JSON');
      }
    } else {
      if (!plain.success) return wrongSecret(new WrongSecretError(from, 'the peer encrypts; this side has no secret'));
      candidate = plain.output.p;
    }
    const body = v.safeParse(SignalBodySchema, candidate);
    return body.success ? { ok: true, body: body.output } : malformed(body.issues[0].message);
  }
}

/** A fresh random link incarnation id (16 characters of base64url). */
export function newLinkId(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(12))).replace(/\+/g, '-').replace(/\//g, '_');
}
