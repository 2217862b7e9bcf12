/**
 * `npm run sim`: the deterministic simulator's command line.
 *
 *   npm run sim                          500 seeds (from 1)
 *   npm run sim -- --seeds 100000        the long run
 *   npm run sim -- --seed 42 --trace     replay one seed and print its trace
 *   npm run sim -- --mutants             show that the checker catches each planted bug
 *   npm run sim -- --stats               figures: messages per slot, failover ticks, seeds per second
 *
 * Other options: --from N (first seed), --workers N (threads; default: cores, at most 4), --json FILE,
 * --skip KIND[,KIND] (ignore violations of these kinds, e.g. `exactly-once`, to look for the others).
 * The last line of a run is `sim: seeds=N decisions=D violations=V stalls=S` (V: seeds that broke a
 * safety property, S: seeds where a proposal was not decided after the faults stopped); the exit code
 * is 1 when V or S is not 0. With --mutants the last line is `mutants: caught=C total=T`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MUTANTS } from './mutants.js';
import { defaultWorkers, failed, runRange, runSeeds, type SeedSummary } from './runner.js';
import { collectStats } from './stats.js';
import { runSeed } from './world.js';

interface Args {
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

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 500, from: 1, seed: undefined, trace: false, mutants: false, stats: false, workers: defaultWorkers(), json: undefined, skip: undefined };
  const number = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw);
    if (raw === undefined || !Number.isSafeInteger(n) || n < min) throw new Error(`${name} needs an integer >= ${min}, got ${String(raw)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--seeds': args.seeds = number(a, argv[++i], 1); break;
      case '--from': args.from = number(a, argv[++i], 0); break;
      case '--seed': args.seed = number(a, argv[++i], 0); break;
      case '--workers': args.workers = number(a, argv[++i], 1); break;
      case '--json': args.json = argv[++i]; break;
      case '--skip': args.skip = (argv[++i] ?? '').split(',').filter(Boolean); break;
      case '--trace': args.trace = true; break;
      case '--mutants': args.mutants = true; break;
      case '--stats': args.stats = true; break;
      case '--help': case '-h':
        console.log('usage: npm run sim -- [--seeds N] [--from N] [--seed N [--trace]] [--mutants] [--stats] [--workers N] [--json FILE] [--skip KIND,...]');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a} (try --help)`);
    }
  }
  return args;
}

/** Prints a failing seed with the end of its trace (replayed with tracing on: runs are deterministic). */
function report(s: SeedSummary, skip: readonly string[] | undefined): void {
  console.log(`\nseed ${s.seed} FAILED (${s.scenario})`);
  for (const v of s.violations) console.log(`  violation: ${v}`);
  if (s.stall !== undefined) console.log(`  stall (${s.stallCause}): ${s.stall}`);
  const trace = runSeed({ seed: s.seed, trace: true, ...(skip === undefined ? {} : { skip }) }).trace;
  console.log(`  last ${Math.min(40, trace.length)} of ${trace.length} trace lines:`);
  for (const line of trace.slice(-40)) console.log(`    ${line}`);
  console.log(`  replay: npm run sim -- --seed ${s.seed} --trace${skip === undefined ? '' : ` --skip ${skip.join(',')}`}`);
}

function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`wrote ${path}`);
}

/** Failing seeds printed with their trace; the others get one line. */
const REPORTED_IN_FULL = 20;

