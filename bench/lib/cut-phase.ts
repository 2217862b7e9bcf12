/**
 * Links that go away, in the lab: a tab's link cut for a while, a tab's network change (offline, a new
 * address, online), and the signaling server's link cut. In each, another tab seeks while the link is gone,
 * so the room has to keep deciding without it and the cut tab has something to catch up on.
 *
 * A tab has recovered once its media clock stays within one frame of every other tab's for a second
 * (which it cannot do before it applied the seek it missed). The report also says what the others saw:
 * leader changes, and seeks or pauses that reached them after the link returned (a room reset would show).
 */
import type { Lab } from '../../lab/lab.js';
import type { BenchPage, CommandKind } from './bench-page.js';
import { BenchRoom } from './bench-room.js';
import { JOIN_HOLD_MS } from './join-phase.js';
import type { LabServer } from './lab-server.js';
import { leaderChanges } from './steady-phase.js';
import { percentile } from './stats.js';
import { ONE_FRAME_TOLERANCE_MS, PageTimeline, firstSettled, sampleDrift } from './timeline.js';
import { BenchError, delay, nodeNow, waitFor } from './wait.js';

/** How long a tab may take to recover before the figure is reported missing. */
const RECOVER_TIMEOUT_MS = 30_000;
/** After recovery, what reached the others is counted this much longer. */
const AFTERMATH_MS = 1500;

/** The lab host a benchmark page's browser runs in. */
export const hostOf = (page: BenchPage): string => `tab${page.index}`;

/** What happened to one tab whose link went away and came back. */
export interface CutResult {
  kind: 'cut' | 'network-change';
  page: string;
  /** How long the link was gone, ms. */
  cutMs: number;
  /** The seek another tab made during the cut: called until decided on every tab still connected, ms (null: not decided). */
  decidedWhileCutMs: number | null;
  /** Link back until the tab's media clock stays within one frame of the others for a second, ms (null: not within the timeout). */
  recoverMs: number | null;
  /** Link back until the tab applied the seek it missed, ms. */
  appliedMissedMs: number | null;
  /** Link back until the tab's status was `synced` again (null: it never left `synced`, or never returned). */
  statusSyncedMs: number | null;
  /** The tab's statuses while its link was gone. */
  statusesWhileCut: string[];
  /** Leader changes from the cut until AFTERMATH_MS after recovery. */
  leaderChanges: number;
  /** Seeks and pauses on the other tabs after the link returned that no command asked for. */
  seeksOnOthers: number;
  pausesOnOthers: number;
  /** The tab's `paxos-*` events (but `paxos-sync`) from its link's return until it applied the missed seek, ms after the return: where the recovery's time went. */
  afterReturn: string;
  /**
   * What happened next, ms after the return until AFTERMATH_MS after recovery (or the timeout): each command
   * the tab applied, with the page that proposed it, and the tab's own media events (a seek or pause that
   * reached the others came from one of these commands).
   */
  aftermath: string;
  problem: string | null;
}

const statusOf = (e: BenchPage['events'][number]) => (e.kind === 'paxos' && e.type === 'paxos-status' ? String((e.detail as { status?: unknown } | null)?.status) : undefined);

/** Picks a tab that is not the leader (the last such member). */
async function follower(room: BenchRoom): Promise<BenchPage> {
  const leader = await room.leader();
  return [...room.members].reverse().find((p) => p !== leader)!;
}

/** The demo video's length, s: a scenario must not play past its end (an ended video pauses). */
export const VIDEO_S = 60;

/** Where the room is now, s (by the first member's decided state). */
async function roomPosition(room: BenchRoom): Promise<number> {
  const s = (await room.members[0]!.snapshot()).state;
  return s.paused ? s.position : s.position + ((nodeNow() - s.anchor) / 1000) * s.rate;
}

/**
 * A seek at least 3 s from where the room is, early enough that `playFor` ms more of playing (the cut and
 * the recovery after it) stay inside the video with 10 s to spare.
 */
