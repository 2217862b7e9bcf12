/**
 * The real signaling server of the current build, serving the tab page (test/tabs/tab.html), the demo's
 * video and the widget from one folder, on loopback: what the real-browser tab tests open. The widget is
 * the shipped bundle (dist/paxos-video.js, copied at start, so a rebuild of dist/ during a run changes
 * nothing) or, for a test that needs the test hooks, tab-widget.ts built from the sources at start.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { createSignalingServer as CreateSignalingServer } from '../../server/index.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** A running tab server. */
export interface TabServer {
  /** e.g. `http://127.0.0.1:41234`; the page is at `${origin}/tab.html`. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Starts it; fails with what to do when the build or the video is missing. `label` names its temp folder;
 * `widget` says which widget the pages load.
 */
export async function startTabServer(label: string, widget: 'shipped' | 'with-test-hooks' = 'shipped'): Promise<TabServer> {
  for (const f of ['dist/server/index.js', 'dist/paxos-video.js', 'demo/test-pattern.webm']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`npm run build\` first (npm test does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), `paxos-${label}-`));
  try {
    symlinkSync(join(ROOT, 'test/tabs/tab.html'), join(dir, 'tab.html'));
    symlinkSync(join(ROOT, 'demo/test-pattern.webm'), join(dir, 'test-pattern.webm'));
    if (widget === 'shipped') copyFileSync(join(ROOT, 'dist/paxos-video.js'), join(dir, 'paxos-video.js'));
    else {
      const { build } = await import('esbuild');
      await build({
        entryPoints: [join(ROOT, 'test/tabs/tab-widget.ts')],
        outfile: join(dir, 'paxos-video.js'),
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        tsconfig: join(ROOT, 'tsconfig.json'),
        // package.json's sideEffects names the built files only: src/index.ts's registration must stay.
        ignoreAnnotations: true,
        logLevel: 'warning',
      });
    }
    const { createSignalingServer } = (await import(pathToFileURL(join(ROOT, 'dist/server/index.js')).href)) as {
      createSignalingServer: typeof CreateSignalingServer;
    };
    const signaling = createSignalingServer({ logLevel: 'warn', demoDir: dir, widgetPath: join(dir, 'paxos-video.js') });
    const { port } = await signaling.listen(0, '127.0.0.1');
    return {
      origin: `http://127.0.0.1:${port}`,
      async close() {
        await signaling.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
