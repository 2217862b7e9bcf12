/**
 * Command line and environment of `paxos-video-server`, turned into server options. Flags win over the
 * environment; anything malformed is a {@link CliError} with a message naming the flag (or variable).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LIMITS } from '../src/net/signaling-protocol.js';
import { LOG_LEVELS, isRedisUrl, normalizeOrigin, type SignalingServerOptions } from './options.js';

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
  'cors-origin': {
    env: 'CORS_ORIGIN',
    value: 'ORIGIN',
    repeatable: true,
    help: "origin allowed to connect, e.g. https://example.org; repeatable; env: comma-separated (default '*': any)",
  },
  'max-room-size': { env: 'MAX_ROOM_SIZE', value: 'N', help: 'most peers in one room, 2-10000 (default 32)' },
  'redis-url': { env: 'REDIS_URL', value: 'URL', help: 'redis://host:port to share rooms among several processes' },
  token: { env: 'PAXOS_VIDEO_TOKEN', value: 'SECRET', help: 'shared secret clients must present to join (prefer the env var: flags show in ps)' },
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

/** Parses `argv` (without node and script) and `env` into a command. Throws {@link CliError}. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliCommand {
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
  return { kind: 'run', options };
}