async function seekTarget(room: BenchRoom, random: () => number, playFor: number): Promise<number> {
  const now = await roomPosition(room);
  const latest = Math.max(8, VIDEO_S - playFor / 1000 - 10);
  let target: number;
  do target = Math.round((2 + random() * (latest - 2)) * 1000) / 1000;
  while (Math.abs(target - now) < 3);
  return target;
}

/**
 * Seeks the room back to the start (decided on every member) when it is past `latest` s, so the next
 * scenario does not run into the end of the video. Not measured.
 */
export async function rewindIfLate(room: BenchRoom, latest = 25): Promise<void> {
  if ((await roomPosition(room)) <= latest) return;
  const issuer = room.members[0]!;
  const result = await issuer.command('seek', 1);
  if (!result.ok) throw new BenchError(`rewinding the room failed: ${result.code ?? 'error'} ${result.message}`);
  await room.waitDecided(result.nodeId, 'seek', result.calledAt - 1, 10_000, 'the rewind');
  await delay(1000);
}

interface Decided {
  ms: number | null;
  proposer: string | null;
  calledAt: number;
  /** Why it was not decided. */
  problem: string | null;
}

/** Issues `kind` on `issuer` and waits until `pages` applied it; null when not within the timeout. */
async function decideOn(issuer: BenchPage, pages: readonly BenchPage[], kind: CommandKind, arg: number | undefined, timeoutMs: number): Promise<Decided> {
  const result = await issuer.command(kind, arg);
  if (!result.ok) return { ms: null, proposer: null, calledAt: result.calledAt, problem: `the ${kind} on ${issuer.label} failed: ${result.code ?? 'error'} ${result.message}` };
  const temp = new BenchRoom('', '', 'ours', pages);
  try {
    const times = await temp.waitDecided(result.nodeId, kind, result.calledAt - 1, timeoutMs, `the ${kind} on ${issuer.label}`);
    return { ms: Math.max(...times) - result.calledAt, proposer: result.nodeId, calledAt: result.calledAt, problem: null };
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    return { ms: null, proposer: result.nodeId, calledAt: result.calledAt, problem: error.message };
  }
}

/** Measures how the tab comes back after `restoredAt`. */
async function recovery(room: BenchRoom, victim: BenchPage, cutAt: number, restoredAt: number, missed: Decided, timeoutMs: number, base: Omit<CutResult, 'recoverMs' | 'appliedMissedMs' | 'statusSyncedMs' | 'statusesWhileCut' | 'leaderChanges' | 'seeksOnOthers' | 'pausesOnOthers' | 'afterReturn' | 'aftermath' | 'problem'>): Promise<CutResult> {
  const subject = room.members.indexOf(victim);
  // Without a missed decision the tab has nothing to catch up on: its recovery says little.
  let problem: string | null = missed.problem;
  let recovered: number | undefined;
  try {
    recovered = await waitFor(
      async () => {
        await room.pullAll();
        return firstSettled(
          room.members.map((p) => PageTimeline.mediaClock(p.frames)),
          restoredAt,
          nodeNow() - 50,
          ONE_FRAME_TOLERANCE_MS,
          JOIN_HOLD_MS,
          { subject },
        );
      },
      `${victim.label}'s media clock to stay within one frame of the room after its link returned`,
      timeoutMs,
      { intervalMs: 250, describe: () => room.describe() },
    );
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    problem = problem ?? error.message;
  }
  await delay(AFTERMATH_MS);
  await room.pullAll();
  const end = (recovered ?? nodeNow()) + AFTERMATH_MS;
  const applied = missed.proposer ? BenchRoom.decidedAt(victim, missed.proposer, 'seek', missed.calledAt - 1) : undefined;
  const synced = victim.events.find((e) => e.t >= restoredAt && statusOf(e) === 'synced');
  const others = room.members.filter((p) => p !== victim);
  const count = (type: string) => others.reduce((n, p) => n + p.events.filter((e) => e.kind === 'media' && e.type === type && e.t > restoredAt && e.t <= end).length, 0);
  return {
    ...base,
    recoverMs: recovered === undefined ? null : recovered - restoredAt,
    appliedMissedMs: applied ? applied.t - restoredAt : null,
    statusSyncedMs: synced ? synced.t - restoredAt : null,
    statusesWhileCut: [...new Set(victim.events.filter((e) => e.t >= cutAt && e.t <= restoredAt).map(statusOf).filter((s): s is string => s !== undefined))],
    leaderChanges: leaderChanges(room.members, cutAt, end),
    seeksOnOthers: count('seeking'),
    pausesOnOthers: count('pause'),
    afterReturn: victim.events
      .filter((e) => e.kind === 'paxos' && e.type !== 'paxos-sync' && e.t >= restoredAt && e.t <= (applied?.t ?? end))
      .map((e) => `${Math.round(e.t - restoredAt)} ${e.type.slice(6)}${statusOf(e) ? ` ${statusOf(e)}` : ''}${messageOf(e)}`)
      .join(', '),
    aftermath: await aftermath(room, victim, restoredAt, end),
    problem,
  };
}

