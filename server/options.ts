/**
 * Options of {@link createSignalingServer}, their defaults, and their validation: a bad option is a
 * programming or deployment error, so it throws at construction with a message naming the option.
 */
import * as v from '../src/schema/index.js';
import type { Logger, LevelWithSilent } from 'pino';
import { LIMITS } from '../src/net/signaling-protocol.js';
import { normalizeBasePath } from './base-path.js';
import { compileTrustProxy, type TrustProxy } from './client-address.js';
import { RoomTokenVerifier, type RoomTokenOptions } from './room-token.js';
import { DEFAULT_TURN_TTL_SECONDS, turnOptionsProblem, type TurnOptions } from './turn-credentials.js';

export type { RoomTokenOptions } from './room-token.js';
export type { TurnOptions } from './turn-credentials.js';

/** Per-socket token bucket: `burst` events at once, refilled at `perSecond`. */
export interface RateLimitOptions {
  /** Bucket size: events a socket may send back to back. Default 500. */
  burst: number;
  /** Refill rate in events per second. Default 250. */
  perSecond: number;
  /**
   * Events a socket may keep sending while its bucket is empty before it is disconnected.
   * Default: `burst`.
   */
  disconnectAfter?: number;
}

/** Options of {@link createSignalingServer}. Every field is optional. */
export interface SignalingServerOptions {
  /** Port `listen()` uses when called without one. Default 8080; 0 picks a free port. */
  port?: number;
  /** Host `listen()` binds when called without one. Default: every interface. */
  host?: string;
  /**
   * Origins (scheme://host[:port]) allowed to connect, or `'*'` for any. Default `'*'`: the widget is
   * embedded in other sites' pages. A connection whose `Origin` header is not listed is refused; clients
   * that send no `Origin` (non-browser) are let in, as they could forge any header anyway.
   */
  corsOrigins?: readonly string[] | '*';
  /** Most peers one room may hold, across every server process. Default 32. */
  maxRoomSize?: number;
  /** Redis URL (`redis://` or `rediss://`) for scale-out over several processes. Default: single process. */
  redisUrl?: string;
  /** Key prefix of this server's Redis keys and streams. Default `paxos-video`. */
  redisPrefix?: string;
  /**
   * Shared secret a client must present in `join`. Default: none, anyone may join (unless `jwt` is set).
   * With `jwt` too, a join passes with either.
   */
  token?: string;
  /**
   * Signed room tokens (JWT, HS256 and/or ES256) a client must present in `join`, minted by the site's
   * backend for one room. Default: none. With `token` too, a join passes with either.
   */
  jwt?: RoomTokenOptions;
  /**
   * TURN server(s) and the secret shared with them: each joining tab gets short-lived credentials in its
   * join ack (coturn's `use-auth-secret`). Default: none.
   */
  turn?: TurnOptions;
  /**
   * URL path the server lives under, e.g. `/watch`: routes and socket.io's endpoint move under it
   * (`/watch/socket.io/`), for a reverse proxy that forwards the path unchanged. Default: the root.
   */
  path?: string;
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses, CIDR ranges, or `loopback` / `linklocal` /
   * `uniquelocal`), so per-IP limits and logs see the real client. Default: none (the header is ignored).
   */
  trustProxy?: readonly string[];
  /** Most open connections from one client address (see `trustProxy`). Default 0: no cap. */
  maxConnectionsPerIp?: number;
  /** pino log level. Default `info`. Ignored when `logger` is given. */
  logLevel?: LevelWithSilent;
  /** A pino logger to use instead of a new one on stdout. */
  logger?: Logger;
  /** Folder holding the built widget. Default: `dist/` of the package. */
  staticDir?: string;
  /** The single-file widget served at `/paxos-video.js`. Default: `<staticDir>/paxos-video.js`. */
  widgetPath?: string;
  /** Folder served at `/` (the demo). Default: `demo/` of the package. */
  demoDir?: string;
  /** Per-socket rate limit. */
  rateLimit?: Partial<RateLimitOptions>;
  /** How long `close()` waits for clients before it cuts them off, in ms. Default 4000 (the whole stop stays under 5 s). */
  shutdownTimeoutMs?: number;
  /** Interval of this process's liveness beat in Redis, in ms. Default 5000; a process silent for 3 beats is dead. */
  heartbeatMs?: number;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  port: number;
  host: string | undefined;
  corsOrigins: readonly string[] | '*';
  maxRoomSize: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  token: string | undefined;
  /** The verifier of signed room tokens, when `jwt` is set. */
  roomTokens: RoomTokenVerifier | undefined;
  turn: Required<TurnOptions> | undefined;
  /** `''` (root) or `/a/b` (no trailing slash). */
  basePath: string;
  trustProxy: TrustProxy;
  maxConnectionsPerIp: number;
  logLevel: LevelWithSilent;
  logger: Logger | undefined;
  staticDir: string | undefined;
  widgetPath: string | undefined;
  demoDir: string | undefined;
  rateLimit: Required<RateLimitOptions>;
  shutdownTimeoutMs: number;
  heartbeatMs: number;
}

/** The pino levels `logLevel` accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (name: string, min: number, max: number) =>
  v.pipe(
    v.number(`${name}: must be a number`),
    v.integer(`${name}: must be an integer`),
    v.minValue(min, `${name}: must be at least ${min}`),
    v.maxValue(max, `${name}: must be at most ${max}`),
  );

/** Validates an origin and returns its canonical `scheme://host[:port]` form. */
export function normalizeOrigin(origin: string): string {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    throw new Error(`not a URL: "${origin}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`origin must be http(s): "${origin}"`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`an origin is scheme://host[:port] only: "${origin}"`);
  }
  return url.origin;
}

