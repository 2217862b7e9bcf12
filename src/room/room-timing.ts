/**
 * The consensus timeouts of a room, from the round trip its tabs measure (issue 12). Fixed ticks suit one
 * machine: at a 240 ms round trip a lost packet on a reliable, ordered data channel holds the next
 * heartbeats back for more than a round trip (SCTP recovers it by fast retransmit or by its timeout), so a
 * 400-800 ms election timeout deposes a working leader; and a 200 ms retry fires before an answer can come.
 *
 * Every timeout grows with `rtt`, the worst round trip to a peer (getStats); the least values are the
 * core's defaults, so a fast room is not slowed down.
 */
import type { TimingOptions } from '../consensus/index.js';

/** The timeouts for a room whose worst tab-to-tab round trip is `rtt` ms, on ticks of `tickMs`. */
export function timingFor(rtt: number, tickMs: number): TimingOptions {
  const ticks = (ms: number, least: number): number => Math.max(least, Math.ceil(ms / tickMs));
  return {
    // Twice a round trip: the leader's lease and a follower's view of it stay fresh without flooding the link.
    heartbeatTicks: ticks(rtt / 2, 2),
    // Silence for a lost packet's recovery (a few heartbeats and a round trip or two) is not a dead leader.
    electionTicks: ticks(300 + 4 * rtt, 8),
    // An answer takes a round trip; resend only when it is late.
    retryTicks: ticks(100 + 2 * rtt, 4),
  };
}
