/**
 * `npm run bench:webkit`: the WebKit tab against the Chromium and Firefox tabs of one room, side by side.
 *
 * Runs the cross-engine test (test/interop/webkit.test.ts: a WebKitGTK tab without WebRTC, every link of it
 * relayed through the signaling server, in a room with two Chromium tabs and a Firefox tab; commands from
 * each engine, a Chromium leader then the WebKit one) `--runs` times, and reports from the measurements it
 * hands over (its `figures` line) what a timed test may not: each engine's decision time (from the call in
 * the proposing tab to its decision there) and each engine's offset from the decided timeline while the
 * videos held in step (every reading of the 2 s holds: the media clock against the shared timeline).
 * Writes bench/results/webkit.json.
 *
 * Needs what the test needs (`npm run build`, Chromium, Firefox, WebKitGTK's driver and Xvfb), and runs
 * itself in the private network namespace (scripts/netns.sh) when it is not in one.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NETNS_ENV, inBenchNetns, rerunInNetns } from './lib/netns.js';
import { percentile } from './lib/stats.js';

interface Figures {
  versions: string;
  decisions: { from: string; leader: string; ms: number }[];
  heldOffsetsMs: Record<string, number[]>;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '2' }, help: { type: 'boolean', default: false } } });
if (values.help) {
  console.log('npm run bench:webkit [-- --runs N]   (default 2 runs of the cross-engine test, ~75 s each)');
  process.exit(0);
}
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`bench:webkit: --runs must be an integer from 1 to 20, not ${values.runs}`);
  process.exit(2);
}

if (!inBenchNetns() && !process.env[NETNS_ENV]) process.exit(await rerunInNetns(import.meta.url, process.argv.slice(2)));

const root = fileURLToPath(new URL('..', import.meta.url));

/** One run of the test; resolves with its figures, or throws with its output when it failed or skipped. */
async function runTest(): Promise<Figures> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', 'test/interop/webkit.test.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.split('\n').find((l) => l.trim().startsWith('# figures '));
  if (code !== 0 || !line) throw new Error(`the cross-engine test ${code !== 0 ? `failed (exit ${code})` : 'gave no figures (skipped?)'}:\n${out.slice(-4000)}`);
  return JSON.parse(line.trim().slice('# figures '.length)) as Figures;
}

const all: Figures[] = [];
for (let i = 1; i <= runs; i++) {
  const started = performance.now();
  all.push(await runTest());
  console.log(`run ${i}/${runs}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');
const engines = ['WebKit', 'Chromium', 'Firefox'];
const decisions = all.flatMap((r) => r.decisions);
const rows = engines.map((engine) => {
  const mine = decisions.filter((d) => d.from === engine);
  const byChromium = mine.filter((d) => d.leader === 'Chromium').map((d) => d.ms);
  const byWebKit = mine.filter((d) => d.leader === 'WebKit').map((d) => d.ms);
  const offsets = all.flatMap((r) => r.heldOffsetsMs[engine] ?? []);
  const abs = offsets.map(Math.abs);
  return {
    engine,
    decisions: mine.length,
    decisionMs: { chromiumLeader: { p50: percentile(byChromium, 50), max: Math.max(...byChromium) }, webkitLeader: { p50: percentile(byWebKit, 50), max: Math.max(...byWebKit) } },
    offsetMs: { readings: offsets.length, mean: offsets.reduce((a, b) => a + b, 0) / offsets.length, p50Abs: percentile(abs, 50), p95Abs: percentile(abs, 95), maxAbs: Math.max(...abs) },
  };
});

console.log(`\n${all[0]!.versions}; ${runs} run(s) of test/interop/webkit.test.ts`);
console.log('decision time in the proposing tab, ms (leader Chromium: p50 / max; leader WebKit: p50 / max), and offset from the decided timeline while in step, ms (mean; |offset| p50 / p95 / max)');
console.log('| proposing engine | decisions | leader Chromium p50 / max | leader WebKit p50 / max | offset mean | \\|offset\\| p50 / p95 / max | readings |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const d = r.decisionMs;
  const o = r.offsetMs;
  console.log(`| ${r.engine} | ${r.decisions} | ${f(d.chromiumLeader.p50)} / ${f(d.chromiumLeader.max)} | ${f(d.webkitLeader.p50)} / ${f(d.webkitLeader.max)} | ${f(o.mean)} | ${f(o.p50Abs)} / ${f(o.p95Abs)} / ${f(o.maxAbs)} | ${o.readings} |`);
}
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/webkit.json`, JSON.stringify({ runs, versions: all[0]!.versions, rows, raw: all }, null, 2));
console.log('\nwrote bench/results/webkit.json');
