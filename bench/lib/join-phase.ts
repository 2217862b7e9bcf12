/**
 * Join mid-playback: a page that is not the leader leaves (its tab closes), then a new tab (fresh session,
 * so a new node) joins the playing room. Join to synced runs from the new page's navigation start until its
 * media clock stays within one frame of every other page's for a second; the same judged by presented frames
 * is reported beside it (pictures of separate processes differ by up to a display refresh, whatever the
 * clocks do, so they can sit a refresh or two apart while the media clocks agree). A join that never gets
 * there is reported (null, with the reason), not an abort.
 */
import type { BenchRoom } from './bench-room.js';
import { percentile } from './stats.js';
import { ONE_FRAME_TOLERANCE_MS, PageTimeline, firstSettled } from './timeline.js';
import { BenchError, delay, nodeNow, waitFor } from './wait.js';

/** "Synced" means within one frame of every other page for this long. */
export const JOIN_HOLD_MS = 1000;
const JOIN_TIMEOUT_MS = 20_000;
/** How much longer the presented frames get after the media clock settled (or timed out). */
const PRESENTED_GRACE_MS = 3000;

export interface JoinResult {
  page: string;
  /** Navigation start until its media clock is within one frame of every other page's for JOIN_HOLD_MS, ms; null: never within the timeout. */
  joinToSyncMs: number | null;
  /** The same, by presented frames, ms; null: not within the grace (default PRESENTED_GRACE_MS) after the media clock's verdict. */
  presentedJoinToSyncMs: number | null;
  /** Navigation start until the element reported `synced` (joined and caught up with the log), ms. */
  statusSyncedMs: number | null;
  /** Navigation start until the first presented frame, ms. */
  firstFrameMs: number | null;
  /**
   * Where the time went: ms from navigation start to the first of each step on the joining page (its
   * status changes, its first decided state; every media event, a repeated one as `seeking#2` and so on, up to four).
   * Absent: it never happened.
   */
  milestones: Record<string, number>;
  /**
   * The joining page's media events (with the video's position) and its element's state, status and sync
   * actions from navigation until it was in sync, one `ms type detail` per entry: what a catch-up did.
   */
  timeline: string[];
  /**
   * The joining page's media clock against the room's (the median of the other pages'), ms, every 100 ms
   * from its first frame until a second after it settled, as `ms offset` (positive: ahead): how a start
   * landed and how it closed in (a page that believes itself in step but is not has a clock that is off).
   */
  offsets: string[];
  /** Why a figure is missing, or what went wrong after it. */
  problem: string | null;
}

/** See {@link JoinResult.offsets}. */
function joinOffsets(timelines: readonly PageTimeline[], subject: number, start: number, from: number, until: number): string[] {
  const out: string[] = [];
  for (let t = from; t <= until && out.length < 60; t += 100) {
    const own = timelines[subject]!.positionAt(t);
    const others = timelines.filter((_, i) => i !== subject).map((tl) => tl.positionAt(t));
    if (own === undefined || others.some((p) => p === undefined)) continue;
    const median = percentile(others as number[], 50);
    out.push(`${Math.round(t - start)} ${((own - median) * 1000).toFixed(1)}`);
  }
  return out;
}

/** When the page's document and resources arrived (see BenchPage.loadTimings), rounded; empty when unreadable. */
async function loadTimings(page: { loadTimings(): Promise<Record<string, number>> }): Promise<Record<string, number>> {
  try {
    return Object.fromEntries(Object.entries(await page.loadTimings()).map(([k, t]) => [`load:${k}`, Math.round(t)]));
  } catch {
    return {};
  }
}

/** The first time of each step of a join on a page's record (see {@link JoinResult.milestones}). */
function joinMilestones(events: readonly { t: number; kind: string; type: string; detail?: unknown }[], start: number): Record<string, number> {
  const out: Record<string, number> = {};
  const mark = (name: string, t: number) => {
    if (!(name in out) && t >= start) out[name] = Math.round(t - start);
  };
  // A media event that happens again (a second catch-up seek) is marked too, as `seeking#2` and so on.
  const seen: Record<string, number> = {};
  for (const e of events) {
    if (e.kind === 'media' && e.t >= start) {
      const n = (seen[e.type] = (seen[e.type] ?? 0) + 1);
      if (n <= 4) mark(n === 1 ? e.type : `${e.type}#${n}`, e.t);
    } else if (e.type === 'paxos-status') mark(`status:${String((e.detail as { status?: unknown } | null)?.status)}`, e.t);
    // `probe:` and `paxos-` are both six characters: the step's name follows.
    else if (e.type.startsWith('probe:') || e.type === 'paxos-state' || e.type === 'paxos-sync' || e.type === 'paxos-config') mark(e.type.slice(6), e.t);
  }
  return out;
}

