/**
 * The benchmark's results: the JSON written to bench/results/sync.json (the issue's keys first, then the
 * detail behind them) and the table printed at the end. Drift is judged by the media clocks; presented
 * frames are reported beside them. A phase that could not be measured is null, with the reason in
 * `problems`, and its goals are "missed".
 */
import type { CommandPhaseResult } from './command-phase.js';
import type { FailoverResult } from './failover-phase.js';
import type { JoinResult } from './join-phase.js';
import type { Breakdown } from './latency-breakdown.js';
import { type Summary, percentile, round, summarize } from './stats.js';
import type { SteadyResult } from './steady-phase.js';

/** Everything a run measured. */
export interface RunData {
  pages: number;
  meta: Record<string, unknown>;
  steady: { ours?: SteadyResult | undefined; jellyfin?: SteadyResult | undefined; syncplay?: SteadyResult | undefined };
  commands?: CommandPhaseResult | undefined;
  /** With --trace: where the decision latency goes. */
  breakdown?: Breakdown | undefined;
  join?: JoinResult | undefined;
  failover?: FailoverResult | undefined;
  /** Phases that failed or figures that are missing, with the reason. */
  problems: string[];
  calibration: { page: string; offsetMs: number; rttMs: number }[];
  /** Room formations that failed (a direct channel never opened) and were retried on a fresh room. */
  formFailures: string[];
  /** Links left relayed through the server in the jellyfin and syncplay rooms (steady playback only). */
  relayedLinks: Record<string, number>;
}

/** The goals: what to tune for (reported, not asserted). Media-clock drift as issue 12 sets it. */
function goals(r: Record<string, number | null>) {
  const le = (value: number | null, target: number) => ({ target: `<= ${target}`, value, met: value !== null && value <= target });
  return {
    media_drift_p95_ms: le(r.media_drift_p95_ms!, 5),
    media_drift_max_ms: le(r.media_drift_max_ms!, 15),
    decision_p50_ms: {
      target: '<= 3 x rtt_p50 + 2',
      value: r.decision_p50_ms,
      met: r.decision_p50_ms !== null && r.rtt_p50_ms !== null && r.decision_p50_ms! <= 3 * r.rtt_p50_ms! + 2,
    },
    join_to_sync_ms: le(r.join_to_sync_ms!, 1500),
    failover_ms: le(r.failover_ms!, 1500),
    drift_ratio_ours_jellyfin: le(r.drift_ratio_ours_jellyfin!, 1 / 3),
    drift_ratio_ours_syncplay: le(r.drift_ratio_ours_syncplay!, 1 / 3),
  };
}

const sum = (s: Summary) => ({ count: s.count, p50: round(s.p50), p95: round(s.p95), p99: round(s.p99), max: round(s.max) });

function steadyJson(s: SteadyResult | undefined) {
  if (!s) return null;
  return {
    seconds: s.window.seconds,
    media_drift_ms: sum(s.clockDrift),
    presented_drift_ms: sum(s.drift),
    leader_changes: s.leaderChanges,
    problems: s.problems,
    frame_mismatch_share: round(s.frameMismatchShare, 4),
    machine_busy_share: round(s.load.busyShare, 3),
    loadavg_1m: round(s.load.loadavg1m),
    per_pair: s.perPair.map((p) => ({ pair: p.pair, p50: round(p.p50), p95: round(p.p95), max: round(p.max) })),
    pages: s.pages.map((p) => ({
      page: p.page,
      skew_ms: round(p.skewMs, 1),
      presented_bias_ms: round(p.presentedBiasMs),
      media_clock_bias_ms: round(p.clockBiasMs),
      media_clock_jitter_p95_ms: round(p.clockJitterP95Ms),
      clock_estimate_error_ms: p.clockEstimateErrorMs === null ? null : round(p.clockEstimateErrorMs),
      clock_error_bound_ms: p.clockErrorBoundMs === null ? null : round(p.clockErrorBoundMs),
      stalls: p.stalls,
      dropped_frames: p.droppedFrames,
      nudges_per_min: round(p.nudgesPerMin, 1),
      seeks_per_min: round(p.seeksPerMin, 1),
      cpu_s_per_min: round(p.cpuSecondsPerMin),
      main_thread_s_per_min: round(p.mainThreadSecondsPerMin),
    })),
  };
}

