/**
 * Short-lived TURN credentials, by the "TURN REST API" scheme (draft-uberti-behave-turn-rest) that coturn
 * implements with `use-auth-secret` / `static-auth-secret`: the signaling server and the TURN server share
 * one secret; for each joining tab the signaling server makes
 *
 *   username   = `<expiry>:<nodeId>`   (expiry: Unix time in seconds when the credential stops working)
 *   credential = base64(HMAC-SHA1(secret, username))
 *
 * and the TURN server checks the HMAC and the expiry itself, with no database. So a page never holds a
 * long-lived TURN password, and a leaked credential dies within its TTL.
 */
import { createHmac } from 'node:crypto';

/** TURN settings of the signaling server. */
export interface TurnOptions {
  /** `turn:` / `turns:` URLs handed to the tabs, e.g. `turns:turn.example.org:5349?transport=tcp`. */
  urls: readonly string[];
  /** The secret shared with the TURN server (coturn's `static-auth-secret`). */
  secret: string;
  /** How long a credential works, in seconds. Default {@link DEFAULT_TURN_TTL_SECONDS}. */
  ttlSeconds?: number;
}

/** One RTCIceServer entry with credentials, as the join ack carries it (one entry per URL). */
export interface TurnIceServer {
  urls: string;
  username: string;
  credential: string;
}

/** Default credential lifetime: a day, as the TURN REST API draft suggests; a re-join gets fresh ones. */
export const DEFAULT_TURN_TTL_SECONDS = 86_400;
/** Shortest and longest accepted TTL, seconds (a minute; a week). */
export const TURN_TTL_RANGE = { min: 60, max: 7 * 86_400 } as const;
/** Shortest accepted shared secret, characters: shorter ones are guessable offline from one credential. */
export const MIN_TURN_SECRET_LENGTH = 16;
/** Most TURN URLs handed out (the widget's join-ack schema accepts no more). */
export const MAX_TURN_URLS = 8;
/** A TURN URL (RFC 7065): `turn:` or `turns:`, a host, an optional port and `?transport=udp|tcp`. */
export const TURN_URL_PATTERN = /^turns?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

/** The password for `username`: base64 of HMAC-SHA1 keyed with `secret`. */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username).digest('base64');
}

/**
 * The ICE servers for `nodeId`: one entry per TURN URL, all with the same credentials, valid until
 * `nowMs + ttlSeconds` (in whole seconds, the scheme's unit). `nowMs` is the wall clock: the TURN server
 * compares the expiry with its own.
 */
export function turnIceServers(turn: TurnOptions, nodeId: string, nowMs: number = Date.now()): TurnIceServer[] {
  const expiry = Math.floor(nowMs / 1000) + (turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS);
  const username = `${expiry}:${nodeId}`;
  const credential = turnPassword(turn.secret, username);
  return turn.urls.map((urls) => ({ urls, username, credential }));
}

/** Why `turn` cannot be used, or null when it can. */
export function turnOptionsProblem(turn: TurnOptions): string | null {
  if (!Array.isArray(turn.urls) || turn.urls.length === 0) return 'turn.urls: at least one turn: or turns: URL';
  if (turn.urls.length > MAX_TURN_URLS) return `turn.urls: at most ${MAX_TURN_URLS} URLs`;
  for (const url of turn.urls) {
    const m = typeof url === 'string' && url.length <= 256 ? TURN_URL_PATTERN.exec(url) : null;
    const port = m?.[2] ? Number(m[2].slice(1)) : 3478;
    if (!m || port < 1 || port > 65535) {
      return `turn.urls: "${String(url).slice(0, 100)}" is not a turn:host[:port][?transport=udp|tcp] or turns:… URL`;
    }
  }
  if (typeof turn.secret !== 'string' || turn.secret.length < MIN_TURN_SECRET_LENGTH) {
    return `turn.secret: at least ${MIN_TURN_SECRET_LENGTH} characters`;
  }
  if (turn.secret.length > 1024) return 'turn.secret: at most 1024 characters';
  const ttl = turn.ttlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < TURN_TTL_RANGE.min || ttl > TURN_TTL_RANGE.max)) {
    return `turn.ttlSeconds: an integer from ${TURN_TTL_RANGE.min} to ${TURN_TTL_RANGE.max}`;
  }
  return null;
}