/** A protocol message's direction and type, as ` >heartbeat` (sent) or ` <promise` (received), else ''. */
function messageOf(e: { type: string; detail?: unknown }): string {
  const d = e.type === 'paxos-message' ? (e.detail as { direction?: string; type?: string } | null) : null;
  return d ? ` ${d.direction === 'send' ? '>' : '<'}${d.type}` : '';
}

/** See {@link CutResult.aftermath}. */
async function aftermath(room: BenchRoom, victim: BenchPage, from: number, to: number): Promise<string> {
  const ids = new Map<string, string>();
  for (const p of room.members) {
    const id = await p.snapshot().then((s) => s.nodeId, () => undefined);
    if (id) ids.set(id, p.label);
  }
  const by = (proposer: string) => ids.get(proposer) ?? proposer.slice(0, 6);
  return victim.events
    .filter((e) => e.t > from && e.t <= to && (e.kind === 'media' || e.type === 'paxos-state'))
    .flatMap((e) => {
      const at = Math.round(e.t - from);
      if (e.kind === 'media') return e.type === 'ratechange' ? [] : [`${at} ${e.type}`];
      const commands = (e.detail as { commands?: { type?: unknown; proposer?: unknown; by?: unknown }[] } | null)?.commands ?? [];
      return commands.map((c) => `${at} ${String(c.type)} by ${by(String(c.proposer))}${c.by ? ` (${String(c.by)})` : ''}`);
    })
    .join(', ');
}

/**
 * Cuts a follower tab's link for `ms`; one second in, another tab seeks. Measures the decision without the
 * cut tab, and the cut tab's recovery once its link is back.
 */
export async function runTabCut(lab: Lab, room: BenchRoom, ms: number, random: () => number, recoverTimeoutMs = RECOVER_TIMEOUT_MS): Promise<CutResult> {
  const victim = await follower(room);
  const others = room.members.filter((p) => p !== victim);
  const cutAt = await lab.cut(hostOf(victim), { ms });
  await delay(Math.min(1000, ms / 4));
  const seek = await decideOn(others[0]!, others, 'seek', await seekTarget(room, random, ms + recoverTimeoutMs), Math.max(2000, ms - 1000));
  const restoredAt = await lab.restored(hostOf(victim), cutAt);
  return recovery(room, victim, cutAt, restoredAt, seek, recoverTimeoutMs, { kind: 'cut', page: victim.label, cutMs: restoredAt - cutAt, decidedWhileCutMs: seek.ms });
}

/**
 * A follower tab changes networks, as a laptop moving between Wi-Fi networks does: the browser goes
 * offline and its link drops; another tab seeks; the tab gets a new address, its link returns and the
 * browser goes online again. Measures the recovery from the link's return.
 */