/** Whether `url` is a Redis URL this server can use. */
export function isRedisUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}

const OptionsSchema = v.strictObject({
  port: v.optional(int('port', 0, 65535)),
  host: v.optional(v.pipe(v.string('host: must be a string'), v.minLength(1, 'host: empty'))),
  corsOrigins: v.optional(
    v.union(
      [
        v.literal('*'),
        v.array(
          v.pipe(
            v.string('corsOrigins: must be strings'),
            v.check((o) => {
              try {
                normalizeOrigin(o);
                return true;
              } catch {
                return false;
              }
            }, 'corsOrigins: each must be scheme://host[:port]'),
          ),
        ),
      ],
      "corsOrigins: '*' or a list of origins",
    ),
  ),
  maxRoomSize: v.optional(int('maxRoomSize', 2, 10_000)),
  redisUrl: v.optional(v.pipe(v.string('redisUrl: must be a string'), v.check(isRedisUrl, 'redisUrl: must be redis://host[:port] or rediss://…'))),
  redisPrefix: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'redisPrefix: 1–64 of [A-Za-z0-9_.:-]'))),
  token: v.optional(
    v.pipe(
      v.string('token: must be a string'),
      v.minLength(1, 'token: empty'),
      v.maxLength(LIMITS.maxTokenLength, `token: at most ${LIMITS.maxTokenLength} characters`),
    ),
  ),
  jwt: v.optional(
    v.strictObject({
      secret: v.optional(v.string('jwt.secret: must be a string')),
      publicKey: v.optional(v.string('jwt.publicKey: must be a PEM string')),
      issuer: v.optional(v.string('jwt.issuer: must be a string')),
      audience: v.optional(v.string('jwt.audience: must be a string')),
    }),
  ),
  turn: v.optional(
    v.strictObject({
      urls: v.array(v.string('turn.urls: must be strings'), 'turn.urls: an array of turn: / turns: URLs'),
      secret: v.string('turn.secret: must be a string'),
      ttlSeconds: v.optional(v.number('turn.ttlSeconds: must be a number')),
    }),
  ),
  path: v.optional(v.string('path: must be a string')),
  trustProxy: v.optional(v.array(v.string('trustProxy: must be strings'), 'trustProxy: a list of addresses or CIDR ranges')),
  maxConnectionsPerIp: v.optional(int('maxConnectionsPerIp', 0, 1_000_000)),
  logLevel: v.optional(v.picklist(LOG_LEVELS, `logLevel: one of ${LOG_LEVELS.join(', ')}`)),
  logger: v.optional(v.custom<Logger>((x) => typeof x === 'object' && x !== null && typeof (x as Logger).info === 'function', 'logger: a pino logger')),
  staticDir: v.optional(v.string('staticDir: must be a string')),
  widgetPath: v.optional(v.string('widgetPath: must be a string')),
  demoDir: v.optional(v.string('demoDir: must be a string')),
  rateLimit: v.optional(
    v.strictObject({
      burst: v.optional(int('rateLimit.burst', 1, 1_000_000)),
      perSecond: v.optional(int('rateLimit.perSecond', 1, 1_000_000)),
      disconnectAfter: v.optional(int('rateLimit.disconnectAfter', 1, 1_000_000)),
    }),
  ),
  shutdownTimeoutMs: v.optional(int('shutdownTimeoutMs', 0, 60_000)),
  heartbeatMs: v.optional(int('heartbeatMs', 100, 60_000)),
});

/** Fills in defaults; throws an `Error` naming the first bad option. */
export function resolveOptions(options: SignalingServerOptions = {}): ResolvedOptions {
  const parsed = v.safeParse(OptionsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0]!;
    const path = v.getDotPath(issue);
    const message = path && !issue.message.includes(':') ? `${path}: ${issue.message}` : issue.message;
    throw new Error(`createSignalingServer: ${message}`);
  }
  const o = parsed.output;
  // The checks the schema cannot express, each with a message naming its option.
  const named = <T>(make: () => T): T => {
    try {
      return make();
    } catch (err) {
      throw new Error(`createSignalingServer: ${(err as Error).message}`);
    }
  };
  const turnProblem = o.turn && turnOptionsProblem(o.turn);
  if (turnProblem) throw new Error(`createSignalingServer: ${turnProblem}`);
  const burst = o.rateLimit?.burst ?? 500;
  return {
    port: o.port ?? 8080,
    host: o.host,
    corsOrigins: o.corsOrigins === undefined || o.corsOrigins === '*' ? '*' : o.corsOrigins.map(normalizeOrigin),
    maxRoomSize: o.maxRoomSize ?? 32,
    redisUrl: o.redisUrl,
    redisPrefix: o.redisPrefix ?? 'paxos-video',
    token: o.token,
    roomTokens: o.jwt && named(() => new RoomTokenVerifier(o.jwt!)),
    turn: o.turn && { urls: [...o.turn.urls], secret: o.turn.secret, ttlSeconds: o.turn.ttlSeconds ?? DEFAULT_TURN_TTL_SECONDS },
    basePath: named(() => normalizeBasePath(o.path ?? '')),
    trustProxy: named(() => compileTrustProxy(o.trustProxy ?? [])),
    maxConnectionsPerIp: o.maxConnectionsPerIp ?? 0,
    logLevel: o.logLevel ?? 'info',
    logger: o.logger,
    staticDir: o.staticDir,
    widgetPath: o.widgetPath,
    demoDir: o.demoDir,
    rateLimit: { burst, perSecond: o.rateLimit?.perSecond ?? 250, disconnectAfter: o.rateLimit?.disconnectAfter ?? burst },
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? 4000,
    heartbeatMs: o.heartbeatMs ?? 5000,
  };
}