/** Builds the JSON document. */
export function buildResults(d: RunData) {
  const { ours, jellyfin, syncplay } = d.steady;
  const cmds = d.commands?.commands ?? [];
  const decision = cmds.map((c) => c.decisionMs);
  const applied = cmds.flatMap((c) => c.appliedMs.filter((a): a is number => a !== null));
  const rtts = [...(d.commands?.rtts ?? []), ...(ours?.rtts ?? [])];
  const rttP50 = percentile(rtts, 50);
  const settles = cmds.filter((c) => c.anchor !== null);
  const settleValues = settles.map((c) => c.settleMs).filter((x): x is number => x !== null);
  const presentedSettleValues = settles.map((c) => c.presentedSettleMs).filter((x): x is number => x !== null);
  const byKind = (kind: string) => summarize(cmds.filter((c) => c.kind === kind).map((c) => c.decisionMs));
  const byRole = (leader: boolean) => summarize(cmds.filter((c) => (c.issuerRole === 'leader') === leader).map((c) => c.decisionMs));
  const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const nan = Number.NaN;
  const headline = {
    pages: d.pages,
    media_drift_p50_ms: round(ours?.clockDrift.p50 ?? nan),
    media_drift_p95_ms: round(ours?.clockDrift.p95 ?? nan),
    media_drift_max_ms: round(ours?.clockDrift.max ?? nan),
    presented_drift_p50_ms: round(ours?.drift.p50 ?? nan),
    presented_drift_p95_ms: round(ours?.drift.p95 ?? nan),
    presented_drift_max_ms: round(ours?.drift.max ?? nan),
    decision_p50_ms: round(percentile(decision, 50)),
    decision_p99_ms: round(percentile(decision, 99)),
    rtt_p50_ms: round(rttP50),
    decision_rtt_ratio: round(percentile(decision, 50) / rttP50),
    apply_p50_ms: round(percentile(applied, 50)),
    apply_p99_ms: round(percentile(applied, 99)),
    join_to_sync_ms: round(d.join?.joinToSyncMs ?? nan),
    presented_join_to_sync_ms: round(d.join?.presentedJoinToSyncMs ?? nan),
    failover_ms: round(d.failover?.failoverMs ?? nan),
    jellyfin_media_drift_p95_ms: round(jellyfin?.clockDrift.p95 ?? nan),
    syncplay_media_drift_p95_ms: round(syncplay?.clockDrift.p95 ?? nan),
    drift_ratio_ours_jellyfin: round((ours?.clockDrift.p95 ?? nan) / (jellyfin?.clockDrift.p95 ?? nan), 3),
    drift_ratio_ours_syncplay: round((ours?.clockDrift.p95 ?? nan) / (syncplay?.clockDrift.p95 ?? nan), 3),
    jellyfin_presented_drift_p95_ms: round(jellyfin?.drift.p95 ?? nan),
    syncplay_presented_drift_p95_ms: round(syncplay?.drift.p95 ?? nan),
    frame_mismatch_share: round(ours?.frameMismatchShare ?? nan, 4),
    cpu_s_per_min_per_page: round(mean(ours?.pages.map((p) => p.cpuSecondsPerMin) ?? [])),
    main_thread_s_per_min_per_page: round(mean(ours?.pages.map((p) => p.mainThreadSecondsPerMin) ?? [])),
  };
  return {
    ...headline,
    goals: goals(headline),
    problems: d.problems,
    controllers: { ours: steadyJson(ours), jellyfin: steadyJson(jellyfin), syncplay: steadyJson(syncplay) },
    commands: d.commands
      ? {
          count: cmds.length,
          failures: d.commands.failures,
          not_applied: d.commands.notApplied,
          machine_busy_share: round(d.commands.load.busyShare, 3),
          loadavg_1m: round(d.commands.load.loadavg1m),
          decision_ms: sum(summarize(decision)),
          decision_by_kind_ms: { pause: sum(byKind('pause')), play: sum(byKind('play')), seek: sum(byKind('seek')) },
          decision_from_leader_ms: sum(byRole(true)),
          decision_from_follower_ms: sum(byRole(false)),
          issuer_decision_ms: sum(summarize(cmds.map((c) => c.issuerMs))),
          applied_ms: sum(summarize(applied)),
          rtt_ms: sum(summarize(rtts)),
          settle_ms: { ...sum(summarize(settleValues)), never: settles.length - settleValues.length },
          presented_settle_ms: { ...sum(summarize(presentedSettleValues)), never: settles.length - presentedSettleValues.length },
          ...(d.breakdown
            ? {
                decision_breakdown_ms: Object.fromEntries(
                  Object.entries(d.breakdown).map(([k, v]) => [k, { count: v.count, p50: round(v.p50), p90: round(v.p90) }]),
                ),
              }
            : {}),
          list: cmds.map((c) => ({
            n: c.n,
            slot: c.slot,
            kind: c.kind,
            issuer: c.issuer,
            issuer_role: c.issuerRole,
            arg: c.arg,
            issuer_ms: round(c.issuerMs),
            decision_ms: round(c.decisionMs),
            applied_ms: c.appliedMs.map((a) => (a === null ? null : round(a))),
            settle_ms: c.settleMs === null ? null : round(c.settleMs),
            presented_settle_ms: c.presentedSettleMs === null ? null : round(c.presentedSettleMs),
          })),
        }
      : null,
    join: d.join
      ? {
          page: d.join.page,
          join_to_sync_ms: d.join.joinToSyncMs === null ? null : round(d.join.joinToSyncMs),
          presented_join_to_sync_ms: d.join.presentedJoinToSyncMs === null ? null : round(d.join.presentedJoinToSyncMs),
          status_synced_ms: d.join.statusSyncedMs === null ? null : round(d.join.statusSyncedMs),
          first_frame_ms: d.join.firstFrameMs === null ? null : round(d.join.firstFrameMs),
          problem: d.join.problem,
        }
      : null,
    failover: d.failover
      ? {
          crashed: d.failover.crashed,
          issuer: d.failover.issuer,
          command: d.failover.command,
          failover_ms: round(d.failover.failoverMs),
          new_leader_ms: d.failover.newLeaderMs === null ? null : round(d.failover.newLeaderMs),
          rejected: d.failover.rejected,
        }
      : null,
    mesh_formation_retries: d.formFailures.length,
    mesh_formation_failures: d.formFailures,
    relayed_links: d.relayedLinks,
    clock_calibration: d.calibration.map((c) => ({ page: c.page, offset_ms: round(c.offsetMs, 3), rtt_ms: round(c.rttMs, 3) })),
    run: d.meta,
  };
}

