/**
 * The command line of `npm run sim` (see cli.ts for what each flag does): node:util's parseArgs reads it,
 * and a bad flag or value is an Error whose message names it (the CLI prints it and exits with 2).
 */
import { parseArgs } from 'node:util';
import { defaultWorkers } from './runner.js';

/** What one run of the simulator is asked to do. */
export interface Args {
  seeds: number;
  from: number;
  seed: number | undefined;
  trace: boolean;
  mutants: boolean;
  stats: boolean;
  workers: number;
  json: string | undefined;
  skip: string[] | undefined;
}

/** The options, as node:util's parseArgs reads them (numbers arrive as text and are checked below). */
const OPTIONS = {
  seeds: { type: 'string' },
  from: { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  json: { type: 'string' },
  skip: { type: 'string' },
  trace: { type: 'boolean' },
  mutants: { type: 'boolean' },
  stats: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const USAGE = 'usage: npm run sim -- [--seeds N] [--from N] [--seed N [--trace]] [--mutants] [--stats] [--workers N] [--json FILE] [--skip KIND,...]';

/** An integer flag: absent gives `fallback`; anything but a safe integer >= min is a usage error. */
function integer(name: string, raw: string | undefined, min: number, fallback: number): number;
function integer(name: string, raw: string | undefined, min: number, fallback: undefined): number | undefined;
function integer(name: string, raw: string | undefined, min: number, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} needs an integer >= ${min}, got ${raw}`);
  return n;
}

/** Reads the command line; an unknown flag or a bad value throws with a message that names it. */
export function parseSimArgs(argv: readonly string[]): Args | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    // node:util says e.g. "Unknown option '--sed'"; keep its words and point at --help.
    throw new Error(`${(error as Error).message} (try --help)`);
  }
  if (values.help === true) return 'help';
  return {
    seeds: integer('seeds', values.seeds, 1, 500),
    from: integer('from', values.from, 0, 1),
    seed: integer('seed', values.seed, 0, undefined),
    workers: integer('workers', values.workers, 1, defaultWorkers()),
    trace: values.trace === true,
    mutants: values.mutants === true,
    stats: values.stats === true,
    json: values.json,
    skip: values.skip?.split(',').filter(Boolean),
  };
}