async function runMany(args: Args): Promise<number> {
  const to = args.from + args.seeds;
  let done = 0;
  let lastPrint = 0;
  let failures = 0;
  const started = performance.now();
  const results = await runSeeds(args.from, to, args.workers, (chunk) => {
    done += chunk.length;
    for (const s of chunk) {
      if (!failed(s)) continue;
      // The first failures in full (with a replayed trace); after that one line each.
      if (++failures <= REPORTED_IN_FULL) report(s, args.skip);
      else console.log(`seed ${s.seed} FAILED: ${s.violations[0] ?? `stall (${s.stallCause})`}`);
    }
    const now = performance.now();
    if (args.seeds >= 2000 && now - lastPrint > 10_000) {
      lastPrint = now;
      console.log(`  ${done}/${args.seeds} seeds, ${Math.round(done / ((now - started) / 1000))} seeds/s`);
    }
  }, args.skip);
  const seconds = (performance.now() - started) / 1000;
  const decisions = results.reduce((n, s) => n + s.decisions, 0);
  const violations = results.filter((s) => s.violations.length > 0).length;
  const stalls = results.filter((s) => s.stall !== undefined).length;
  const checked = results.filter((s) => s.livenessChecked).length;
  const messages = results.reduce((n, s) => n + s.messages, 0);
  const ticks = results.reduce((n, s) => n + s.ticks, 0);
  console.log(
    `${results.length} seeds in ${seconds.toFixed(1)} s (${Math.round(results.length / seconds)} seeds/s on ${args.workers} thread(s)); ` +
      `${ticks} ticks, ${messages} messages; liveness checked on ${checked} seeds (the others lost a majority for good)`,
  );
  if (args.json !== undefined) {
    writeJson(args.json, { seeds: results.length, from: args.from, decisions, violations, stalls, livenessChecked: checked, seconds, seedsPerSecond: results.length / seconds, workers: args.workers });
  }
  const byKind = countBy(results.flatMap((s) => [...new Set(s.violations.map((v) => v.slice(0, v.indexOf(':'))))]));
  const byCause = countBy(results.flatMap((s) => (s.stall === undefined ? [] : [s.stallCause ?? 'unknown'])));
  console.log(`violations by property (seeds): ${format(byKind)}`);
  console.log(`stalls by cause (seeds): ${format(byCause)}`);
  console.log(`sim: seeds=${results.length} decisions=${decisions} violations=${violations} stalls=${stalls}`);
  return violations + stalls === 0 ? 0 : 1;
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

function format(counts: Map<string, number>): string {
  return counts.size === 0 ? 'none' : [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
}

function runOne(args: Args): number {
  const r = runSeed({ seed: args.seed as number, trace: args.trace, ...(args.skip === undefined ? {} : { skip: args.skip }) });
  if (args.trace) for (const line of r.trace) console.log(line);
  console.log(`seed ${r.seed}: ${r.scenario}`);
  for (const v of r.violations) console.log(`  violation: ${v}`);
  if (r.stall !== undefined) console.log(`  stall (${r.stallCause}): ${r.stall}`);
  const violations = r.violations.length > 0 ? 1 : 0;
  const stalls = r.stall === undefined ? 0 : 1;
  console.log(`sim: seeds=1 decisions=${r.decisions} violations=${violations} stalls=${stalls}`);
  return violations + stalls === 0 ? 0 : 1;
}

/** Each planted bug must be caught within this many seeds. */
export const MUTANT_SEED_BUDGET = 500;

function runMutants(): number {
  let caught = 0;
  for (const mutant of MUTANTS) {
    const results = runRange({ from: 1, to: 1 + MUTANT_SEED_BUDGET, mutant: mutant.name, stopAtFailure: true });
    const hit = results.find(failed);
    if (hit !== undefined) {
      caught++;
      console.log(`caught  ${mutant.name} (${mutant.description}) at seed ${hit.seed}: ${hit.violations[0] ?? hit.stall}`);
    } else {
      console.log(`MISSED  ${mutant.name} (${mutant.description}) in ${MUTANT_SEED_BUDGET} seeds`);
    }
  }
  console.log(`mutants: caught=${caught} total=${MUTANTS.length}`);
  return caught === MUTANTS.length ? 0 : 1;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.mutants) return runMutants();
  if (args.stats) {
    const stats = await collectStats(args.workers);
    writeJson(args.json ?? 'bench/results/sim-stats.json', stats);
    return 0;
  }
  if (args.seed !== undefined) return runOne(args);
  return runMany(args);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`sim: ${(error as Error).message}`);
    process.exit(2);
  },
);
