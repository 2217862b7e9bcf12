/**
 * Construction options of a PaxosNode, and their defaults. Tick counts are in calls to `tick()`; the
 * defaults suit the browser's 50 ms tick: heartbeats every 100 ms, an election after 400-800 ms of silence.
 */
import { MAX_ACCEPTORS, MAX_BATCH } from './messages.js';
import type { StateMachine } from './state-machine.js';
import type { Storage } from './storage.js';

/**
 * The timeouts, in ticks. A host may change them while the node runs ({@link PaxosNode.setTiming}), for
 * example from measured round trips; the node stays deterministic, since the change is one of its inputs.
 */
export interface TimingOptions {
  /** The leader sends heartbeats every this many ticks. Default 2. */
  readonly heartbeatTicks?: number;
  /** A follower that hears no leader for a random number of ticks in [e, 2e) starts an election. Default 8. */
  readonly electionTicks?: number;
  /** Unanswered prepares, accepts, catch-ups and forwards are re-sent after this many ticks. Default 4. */
  readonly retryTicks?: number;
  /** An acceptor silent this long is replaced by a live learner; a leader that hears no majority this long steps down. Default 4 * electionTicks. */
  readonly suspectTicks?: number;
  /** A proposal not decided within this many ticks fails. Default 100 (5 s at 50 ms a tick). */
  readonly proposalTimeoutTicks?: number;
  /** A read not answered within this many ticks fails. Default 40. */
  readonly readTimeoutTicks?: number;
}

/** Construction options of a {@link PaxosNode}. Tick counts are in calls to `tick()`. */
export interface PaxosNodeOptions<S, C> extends TimingOptions {
  /** This node's id: 8-64 characters of [A-Za-z0-9_-], unique in the room, stable across reloads. */
  readonly id: string;
  readonly stateMachine: StateMachine<S, C>;
  /** Where the acceptor state survives a reload; loaded once here, saved by {@link PaxosNode.drain}. */
  readonly storage: Storage<S, C>;
  /** Uniform in [0, 1): election jitter. Seeded in tests, so a seed replays a run exactly. */
  readonly random: () => number;
  /**
   * Initial acceptors, for a node that has no stored state and founds the room (the first tab, or every
   * node of a cluster created together, all with the same list). Without it, a node with no stored
   * state joins: it asks its peers for the room's state and learns until a leader promotes it.
   */
  readonly bootstrap?: readonly string[];
  /** Most acceptors in a configuration; the other nodes are learners. Default 5. */
  readonly maxAcceptors?: number;
  /** Snapshot and compact the log every this many applied slots. Default 64. */
  readonly snapshotEvery?: number;
  /** Most commands the leader puts in one slot. Default 64. */
  readonly maxBatch?: number;
  /** Whether the node may lead (a hidden tab may not). Default true. */
  readonly eligible?: boolean;
}

/** The options with their defaults filled in. */
export type Timing = Required<TimingOptions> & { maxAcceptors: number; snapshotEvery: number; maxBatch: number };

/** The defaults (suspectTicks: 4 * electionTicks), in an order where electionTicks comes before suspectTicks. */
const DEFAULTS: Timing = {
  maxAcceptors: 5,
  heartbeatTicks: 2,
  electionTicks: 8,
  retryTicks: 4,
  suspectTicks: 0,
  proposalTimeoutTicks: 100,
  readTimeoutTicks: 40,
  snapshotEvery: 64,
  maxBatch: 64,
};

/** Checks the numeric options (a clear RangeError for a bad one) and fills in the defaults. */
export function resolveTiming(o: Partial<Timing>): Timing {
  const t = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof Timing)[]) {
    const n = o[name] ?? (name === 'suspectTicks' ? 4 * t.electionTicks : t[name]);
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${String(o[name])}`);
    t[name] = n;
  }
  if (t.maxAcceptors > MAX_ACCEPTORS) throw new RangeError(`maxAcceptors must be at most ${MAX_ACCEPTORS}`);
  t.maxBatch = Math.min(t.maxBatch, MAX_BATCH);
  return t;
}
