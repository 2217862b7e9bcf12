/**
 * Failover: the leader's page crashes (CDP Page.crash: the renderer dies, nothing unloads), and at once
 * another page asks for the next command, again until one is decided. Failover runs from the crash until
 * that command is decided on every surviving page.
 */
import type { BenchPage, CommandKind } from './bench-page.js';
import type { BenchRoom } from './bench-room.js';
import { BenchError, delay, nodeNow } from './wait.js';

const FAILOVER_TIMEOUT_MS = 20_000;

export interface FailoverResult {
  crashed: string;
  issuer: string;
  command: CommandKind;
  /** Crash until the next command is decided on every surviving page, ms. */
  failoverMs: number;
  /** Crash until the issuing page learned of a new leader, ms. */
  newLeaderMs: number | null;
  /** Calls that failed (timeout, no quorum) before one was decided. */
  rejected: string[];
}

/** The issuing page's true clock minus this process's clock, from the sample with the smallest round trip. */
async function clockOffset(page: BenchPage): Promise<number> {
  let best = { offset: 0, rtt: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 8; i++) {
    const s = await page.clockSample(nodeNow);
    if (s.rtt < best.rtt) best = s;
  }
  return best.offset;
}

export async function runFailover(room: BenchRoom): Promise<FailoverResult> {
  const leader = await room.leader();
  const leaderId = (await leader.snapshot()).nodeId;
  const survivors = room.members.filter((p) => p !== leader);
  const issuer = survivors[0]!;
  const kind: CommandKind = (await issuer.snapshot()).state.paused ? 'play' : 'pause';
  const offset = await clockOffset(issuer);

  const crashedAt = nodeNow() + offset;
  await leader.crash();
  room.members = survivors;
  const rejected: string[] = [];
  for (;;) {
    const result = await issuer.command(kind);
    if (result.ok) {
      const decided = await room.waitDecided(result.nodeId, kind, result.calledAt - 1, FAILOVER_TIMEOUT_MS, `the first ${kind} after the leader crashed`);
      const newLeader = issuer.events.find(
        (e) => e.kind === 'paxos' && e.type === 'paxos-leader' && e.t > crashedAt && typeof (e.detail as { leader?: unknown })?.leader === 'string' && (e.detail as { leader: string }).leader !== leaderId,
      );
      await leader.leave();
      return {
        crashed: leader.label,
        issuer: issuer.label,
        command: kind,
        failoverMs: Math.max(...decided) - crashedAt,
        newLeaderMs: newLeader ? newLeader.t - crashedAt : null,
        rejected,
      };
    }
    rejected.push(`${result.code ?? 'error'}: ${result.message}`);
    if (nodeNow() + offset - crashedAt > FAILOVER_TIMEOUT_MS) {
      throw new BenchError(`no command decided within ${FAILOVER_TIMEOUT_MS / 1000} s of the leader's crash (${rejected.join('; ')})${await room.describe()}`);
    }
    await delay(20); // a refusal can be immediate (no quorum yet): don't spin

  }
}
