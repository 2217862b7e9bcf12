/**
 * End-to-end encryption of signaling payloads with a room secret, so the signaling server relays only
 * ciphertext: it can neither read the SDP (and so cannot stage a man in the middle of DTLS by swapping
 * fingerprints) nor alter or re-address a message.
 *
 * - Key: AES-GCM 256, derived by PBKDF2-SHA-256 from the secret, salted with `"paxos-video:" + room`,
 *   {@link PBKDF2_ITERATIONS} iterations. Derived once per (secret, room).
 * - Each message: a fresh random 96-bit IV; the sender and recipient node ids are bound as additional
 *   authenticated data, so a message the server re-addresses (or re-stamps with another sender) fails to open.
 * - A message that fails to open is reported as a {@link WrongSecretError} value, never thrown: a wrong
 *   secret is the usual cause, tampering the other.
 *
 * Uses only WebCrypto (`globalThis.crypto.subtle`), available in browsers (secure contexts, which include
 * http://localhost) and in Node 20.
 */
import * as v from '../schema/index.js';

/** PBKDF2 iteration count for the room key. */
export const PBKDF2_ITERATIONS = 150_000;
/** Prefix of the PBKDF2 salt; the room name follows it. */
export const SALT_PREFIX = 'paxos-video:';
const AAD_PREFIX = 'paxos-video/signal/v1|';
const IV_BYTES = 12;

/** A sealed payload as it travels through the server: base64 IV and ciphertext (with the GCM tag). */
export const SealedSchema = v.strictObject({
  iv: v.pipe(v.string(), v.length(16)),
  ct: v.pipe(v.string(), v.minLength(24), v.maxLength(24 * 1024)),
});
/** A sealed payload: base64 IV (96 bits) and base64 AES-GCM ciphertext including its 128-bit tag. */
export type Sealed = v.InferOutput<typeof SealedSchema>;

/** A message that could not be opened with this room's key: a wrong secret, or a payload altered in transit. */
export class WrongSecretError extends Error {
  /** Always `wrong-secret`. */
  readonly code = 'wrong-secret' as const;
  /** The node id the message claimed to come from. */
  readonly peer: string;
  constructor(peer: string, detail: string) {
    super(`cannot open a message from ${peer} with this room's secret (${detail}): the secrets differ`);
    this.name = 'WrongSecretError';
    this.peer = peer;
  }
}

/** Result of {@link SignalCipher.open}. */
export type OpenResult = { ok: true; plaintext: string } | { ok: false; error: WrongSecretError };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Throws when `secret` cannot be used: not a non-empty string, or no WebCrypto on this page. The mesh calls
 * it at once, so a bad secret throws from its constructor instead of failing the key derivation later.
 */
export function checkSecret(secret: unknown): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('room secret must be a non-empty string');
  if (!globalThis.crypto?.subtle) throw new Error('a room secret needs WebCrypto (https or localhost)');
}

/** Base64 of `bytes` (at most some 100,000: they are spread as arguments; sealed payloads stay under 24 KiB). */
export function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The bytes of base64 `text`, or null when it is not base64. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function aad(from: string, to: string): Uint8Array<ArrayBuffer> {
  // Node ids are [A-Za-z0-9_-], so `|` cannot occur inside one: the encoding is unambiguous.
  return encoder.encode(`${AAD_PREFIX}${from}|${to}`);
}

/** Seals and opens signaling payloads between two node ids of one room. */
export class SignalCipher {
  readonly #key: CryptoKey;

  private constructor(key: CryptoKey) {
    this.#key = key;
  }

  /**
   * Derives the room key and returns a cipher around it. Slow on purpose (PBKDF2): call once per
   * (secret, room) and keep the result. Rejects when `secret` is empty or WebCrypto is unavailable.
   */
  static async create(secret: string, room: string, iterations: number = PBKDF2_ITERATIONS): Promise<SignalCipher> {
    checkSecret(secret);
    const s = crypto.subtle;
    const material = await s.importKey('raw', encoder.encode(secret), 'PBKDF2', false, ['deriveKey']);
    const key = await s.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: encoder.encode(SALT_PREFIX + room), iterations },
      material,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
    return new SignalCipher(key);
  }

  // A cipher exists only once `create` found WebCrypto, so `crypto.subtle` is there from here on.

  /** Encrypts `plaintext` from `from` to `to` under a fresh random IV. */
  async seal(from: string, to: string, plaintext: string): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(from, to) }, this.#key, encoder.encode(plaintext));
    return { iv: toBase64(iv), ct: toBase64(new Uint8Array(ct)) };
  }

  /**
   * Decrypts a payload that claims to come from `from` and be meant for `to`. Never throws: a payload that
   * is malformed, was sealed with another key, or for another sender/recipient pair is `{ok: false}`.
   */
  async open(from: string, to: string, sealed: unknown): Promise<OpenResult> {
    const parsed = v.safeParse(SealedSchema, sealed);
    if (!parsed.success) return { ok: false, error: new WrongSecretError(from, 'not a sealed payload') };
    const iv = fromBase64(parsed.output.iv);
    const ct = fromBase64(parsed.output.ct);
    if (!iv || iv.length !== IV_BYTES || !ct) return { ok: false, error: new WrongSecretError(from, 'bad encoding') };
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: aad(from, to) }, this.#key, ct);
      return { ok: true, plaintext: decoder.decode(plain) };
    } catch {
      return { ok: false, error: new WrongSecretError(from, 'authentication failed') };
    }
  }
}
