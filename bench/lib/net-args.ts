/**
 * Command line of `npm run bench:net`, checked with the project's schemas (src/schema/): a bad flag or value
 * is a clear message and exit code 2, never a half-run benchmark.
 */
import * as v from '../../src/schema/index.js';
import { PROFILE_NAMES, type ProfileName, isProfileName } from '../../lab/profiles.js';
import { UsageError } from './args.js';

export { UsageError };

/** What one run does. */
export interface NetBenchOptions {
  /** Profiles to run, in order. */
  profiles: ProfileName[];
  /** Separate browser pages (one Chromium process each, each its own lab host). 3 to 6. */
  pages: number;
  quick: boolean;
  /** Whether the jellyfin and syncplay presets' steady playback runs too (`--no-presets`: ours alone, e.g. a long steady run). */
  presets: boolean;
  /** Seconds of steady playback measured per drift controller (after the warm-up). */
  steadySeconds: number;
  /** Seconds between the play and the steady window. */
  warmupSeconds: number;
  /** Commands (pause, play, seek in turn, on each page in turn). */
  commands: number;
  /** Profiles that also get the 30 s tab cut, the network change and the 30 s server cut. */
  longCuts: ProfileName[];
  seed: number;
  maxSkewMs: number;
  outDir: string;
  widget: string | undefined;
}

export const NET_USAGE = `Usage: npm run bench:net -- [options]

  --quick          smoke run: 2 s warm-up, 3 s steady phases, 3 commands per profile, a join or a
                   recovery over 12 s reported as missed, no 30 s cuts or network change unless
                   --long-cuts names profiles (about 9 min; --long-cuts continent adds 1.5 min)
  --no-presets     ours alone: no steady playback of the jellyfin and syncplay presets (for a long
                   steady run, e.g. --profiles mobile --steady 600 --long-cuts none --no-presets)
  --profiles LIST  comma-separated, from ${PROFILE_NAMES.join(', ')} (default: all)
  --long-cuts LIST profiles that get the 30 s cuts and the network change (default: all; quick: none;
                   "none" for none)
  --pages N        separate browser pages, each in its own lab host, 3-6 (default 3)
  --steady S       seconds of steady playback measured per drift controller (default 30, >= 3)
  --warmup S       seconds from the play to the steady window (default 5)
  --commands N     commands per profile, pause/play/seek in turn on each page in turn (default 30, >= 3)
  --seed N         seed of the clock skews, the command schedule and the lab's jitter and loss
  --max-skew MS    per-page clock skew within +-MS (default 2000)
  --out DIR        output folder (default bench/results)
  --widget FILE    serve this bundle instead of dist/paxos-video.js (to compare a tuning)
  --help           this text

Needs what the lab needs (lab/lab.ts): root, or unshare -rn with /dev/net/tun open; python3, ip, nsenter.`;

// Numeric flags: the text is checked (format, then range as a number), then converted (as bench/lib/args.ts does).
const numeric = (flag: string, pattern: RegExp, kind: string, min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(pattern, `${flag}: must be ${kind}`),
    v.check((s: string) => Number(s) >= min, `${flag}: must be at least ${min}`),
    v.check((s: string) => Number(s) <= max, `${flag}: must be at most ${max}`),
  );
const int = (flag: string, min: number, max: number) => numeric(flag, /^-?\d+$/, 'an integer', min, max);
const num = (flag: string, min: number, max: number) => numeric(flag, /^\d+(\.\d+)?$/, 'a number', min, max);
const profileList = (flag: string, allowNone: boolean) =>
  v.pipe(
    v.string(),
    v.check(
      (s: string) => (allowNone && s === 'none') || s.split(',').every((p) => isProfileName(p.trim())),
      `${flag}: a comma-separated list of ${PROFILE_NAMES.join(', ')}${allowNone ? ', or none' : ''}`,
    ),
  );

const FLAGS = {
  '--profiles': profileList('--profiles', false),
  '--long-cuts': profileList('--long-cuts', true),
  '--pages': int('--pages', 3, 6),
  '--steady': num('--steady', 3, 600),
  '--warmup': num('--warmup', 1, 60),
  '--commands': int('--commands', 3, 1000),
  '--seed': int('--seed', 0, 2 ** 31 - 1),
  '--max-skew': num('--max-skew', 0, 60_000),
  '--out': v.pipe(v.string(), v.minLength(1, '--out: empty')),
  '--widget': v.pipe(v.string(), v.minLength(1, '--widget: empty')),
} as const;
type ValueFlag = keyof typeof FLAGS;
const TEXT_FLAGS: ReadonlySet<ValueFlag> = new Set(['--profiles', '--long-cuts', '--out', '--widget']);

const list = (s: string): ProfileName[] => (s === 'none' ? [] : s.split(',').map((p) => p.trim() as ProfileName));

/** Parses `argv` (without node and the script). Returns undefined for `--help`. */
export function parseNetArgs(argv: readonly string[]): NetBenchOptions | undefined {
  const given = new Map<ValueFlag, unknown>();
  let quick = false;
  let presets = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return undefined;
    if (arg === '--quick' || arg === '--no-presets') {
      if (arg === '--quick') quick = true;
      else presets = false;
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
    given.set(flag as ValueFlag, TEXT_FLAGS.has(flag as ValueFlag) ? parsed.output : Number(parsed.output));
  }
  const get = <T>(flag: ValueFlag, fallback: T): T => (given.has(flag) ? (given.get(flag) as T) : fallback);
  const profiles = given.has('--profiles') ? list(given.get('--profiles') as string) : [...PROFILE_NAMES];
  const longCuts = given.has('--long-cuts') ? list(given.get('--long-cuts') as string) : quick ? [] : [...PROFILE_NAMES];
  return {
    profiles,
    pages: get('--pages', 3),
    quick,
    presets,
    steadySeconds: get('--steady', quick ? 3 : 30),
    warmupSeconds: get('--warmup', quick ? 2 : 5),
    commands: get('--commands', quick ? 3 : 30),
    longCuts: longCuts.filter((p) => profiles.includes(p)),
    seed: get('--seed', Math.floor(Math.random() * 2 ** 31)),
    maxSkewMs: get('--max-skew', 2000),
    outDir: get('--out', 'bench/results'),
    widget: get<string | undefined>('--widget', undefined),
  };
}
