/**
 * One profile of `npm run bench:net`: the lab's links set to the profile, then the sync benchmark's
 * scenarios on a fresh room (steady playback, commands from each tab, a joining tab, a leader crash), the
 * cuts (a tab's link for 5 s and 30 s, a network change, the signaling server's link for 30 s), and steady
 * playback with the jellyfin and syncplay drift controllers on fresh rooms of the same tabs. A scenario
 * that fails is reported in `problems` and the others still run.
 */
import type { Lab, LabStats } from '../../lab/lab.js';
import { clockBoundMs, path } from '../../lab/links.js';
import { type LinkName, PROFILES, type ProfileName, link, tabLinkName } from '../../lab/profiles.js';
import type { BenchPage } from './bench-page.js';
import { BenchRoom, type ControllerName } from './bench-room.js';
import { type CommandPhaseResult, runCommands } from './command-phase.js';
import { type CutResult, type ServerCutResult, hostOf, rewindIfLate, runNetworkChange, runServerCut, runTabCut } from './cut-phase.js';
import { type FailoverResult, runFailover } from './failover-phase.js';
import { type JoinResult, runJoin } from './join-phase.js';
import type { LabServer } from './lab-server.js';
import { type LoadReport, startLoadWindow } from './machine-load.js';
import type { NetBenchOptions } from './net-args.js';
import { type SteadyResult, runSteady } from './steady-phase.js';
import { BenchError, nodeNow } from './wait.js';

/** What every profile shares: the lab, its server, the browsers. */
export interface NetContext {
  lab: Lab;
  server: LabServer;
  pages: BenchPage[];
  opts: NetBenchOptions;
  random: () => number;
  log: (message: string) => void;
  /** A fresh address for a tab's network change. */
  nextAddress: () => string;
}

/** Per tab: its link, its clock's error against the truth and the bound its path to the server sets. */
export interface TabClock {
  page: string;
  link: LinkName;
  /** The bound: half the asymmetry of its path to the server (signed: + means its clock runs ahead), ms. */
  boundMs: number;
  /** Median of its clock estimate's error during steady playback (ours), ms. */
  errorMs: number | null;
}

/** What the emulator and the wire saw during the steady window (ours). */
export interface SteadyWire {
  /** Bytes up + down per tab per minute. */
  bytesPerMinPerTab: number[];
  udpShare: number;
  stats: LabStats;
}

export interface ProfileRun {
  profile: ProfileName;
  serverLink: LinkName;
  tabLinks: LinkName[];
  /** Round trip between tabs as configured (mean over pairs, base + mean jitter), ms. */
  configuredRttMs: number;
  /** Every page opened until the room was formed, ms. */
  formationMs: number | null;
  tabs: TabClock[];
  steady: Partial<Record<ControllerName, SteadyResult>>;
  wire?: SteadyWire | undefined;
  commands?: CommandPhaseResult | undefined;
  /** Protocol messages sent (heartbeats and their acks aside) per decided command. */
  messagesPerDecision: number | null;
  join?: JoinResult | undefined;
  cut5?: CutResult | undefined;
  cut30?: CutResult | undefined;
  networkChange?: (CutResult & { address: string }) | undefined;
  serverCut?: ServerCutResult | undefined;
  failover?: FailoverResult | undefined;
  /** The emulator over the whole profile. */
  lab: LabStats;
  load: LoadReport;
  problems: string[];
  durationS: number;
}

/** In a quick run a join or a recovery that takes longer than this is reported as missed (">"), not waited for. */
const QUICK_WAIT_MS = 12_000;

/** Message types that only keep a leader known; everything else is the work of deciding. */
const KEEPALIVE = new Set(['heartbeat', 'ack']);

function messagesPerDecision(pages: readonly BenchPage[], commands: CommandPhaseResult | undefined): number | null {
  if (!commands || commands.commands.length === 0) return null;
  const windows = commands.commands.map((c) => [c.calledAt, c.calledAt + c.decisionMs + 50] as const);
  let sent = 0;
  for (const p of pages) {
    for (const e of p.events) {
      if (e.kind !== 'paxos' || e.type !== 'paxos-message') continue;
      const d = e.detail as { direction?: unknown; type?: unknown } | null;
      if (d?.direction !== 'send' || typeof d.type !== 'string' || KEEPALIVE.has(d.type)) continue;
      if (windows.some(([from, to]) => e.t >= from && e.t <= to)) sent++;
    }
  }
  return sent / commands.commands.length;
}

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Each page's true clock minus the server's, from the samples with the smallest round trip. */
async function calibrate(pages: readonly BenchPage[], server: LabServer): Promise<Map<BenchPage, number>> {
  let serverBest = { offset: 0, rtt: Number.POSITIVE_INFINITY };
  for (let i = 0; i < 8; i++) {
    const t0 = nodeNow();
    const { now, rtt } = await server.clock();
    if (rtt < serverBest.rtt) serverBest = { offset: now - (t0 + rtt / 2), rtt };
  }
  const out = new Map<BenchPage, number>();
  for (const p of pages) {
    let best = { offset: 0, rtt: Number.POSITIVE_INFINITY };
    for (let i = 0; i < 8; i++) {
      const s = await p.clockSample(nodeNow);
      if (s.rtt < best.rtt) best = s;
    }
    out.set(p, best.offset - serverBest.offset);
  }
  return out;
}

