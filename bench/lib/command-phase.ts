/**
 * Commands: pause, play and seek in turn, each called on a different page in turn (leader and followers),
 * one at a time. For each: the decision latency (called on one page until decided on every page), the time
 * until each page applied it (a pause shown, or the new timeline's first advancing frame on screen, which
 * includes the scheduled lead), and, after a play or seek, how long until every pair's media clocks are back
 * within one frame (presented frames beside it). A command that is not decided or applied in time is
 * reported with the others, not an abort; only commands that keep failing end the phase.
 */
import type { BenchPage, CommandKind, CommandResult } from './bench-page.js';
import type { BenchRoom } from './bench-room.js';
import { type LoadReport, startLoadWindow } from './machine-load.js';
import { FRAME_MS, ONE_FRAME_TOLERANCE_MS, PageTimeline, firstSettled } from './timeline.js';
import { BenchError, delay, nodeNow, waitFor } from './wait.js';

/** A play or seek is back in sync once every pair stays within one frame this long. */
export const SETTLE_HOLD_MS = 500;
/** How long after a play or seek's start the benchmark waits for that. */
const SETTLE_TIMEOUT_MS = 4000;
const DECIDE_TIMEOUT_MS = 6000;
/** Seek targets stay inside [SEEK_MIN_S, SEEK_MAX_S] of the 60 s video, at least SEEK_AWAY_S from where the room is. */
const SEEK_MIN_S = 2;
const SEEK_MAX_S = 40;
const SEEK_AWAY_S = 3;
const ORDER: readonly CommandKind[] = ['pause', 'play', 'seek'];

/** One command and what it took. Times on the true clock, durations in ms. */
export interface CommandRecord {
  n: number;
  kind: CommandKind;
  issuer: string;
  issuerRole: string;
  arg: number | null;
  calledAt: number;
  /** Called until decided on the issuing page (its promise settled). */
  issuerMs: number;
  /** Called until decided on every page. */
  decisionMs: number;
  /** Called until applied, per page (member order). */
  appliedMs: (number | null)[];
  /** The log slot it was decided in. */
  slot: number;
  /** For play and seek: the decided start (shared clock) and position. */
  anchor: number | null;
  position: number;
  /** For play and seek: from the decided start until every pair's media clocks stay within one frame for SETTLE_HOLD_MS (0: never left). */
  settleMs: number | null;
  /** The same by presented frames. */
  presentedSettleMs: number | null;
}

/** The stored result of the phase. */
export interface CommandPhaseResult {
  commands: CommandRecord[];
  failures: { n: number; kind: CommandKind; issuer: string; code: string | null | undefined; message: string }[];
  rtts: number[];
  pages: string[];
  /** The pages' node ids, in the order of `pages`. */
  nodeIds: string[];
  /** How busy the machine was during the phase. */
  load: LoadReport;
  /** Commands some page never applied (`kind #n on Pk`). */
  notApplied: string[];
}

/** When page `p` applied the command (see the module comment), or undefined. */
function appliedAt(p: BenchPage, record: Omit<CommandRecord, 'appliedMs' | 'settleMs' | 'presentedSettleMs'>, until: number): number | undefined {
  if (record.kind === 'pause') {
    let last: number | undefined;
    for (const e of p.events) {
      if (e.kind === 'media' && (e.type === 'pause' || e.type === 'seeked') && e.t > record.calledAt && e.t < until) last = e.t;
    }
    return last;
  }
  // The first frame of the new timeline that moved past its start frame.
  const start = record.position;
  const f = p.frames.find((x) => x.t > record.calledAt && x.media > start + 0.5 / 30 && x.media < start + 2);
  return f?.t;
}

