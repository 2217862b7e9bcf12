/**
 * Join mid-playback: a page that is not the leader leaves (its tab closes), then a new tab (fresh session,
 * so a new node) joins the playing room. Join to synced runs from the new page's navigation start until it
 * stays within one frame of every other page for a second.
 */
import type { BenchRoom } from './bench-room.js';
import { ONE_FRAME_TOLERANCE_MS, PageTimeline, firstSettled } from './timeline.js';
import { BenchError, nodeNow, waitFor } from './wait.js';

/** "Synced" means within one frame of every other page for this long. */
export const JOIN_HOLD_MS = 1000;
const JOIN_TIMEOUT_MS = 20_000;

export interface JoinResult {
  page: string;
  /** Navigation start until within one frame of every other page for JOIN_HOLD_MS, ms. */
  joinToSyncMs: number;
  /** Navigation start until the element reported `synced` (joined and caught up with the log), ms. */
  statusSyncedMs: number | null;
  /** Navigation start until the first presented frame, ms. */
  firstFrameMs: number | null;
}

/** Runs the join on a room that is playing with at least three pages. */
export async function runJoin(room: BenchRoom): Promise<JoinResult> {
  const state = (await room.snapshots())[0]!.state;
  if (state.paused) throw new BenchError('the join needs a playing room');
  const leader = await room.leader();
  const leaving = [...room.members].reverse().find((p) => p !== leader)!;
  const oldId = (await leaving.snapshot()).nodeId;
  const stay = room.members.filter((p) => p !== leaving);
  await leaving.leave();
  room.members = stay;
  await waitFor(
    // A departed acceptor may stay in the configuration (listed, not connected) until a newcomer replaces it.
    async () => (await room.snapshots()).every((s) => !s.peers.some((p) => p.id === oldId && p.connected)),
    `the others to see ${leaving.label} leave`,
    15_000,
    { describe: () => room.describe() },
  );

  await leaving.open(room.url);
  room.members = [...stay, leaving];
  const start = await leaving.navigationStart();
  const subject = room.members.length - 1;
  const settled = await waitFor(
    async () => {
      await room.pullAll();
      const tls = room.members.map((p) => PageTimeline.presented(p.frames));
      return firstSettled(tls, start, nodeNow() - 50, ONE_FRAME_TOLERANCE_MS, JOIN_HOLD_MS, { subject });
    },
    `the joining page ${leaving.label} to stay within one frame of the room for ${JOIN_HOLD_MS} ms`,
    JOIN_TIMEOUT_MS,
    { intervalMs: 250, describe: () => room.describe() },
  );
  const synced = leaving.events.find((e) => e.kind === 'paxos' && e.type === 'paxos-status' && (e.detail as { status?: unknown } | null)?.status === 'synced');
  const firstFrame = leaving.frames[0];
  // Let the room promote the newcomer, so the next phase starts from a whole room (the newcomer may be
  // relayed to some page, see the mesh formation retries).
  await room.waitFormed(20_000, false);
  return {
    page: leaving.label,
    joinToSyncMs: settled - start,
    statusSyncedMs: synced ? synced.t - start : null,
    firstFrameMs: firstFrame ? firstFrame.t - start : null,
  };
}
