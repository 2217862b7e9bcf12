/**
 * The real signaling server on a loopback port, serving the widget bundle at /paxos-video.js and, at /, a
 * folder holding the benchmark page next to the demo's test-pattern video (symbolic links to the committed
 * files, so the server's own static route, with range requests, serves both) and the baseline drift
 * controllers' bundle (/paxos-video-baselines.js, which registers `jellyfin` and `syncplay` with the
 * element). The bundles are copied at start, so a rebuild of dist/ while the benchmark runs cannot hand some
 * pages another build (or half a file).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignalingServer } from '../../server/index.js';
import type { TurnOptions } from '../../server/turn-credentials.js';
import { BenchError } from './wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The single-file widget the pages load. */
export const WIDGET_PATH = join(ROOT, 'dist/paxos-video.js');
/** The jellyfin and syncplay drift controllers, registered with the widget's element when loaded after it. */
const BASELINES_PATH = join(ROOT, 'dist/paxos-video-baselines.js');
const PAGE = join(ROOT, 'bench/pages/sync.html');
const VIDEO = join(ROOT, 'demo/test-pattern.webm');
/** hls.js (a dev dependency), for the streaming benchmark's page. */
const HLS_JS = join(ROOT, 'node_modules/hls.js/dist/hls.mjs');

/** A running benchmark server. */
export interface BenchServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** sha256 of the widget bundle the pages load (a copy taken at start: a rebuild during the run changes nothing). */
  widgetSha256: string;
  close(): Promise<void>;
}

/** Throws with what to do when the widget bundle or the video is missing. */
export function checkAssets(widgetPath = WIDGET_PATH): void {
  for (const bundle of [widgetPath, BASELINES_PATH]) {
    if (!existsSync(bundle)) throw new BenchError(`${bundle} is missing: run \`npm run build\` first`);
  }
  if (!existsSync(VIDEO)) throw new BenchError(`${VIDEO} is missing: run scripts/make-demo-video.sh`);
}

/** Newest modification time under `dir`, ms. */
function newestFile(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestFile(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** How much older the bundle is than the newest file of src/, ms (0 when it is up to date). */
export function bundleAgeBehindSources(): number {
  return Math.max(0, newestFile(join(ROOT, 'src')) - statSync(WIDGET_PATH).mtimeMs);
}

/** The Chromium the benchmarks drive: CHROME_PATH, else Debian's. */
export function benchChromePath(): string {
  const path = process.env.CHROME_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new BenchError(`no Chromium at ${path}: install Debian's chromium or set CHROME_PATH`);
  return path;
}

/**
 * Starts the server; `widgetPath` overrides the bundle served at /paxos-video.js. It listens on loopback,
 * or on `listen.host` (a lab host: every address, `0.0.0.0`) with the origin the pages use named by
 * `listen.origin`. With `turn`, it hands each joining page TURN credentials (server/turn-credentials.ts).
 */
export async function startBenchServer(
  maxRoomSize: number,
  widgetPath = WIDGET_PATH,
  listen: { host: string; originHost: string } = { host: '127.0.0.1', originHost: '127.0.0.1' },
  turn?: TurnOptions,
): Promise<BenchServer & { io: ReturnType<typeof createSignalingServer>['io'] }> {
  checkAssets(widgetPath);
  const dir = mkdtempSync(join(tmpdir(), 'paxos-bench-'));
  symlinkSync(PAGE, join(dir, 'sync.html'));
  symlinkSync(VIDEO, join(dir, 'test-pattern.webm'));
  // The streaming benchmark's page (bench/stream.ts) and the hls.js it plays the ladder with.
  symlinkSync(join(ROOT, 'bench/pages/stream.html'), join(dir, 'stream.html'));
  if (existsSync(HLS_JS)) symlinkSync(HLS_JS, join(dir, 'hls.mjs'));
  const widget = join(dir, 'paxos-video.js');
  copyFileSync(widgetPath, widget);
  copyFileSync(BASELINES_PATH, join(dir, 'paxos-video-baselines.js'));
  const widgetSha256 = createHash('sha256').update(readFileSync(widget)).digest('hex');
  const server = createSignalingServer({ logLevel: 'warn', demoDir: dir, widgetPath: widget, maxRoomSize, ...(turn ? { turn } : {}) });
  const { port } = await server.listen(0, listen.host);
  return {
    origin: `http://${listen.originHost}:${port}`,
    widgetSha256,
    io: server.io,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
