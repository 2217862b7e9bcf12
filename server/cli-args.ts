/**
 * Command line and environment of `paxos-video-server`, turned into server options. Flags win over the
 * environment; anything malformed is a {@link CliError} with a message naming the flag (or variable).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LIMITS } from '../src/net/signaling-protocol.js';
import { normalizeBasePath } from './base-path.js';
import { compileTrustProxy } from './client-address.js';
import { LOG_LEVELS, isRedisUrl, normalizeOrigin, type SignalingServerOptions } from './options.js';
import { RoomTokenVerifier } from './room-token.js';
import { TURN_TTL_RANGE, turnOptionsProblem } from './turn-credentials.js';

/** One option of node:util's parseArgs. */
type ParseArgsOptionConfig = NonNullable<ParseArgsConfig['options']>[string];

/** A usage error: print `message` and exit with status 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** What the command line asks for. */
export type CliCommand = { kind: 'run'; options: SignalingServerOptions } | { kind: 'help' } | { kind: 'version' };

/** One flag: its environment fallback and whether it may be repeated. */
interface FlagSpec {
  env: string;
  repeatable?: boolean;
  help: string;
  value: string;
}

/** Every flag, in the order --help lists them. */
export const FLAGS: Record<string, FlagSpec> = {
  port: { env: 'PORT', value: 'N', help: 'port to listen on (default 8080; 0 picks a free port)' },
  host: { env: 'HOST', value: 'ADDR', help: 'address to bind (default: every interface)' },
  path: { env: 'BASE_PATH', value: 'PATH', help: 'URL path to serve under, e.g. /watch (routes and /watch/socket.io/; default /)' },
  'cors-origin': {
    env: 'CORS_ORIGIN',
    value: 'ORIGIN',
    repeatable: true,
    help: "origin allowed to connect, e.g. https://example.org; repeatable; env: comma-separated (default '*': any)",
  },
  'trust-proxy': {
    env: 'TRUST_PROXY',
    value: 'ADDR',
    repeatable: true,
    help: 'proxy address or CIDR whose X-Forwarded-For names the client (or loopback, linklocal, uniquelocal); repeatable; env: comma-separated',
  },
  'max-connections-per-ip': { env: 'MAX_CONNECTIONS_PER_IP', value: 'N', help: 'most open connections from one client address, 0-1000000 (default 0: no cap)' },
  'max-room-size': { env: 'MAX_ROOM_SIZE', value: 'N', help: 'most peers in one room, 2-10000 (default 32)' },
  'redis-url': { env: 'REDIS_URL', value: 'URL', help: 'redis://host:port to share rooms among several processes' },
  token: { env: 'PAXOS_VIDEO_TOKEN', value: 'SECRET', help: 'shared secret clients must present to join (prefer the env var: flags show in ps)' },
  'jwt-secret': {
    env: 'PAXOS_VIDEO_JWT_SECRET',
    value: 'SECRET',
    help: 'HS256 secret (32+ bytes) of signed room tokens clients must present to join (prefer the env var or --jwt-secret-file)',
  },
  'jwt-secret-file': { env: 'PAXOS_VIDEO_JWT_SECRET_FILE', value: 'FILE', help: 'file holding the HS256 secret (one trailing newline is ignored)' },
  'jwt-public-key-file': { env: 'PAXOS_VIDEO_JWT_PUBLIC_KEY_FILE', value: 'FILE', help: 'PEM public key (EC P-256) of ES256-signed room tokens' },
  'jwt-issuer': { env: 'PAXOS_VIDEO_JWT_ISSUER', value: 'ISS', help: 'required "iss" claim of room tokens (default: not checked)' },
  'jwt-audience': { env: 'PAXOS_VIDEO_JWT_AUDIENCE', value: 'AUD', help: 'required "aud" claim of room tokens (default: not checked)' },
  'turn-url': {
    env: 'TURN_URL',
    value: 'URL',
    repeatable: true,
    help: 'TURN server handed to tabs with short-lived credentials, e.g. turns:turn.example.org:5349; repeatable; env: comma-separated',
  },
  'turn-secret': { env: 'TURN_SECRET', value: 'SECRET', help: "secret shared with the TURN server (coturn's static-auth-secret; prefer the env var or --turn-secret-file)" },
  'turn-secret-file': { env: 'TURN_SECRET_FILE', value: 'FILE', help: 'file holding the TURN secret (one trailing newline is ignored)' },
  'turn-ttl': { env: 'TURN_TTL', value: 'SECONDS', help: `lifetime of TURN credentials, ${TURN_TTL_RANGE.min}-${TURN_TTL_RANGE.max} (default 86400)` },
  'log-level': { env: 'LOG_LEVEL', value: 'LEVEL', help: `${LOG_LEVELS.join('|')} (default info)` },
};

