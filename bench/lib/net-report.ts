/**
 * The results of `npm run bench:net`: bench/results/net.json (issue 12's keys first in each profile, then the
 * detail behind them), the goals met or missed per profile, and the one table printed at the end.
 */
import type { LabStats } from '../../lab/lab.js';
import type { ProfileName } from '../../lab/profiles.js';
import type { CutResult, ServerCutResult } from './cut-phase.js';
import type { ProfileRun } from './net-profile.js';
import { mean, percentile, round } from './stats.js';
import type { SteadyResult } from './steady-phase.js';

/** Profiles whose paths are symmetric: the clock can be exact, so drift has an absolute goal there. */
const SYMMETRIC: ReadonlySet<ProfileName> = new Set(['lan', 'city', 'continent', 'intercontinental', 'mobile']);

const r1 = (x: number | null | undefined) => (x === null || x === undefined ? null : round(x, 1));

function controllerJson(s: SteadyResult | undefined) {
  if (!s) return null;
  return {
    media_drift_p50_ms: r1(s.clockDrift.p50),
    media_drift_p95_ms: r1(s.clockDrift.p95),
    media_drift_max_ms: r1(s.clockDrift.max),
    presented_drift_p95_ms: r1(s.drift.p95),
    nudges_per_min: r1(mean(s.pages.map((p) => p.nudgesPerMin))),
    seeks_per_min: r1(mean(s.pages.map((p) => p.seeksPerMin))),
    leader_changes: s.leaderChanges,
    stalls: s.pages.reduce((n, p) => n + p.stalls, 0),
    seconds: s.window.seconds,
    per_page: s.pages.map((p) => ({ page: p.page, media_clock_bias_ms: r1(p.clockBiasMs), presented_bias_ms: r1(p.presentedBiasMs), clock_estimate_error_ms: r1(p.clockEstimateErrorMs) })),
  };
}

function cutJson(c: CutResult | undefined) {
  if (!c) return null;
  return {
    page: c.page,
    cut_ms: r1(c.cutMs),
    decided_while_cut_ms: r1(c.decidedWhileCutMs),
    recover_ms: r1(c.recoverMs),
    applied_missed_slot_ms: r1(c.appliedMissedMs),
    status_synced_ms: r1(c.statusSyncedMs),
    statuses_while_cut: c.statusesWhileCut,
    leader_changes: c.leaderChanges,
    seeks_on_others: c.seeksOnOthers,
    pauses_on_others: c.pausesOnOthers,
    after_return: c.afterReturn,
    aftermath: c.aftermath,
    problem: c.problem,
  };
}

function serverCutJson(c: ServerCutResult | undefined) {
  if (!c) return null;
  return {
    cut_ms: r1(c.cutMs),
    decided_while_cut_ms: r1(c.decidedWhileCutMs),
    media_drift_p95_ms: r1(c.mediaDriftP95Ms),
    media_drift_max_ms: r1(c.mediaDriftMaxMs),
    rejoin_ms: r1(c.rejoinMs),
    reconnected: c.reconnected,
    leader_changes: c.leaderChanges,
    problem: c.problem,
  };
}

const emulatorJson = (s: LabStats) => ({
  packets: s.timing.window.count,
  late_p50_ms: s.timing.window.p50Ms,
  late_p99_ms: s.timing.window.p99Ms,
  late_max_ms: r1(s.timing.window.maxMs),
  late_over_1ms: s.timing.window.over1Ms,
  late_over_10ms: s.timing.window.over10Ms,
  cpu_share: s.cpu.window.share,
});

/** One goal: its target, the figure, and whether it was met (null figure: missed). */
interface Goal {
  goal: string;
  value: number | null;
  met: boolean;
}

