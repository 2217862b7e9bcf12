/**
 * Command line of `npm run bench:sync`: node:util's parseArgs reads it, the project's schemas (src/schema/)
 * check the values; a bad flag or value is a clear message and exit code 2, never a half-run benchmark.
 */
import { parseArgs as parseArgsOfNode, type ParseArgsConfig } from 'node:util';
import * as v from '../../src/schema/index.js';

/** One option of node:util's parseArgs. */
type ParseArgsOptionConfig = NonNullable<ParseArgsConfig['options']>[string];

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

// Numeric flags: the text is checked (format, then range as a number), then converted.
const numeric = (flag: string, pattern: RegExp, kind: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(pattern, `${flag}: must be ${kind}`),
    v.check((s: string) => Number(s) >= min, `${flag}: must be at least ${min}`),
    v.check((s: string) => Number(s) <= max, `${flag}: must be at most ${max}`),
  );
const int = (flag: string, min: number, max: number) => numeric(flag, /^-?\d+$/, 'an integer', min, max);
const num = (flag: string, min: number, max: number) => numeric(flag, /^\d+(\.\d+)?$/, 'a number', min, max);

/** The flags that take a value, each with the schema its text must pass. */
const VALUE_FLAGS = {
  pages: int('--pages', 3, 8),
  steady: num('--steady', 5, 600),
  warmup: num('--warmup', 1, 60),
  commands: int('--commands', 3, 1000),
  seed: int('--seed', 0, 2 ** 31 - 1),
  'max-skew': num('--max-skew', 0, 60_000),
  out: v.pipe(v.string(), v.minLength(1, '--out: empty')),
  widget: v.pipe(v.string(), v.minLength(1, '--widget: empty')),
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

const OPTIONS: Record<string, ParseArgsOptionConfig> = {
  help: { type: 'boolean', short: 'h' },
  quick: { type: 'boolean' },
  raw: { type: 'boolean' },
  trace: { type: 'boolean' },
  ...Object.fromEntries(Object.keys(VALUE_FLAGS).map((name) => [name, { type: 'string' }])),
};

/** Parses `argv` (without node and the script). Returns undefined for `--help`. */
export function parseArgs(argv: readonly string[]): SyncBenchOptions | undefined {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgsOfNode({ args: [...argv], options: OPTIONS, strict: true }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const flag = /'(-[^' ]+)/.exec((error as Error).message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${flag}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unknown option ${argv.find((a) => !a.startsWith('-'))}`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${flag}: needs a value`);
    throw error;
  }
  if (values['help']) return undefined;
  const given = new Map<ValueFlag, string>();
  for (const name of Object.keys(VALUE_FLAGS) as ValueFlag[]) {
    const value = values[name];
    if (typeof value !== 'string') continue;
    const parsed = v.safeParse(VALUE_FLAGS[name], value);
    if (!parsed.success) {
      const message = parsed.issues[0]!.message;
      throw new UsageError(message.startsWith(`--${name}`) ? `${message} (got "${value}")` : `--${name}: bad value "${value}"`);
    }
    given.set(name, value);
  }
  const number = (flag: ValueFlag, fallback: number): number => (given.has(flag) ? Number(given.get(flag)) : fallback);
  const quick = values['quick'] === true;
  return {
    pages: number('pages', 4),
    quick,
    steadySeconds: number('steady', quick ? 8 : 30),
    warmupSeconds: number('warmup', quick ? 3 : 5),
    commands: number('commands', quick ? 12 : 54),
    seed: number('seed', Math.floor(Math.random() * 2 ** 31)),
    maxSkewMs: number('max-skew', 2000),
    outDir: given.get('out') ?? 'bench/results',
    widget: given.get('widget'),
    raw: values['raw'] === true,
    trace: values['trace'] === true,
  };
}