/** The --help text. */
export function usage(): string {
  const lines = ['Usage: paxos-video-server [options]', '', 'The paxos-video signaling server.', '', 'Options (environment fallback in brackets):'];
  for (const [name, spec] of Object.entries(FLAGS)) {
    lines.push(`  --${name} ${spec.value}`.padEnd(32) + `${spec.help} [${spec.env}]`);
  }
  lines.push('  --help'.padEnd(32) + 'print this help', '  --version'.padEnd(32) + 'print the version');
  return lines.join('\n');
}

/** parseArgs' own errors, in this CLI's words (the flag named first, as every other message does). */
function parseArgsError(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  const flag = /'(-[^' ]+)/.exec((err as Error).message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new CliError(`unknown flag ${flag}`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = FLAGS[flag?.replace(/^-+/, '') ?? ''];
    // A string flag without its value, or a boolean one (--help, --version) given one.
    return new CliError(spec ? `${flag} needs a value (${spec.value})` : `${flag} takes no value`);
  }
  return err;
}

function integer(raw: string, what: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) throw new CliError(`${what}: expected an integer ${min}-${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new CliError(`${what}: expected an integer ${min}-${max}, got ${n}`);
  return n;
}

function origin(raw: string, what: string): string {
  if (raw.trim() === '*') return '*';
  try {
    return normalizeOrigin(raw.trim());
  } catch (err) {
    throw new CliError(`${what}: ${(err as Error).message}`);
  }
}

/** Reads a secret or key file given by a flag. */
export type ReadFile = (path: string) => string;
const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

/**
 * Parses `argv` (without node and script) and `env` into a command, reading the files that secret and key
 * flags name with `readFile`. Throws {@link CliError}.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}, readFile: ReadFile = readUtf8): CliCommand {
  const flags: Record<string, ParseArgsOptionConfig> = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } };
  // Every flag is parsed as repeatable, so a repeat of a single one is refused below with our message.
  for (const name of Object.keys(FLAGS)) flags[name] = { type: 'string', multiple: true };
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: true });
  } catch (err) {
    throw parseArgsError(err);
  }
  const { values, positionals } = parsed;
  if (values['help']) return { kind: 'help' };
  if (values['version']) return { kind: 'version' };
  if (positionals.length > 0) throw new CliError(`unexpected argument "${positionals[0]}"`);
  const given = new Map<string, string[]>();
  for (const [name, spec] of Object.entries(FLAGS)) {
    const list = values[name] as string[] | undefined;
    if (!list) continue;
    if (list.length > 1 && !spec.repeatable) throw new CliError(`--${name} given more than once`);
    given.set(name, list);
  }

  // A flag's values, else its environment variable's, with a label for messages.
  const source = (name: string): { values: string[]; what: string } | undefined => {
    const flag = given.get(name);
    if (flag) return { values: flag, what: `--${name}` };
    const fromEnv = env[FLAGS[name]!.env];
    if (fromEnv === undefined || fromEnv === '') return undefined;
    const values = FLAGS[name]!.repeatable ? fromEnv.split(',').filter((s) => s.trim() !== '') : [fromEnv];
    return { values, what: FLAGS[name]!.env };
  };
  const single = (name: string) => {
    const s = source(name);
    return s && { value: s.values[0]!, what: s.what };
  };

  const options: SignalingServerOptions = {};
  const port = single('port');
  if (port) options.port = integer(port.value, port.what, 0, 65535);
  const host = single('host');
  if (host) {
    if (host.value.trim() === '' || /\s/.test(host.value)) throw new CliError(`${host.what}: expected an address, got "${host.value}"`);
    options.host = host.value;
  }
  const cors = source('cors-origin');
  if (cors) {
    const origins = cors.values.map((v) => origin(v, cors.what));
    if (origins.includes('*')) {
      if (origins.length > 1) throw new CliError(`${cors.what}: '*' cannot be combined with listed origins`);
      options.corsOrigins = '*';
    } else options.corsOrigins = origins;
  }
  const maxRoom = single('max-room-size');
  if (maxRoom) options.maxRoomSize = integer(maxRoom.value, maxRoom.what, 2, 10_000);
  const redis = single('redis-url');
  if (redis) {
    if (!isRedisUrl(redis.value)) throw new CliError(`${redis.what}: expected redis://host[:port] or rediss://…, got "${redis.value}"`);
    options.redisUrl = redis.value;
  }
  const token = single('token');
  if (token) {
    // Never echo the token itself.
    if (token.value.length > LIMITS.maxTokenLength) throw new CliError(`${token.what}: at most ${LIMITS.maxTokenLength} characters`);
    options.token = token.value;
  }
  const level = single('log-level');
  if (level) {
    if (!(LOG_LEVELS as readonly string[]).includes(level.value)) {
      throw new CliError(`${level.what}: expected one of ${LOG_LEVELS.join(', ')}, got "${level.value}"`);
    }
    options.logLevel = level.value as (typeof LOG_LEVELS)[number];
  }
  // The contents of the file a flag names.
  const contents = (file: { value: string; what: string }): string => {
    try {
      return readFile(file.value);
    } catch (err) {
      throw new CliError(`${file.what}: cannot read "${file.value}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  // A secret comes from a flag, its environment variable, or a file: exactly one of them. Never echoed.
  const secret = (name: string, fileFlag: string): { value: string; what: string } | undefined => {
    const direct = single(name);
    const file = single(fileFlag);
    if (direct && file) throw new CliError(`${direct.what} and ${file.what}: give the secret one way`);
    if (direct) return direct;
    return file && { value: contents(file).replace(/\r?\n$/, ''), what: `${file.what} (${file.value})` };
  };

  const jwtSecret = secret('jwt-secret', 'jwt-secret-file');
  const jwtKeyFile = single('jwt-public-key-file');
  const jwtIssuer = single('jwt-issuer');
  const jwtAudience = single('jwt-audience');
  if (jwtSecret || jwtKeyFile) {
    const jwt: NonNullable<SignalingServerOptions['jwt']> = {};
    if (jwtSecret) jwt.secret = jwtSecret.value;
    if (jwtKeyFile) jwt.publicKey = contents(jwtKeyFile);
    if (jwtIssuer) jwt.issuer = jwtIssuer.value;
    if (jwtAudience) jwt.audience = jwtAudience.value;
    try {
      new RoomTokenVerifier(jwt);
    } catch (err) {
      const what = /publicKey/.test((err as Error).message) ? jwtKeyFile!.what : /secret/.test((err as Error).message) ? jwtSecret!.what : 'jwt';
      throw new CliError(`${what}: ${(err as Error).message.replace(/^jwt\.\w+: /, '')}`);
    }
    options.jwt = jwt;
  } else if (jwtIssuer || jwtAudience) {
    throw new CliError(`${(jwtIssuer ?? jwtAudience)!.what}: needs a key (--jwt-secret-file, PAXOS_VIDEO_JWT_SECRET or --jwt-public-key-file)`);
  }

  const turnUrls = source('turn-url');
  const turnSecret = secret('turn-secret', 'turn-secret-file');
  const turnTtl = single('turn-ttl');
  if (turnUrls || turnSecret) {
    if (!turnUrls) throw new CliError(`${turnSecret!.what}: needs a TURN server (--turn-url or TURN_URL)`);
    if (!turnSecret) throw new CliError(`${turnUrls.what}: needs the secret shared with the TURN server (--turn-secret-file, TURN_SECRET or --turn-secret)`);
    const turn: NonNullable<SignalingServerOptions['turn']> = { urls: turnUrls.values.map((u) => u.trim()), secret: turnSecret.value };
    if (turnTtl) turn.ttlSeconds = integer(turnTtl.value, turnTtl.what, TURN_TTL_RANGE.min, TURN_TTL_RANGE.max);
    const problem = turnOptionsProblem(turn);
    if (problem) throw new CliError(`${problem.startsWith('turn.secret') ? turnSecret.what : turnUrls.what}: ${problem.replace(/^turn\.\w+: /, '')}`);
    options.turn = turn;
  } else if (turnTtl) {
    throw new CliError(`${turnTtl.what}: needs a TURN server (--turn-url) and secret`);
  }

  const path = single('path');
  if (path) {
    try {
      options.path = normalizeBasePath(path.value.trim()) || '/';
    } catch (err) {
      throw new CliError(`${path.what}: ${(err as Error).message.replace(/^path: /, '')}`);
    }
  }
  const trust = source('trust-proxy');
  if (trust) {
    const list = trust.values.map((x) => x.trim());
    try {
      compileTrustProxy(list);
    } catch (err) {
      throw new CliError(`${trust.what}: ${(err as Error).message.replace(/^trustProxy: /, '')}`);
    }
    options.trustProxy = list;
  }
  const perIp = single('max-connections-per-ip');
  if (perIp) options.maxConnectionsPerIp = integer(perIp.value, perIp.what, 0, 1_000_000);
  return { kind: 'run', options };
}
