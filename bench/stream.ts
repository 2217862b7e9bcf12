/**
 * Streaming benchmark: a room of three pages (separate Chromium processes) playing an HLS ladder through
 * hls.js (test/support/hls-ladder.mjs: 600 / 300 / 120 kbit/s renditions, made by ffmpeg), each page over its
 * own link of the paced media server (test/support/paced-media.mjs): P0 unlimited, P1 just below the top
 * rendition (90 % of 600 kbit/s), P2 far below it (150 kbit/s). hls.js picks renditions by its own bandwidth
 * estimate, as on a real page. Side by side in one run: our drift controller with the room's wait (`hold`,
 * the default), ours with `wait="none"` on every page (no waiting: each tab catches up on its own), and the
 * `jellyfin` and `syncplay` presets with the wait.
 *
 * Figures per scenario: time the room was held per minute, stalls (`waiting`) and seeks per minute per page,
 * `paxos-behind` events, and the pairwise drift of the media clocks of the pages the room resumed with,
 * sampled every 20 ms over the first second after each resume (p95, max). Prints a table and writes
 * bench/results/stream.json.
 *
 *   npm run bench:stream                 # 60 s per scenario (~7 min on 2 cores)
 *   npm run bench:stream -- --seconds 30
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureHlsLadder } from '../test/support/hls-ladder.mjs';
import { startPacedMediaServer } from '../test/support/paced-media.mjs';
import { BenchPage, type RecordedEvent } from './lib/bench-page.js';
import { BenchRoom, type ControllerName } from './lib/bench-room.js';
import { benchChromePath, bundleAgeBehindSources, startBenchServer } from './lib/bench-server.js';
import { NETNS_ENV, inBenchNetns, networkInterfaces, rerunInNetns } from './lib/netns.js';
import { percentile, round } from './lib/stats.js';
import { PageTimeline, sampleDrift } from './lib/timeline.js';
import { BenchError, delay, nodeNow } from './lib/wait.js';

const TOP_BPS = 600_000;
/** Each page's link, bits/s (null: unlimited). */
const LINKS: (number | null)[] = [null, 0.9 * TOP_BPS, 150_000];
const SCENARIOS: { name: string; controller: ControllerName; wait: 'hold' | 'none' }[] = [
  { name: 'ours, wait=hold', controller: 'ours', wait: 'hold' },
  { name: 'ours, wait=none', controller: 'ours', wait: 'none' },
  { name: 'jellyfin, wait=hold', controller: 'jellyfin', wait: 'hold' },
  { name: 'syncplay, wait=hold', controller: 'syncplay', wait: 'hold' },
];

const log = (message: string) => console.log(`[bench:stream ${new Date().toISOString().slice(11, 19)}] ${message}`);

interface ScenarioResult {
  scenario: string;
  seconds: number;
  held_s_per_min: number | null;
  waits: number;
  resumes: number;
  dropped: number;
  pages: { page: string; link_kbps: number | null; stalls_per_min: number | null; seeks_per_min: number | null; behind: number }[];
  resume_drift_ms: { samples: number; p95: number | null; max: number | null };
}

const paxos = (events: readonly RecordedEvent[], type: string) => events.filter((e) => e.kind === 'paxos' && e.type === type) as { t: number; detail: any }[];
const media = (events: readonly RecordedEvent[], type: string, after: number) => events.filter((e) => e.kind === 'media' && e.type === type && e.t >= after);

async function runScenario(
  origin: string,
  mediaServer: Awaited<ReturnType<typeof startPacedMediaServer>>,
  pages: readonly BenchPage[],
  scenario: (typeof SCENARIOS)[number],
  seconds: number,
): Promise<ScenarioResult> {
  const stamp = Date.now().toString(36);
  const room = new BenchRoom(origin, `stream-${scenario.controller}-${scenario.wait}-${stamp}`, scenario.controller, pages);
  for (const [i, page] of pages.entries()) {
    const key = `s${stamp}-${scenario.controller}-${scenario.wait}-${i}`;
    mediaServer.setPace(key, LINKS[i] ?? null);
    const url = `${origin}/stream.html?room=${room.name}&controller=${scenario.controller}&wait=${scenario.wait}&name=${page.label}&media=${encodeURIComponent(`${mediaServer.url}/${key}`)}`;
    await page.open(url);
  }
  const snaps = await room.waitFormed(90_000, false, false);
  const ids = snaps.map((s) => s.nodeId);
  await room.pullAll();
  const play = await pages[0]!.command('play');
  if (!play.ok) throw new BenchError(`play failed: ${play.message}`);
  const start = play.settledAt;
  log(`${scenario.name}: playing, ${seconds} s`);
  for (let t = 0; t < seconds; t += 5) {
    await delay(Math.min(5, seconds - t) * 1000);
    await room.pullAll();
  }
  const end = nodeNow();
  const minutes = (end - start) / 60_000;

  // The room's waits, as P0 (never slow) heard them: held from a wait to the resume's anchor.
  const events = pages[0]!.events.filter((e) => e.t >= start);
  const waits = paxos(events, 'paxos-wait');
  const resumes = paxos(events, 'paxos-resume');
  let heldMs = 0;
  let heldSince: number | undefined;
  for (const e of [...waits.map((w) => ({ ...w, kind: 'wait' })), ...resumes.map((r) => ({ ...r, kind: 'resume' }))].sort((a, b) => a.t - b.t)) {
    if (e.kind === 'wait') heldSince ??= e.t;
    else if (heldSince !== undefined) {
      heldMs += Math.max(0, Math.min(end, e.detail.anchor) - heldSince);
      heldSince = undefined;
    }
  }
  if (heldSince !== undefined) heldMs += end - heldSince;

  // Drift of the media clocks over the first second after each resume, among the pages it resumed with.
  const timelines = pages.map((p) => PageTimeline.mediaClock(p.frames));
  const driftMs: number[] = [];
  for (const r of resumes) {
    const dropped = new Set((r.detail.dropped as { id: string }[]).map((d) => d.id));
    const with_ = pages.map((_, i) => i).filter((i) => !dropped.has(ids[i]!));
    const samples = sampleDrift(
      with_.map((i) => timelines[i]!),
      r.detail.anchor,
      Math.min(end, r.detail.anchor + 1000),
      20,
    );
    for (const s of samples) driftMs.push(...s.diffs.map(Math.abs));
  }
  const perMin = (n: number) => round(n / minutes, 1);
  return {
    scenario: scenario.name,
    seconds: round((end - start) / 1000, 1)!,
    held_s_per_min: round(heldMs / 1000 / minutes, 1),
    waits: waits.length,
    resumes: resumes.length,
    dropped: resumes.reduce((n, r) => n + r.detail.dropped.length, 0),
    pages: pages.map((p, i) => ({
      page: p.label,
      link_kbps: LINKS[i] === null ? null : LINKS[i]! / 1000,
      stalls_per_min: perMin(media(p.events, 'waiting', start).length),
      seeks_per_min: perMin(media(p.events, 'seeking', start).length),
      behind: paxos(p.events, 'paxos-behind').filter((e) => e.t >= start).length,
    })),
    resume_drift_ms: { samples: driftMs.length, p95: round(percentile(driftMs, 95), 1), max: round(driftMs.length ? Math.max(...driftMs) : Number.NaN, 1) },
  };
}

