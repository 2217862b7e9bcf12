/**
 * The consensus timeouts of a room, from the round trip its tabs measure (issue 12). Fixed ticks suit one
 * machine: at a 240 ms round trip a lost packet on a reliable, ordered data channel holds the next
 * heartbeats back for more than a round trip (SCTP recovers it by fast retransmit or by its timeout), so a
 * 400-800 ms election timeout deposes a working leader; and a 200 ms retry fires before an answer can come.
 *
 * Every timeout grows with `rtt`, the worst round trip to a peer (getStats), from the core's defaults, which
 * a fast room (a round trip under half a tick) keeps.
 */
import type { TimingOptions } from '../consensus/index.js';

/** The timeouts for a room whose worst tab-to-tab round trip is `rtt` ms, on ticks of `tickMs`. */
export function timingFor(rtt: number, tickMs: number): TimingOptions {
  const r = Math.round(rtt / tickMs); // a round trip, in ticks
  return {
    // Heartbeats about twice a round trip: the leader's lease stays fresh without flooding a slow link.
    heartbeatTicks: 2 + (r >> 1),
    // Silence for a lost packet's recovery (a few heartbeats and a round trip or two) is not a dead leader.
    electionTicks: 8 + 4 * r,
    // An answer takes a round trip: resend only once it is late.
    retryTicks: 4 + 2 * r,
  };
}
