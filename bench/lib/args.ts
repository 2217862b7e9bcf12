/**
 * Command line of `npm run bench:sync`, checked with the project's schemas (src/schema/): a bad flag or
 * value is a clear message and exit code 2, never a half-run benchmark.
 */
import * as v from '../../src/schema/index.js';

/** What one run does. */
export interface SyncBenchOptions {
  /** Separate browser pages (one Chromium process each) in the room. 3 to 8 (the failover needs a majority left). */
  pages: number;
  /** A short smoke run: shorter steady phases, fewer commands. */
  quick: boolean;
  /** Seconds of steady playback measured per drift controller (after the warm-up). */
  steadySeconds: number;
  /** Seconds between the play and the start of the steady window (convergence time, not measured). */
  warmupSeconds: number;
  /** Commands (pause, play, seek in turn) of the latency phase. */
  commands: number;
  /** Seed of the per-page clock skews and the command schedule. */
  seed: number;
  /** Largest injected clock skew, ms (each page gets a uniform one within ±this). */
  maxSkewMs: number;
  /** Where sync.json and drift.svg go. */
  outDir: string;
  /** The widget bundle the pages load (default dist/paxos-video.js): another build, to compare tunings. */
  widget: string | undefined;
  /** Record every protocol message and break the decision latency down by hop. */
  trace: boolean;
  /** Also write every recorded frame and event to sync-raw.json (for analysis; large). */
  raw: boolean;
}

export const USAGE = `Usage: npm run bench:sync -- [options]

  --pages N        separate browser pages in the room, 3-8 (default 4; a leader crash needs a
                   majority left)
  --quick          smoke run: 8 s steady phases, 12 commands
  --steady S       seconds of steady playback measured per drift controller (default 30, >= 5)
  --warmup S       seconds from the play to the steady window (default 5)
  --commands N     commands of the latency phase, pause/play/seek in turn (default 54, >= 3)
  --seed N         seed of the clock skews and the command schedule (default: random, printed)
  --max-skew MS    per-page clock skew within +-MS (default 2000)
  --out DIR        output folder (default bench/results)
  --widget FILE    serve this bundle instead of dist/paxos-video.js (to compare a tuning)
  --trace          record every protocol message and break the decision latency down by hop
  --raw            also write every recorded frame and event to DIR/sync-raw.json (large)
  --help           this text`;

/** A bad command line: the message says which flag and why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

// Numeric flags: the text is checked (format, then range as a number); parseArgs converts it.
const numeric = (flag: string, pattern: RegExp, kind: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(pattern, `${flag}: must be ${kind}`),
    v.check((s: string) => Number(s) >= min, `${flag}: must be at least ${min}`),
    v.check((s: string) => Number(s) <= max, `${flag}: must be at most ${max}`),
  );
const int = (flag: string, min: number, max: number) => numeric(flag, /^-?\d+$/, 'an integer', min, max);
const num = (flag: string, min: number, max: number) => numeric(flag, /^\d+(\.\d+)?$/, 'a number', min, max);

const FLAGS = {
  '--pages': int('--pages', 3, 8),
  '--steady': num('--steady', 5, 600),
  '--warmup': num('--warmup', 1, 60),
  '--commands': int('--commands', 3, 1000),
  '--seed': int('--seed', 0, 2 ** 31 - 1),
  '--max-skew': num('--max-skew', 0, 60_000),
  '--out': v.pipe(v.string(), v.minLength(1, '--out: empty')),
  '--widget': v.pipe(v.string(), v.minLength(1, '--widget: empty')),
} as const;
type ValueFlag = keyof typeof FLAGS;

/** Parses `argv` (without node and the script). Returns undefined for `--help`. */
export function parseArgs(argv: readonly string[]): SyncBenchOptions | undefined {
  const given = new Map<ValueFlag, unknown>();
  let quick = false;
  let raw = false;
  let trace = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return undefined;
    if (arg === '--quick' || arg === '--raw' || arg === '--trace') {
      if (arg === '--quick') quick = true;
      else if (arg === '--raw') raw = true;
      else trace = true;
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (!(flag in FLAGS)) throw new UsageError(`unknown option ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${flag}: needs a value`);
    const parsed = v.safeParse(FLAGS[flag as ValueFlag], value);
    if (!parsed.success) {
      const message = parsed.issues[0]!.message;
      throw new UsageError(message.startsWith(flag) ? `${message} (got "${value}")` : `${flag}: bad value "${value}"`);
    }
    given.set(flag as ValueFlag, flag === '--out' || flag === '--widget' ? parsed.output : Number(parsed.output));
  }
  const get = <T>(flag: ValueFlag, fallback: T): T => (given.has(flag) ? (given.get(flag) as T) : fallback);
  return {
    pages: get('--pages', 4),
    quick,
    steadySeconds: get('--steady', quick ? 8 : 30),
    warmupSeconds: get('--warmup', quick ? 3 : 5),
    commands: get('--commands', quick ? 12 : 54),
    seed: get('--seed', Math.floor(Math.random() * 2 ** 31)),
    maxSkewMs: get('--max-skew', 2000),
    outDir: get('--out', 'bench/results'),
    widget: get<string | undefined>('--widget', undefined),
    raw,
    trace,
  };
}
