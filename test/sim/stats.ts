/**
 * Figures for `npm run sim -- --stats` (printed, and written as JSON by the CLI):
 * - messages per decided slot in steady state, for 3, 5 and 7 acceptors, proposed at the leader and at
 *   a follower (the Multi-Paxos floor is one accept and one accepted per other acceptor, plus one decide
 *   per other node; a follower adds one forward);
 * - heartbeat traffic per tick when idle;
 * - ticks from a leader crash to the next decision (p50, p99 over seeds);
 * - seeds simulated per second.
 */
import { Cluster, nodeIds } from './cluster.js';
import { runSeeds } from './runner.js';
import { Rng } from './rng.js';

export interface SteadyState {
  readonly nodes: number;
  readonly acceptors: number;
  /** All messages per slot, proposed at the leader. */
  readonly perSlotFromLeader: number;
  /** All messages per slot, proposed at a follower (one more hop). */
  readonly perSlotFromFollower: number;
  readonly breakdownFromLeader: Record<string, number>;
  /** Heartbeats and acks per tick with nothing to decide. */
  readonly idlePerTick: number;
}

const SLOTS = 200;

export function steadyState(nodes: number, acceptors: number): SteadyState {
  const ids = nodeIds(nodes);
  const cluster = new Cluster(ids, { seed: 7, node: { maxAcceptors: acceptors } });
  const leader = cluster.awaitLeader();
  cluster.tick(20);
  const follower = ids.find((id) => id !== leader) as string;
  const measure = (proposer: string, prefix: string) => {
    const start = cluster.sent.length;
    for (let i = 0; i < SLOTS; i++) cluster.propose(proposer, `${prefix}${i}`);
    const outcomes = cluster.member(proposer).proposals.filter((p) => p.id.startsWith(prefix) && p.ok);
    if (outcomes.length !== SLOTS) throw new Error(`steady state: ${outcomes.length}/${SLOTS} decided`);
    const counts = cluster.countByType(start);
    const perSlot: Record<string, number> = {};
    for (const [type, n] of Object.entries(counts)) perSlot[type] = n / SLOTS;
    return { total: (cluster.sent.length - start) / SLOTS, perSlot };
  };
  const fromLeader = measure(leader, 'l');
  const fromFollower = measure(follower, 'f');
  const idleStart = cluster.sent.length;
  cluster.tick(100);
  return {
    nodes,
    acceptors,
    perSlotFromLeader: fromLeader.total,
    perSlotFromFollower: fromFollower.total,
    breakdownFromLeader: fromLeader.perSlot,
    idlePerTick: (cluster.sent.length - idleStart) / 100,
  };
}

export interface Failover {
  readonly runs: number;
  readonly p50Ticks: number;
  readonly p99Ticks: number;
  readonly maxTicks: number;
  /** At the browser's 50 ms per tick. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** 5 nodes; the leader crashes at a random point; a survivor proposes at once; ticks until it is decided. */
export function failover(runs: number): Failover {
  const samples: number[] = [];
  for (let seed = 1; seed <= runs; seed++) {
    const rng = new Rng(seed);
    const ids = nodeIds(5);
    const cluster = new Cluster(ids, { seed });
    const leader = cluster.awaitLeader();
    cluster.tick(rng.int(5, 40));
    cluster.propose(leader, 'before');
    cluster.crash(leader);
    const survivor = rng.pick(ids.filter((id) => id !== leader));
    cluster.propose(survivor, 'after');
    samples.push(cluster.tickUntil(() => cluster.outcome(survivor, 'after')?.ok === true, 500, 'decision after failover'));
  }
  samples.sort((a, b) => a - b);
  const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] as number;
  return { runs, p50Ticks: pct(50), p99Ticks: pct(99), maxTicks: samples[samples.length - 1] as number, p50Ms: pct(50) * 50, p99Ms: pct(99) * 50 };
}

export interface Throughput {
  readonly seeds: number;
  readonly workers: number;
  readonly seconds: number;
  readonly seedsPerSecond: number;
  readonly oneThreadSeedsPerSecond: number;
}

async function throughput(workers: number): Promise<Throughput> {
  const oneStart = performance.now();
  await runSeeds(100_001, 100_201, 1);
  const oneThread = 200 / ((performance.now() - oneStart) / 1000);
  const start = performance.now();
  const seeds = 1000;
  await runSeeds(200_001, 200_001 + seeds, workers);
  const seconds = (performance.now() - start) / 1000;
  return { seeds, workers, seconds, seedsPerSecond: seeds / seconds, oneThreadSeedsPerSecond: oneThread };
}

export async function collectStats(workers: number) {
  const steady = [steadyState(3, 3), steadyState(5, 5), steadyState(7, 7), steadyState(9, 5)];
  for (const s of steady) {
    console.log(
      `steady state, ${s.nodes} nodes / ${s.acceptors} acceptors: ${s.perSlotFromLeader.toFixed(2)} messages per slot proposed at the leader ` +
        `(${Object.entries(s.breakdownFromLeader).map(([t, n]) => `${t} ${n.toFixed(2)}`).join(', ')}), ` +
        `${s.perSlotFromFollower.toFixed(2)} at a follower; idle: ${s.idlePerTick.toFixed(2)} heartbeat messages per tick`,
    );
  }
  const fo = failover(300);
  console.log(`leader crash to next decision (5 nodes, ${fo.runs} seeds): p50 ${fo.p50Ticks} ticks, p99 ${fo.p99Ticks} ticks, max ${fo.maxTicks} (p50 ${fo.p50Ms} ms, p99 ${fo.p99Ms} ms at 50 ms a tick)`);
  const tp = await throughput(workers);
  console.log(`simulator: ${tp.oneThreadSeedsPerSecond.toFixed(0)} seeds/s on one thread, ${tp.seedsPerSecond.toFixed(0)} seeds/s on ${tp.workers} threads (${tp.seeds} seeds in ${tp.seconds.toFixed(1)} s)`);
  return { steadyState: steady, failover: fo, throughput: tp };
}