export type Results = ReturnType<typeof buildResults>;

const f = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : x.toFixed(digits));

/** The table printed at the end of a run. */
export function formatTable(r: Results): string {
  const g = r.goals;
  const mark = (met: boolean) => (met ? 'met' : 'MISSED');
  const rows: [string, string, string][] = [
    ['media clock drift p50 / p95 / max (ours)', `${f(r.media_drift_p50_ms)} / ${f(r.media_drift_p95_ms)} / ${f(r.media_drift_max_ms)} ms`, `p95 <= 5: ${mark(g.media_drift_p95_ms.met)}, max <= 15: ${mark(g.media_drift_max_ms.met)}`],
    ['presented frames drift p50 / p95 / max (ours)', `${f(r.presented_drift_p50_ms)} / ${f(r.presented_drift_p95_ms)} / ${f(r.presented_drift_max_ms)} ms`, 'a display refresh is 16.7 ms'],
    ['instants showing different frames', `${f((r.frame_mismatch_share ?? Number.NaN) * 100)} %`, ''],
    ['decision p50 / p99', `${f(r.decision_p50_ms)} / ${f(r.decision_p99_ms)} ms`, `p50 <= 3 rtt + 2: ${mark(g.decision_p50_ms.met)}`],
    ['data-channel rtt p50, decision/rtt', `${f(r.rtt_p50_ms, 2)} ms, ${f(r.decision_rtt_ratio)}x`, `machine ${f((r.commands?.machine_busy_share ?? 0) * 100, 0)} % busy`],
    ['command to applied p50 / p99', `${f(r.apply_p50_ms)} / ${f(r.apply_p99_ms)} ms`, 'includes the lead'],
    [
      'back within a frame after play/seek p50 / max (media; presented)',
      `${f(r.commands?.settle_ms.p50)} / ${f(r.commands?.settle_ms.max)} ms (never: ${r.commands?.settle_ms.never ?? '-'}); ${f(r.commands?.presented_settle_ms.p50)} / ${f(r.commands?.presented_settle_ms.max)} ms (never: ${r.commands?.presented_settle_ms.never ?? '-'})`,
      '',
    ],
    ['join to synced (media; presented)', `${f(r.join_to_sync_ms, 0)} ms; ${f(r.presented_join_to_sync_ms, 0)} ms`, `<= 1500: ${mark(g.join_to_sync_ms.met)}`],
    ['failover (leader crash to next decision)', `${f(r.failover_ms, 0)} ms`, `<= 1500: ${mark(g.failover_ms.met)}`],
    ['CPU per page (all processes / main thread)', `${f(r.cpu_s_per_min_per_page)} / ${f(r.main_thread_s_per_min_per_page)} s per min`, ''],
    ['media drift p95 jellyfin / syncplay', `${f(r.jellyfin_media_drift_p95_ms)} / ${f(r.syncplay_media_drift_p95_ms)} ms`, ''],
    ['media drift p95 ratio ours/jellyfin, ours/syncplay', `${f(r.drift_ratio_ours_jellyfin, 2)}, ${f(r.drift_ratio_ours_syncplay, 2)}`, `<= 0.33: ${mark(g.drift_ratio_ours_jellyfin.met)}, ${mark(g.drift_ratio_ours_syncplay.met)}`],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const main = rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`).join('\n');

  const head = ['controller', 'media p50', 'p95', 'max', 'presented p95', 'diff frames', 'nudges/min', 'seeks/min', 'stalls', 'CPU s/min', 'machine busy'];
  const ctl = (['ours', 'jellyfin', 'syncplay'] as const).map((name) => {
    const c = r.controllers[name];
    if (!c) return [name, ...head.slice(1).map(() => '-')];
    const avg = (k: 'nudges_per_min' | 'seeks_per_min' | 'cpu_s_per_min') => c.pages.reduce((a, p) => a + (p[k] ?? 0), 0) / c.pages.length;
    const stalls = c.pages.reduce((a, p) => a + p.stalls, 0);
    return [
      name,
      f(c.media_drift_ms.p50),
      f(c.media_drift_ms.p95),
      f(c.media_drift_ms.max),
      f(c.presented_drift_ms.p95),
      `${f((c.frame_mismatch_share ?? 0) * 100)} %`,
      f(avg('nudges_per_min')),
      f(avg('seeks_per_min')),
      String(stalls),
      f(avg('cpu_s_per_min')),
      `${f((c.machine_busy_share ?? 0) * 100, 0)} %`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...ctl.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const b = (r.commands as { decision_breakdown_ms?: Record<string, { p50: number | null; p90: number | null }> } | null)?.decision_breakdown_ms;
  const trace = b
    ? `\n\ndecision latency by hop, p50 / p90 (ms): ${Object.entries(b)
        .map(([k, v]) => `${k.replace(/_/g, ' ')} ${f(v.p50)} / ${f(v.p90)}`)
        .join('; ')}`
    : '';
  const mesh = `\n\nroom formations retried because a direct channel never opened: ${r.mesh_formation_retries}; links relayed through the server: ${Object.entries(r.relayed_links).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`;
  const problems = r.problems.length > 0 ? `\n\nproblems (figures missing or goals missed because of them):\n  ${r.problems.join('\n  ')}` : '';
  return `${main}${trace}${mesh}\n\nsteady playback, ${r.controllers.ours?.seconds ?? '-'} s each (ms):\n${line(head)}\n${ctl.map(line).join('\n')}${problems}`;
}
