/**
 * What a link is: the emulator's per-host stages (lab/emulator.py reads exactly these fields), and the helpers
 * that say what a link adds up to along a path. A host has an "up" stage (what it sends) and a "down" stage
 * (what it receives); one-way delay from A to B is A.up + B.down.
 */

/** Extra delay on top of the base, drawn per packet. */
export interface Jitter {
  /**
   * `exponential` and `pareto` add a positive tail as real queues do (`ms` is the mean; Pareto is a Lomax
   * with `shape`, default 2.5: heavier tail); `uniform` spreads base ± `ms`; `normal` has standard deviation
   * `ms` (a total below zero counts as zero).
   */
  dist: 'exponential' | 'pareto' | 'uniform' | 'normal';
  ms: number;
  shape?: number;
}

/** Independent loss, or Gilbert-Elliott bursts (p: good → bad per packet, r: bad → good; loss share in each). */
export type Loss = { model?: 'bernoulli'; percent: number } | { model: 'gilbert-elliott'; p: number; r: number; good?: number; bad?: number };

/** One direction of one host's link. */
export interface Stage {
  /** Base one-way delay, ms. */
  delayMs?: number;
  jitter?: Jitter;
  loss?: Loss;
  /** Rate cap, kbit/s (null or absent: none). Packets queue behind it; a full queue drops (tail drop). */
  rateKbps?: number | null;
  /** The queue holds this many ms of the rate (default 100). */
  queueMs?: number;
  /** Drops every packet while true. */
  cut?: boolean;
  /** Lets jitter reorder packets of one flow (default false: a flow keeps its order, as behind a queue). */
  reorder?: boolean;
}

/** A host's link: what it sends goes through `up`, what it receives through `down`. */
export interface Link {
  up: Stage;
  down: Stage;
}

/** The same stage both ways. */
export const symmetric = (stage: Stage): Link => ({ up: { ...stage }, down: { ...stage } });

/** Mean of a stage's jitter, ms (uniform and normal: 0 on average). */
export function jitterMeanMs(stage: Stage): number {
  const j = stage.jitter;
  if (!j || j.ms === 0) return 0;
  return j.dist === 'exponential' || j.dist === 'pareto' ? j.ms : 0;
}

/** Long-run loss share of a stage, 0..1. */
export function lossShare(stage: Stage): number {
  const l = stage.loss;
  if (!l) return 0;
  if (l.model === 'gilbert-elliott') {
    const bad = l.p / (l.p + l.r);
    return bad * (l.bad ?? 1) + (1 - bad) * (l.good ?? 0);
  }
  return l.percent / 100;
}

/** The path from `from` to `to`: its base (smallest) delay and mean delay, ms, and its loss share. */
export function path(from: Link, to: Link): { baseMs: number; meanMs: number; loss: number } {
  const base = (from.up.delayMs ?? 0) + (to.down.delayMs ?? 0);
  const mean = base + jitterMeanMs(from.up) + jitterMeanMs(to.down);
  const loss = 1 - (1 - lossShare(from.up)) * (1 - lossShare(to.down));
  return { baseMs: base, meanMs: mean, loss };
}

/**
 * The clock error that a clock sampled over the path between `tab` and `server` cannot avoid: half the
 * difference of the two directions' base delays, signed (positive: the tab's estimate of the server clock is
 * ahead). An NTP-style exchange cannot tell a delay asymmetry from a clock offset; filtering by the smallest
 * round trip removes the jitter, not the asymmetry.
 */
export function clockBoundMs(tab: Link, server: Link): number {
  return (path(tab, server).baseMs - path(server, tab).baseMs) / 2;
}