function goals(run: ProfileRun, f: ReturnType<typeof figures>): Goal[] {
  const out: Goal[] = [];
  const le = (goal: string, value: number | null, target: number) => out.push({ goal, value: value === null ? null : round(value, 2), met: value !== null && value <= target });
  const ours = run.steady.ours;
  if (SYMMETRIC.has(run.profile)) {
    le('media drift p95 <= 5 ms', ours?.clockDrift.p95 ?? null, 5);
    le('media drift max <= 15 ms', ours?.clockDrift.max ?? null, 15);
  } else {
    le(`media drift p95 within 3 ms of the asymmetry bound (${f.pair_bound_ms.toFixed(1)} ms)`, ours ? ours.clockDrift.p95 - f.pair_bound_ms : null, 3);
  }
  const presets = [run.steady.jellyfin?.clockDrift.p95, run.steady.syncplay?.clockDrift.p95];
  le('media drift p95 >= 3x tighter than both presets (ours / best preset <= 0.33)', ours && presets.every((x) => x !== undefined) ? ours.clockDrift.p95 / Math.min(...(presets as number[])) : null, 1 / 3);
  if (run.profile === 'continent' || run.profile === 'intercontinental') {
    le('decision p50 <= 1.6 rtt', f.decision_p50_rtt, 1.6);
    le('decision p99 <= 3 rtt', f.decision_p99_rtt, 3);
    le(`join to synced <= ${run.profile === 'continent' ? 1500 : 2500} ms`, f.join_to_sync_ms, run.profile === 'continent' ? 1500 : 2500);
  }
  if (run.profile === 'continent') le('failover <= 1500 ms', f.failover_ms, 1500);
  if (run.profile === 'mobile') le('no leader change in steady playback', ours ? ours.leaderChanges : null, 0);
  for (const [name, c] of [
    ['5 s', run.cut5],
    ['30 s', run.cut30],
    ['network change', run.networkChange],
  ] as const) {
    if (!c) continue;
    le(`tab cut ${name}: synced within 2 s of its link returning`, c.recoverMs, 2000);
    le(`tab cut ${name}: no seek or pause reaching the others`, c.seeksOnOthers + c.pausesOnOthers, 0);
    le(`tab cut ${name}: the others kept deciding (seek decided, ms)`, c.decidedWhileCutMs, 5000);
  }
  if (run.serverCut) {
    le('server cut: the room kept deciding (seek decided, ms)', run.serverCut.decidedWhileCutMs, 5000);
    le('server cut: tabs rejoined the server (ms after its link returned)', run.serverCut.rejoinMs, 30_000);
  }
  return out;
}

function figures(run: ProfileRun) {
  const cmds = run.commands?.commands ?? [];
  const decisions = cmds.map((c) => c.decisionMs);
  const rtts = [...(run.commands?.rtts ?? []), ...(run.steady.ours?.rtts ?? [])];
  const rtt = percentile(rtts, 50);
  const applied = cmds.flatMap((c) => c.appliedMs.filter((a): a is number => a !== null));
  const bounds = run.tabs.map((t) => t.boundMs);
  const pairBound = bounds.length < 2 ? 0 : Math.max(...bounds.flatMap((a, i) => bounds.slice(i + 1).map((b) => Math.abs(a - b))));
  const ours = run.steady.ours;
  return {
    rtt_ms: r1(rtt),
    rtt_configured_ms: r1(run.configuredRttMs),
    clock_bound_ms: r1(Math.max(0, ...bounds.map(Math.abs))),
    pair_bound_ms: pairBound,
    decision_p50_ms: r1(percentile(decisions, 50)),
    decision_p99_ms: r1(percentile(decisions, 99)),
    decision_p50_rtt: round(percentile(decisions, 50) / rtt, 2),
    decision_p99_rtt: round(percentile(decisions, 99) / rtt, 2),
    command_to_applied_p50_ms: r1(percentile(applied, 50)),
    command_to_applied_p99_ms: r1(percentile(applied, 99)),
    join_to_sync_ms: r1(run.join?.joinToSyncMs),
    presented_join_to_sync_ms: r1(run.join?.presentedJoinToSyncMs),
    failover_ms: r1(run.failover?.failoverMs),
    recover_cut_5s_ms: r1(run.cut5?.recoverMs),
    recover_cut_30s_ms: r1(run.cut30?.recoverMs),
    recover_network_change_ms: r1(run.networkChange?.recoverMs),
    server_cut_rejoin_ms: r1(run.serverCut?.rejoinMs),
    leader_changes_steady: ours?.leaderChanges ?? null,
    seeks_per_min: r1(ours ? mean(ours.pages.map((p) => p.seeksPerMin)) : null),
    nudges_per_min: r1(ours ? mean(ours.pages.map((p) => p.nudgesPerMin)) : null),
    messages_per_decision: r1(run.messagesPerDecision),
    bytes_per_min_per_tab: run.wire ? Math.round(mean(run.wire.bytesPerMinPerTab)) : null,
  };
}

