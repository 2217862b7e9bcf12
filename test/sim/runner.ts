/**
 * Runs many seeds, on worker threads when asked (the machine has 2 cores), and gathers the results.
 * A worker runs this same file: it receives seed ranges and answers with compact results.
 */
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { MUTANTS } from './mutants.js';
import { runSeed, type RunResult } from './world.js';

/** What a run reports back (no trace: a violating seed is replayed with tracing on the main thread). */
export interface SeedSummary {
  readonly seed: number;
  readonly scenario: string;
  readonly decisions: number;
  readonly violations: readonly string[];
  readonly stall: string | undefined;
  readonly stallCause?: string | undefined;
  readonly livenessChecked: boolean;
  readonly ticks: number;
  readonly messages: number;
}

export interface RangeRequest {
  readonly from: number;
  readonly to: number;
  readonly mutant?: string;
  /** Stop at the first failing seed (for mutants). */
  readonly stopAtFailure?: boolean;
  /** Kinds of violation to ignore. */
  readonly skip?: readonly string[];
}

function summarize(r: RunResult): SeedSummary {
  const { seed, scenario, decisions, violations, stall, stallCause, livenessChecked, ticks, messages } = r;
  return { seed, scenario, decisions, violations, stall, stallCause, livenessChecked, ticks, messages };
}

export function failed(s: SeedSummary): boolean {
  return s.violations.length > 0 || s.stall !== undefined;
}

/** Runs seeds [from, to) on this thread. */
export function runRange(req: RangeRequest): SeedSummary[] {
  const mutant = req.mutant === undefined ? undefined : MUTANTS.find((m) => m.name === req.mutant);
  if (req.mutant !== undefined && mutant === undefined) throw new Error(`unknown mutant ${req.mutant}`);
  const out: SeedSummary[] = [];
  for (let seed = req.from; seed < req.to; seed++) {
    const s = summarize(runSeed({ seed, ...(mutant === undefined ? {} : { mutant }), ...(req.skip === undefined ? {} : { skip: req.skip }) }));
    out.push(s);
    if (req.stopAtFailure && failed(s)) break;
  }
  return out;
}

/**
 * Runs seeds [from, to) split into chunks over `workers` threads (1 = this thread).
 * `onChunk` sees results as they come (for progress output).
 */
export async function runSeeds(
  from: number,
  to: number,
  workers: number = defaultWorkers(),
  onChunk?: (results: SeedSummary[]) => void,
  skip?: readonly string[],
): Promise<SeedSummary[]> {
  const extra = skip === undefined ? {} : { skip };
  if (workers <= 1) {
    const results = runRange({ from, to, ...extra });
    onChunk?.(results);
    return results;
  }
  const chunk = Math.max(10, Math.min(200, Math.ceil((to - from) / (workers * 8))));
  const ranges: RangeRequest[] = [];
  for (let s = from; s < to; s += chunk) ranges.push({ from: s, to: Math.min(to, s + chunk), ...extra });
  const results: SeedSummary[] = [];
  const pool = Array.from({ length: Math.min(workers, ranges.length) }, () => new Worker(new URL('./worker.mjs', import.meta.url), { workerData: { role: 'sim-worker' } }));
  try {
    await Promise.all(
      pool.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const next = () => {
              const range = ranges.shift();
              if (range === undefined) return resolve();
              worker.postMessage(range);
            };
            worker.on('message', (chunkResults: SeedSummary[]) => {
              results.push(...chunkResults);
              onChunk?.(chunkResults);
              next();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sim worker exited with ${code}`))));
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results.sort((a, b) => a.seed - b.seed);
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === 'sim-worker') {
  parentPort?.on('message', (req: RangeRequest) => parentPort?.postMessage(runRange(req)));
}
