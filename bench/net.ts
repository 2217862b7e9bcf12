/**
 * The sync benchmark under internet conditions: every tab (its own Chromium process) and the signaling
 * server in their own lab host behind an emulated link (lab/: network namespaces, TUN devices, one user-space
 * link emulator at real-time priority), through each named profile in turn: lan, city, continent,
 * intercontinental, mobile, asymmetric, mixed (lab/profiles.ts).
 *
 * In each profile (bench/lib/net-profile.ts): a room of every tab opened at once; steady playback with our
 * drift controller; commands from each tab; a tab leaving and a new one joining mid-play; a tab's link cut for
 * 5 s (and, in the profiles --long-cuts names, for 30 s, a network change with a new address, and the
 * signaling server's link cut for 30 s); the leader crashing; then steady playback with the jellyfin and
 * syncplay presets on fresh rooms of the same tabs. Drift, joins and recoveries are judged by the media
 * clocks (presented frames beside them); each tab's clock error is set against the bound its path's
 * asymmetry puts on it; decision latency is given in ms and in measured tab-to-tab round trips. The lab's
 * own timing error (scheduled against actual send of every packet) is reported with every profile, so a
 * figure is never blamed on the product when the lab caused it.
 *
 * Writes bench/results/net.json and bench/results/net.svg and prints one table with the goals each profile
 * met or missed. A figure that misses its goal, or a scenario that fails, is reported; the run goes on.
 *
 *   npm run bench:net                          # every profile, every scenario (~40 min on 2 cores)
 *   npm run bench:net -- --quick               # every profile, short phases, no 30 s cuts (~9-10 min)
 *   npm run bench:net -- --profiles continent,mobile --steady 60
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOW_TO_RUN_THE_LAB, Lab, labSupport, stopLabsOnSignals } from '../lab/lab.js';
import { PROFILES, link } from '../lab/profiles.js';
import { BenchPage } from './lib/bench-page.js';
import { benchChromePath, bundleAgeBehindSources, checkAssets } from './lib/bench-server.js';
import { type LabServer, startLabServer } from './lib/lab-server.js';
import { startLoadWindow } from './lib/machine-load.js';
import { NET_USAGE, type NetBenchOptions, UsageError, parseNetArgs } from './lib/net-args.js';
import { netChart } from './lib/net-chart.js';
import { type NetContext, runProfile } from './lib/net-profile.js';
import { type ProfileJson, formatNetTable, profileJson } from './lib/net-report.js';
import { round, seededRandom } from './lib/stats.js';
import { BenchError, nodeNow } from './lib/wait.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const USERNS_ENV = 'PAXOS_BENCH_NET_USERNS';

const log = (message: string) => console.log(`[bench:net ${new Date().toISOString().slice(11, 19)}] ${message}`);



function commit(): string {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+changes' : ''}`;
}

async function run(opts: NetBenchOptions): Promise<void> {
  const executablePath = benchChromePath();
  checkAssets(opts.widget ? resolve(opts.widget) : undefined);
  const behind = opts.widget ? 0 : bundleAgeBehindSources();
  if (behind > 0) log(`warning: dist/paxos-video.js is older than src/ (by ${(behind / 1000).toFixed(0)} s): run \`npm run build\` to measure the current code`);
  const started = nodeNow();
  // Taken now: the code measured is what the tree held when the run began (a docs edit during it is not).
  const measured = commit();
  const random = seededRandom(opts.seed);
  const skews = Array.from({ length: opts.pages }, () => Math.round((random() * 2 - 1) * opts.maxSkewMs * 10) / 10);
  log(`${opts.pages} tabs, seed ${opts.seed}, profiles ${opts.profiles.join(', ')}; 30 s cuts in ${opts.longCuts.join(', ') || 'none'}`);

  const lab = await Lab.start({
    hosts: [{ name: 'server', link: link('datacenter') }, ...skews.map((_, i) => ({ name: `tab${i}`, link: link('lan') }))],
    seed: opts.seed,
  });
  log(`lab ${lab.id}: emulator ${lab.realtime.ok ? `at ${lab.realtime.policy} ${lab.realtime.priority}` : `at normal priority (${lab.realtime.reason}): its timing error will show under load`}`);
  const pages: BenchPage[] = [];
  let server: LabServer | undefined;
  const load = startLoadWindow();
  const profiles: Record<string, ProfileJson> = {};
  let addresses = 0;
  try {
    server = await startLabServer(lab, 'server', opts.widget ? resolve(opts.widget) : undefined, { realtime: true });
    for (let i = 0; i < opts.pages; i++) {
      pages.push(await BenchPage.launch(i, skews[i]!, executablePath, { recordMessages: true, launcher: lab.chromiumLaunch(`tab${i}`, executablePath) }));
    }
    const version = pages[0]!.browser.version();
    const ctx: NetContext = { lab, server, pages, opts, random, log, nextAddress: () => `10.99.1.${10 + addresses++}` };
    const document = () => {
      const total = load.end();
      return {
        run: {
          seed: opts.seed,
          commit: measured,
          machine_busy_share: round(total.busyShare, 3),
          emulator_error_p99_ms: null as number | null,
          emulator_error_p50_ms: null as number | null,
          emulator_error_max_ms: null as number | null,
          emulator_late_over_10ms: null as number | null,
          emulator_packets: null as number | null,
          emulator_realtime: lab.realtime,
          server_realtime: server?.realtime ?? false,
          server_loop_delay_p99_ms: null as number | null,
          server_loop_delay_max_ms: null as number | null,
          command: `npm run bench:net${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
          quick: opts.quick,
          pages: opts.pages,
          steady_s: opts.steadySeconds,
          warmup_s: opts.warmupSeconds,
          commands: opts.commands,
          long_cuts: opts.longCuts,
          skews_ms: skews,
          profiles: Object.fromEntries(opts.profiles.map((p) => [p, PROFILES[p].description])),
          date: new Date().toISOString(),
          chromium: version,
          node: process.version,
          cpus: cpus().length,
          cpu_model: cpus()[0]?.model ?? 'unknown',
          loadavg_1m: round(loadavg()[0]!),
          duration_s: round((nodeNow() - started) / 1000, 1),
        },
        profiles,
      };
    };
    const write = async () => {
      const doc = document();
      const total = (await lab.stats()).timing.total;
      doc.run.emulator_error_p50_ms = total.p50Ms;
      doc.run.emulator_error_p99_ms = total.p99Ms;
      doc.run.emulator_error_max_ms = total.maxMs === null ? null : round(total.maxMs, 2);
      doc.run.emulator_late_over_10ms = total.over10Ms;
      doc.run.emulator_packets = total.count;
      const loop = await server?.loopDelay().catch(() => undefined);
      doc.run.server_loop_delay_p99_ms = loop ? round(loop.p99Ms, 1) : null;
      doc.run.server_loop_delay_max_ms = loop ? round(loop.maxMs, 1) : null;
      mkdirSync(opts.outDir, { recursive: true });
      writeFileSync(join(opts.outDir, 'net.json'), `${JSON.stringify(doc, null, 2)}\n`);
      return doc;
    };

    for (const profile of opts.profiles) {
      const result = await runProfile(ctx, profile);
      profiles[profile] = profileJson(result);
      const e = profiles[profile]!.emulator;
      log(
        `${profile}: done in ${result.durationS.toFixed(0)} s; lab late p50 ${e.late_p50_ms} / p99 ${e.late_p99_ms} / max ${e.late_max_ms} ms over ${e.packets} packets ` +
          `(${e.late_over_1ms} over 1 ms, ${e.late_over_10ms} over 10 ms); machine ${(result.load.busyShare * 100).toFixed(0)} % busy`,
      );
      await write(); // a run cut short still leaves every finished profile behind
    }
    const doc = await write();
    const svg = netChart(
      `paxos-video under emulated internet links: ${opts.pages} tabs (separate Chromium processes), ${opts.quick ? 'quick run' : 'full run'}`,
      `${version}, ${cpus().length} CPUs ${Math.round((doc.run.machine_busy_share ?? 0) * 100)} % busy, seed ${opts.seed}, lab timing error p99 ${doc.run.emulator_error_p99_ms} ms; ${doc.run.date}`,
      profiles,
    );
    writeFileSync(join(opts.outDir, 'net.svg'), svg);
    console.log(
      `\npaxos-video under emulated links: ${opts.pages} tabs, ${version}, ${cpus().length} CPUs ${Math.round((doc.run.machine_busy_share ?? 0) * 100)} % busy, seed ${opts.seed}${opts.quick ? ' (quick)' : ''}; ` +
        `lab timing error p50 ${doc.run.emulator_error_p50_ms} / p99 ${doc.run.emulator_error_p99_ms} / max ${doc.run.emulator_error_max_ms} ms, ${doc.run.emulator_late_over_10ms} of ${doc.run.emulator_packets} packets over 10 ms late (${lab.realtime.ok ? 'real-time priority' : 'normal priority'}); ` +
        `server event loop late p99 ${doc.run.server_loop_delay_p99_ms} / max ${doc.run.server_loop_delay_max_ms} ms (${doc.run.server_realtime ? 'real-time priority' : 'normal priority'})\n`,
    );
    console.log(formatNetTable(profiles));
    console.log(`\nwrote ${join(opts.outDir, 'net.json')} and ${join(opts.outDir, 'net.svg')} in ${(doc.run.duration_s ?? 0).toFixed(0)} s`);
  } finally {
    await Promise.all(pages.map((p) => p.close()));
    await server?.close();
    await lab.stop();
  }
}

/** Runs this script again inside `unshare -rn` (a user namespace where this user is root), for the lab. */
function rerunInUserNamespace(argv: readonly string[]): Promise<number> {
  const child = spawn('unshare', ['-rn', process.execPath, ...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [USERNS_ENV]: '1' },
  });
  return new Promise((resolve) => {
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  let opts: NetBenchOptions | undefined;
  try {
    opts = parseNetArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench:net: ${error.message}\n\n${NET_USAGE}`);
    return 2;
  }
  if (!opts) {
    console.log(NET_USAGE);
    return 0;
  }
  const support = labSupport();
  if (!support.ok) {
    // Not root: a user namespace may give what the lab needs (when /dev/net/tun is open to this user).
    if (process.getuid?.() !== 0 && !process.env[USERNS_ENV]) return rerunInUserNamespace(argv);
    console.error(`bench:net: the lab cannot run here (${support.reason}). ${HOW_TO_RUN_THE_LAB}`);
    return 1;
  }
  stopLabsOnSignals();
  try {
    await run(opts);
    return 0;
  } catch (error) {
    const e = error as Error;
    console.error(`\nbench:net FAILED: ${e instanceof BenchError ? e.message : (e.stack ?? e.message)}`);
    return 1;
  }
}

process.exitCode = await main();
