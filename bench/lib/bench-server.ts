/**
 * The real signaling server on a loopback port, serving the widget bundle at /paxos-video.js and, at /, a
 * folder holding the benchmark page next to the demo's test-pattern video (symbolic links to the committed
 * files, so the server's own static route, with range requests, serves both).
 */
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignalingServer } from '../../server/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The single-file widget the pages load. */
export const WIDGET_PATH = join(ROOT, 'dist/paxos-video.js');
const PAGE = join(ROOT, 'bench/pages/sync.html');
const VIDEO = join(ROOT, 'demo/test-pattern.webm');

/** A running benchmark server. */
export interface BenchServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  origin: string;
  close(): Promise<void>;
}

/** Throws with what to do when the widget bundle or the video is missing. */
export function checkAssets(): void {
  if (!existsSync(WIDGET_PATH)) throw new Error(`${WIDGET_PATH} is missing: run \`npm run build\` first`);
  if (!existsSync(VIDEO)) throw new Error(`${VIDEO} is missing: run scripts/make-demo-video.sh`);
}

/** How much older the bundle is than the newest file of src/, ms (0 when it is up to date). */
export function bundleAgeBehindSources(newestSource: number): number {
  return Math.max(0, newestSource - statSync(WIDGET_PATH).mtimeMs);
}

export async function startBenchServer(maxRoomSize: number): Promise<BenchServer> {
  checkAssets();
  const dir = mkdtempSync(join(tmpdir(), 'paxos-bench-'));
  symlinkSync(PAGE, join(dir, 'sync.html'));
  symlinkSync(VIDEO, join(dir, 'test-pattern.webm'));
  const server = createSignalingServer({ logLevel: 'warn', demoDir: dir, widgetPath: WIDGET_PATH, maxRoomSize });
  const { port } = await server.listen(0, '127.0.0.1');
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