/** See {@link JoinResult.timeline}. */
function joinTimeline(events: readonly { t: number; kind: string; type: string; detail?: unknown; currentTime?: number }[], start: number, end: number): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.t < start || e.t > end) continue;
    const at = Math.round(e.t - start);
    const d = (e.detail ?? {}) as Record<string, unknown>;
    if (e.kind === 'media') out.push(`${at} ${e.type} ${e.currentTime?.toFixed(3)}`);
    else if (e.type === 'paxos-status') out.push(`${at} status ${String(d['status'])}`);
    else if (e.type === 'paxos-state') {
      // A catch-up applies many slots at once: one line for the run.
      const last = out[out.length - 1];
      const run = last?.match(/^(\d+) state slots? (\d+)/);
      if (run && Number(run[1]) >= at - 2) out[out.length - 1] = `${run[1]} state slots ${run[2]}-${String(d['slot'])}`;
      else out.push(`${at} state slot ${String(d['slot'])}`);
    } else if (e.type === 'paxos-message') out.push(`${at} ${d['direction'] === 'send' ? '>' : '<'}${String(d['type'])}`);
    else if (e.type === 'paxos-sync' && d['action'] !== 'none') out.push(`${at} sync ${String(d['action'])} ${Number(d['drift']).toFixed(1)}`);
  }
  return out.slice(0, 80);
}

/** Runs the join on a room that is playing with at least three pages. */
export async function runJoin(room: BenchRoom, timeoutMs = JOIN_TIMEOUT_MS, presentedGraceMs = PRESENTED_GRACE_MS): Promise<JoinResult> {
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
  let problem: string | null = null;
  const settledBy = (timeline: (p: (typeof room.members)[number]) => PageTimeline, until: number) =>
    firstSettled(
      room.members.map((p) => timeline(p)),
      start,
      until,
      ONE_FRAME_TOLERANCE_MS,
      JOIN_HOLD_MS,
      { subject },
    );
  const media = (p: (typeof room.members)[number]) => PageTimeline.mediaClock(p.frames);
  const presented = (p: (typeof room.members)[number]) => PageTimeline.presented(p.frames);
  let settled: number | undefined;
  try {
    settled = await waitFor(
      async () => {
        await room.pullAll();
        return settledBy(media, nodeNow() - 50);
      },
      `the joining page ${leaving.label}'s media clock to stay within one frame of the room for ${JOIN_HOLD_MS} ms`,
      timeoutMs,
      { intervalMs: 250, describe: () => room.describe() },
    );
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    problem = error.message;
  }
  // Pictures may take a little longer than the clocks: give them a few more seconds, then report what they did.
  let presentedSettled: number | undefined;
  for (const deadline = nodeNow() + presentedGraceMs; presentedSettled === undefined && nodeNow() < deadline; await delay(250)) {
    await room.pullAll();
    presentedSettled = settledBy(presented, nodeNow() - 50);
  }
  const synced = leaving.events.find((e) => e.kind === 'paxos' && e.type === 'paxos-status' && (e.detail as { status?: unknown } | null)?.status === 'synced');
  const firstFrame = leaving.frames[0];
  // Let the room promote the newcomer, so the next phase starts from a whole room (the newcomer may be
  // relayed to some page, see the mesh formation retries).
  try {
    await room.waitFormed(20_000, false);
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    problem = problem ?? error.message;
  }
  return {
    page: leaving.label,
    joinToSyncMs: settled === undefined ? null : settled - start,
    presentedJoinToSyncMs: presentedSettled === undefined ? null : presentedSettled - start,
    statusSyncedMs: synced ? synced.t - start : null,
    firstFrameMs: firstFrame ? firstFrame.t - start : null,
    milestones: { ...(await loadTimings(leaving)), ...joinMilestones(leaving.events, start) },
    timeline: joinTimeline(leaving.events, start, (settled ?? nodeNow()) + 500),
    offsets: firstFrame ? joinOffsets(room.members.map((p) => media(p)), subject, start, firstFrame.t, (settled ?? nodeNow()) + 1000) : [],
    problem,
  };
}