/** Runs `count` commands on the room (which is playing). */
export async function runCommands(room: BenchRoom, count: number, random: () => number): Promise<CommandPhaseResult> {
  const pages = room.members;
  const nodeIds = (await room.snapshots()).map((s) => s.nodeId);
  const records: Omit<CommandRecord, 'appliedMs' | 'settleMs' | 'presentedSettleMs'>[] = [];
  const failures: CommandPhaseResult['failures'] = [];
  const rtts: number[] = [];
  let consecutiveFailures = 0;
  const loadWindow = startLoadWindow();
  for (let n = 0; n < count; n++) {
    const kind = ORDER[n % ORDER.length]!;
    const issuer = pages[n % pages.length]!;
    const snaps = await room.snapshots();
    for (const s of snaps) for (const p of s.peers) if (p.rtt !== null) rtts.push(p.rtt);
    let arg: number | undefined;
    if (kind === 'seek') {
      const s = snaps[0]!.state;
      const now = s.paused ? s.position : s.position + ((nodeNow() - s.anchor) / 1000) * s.rate;
      do arg = Math.round((SEEK_MIN_S + random() * (SEEK_MAX_S - SEEK_MIN_S)) * 1000) / 1000;
      while (Math.abs(arg - now) < SEEK_AWAY_S);
    }
    const result: CommandResult = await issuer.command(kind, arg);
    if (!result.ok) {
      failures.push({ n, kind, issuer: issuer.label, code: result.code, message: result.message });
      if (++consecutiveFailures >= 3 || failures.length > Math.max(2, count / 10)) {
        throw new BenchError(`commands keep failing (last: ${kind} on ${issuer.label}: ${result.code} ${result.message})${await room.describe()}`);
      }
      await room.waitFormed(10_000);
      continue;
    }
    const what = `command ${n} (${kind}${arg === undefined ? '' : ` ${arg}`} on ${issuer.label})`;
    let decided: number[];
    try {
      decided = await room.waitDecided(result.nodeId, kind, result.calledAt - 1, DECIDE_TIMEOUT_MS, what);
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      failures.push({ n, kind, issuer: issuer.label, code: 'not-decided-on-all', message: error.message });
      if (++consecutiveFailures >= 3) throw new BenchError(`commands keep failing (last: ${error.message})`);
      await room.waitFormed(10_000, false).catch(() => undefined);
      continue;
    }
    consecutiveFailures = 0;
    const state = result.state;
    const record = {
      n,
      kind,
      issuer: issuer.label,
      issuerRole: result.role,
      arg: arg ?? null,
      calledAt: result.calledAt,
      issuerMs: result.settledAt - result.calledAt,
      decisionMs: Math.max(...decided) - result.calledAt,
      slot: state.slot,
      anchor: kind === 'pause' ? null : state.anchor,
      position: state.position,
    };
    records.push(record);
    try {
      if (kind === 'pause') {
        // Every page paused on the decided frame.
        await waitFor(
          async () => {
            const s = await room.snapshots();
            return s.every((x) => x.video.paused && x.state.paused && Math.abs(x.video.currentTime - state.position) * 1000 <= FRAME_MS);
          },
          `${what} to show the paused frame on every page`,
          SETTLE_TIMEOUT_MS,
          { describe: () => room.describe() },
        );
      } else {
        // Every page playing the new timeline, and either back within one frame or out of time.
        const anchor = state.anchor;
        await waitFor(
          async () => {
            await room.pullAll();
            if (nodeNow() > anchor + SETTLE_TIMEOUT_MS) return true;
            const started = pages.every((p) => appliedAt(p, record, Number.POSITIVE_INFINITY) !== undefined);
            if (!started) return false;
            const tls = pages.map((p) => PageTimeline.mediaClock(p.frames));
            return firstSettled(tls, anchor, nodeNow() - 100, ONE_FRAME_TOLERANCE_MS, SETTLE_HOLD_MS) !== undefined;
          },
          `${what} to start on every page`,
          SETTLE_TIMEOUT_MS + 2000,
          { intervalMs: 200, describe: () => room.describe() },
        );
      }
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      failures.push({ n, kind, issuer: issuer.label, code: 'not-applied', message: error.message });
    }
    await delay(100 + random() * 300);
  }
  const load = loadWindow.end();
  await delay(300);
  await room.pullAll();
  // Apply times and settling, now that every page's record is complete.
  const media = pages.map((p) => PageTimeline.mediaClock(p.frames));
  const presented = pages.map((p) => PageTimeline.presented(p.frames));
  const commands: CommandRecord[] = records.map((r, k) => {
    const next = records[k + 1]?.calledAt ?? Number.POSITIVE_INFINITY;
    const appliedMs = pages.map((p) => {
      const t = appliedAt(p, r, next);
      return t === undefined ? null : t - r.calledAt;
    });
    const settle = (tls: PageTimeline[]) => {
      if (r.anchor === null) return null;
      const settled = firstSettled(tls, r.anchor, Math.min(next, r.anchor + SETTLE_TIMEOUT_MS + SETTLE_HOLD_MS), ONE_FRAME_TOLERANCE_MS, SETTLE_HOLD_MS);
      return settled === undefined ? null : settled - r.anchor;
    };
    return { ...r, appliedMs, settleMs: settle(media), presentedSettleMs: settle(presented) };
  });
  const missing = commands.flatMap((c) => c.appliedMs.map((a, i) => (a === null ? `${c.kind} #${c.n} on ${pages[i]!.label}` : '')).filter(Boolean));
  return { commands, failures, rtts, pages: pages.map((p) => p.label), nodeIds, load, notApplied: missing };
}