function table(results: readonly ScenarioResult[]): string {
  const rows = [
    ['scenario', 'held s/min', 'waits', 'dropped', 'stalls/min P0 P1 P2', 'seeks/min P0 P1 P2', 'behind P0 P1 P2', 'drift 1 s after resume p95 / max'],
    ...results.map((r) => [
      r.scenario,
      String(r.held_s_per_min),
      String(r.waits),
      String(r.dropped),
      r.pages.map((p) => p.stalls_per_min).join(' '),
      r.pages.map((p) => p.seeks_per_min).join(' '),
      r.pages.map((p) => p.behind).join(' '),
      r.resume_drift_ms.samples ? `${r.resume_drift_ms.p95} / ${r.resume_drift_ms.max} ms` : 'no resume',
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}

async function run(seconds: number): Promise<void> {
  const started = nodeNow();
  if (bundleAgeBehindSources() > 0) log('warning: dist/paxos-video.js is older than src/: run `npm run build` to measure the current code');
  log('HLS ladder (ffmpeg, cached after the first run)');
  const mediaServer = await startPacedMediaServer({ root: await ensureHlsLadder() });
  const server = await startBenchServer(32);
  const pages: BenchPage[] = [];
  try {
    const executablePath = benchChromePath();
    for (let i = 0; i < LINKS.length; i++) pages.push(await BenchPage.launch(i, 0, executablePath));
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      try {
        const r = await runScenario(server.origin, mediaServer, pages, scenario, seconds);
        log(`${scenario.name}: held ${r.held_s_per_min} s/min, seeks/min ${r.pages.map((p) => p.seeks_per_min).join(' ')}, drift after resume p95 ${r.resume_drift_ms.p95} ms`);
        results.push(r);
      } catch (error) {
        if (!(error instanceof BenchError)) throw error;
        log(`${scenario.name} FAILED (reported, the run goes on): ${error.message}`);
      }
    }
    const out = {
      meta: {
        date: new Date().toISOString(),
        command: `npm run bench:stream${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
        links_kbps: LINKS.map((l) => (l === null ? null : l / 1000)),
        ladder_kbps: [600, 300, 120],
        chromium: pages[0]!.browser.version(),
        cpus: cpus().length,
        loadavg_1m: round(loadavg()[0]!),
        duration_s: round((nodeNow() - started) / 1000, 1),
      },
      results,
    };
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/stream.json', `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\npaxos-video streaming benchmark: HLS 600/300/120 kbit/s through hls.js, links P0 unlimited, P1 540 kbit/s, P2 150 kbit/s, ${seconds} s each, ${cpus().length} CPUs, load ${out.meta.loadavg_1m}\n`);
    console.log(table(results));
    console.log(`\nwrote ${join('bench/results', 'stream.json')}`);
  } finally {
    await Promise.all(pages.map((p) => p.close()));
    await server.close();
    await mediaServer.close();
  }
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(argv[i + 1]) : 60;
  if (!(seconds >= 10 && seconds <= 600) || argv.some((a, j) => a.startsWith('--') && a !== '--seconds' && j !== i + 1)) {
    console.error('usage: npm run bench:stream [-- --seconds N]   (10-600, default 60)');
    return 2;
  }
  if (!inBenchNetns()) {
    if (process.env[NETNS_ENV]) {
      console.error(`bench:stream: expected a network namespace with lo, pv0 and pv1, found ${networkInterfaces().join(', ')}`);
      return 1;
    }
    return rerunInNetns(import.meta.url, argv);
  }
  try {
    await run(seconds);
    return 0;
  } catch (error) {
    const e = error as Error;
    console.error(`\nbench:stream FAILED: ${e instanceof BenchError ? e.message : (e.stack ?? e.message)}`);
    return 1;
  }
}

process.exitCode = await main();