/** Runs every scenario of one profile. */
export async function runProfile(ctx: NetContext, profile: ProfileName): Promise<ProfileRun> {
  const { lab, server, pages, opts, random, log } = ctx;
  const started = nodeNow();
  const problems: string[] = [];
  const attempt = async <T>(scenario: string, f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      problems.push(`${scenario}: ${error.message}`);
      log(`${profile}: ${scenario} FAILED (reported, the run goes on): ${error.message.split('\n')[0]}`);
      return undefined;
    }
  };

  // The tabs leave whatever room they were in, then the links change.
  await Promise.all(pages.map((p) => p.leave()));
  const serverLink = PROFILES[profile].server;
  const tabLinks = pages.map((p) => tabLinkName(profile, p.index));
  await lab.setLink('server', link(serverLink));
  for (const p of pages) await lab.setLink(hostOf(p), link(tabLinkName(profile, p.index)));
  const tabPairs = tabLinks.flatMap((a, i) => tabLinks.slice(i + 1).map((b) => path(link(a), link(b)).meanMs + path(link(b), link(a)).meanMs));
  const configuredRttMs = tabPairs.reduce((x, y) => x + y, 0) / tabPairs.length;
  await lab.stats({ window: 'profile', reset: true });
  const load = startLoadWindow();

  const room = (controller: ControllerName) => new BenchRoom(server.origin, `net-${profile}-${controller}-${opts.seed}-${Date.now().toString(36)}`, controller, pages);
  /**
   * A room of every page opened at once: direct channels wanted (relayed links accepted after two tries).
   * In a quick run the presets' rooms only need to play (their steady playback needs no full mesh or full
   * set of acceptors).
   */
  const form = async (controller: ControllerName): Promise<{ room: BenchRoom; ms: number }> => {
    const whole = controller === 'ours' || !opts.quick;
    for (let tries = 1; ; tries++) {
      const r = room(controller);
      const t0 = nodeNow();
      try {
        await r.formTogether(60_000, tries <= 2, whole);
        return { room: r, ms: nodeNow() - t0 };
      } catch (error) {
        if (!(error instanceof BenchError) || tries >= 3) throw error;
        log(`${profile}: room ${r.name} did not form (${error.message.split('\n')[0]}); again on a fresh room`);
        problems.push(`formation retried (${controller}): ${error.message.split('\n')[0]}`);
      }
    }
  };

  const run: Omit<ProfileRun, 'lab' | 'load' | 'durationS'> = {
    profile,
    serverLink,
    tabLinks,
    configuredRttMs,
    formationMs: null,
    tabs: [],
    steady: {},
    messagesPerDecision: null,
    problems,
  };

  log(`${profile}: ${PROFILES[profile].description}; forming a room of ${pages.length} tabs`);
  const formed = await attempt('formation', () => form('ours'));
  if (formed) {
    const ours = formed.room;
    run.formationMs = formed.ms;
    const offsets = await calibrate(pages, server);
    let wire: SteadyWire | undefined;
    run.steady.ours = await attempt('steady playback (ours)', () =>
      runSteady(ours, opts.warmupSeconds, opts.steadySeconds, {
        trueOffsetMs: (p) => offsets.get(p) ?? 0,
        onWindow: async (edge) => {
          if (edge === 'open') {
            await lab.stats({ window: 'steady', reset: true });
            return;
          }
          const stats = await lab.stats({ window: 'steady' });
          const minutes = stats.cpu.window.wallSeconds / 60;
          const tabs = pages.map((p) => stats.hosts[hostOf(p)]!);
          const bytes = tabs.reduce((n, h) => n + h.up.bytes + h.down.bytes, 0);
          const udp = tabs.reduce((n, h) => n + h.up.udpBytes + h.down.udpBytes, 0);
          wire = { bytesPerMinPerTab: tabs.map((h) => (h.up.bytes + h.down.bytes) / minutes), udpShare: bytes > 0 ? udp / bytes : 0, stats };
        },
      }),
    );
    run.wire = wire;
    const serverLinkSpec = link(serverLink);
    run.tabs = pages.map((p, i) => {
      const samples = run.steady.ours?.pages[i]?.clockErrorSamplesMs ?? [];
      return { page: p.label, link: tabLinks[i]!, boundMs: clockBoundMs(link(tabLinks[i]!), serverLinkSpec), errorMs: median(samples) };
    });
    if (run.steady.ours) log(`${profile}: ours: media clocks p95 ${run.steady.ours.clockDrift.p95.toFixed(1)} ms, max ${run.steady.ours.clockDrift.max.toFixed(1)} ms; presented p95 ${run.steady.ours.drift.p95.toFixed(1)} ms`);

    run.commands = await attempt('commands', () => runCommands(ours, opts.commands, random));
    run.messagesPerDecision = messagesPerDecision(ours.members, run.commands);
    if (run.commands?.notApplied.length) problems.push(`commands never applied: ${run.commands.notApplied.join(', ')}`);
    if (run.commands) {
      const d = run.commands.commands.map((c) => c.decisionMs).sort((a, b) => a - b);
      log(`${profile}: ${d.length} commands, decision p50 ${(d[Math.floor(d.length / 2)] ?? Number.NaN).toFixed(0)} ms, ${run.commands.failures.length} failed`);
    }
    /** A scenario on the playing room, which is first brought back near the start if it is late in the video. */
    const scenario = <T>(name: string, f: () => Promise<T>) =>
      attempt(name, async () => {
        await rewindIfLate(ours);
        return f();
      });
    run.join = await scenario('join', () => runJoin(ours, opts.quick ? QUICK_WAIT_MS : 30_000, opts.quick ? 1500 : undefined));
    if (run.join?.problem) problems.push(`join: ${run.join.problem}`);
    if (run.join) {
      log(`${profile}: join to synced ${run.join.joinToSyncMs?.toFixed(0) ?? 'never'} ms (media), ${run.join.presentedJoinToSyncMs?.toFixed(0) ?? 'never'} ms (presented)`);
      log(`${profile}: join steps (ms from navigation) ${Object.entries(run.join.milestones).map(([k, t]) => `${k} ${t}`).join(', ')}`);
    }

    const cutLine = (c: CutResult) =>
      `${c.page} back in sync ${c.recoverMs?.toFixed(0) ?? 'never'} ms after its link returned; seek decided without it in ${c.decidedWhileCutMs?.toFixed(0) ?? 'never'} ms; ${c.leaderChanges} leader changes`;
    const recoverWithin = opts.quick ? QUICK_WAIT_MS : undefined;
    run.cut5 = await scenario('tab cut 5 s', () => runTabCut(lab, ours, 5000, random, recoverWithin));
    if (run.cut5) log(`${profile}: cut 5 s: ${cutLine(run.cut5)}`);
    if (opts.longCuts.includes(profile)) {
      run.cut30 = await scenario('tab cut 30 s', () => runTabCut(lab, ours, 30_000, random, recoverWithin));
      if (run.cut30) log(`${profile}: cut 30 s: ${cutLine(run.cut30)}`);
      run.networkChange = await scenario('network change', () => runNetworkChange(lab, ours, ctx.nextAddress(), random, recoverWithin));
      if (run.networkChange) log(`${profile}: network change: ${cutLine(run.networkChange)}`);
      run.serverCut = await scenario('server cut 30 s', () => runServerCut(lab, server, ours, 30_000, random));
      if (run.serverCut) log(`${profile}: server cut 30 s: seek decided in ${run.serverCut.decidedWhileCutMs?.toFixed(0) ?? 'never'} ms, tabs rejoined ${run.serverCut.rejoinMs?.toFixed(0) ?? 'never'} ms after`);
    }
    for (const c of [run.cut5, run.cut30, run.networkChange]) if (c?.problem) problems.push(`${c.kind} of ${c.page}: ${c.problem}`);
    if (run.serverCut?.problem) problems.push(`server cut: ${run.serverCut.problem}`);
    run.failover = await scenario('failover', () => runFailover(ours));
    if (run.failover) log(`${profile}: failover ${run.failover.failoverMs.toFixed(0)} ms`);
  }

  for (const controller of opts.presets ? (['jellyfin', 'syncplay'] as const) : []) {
    run.steady[controller] = await attempt(`steady playback (${controller})`, async () => {
      const { room: r } = await form(controller);
      const result = await runSteady(r, opts.warmupSeconds, opts.steadySeconds);
      log(`${profile}: ${controller}: media clocks p95 ${result.clockDrift.p95.toFixed(1)} ms, max ${result.clockDrift.max.toFixed(1)} ms`);
      return result;
    });
  }
  for (const s of Object.values(run.steady)) if (s) problems.push(...s.problems);
  return { ...run, lab: await lab.stats({ window: 'profile' }), load: load.end(), durationS: (nodeNow() - started) / 1000 };
}
