/**
 * Signed room tokens: a JWT the site's backend mints for one user and one room, which the tab presents in
 * `join` (the element's `token` attribute). Verified with `jose`, with the algorithm pinned by the key the
 * operator configured, never taken from the token:
 *
 * - HS256 with a shared secret (`--jwt-secret`), or ES256 with the backend's public key (`--jwt-public-key`);
 *   both may be configured, and each token is checked against the key of its own algorithm. `alg: none` and
 *   any other algorithm are refused.
 * - Claims: `room` (required, must equal the joined room), `exp` (required), `nbf` (checked when present),
 *   `iat` (a number when present), `name` (optional display name, 1–64 characters without control
 *   characters), `iss` / `aud` when configured.
 * - A token longer than {@link MAX_JWT_LENGTH} is refused before any parsing.
 *
 * A refusal carries a machine-readable reason for the server's log; the client only learns `unauthorized`.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';

/** Options for signed room tokens. At least one of `secret` and `publicKey`. */
export interface RoomTokenOptions {
  /** HS256 shared secret, at least {@link MIN_JWT_SECRET_BYTES} bytes. */
  secret?: string;
  /** ES256 public key (P-256) as PEM (`-----BEGIN PUBLIC KEY-----`), whose private key signs the tokens. */
  publicKey?: string;
  /** Required `iss` claim, when set. */
  issuer?: string;
  /** Required `aud` claim (one of the token's audiences), when set. */
  audience?: string;
}

/** Why a token was refused (for the log). */
export type RoomTokenRefusal =
  | 'too-large'
  | 'malformed'
  | 'algorithm-not-allowed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'missing-claim'
  | 'wrong-room'
  | 'bad-claim';

/** The outcome of {@link RoomTokenVerifier.verify}. */
export type RoomTokenResult =
  | { ok: true; room: string; name?: string; expiresAt: number }
  | { ok: false; reason: RoomTokenRefusal; detail: string };

/** Longest token considered, characters: an ES256 token with a few claims is 300–500. */
export const MAX_JWT_LENGTH = 2048;
/** Shortest HS256 secret, bytes (RFC 7518 §3.2: a key at least as long as the hash). */
export const MIN_JWT_SECRET_BYTES = 32;
/** Leeway for `exp` / `nbf` against clocks a little apart, seconds. */
export const JWT_CLOCK_TOLERANCE_S = 5;
/** A display name: 1–64 characters, no control characters. */
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}]{1,64}$/u;

/** Parses and checks the key material; throws an `Error` naming the bad option. */
function loadKeys(o: RoomTokenOptions): { hs?: KeyObject; es?: KeyObject } {
  const keys: { hs?: KeyObject; es?: KeyObject } = {};
  if (o.secret !== undefined) {
    if (typeof o.secret !== 'string' || Buffer.byteLength(o.secret) < MIN_JWT_SECRET_BYTES) {
      throw new Error(`jwt.secret: at least ${MIN_JWT_SECRET_BYTES} bytes (e.g. \`openssl rand -base64 48\`)`);
    }
    keys.hs = createSecretKey(Buffer.from(o.secret));
  }
  if (o.publicKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey(o.publicKey);
    } catch (err) {
      throw new Error(`jwt.publicKey: not a PEM public key (${(err as Error).message})`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`jwt.publicKey: an ES256 key is an EC key on P-256 (prime256v1); got ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
    }
    keys.es = key;
  }
  if (!keys.hs && !keys.es) throw new Error('jwt: give a secret (HS256) or a publicKey (ES256)');
  for (const claim of ['issuer', 'audience'] as const) {
    const value = o[claim];
    if (value !== undefined && (typeof value !== 'string' || value.length === 0 || value.length > 256)) {
      throw new Error(`jwt.${claim}: 1–256 characters`);
    }
  }
  return keys;
}

/** Verifies room tokens with the configured keys. */
export class RoomTokenVerifier {
  readonly #keys: { hs?: KeyObject; es?: KeyObject };
  readonly #algorithms: string[];
  readonly #o: RoomTokenOptions;

  /** @throws Error naming the option when the keys or claims settings are unusable. */
  constructor(options: RoomTokenOptions) {
    this.#keys = loadKeys(options);
    this.#algorithms = [...(this.#keys.hs ? ['HS256'] : []), ...(this.#keys.es ? ['ES256'] : [])];
    this.#o = options;
  }

  /** The algorithms accepted. */
  get algorithms(): readonly string[] {
    return this.#algorithms;
  }

  /** Checks `token` for joining `room` at `nowMs` (wall clock). Never throws. */
  async verify(token: string, room: string, nowMs: number = Date.now()): Promise<RoomTokenResult> {
    if (token.length > MAX_JWT_LENGTH) return { ok: false, reason: 'too-large', detail: `${token.length} characters, at most ${MAX_JWT_LENGTH}` };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.#keyFor(header), {
        algorithms: this.#algorithms,
        requiredClaims: ['exp', 'room'],
        issuer: this.#o.issuer,
        audience: this.#o.audience,
        clockTolerance: JWT_CLOCK_TOLERANCE_S,
        currentDate: new Date(nowMs),
      }));
    } catch (err) {
      return refusal(err);
    }
    if (payload['room'] !== room) {
      const claimed = typeof payload['room'] === 'string' ? `"${payload['room'].slice(0, 64)}"` : typeof payload['room'];
      return { ok: false, reason: 'wrong-room', detail: `token is for room ${claimed}, not "${room}"` };
    }
    const name = payload['name'];
    if (name !== undefined && (typeof name !== 'string' || !NAME_PATTERN.test(name))) {
      return { ok: false, reason: 'bad-claim', detail: '"name" must be 1–64 characters without control characters' };
    }
    return { ok: true, room, ...(name !== undefined ? { name } : {}), expiresAt: payload.exp! * 1000 };
  }

  #keyFor(header: JWTHeaderParameters): KeyObject {
    const key = header.alg === 'HS256' ? this.#keys.hs : header.alg === 'ES256' ? this.#keys.es : undefined;
    // jose checks `algorithms` first; this only guards a key the operator did not configure.
    if (!key) throw new errors.JOSEAlgNotAllowed(`"alg" ${String(header.alg).slice(0, 20)} is not configured`);
    return key;
  }
}

/** Maps a jose error to a refusal reason. */
function refusal(err: unknown): RoomTokenResult & { ok: false } {
  const detail = err instanceof Error ? err.message.slice(0, 200) : String(err);
  if (err instanceof errors.JWTExpired) return { ok: false, reason: 'expired', detail };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf' && err.reason === 'check_failed') return { ok: false, reason: 'not-yet-valid', detail };
    if (err.reason === 'missing') return { ok: false, reason: 'missing-claim', detail };
    return { ok: false, reason: 'bad-claim', detail };
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return { ok: false, reason: 'algorithm-not-allowed', detail };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return { ok: false, reason: 'bad-signature', detail };
  return { ok: false, reason: 'malformed', detail };
}