/** The JSON of one profile. */
export function profileJson(run: ProfileRun) {
  const f = figures(run);
  const g = goals(run, f);
  const { pair_bound_ms, ...keys } = f;
  return {
    ...keys,
    controllers: { ours: controllerJson(run.steady.ours), jellyfin: controllerJson(run.steady.jellyfin), syncplay: controllerJson(run.steady.syncplay) },
    goals: g,
    goals_missed: g.filter((x) => !x.met).length,
    links: { server: run.serverLink, tabs: run.tabLinks },
    pair_clock_bound_ms: r1(pair_bound_ms),
    tabs: run.tabs.map((t) => ({ page: t.page, link: t.link, clock_bound_ms: r1(t.boundMs), clock_error_ms: r1(t.errorMs), off_bound_ms: t.errorMs === null ? null : r1(t.errorMs - t.boundMs) })),
    formation_ms: r1(run.formationMs),
    commands: run.commands
      ? {
          count: run.commands.commands.length,
          failures: run.commands.failures,
          list: run.commands.commands.map((c) => ({ kind: c.kind, issuer: c.issuer, issuer_role: c.issuerRole, decision_ms: r1(c.decisionMs), settle_ms: r1(c.settleMs), presented_settle_ms: r1(c.presentedSettleMs) })),
        }
      : null,
    join: run.join ?? null,
    cut_5s: cutJson(run.cut5),
    cut_30s: cutJson(run.cut30),
    network_change: run.networkChange ? { ...cutJson(run.networkChange), address: run.networkChange.address } : null,
    server_cut_30s: serverCutJson(run.serverCut),
    failover: run.failover ? { failover_ms: r1(run.failover.failoverMs), new_leader_ms: r1(run.failover.newLeaderMs), crashed: run.failover.crashed, rejected: run.failover.rejected } : null,
    wire: run.wire ? { bytes_per_min_per_tab: run.wire.bytesPerMinPerTab.map(Math.round), udp_share: round(run.wire.udpShare, 3) } : null,
    emulator: emulatorJson(run.lab),
    machine_busy_share: round(run.load.busyShare, 3),
    duration_s: r1(run.durationS),
    problems: run.problems,
  };
}

export type ProfileJson = ReturnType<typeof profileJson>;

const f = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** The table printed at the end: one row per profile, then the goals each missed. */
export function formatNetTable(profiles: Partial<Record<ProfileName, ProfileJson>>): string {
  const head = [
    'profile',
    'rtt',
    'clock bound',
    'media p95 ours/jf/sp',
    'max',
    'presented p95',
    'decision p50/p99',
    'in rtt',
    'join',
    'failover',
    'cut 5s',
    'cut 30s',
    'net chg',
    'srv cut',
    'leaders',
    'msgs/dec',
    'KB/min/tab',
    'lab late p99',
  ];
  const rows = Object.entries(profiles).map(([name, p]) => {
    const c = p.controllers;
    return [
      name,
      f(p.rtt_ms),
      f(p.clock_bound_ms, 1),
      `${f(c.ours?.media_drift_p95_ms, 1)}/${f(c.jellyfin?.media_drift_p95_ms, 1)}/${f(c.syncplay?.media_drift_p95_ms, 1)}`,
      f(c.ours?.media_drift_max_ms, 1),
      f(c.ours?.presented_drift_p95_ms, 1),
      `${f(p.decision_p50_ms)}/${f(p.decision_p99_ms)}`,
      `${f(p.decision_p50_rtt, 2)}/${f(p.decision_p99_rtt, 2)}`,
      f(p.join_to_sync_ms),
      f(p.failover_ms),
      f(p.recover_cut_5s_ms),
      f(p.recover_cut_30s_ms),
      f(p.recover_network_change_ms),
      f(p.server_cut_rejoin_ms),
      f(p.leader_changes_steady),
      f(p.messages_per_decision, 1),
      p.bytes_per_min_per_tab === null ? '-' : f(p.bytes_per_min_per_tab / 1024, 1),
      f(p.emulator.late_p99_ms, 2),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const missed = Object.entries(profiles)
    .map(([name, p]) => {
      const m = p.goals.filter((g) => !g.met);
      return m.length === 0 ? `${name}: every goal met` : `${name}: MISSED ${m.map((g) => `${g.goal} (${g.value ?? 'no figure'})`).join('; ')}`;
    })
    .join('\n');
  return `${line(head)}\n${rows.map(line).join('\n')}\n\n(ms; media/presented: pairwise drift of the media clocks / of the frames shown; leaders: leader changes during steady playback; cuts: from the link's return until the tab's media clock stays within one frame of the others for 1 s; srv cut: until every tab is connected to the server again)\n\ngoals:\n${missed}`;
}