export async function runNetworkChange(
  lab: Lab,
  room: BenchRoom,
  address: string,
  random: () => number,
  recoverTimeoutMs = RECOVER_TIMEOUT_MS,
  offlineMs = 3000,
): Promise<CutResult & { address: string }> {
  const victim = await follower(room);
  const others = room.members.filter((p) => p !== victim);
  await victim.setOffline(true);
  const cutAt = await lab.cut(hostOf(victim));
  await delay(1000);
  const seek = await decideOn(others[0]!, others, 'seek', await seekTarget(room, random, offlineMs + recoverTimeoutMs), 5000);
  await delay(Math.max(0, cutAt + offlineMs - nodeNow()));
  await lab.readdress(hostOf(victim), address);
  const restoredAt = await lab.restore(hostOf(victim));
  await victim.setOffline(false);
  const result = await recovery(room, victim, cutAt, restoredAt, seek, recoverTimeoutMs, { kind: 'network-change', page: victim.label, cutMs: restoredAt - cutAt, decidedWhileCutMs: seek.ms });
  return { ...result, address };
}

/** What the room did while the signaling server's link was gone. */
export interface ServerCutResult {
  cutMs: number;
  /** A seek made during the cut: called until decided on every tab, ms (null: not decided). */
  decidedWhileCutMs: number | null;
  /** Pairwise media-clock drift over the cut (after the seek settled), p95 and max, ms. */
  mediaDriftP95Ms: number | null;
  mediaDriftMaxMs: number | null;
  /** Link back until every tab is connected to the server again (0: no tab lost its connection), ms; null: not within the timeout. */
  rejoinMs: number | null;
  /** Sockets that connected again after the link returned. */
  reconnected: number;
  leaderChanges: number;
  problem: string | null;
}

/** Cuts the signaling server's link for `ms`; the tabs keep deciding and playing over the mesh and rejoin it after. */
export async function runServerCut(lab: Lab, server: LabServer, room: BenchRoom, ms: number, random: () => number): Promise<ServerCutResult> {
  const cutAt = await lab.cut('server', { ms });
  await delay(2000);
  const seek = await decideOn(room.members[1] ?? room.members[0]!, room.members, 'seek', await seekTarget(room, random, ms + 10_000), 5000);
  let problem: string | null = seek.problem;
  const restoredAt = await lab.restored('server', cutAt);
  await room.pullAll();
  // Drift over the cut, from a few seconds after the seek (which every tab starts at its anchor) to the end.
  const from = (seek.ms === null ? cutAt + 2000 : seek.calledAt + seek.ms) + 3000;
  const samples = from < restoredAt ? sampleDrift(room.members.map((p) => PageTimeline.mediaClock(p.frames)), from, restoredAt, 10).flatMap((s) => s.diffs.map(Math.abs)) : [];
  let rejoinMs: number | null = null;
  let reconnected = 0;
  try {
    await waitFor(
      async () => {
        const s = await server.sockets();
        const settled = s.sockets === room.members.length && [...s.connects, ...s.disconnects].every((t) => t < nodeNow() - 1000);
        if (!settled) return false;
        const after = s.connects.filter((t) => t > restoredAt);
        reconnected = after.length;
        rejoinMs = after.length === 0 ? 0 : Math.max(...after) - restoredAt;
        return true;
      },
      'every tab to be connected to the signaling server again',
      60_000,
      { intervalMs: 250 },
    );
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    problem = problem ?? error.message;
  }
  await room.pullAll();
  return {
    cutMs: restoredAt - cutAt,
    decidedWhileCutMs: seek.ms,
    mediaDriftP95Ms: samples.length > 0 ? percentile(samples, 95) : null,
    mediaDriftMaxMs: samples.length > 0 ? Math.max(...samples) : null,
    rejoinMs,
    reconnected,
    leaderChanges: leaderChanges(room.members, cutAt, nodeNow()),
    problem,
  };
}
