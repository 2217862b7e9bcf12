/**
 * The package as users get it: `npm pack` the project, check the tarball holds exactly what users need, install
 * it into a fresh folder with `npm ci`, then use it from there the way users do: resolve and import the element,
 * the inspector and the server, type-check a consumer against the shipped declarations, serve the widget and the
 * demo from the installed server, and run the installed bin with `--help`.
 *
 * The install never reaches the registry (tests send nothing off this machine, and CI runs them in a network
 * namespace with no route out): the consumer's lockfile pins the tarball plus the production part of this
 * project's own lockfile, and `npm ci --offline` takes every dependency's tarball from npm's cache, where the
 * project's own `npm ci` or `npm install` put it. A plain `npm install` of the tarball would need the registry's
 * metadata of every dependency, which `npm ci` never caches. A dependency the tarball declares but the lockfile
 * lacks fails `npm ci`; one the code imports but the tarball does not declare fails the import test below.
 *
 * Needs `npm run build` first (`npm test` builds before the Node tests).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  types: string;
  license: string;
  engines: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};

/** One entry of package-lock.json's `packages` (lockfile version 2 or 3). */
interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [key: string]: unknown;
}

/** How long the offline install may take before the test gives up: it reads only the local cache. */
const INSTALL_DEADLINE_MS = 90_000;

/**
 * The consumer's package.json and package-lock.json: the tarball as its one dependency, and every package of
 * this project's lockfile that the production dependencies need (the entries npm did not mark `dev`), at the
 * same place in node_modules, so `npm ci` installs exactly the tree users of this release get.
 */
function consumerManifests(tarball: string): { manifest: object; lock: object } {
  const spec = `file:${tarball}`;
  const projectLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages?: Record<string, LockEntry>;
  };
  assert.ok(projectLock.packages && projectLock.lockfileVersion >= 2, 'package-lock.json is lockfile version 2 or 3');
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, object> = {
    '': { name: 'paxos-video-consumer', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(projectLock.packages)) {
    if (path === '' || entry.dev) continue;
    const { devOptional: _devOptional, ...kept } = entry;
    packages[path] = kept;
  }
  return {
    manifest: { name: 'paxos-video-consumer', private: true, type: 'module', dependencies: { [pkg.name]: spec } },
    lock: { name: 'paxos-video-consumer', lockfileVersion: 3, requires: true, packages },
  };
}

/** `npm ci --offline` in the consumer; a dependency missing from npm's cache fails in seconds and says why. */
async function installOffline(consumer: string): Promise<void> {
  const args = ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--fetch-retries=0', '--fetch-timeout=10000'];
  try {
    await run('npm', args, { cwd: consumer, env: cleanEnv(), timeout: INSTALL_DEADLINE_MS, maxBuffer: 64 << 20 });
  } catch (error) {
    const e = error as { killed?: boolean; stderr?: string; message: string };
    const why = e.killed ? `did not finish within ${INSTALL_DEADLINE_MS / 1000} s` : (e.stderr ?? e.message).trim().split('\n').slice(0, 3).join(' / ');
    throw new Error(
      `installing the packed tarball offline failed (${why}). The consumer takes its dependencies from npm's cache, ` +
        'without the registry: run `npm ci` (or `npm install`) in this project with the same npm cache first, then `npm test` again.',
    );
  }
}

/**
 * The environment minus what the parent `npm run` exported about this project (its package, prefix and
 * script), so the child npm works on the temporary folder; the cache and registry settings stay.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = /^npm_config_(cache|registry|userconfig|globalconfig)$/i;
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));
}

/** Files of the tarball a user needs, whatever else the build emits. */
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'custom-elements.json',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/paxos-video.js',
  'dist/paxos-inspector.js',
  'dist/inspector/index.js',
  'dist/inspector/index.d.ts',
  'dist/server/index.js',
  'dist/server/cli.js',
  // The server serves the demo page from the package.
  'demo/index.html',
];

/** What may be in the tarball at all. */
const ALLOWED = [/^(package\.json|README\.md|LICENSE|custom-elements\.json)$/, /^dist\//, /^demo\//];

/** Every file path package.json points at (main, types, exports, bin). */
function manifestTargets(): string[] {
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
  for (const value of Object.values(pkg.exports)) targets.push(...(typeof value === 'string' ? [value] : Object.values(value)));
  return [...new Set(targets.map((t) => t.replace(/^\.\//, '')))];
}

describe('npm package', { timeout: 180_000 }, () => {
  let work = '';
  let tarball = '';
  let files: string[] = [];
  let consumer = '';

  before(async () => {
    for (const f of ['dist/index.js', 'dist/paxos-video.js', 'dist/paxos-inspector.js', 'dist/server/cli.js']) {
      assert.ok(existsSync(join(root, f)), `${f} is missing: run \`npm run build\` first (npm test does)`);
    }
    work = mkdtempSync(join(tmpdir(), 'paxos-video-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, env: cleanEnv(), timeout: 60_000, maxBuffer: 64 << 20 });
    const [report] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = join(work, report.filename);
    files = report.files.map((f) => f.path).sort();

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    const { manifest, lock } = consumerManifests(tarball);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 2));
    await installOffline(consumer);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs what users need: dist, types, the server, custom-elements.json, README, LICENSE', () => {
    for (const f of [...REQUIRED, ...manifestTargets()]) assert.ok(files.includes(f), `${f} is in the tarball`);
    assert.ok(files.some((f) => f.startsWith('dist/server/') && f.endsWith('.d.ts')), 'the server has its types');
  });

  it('packs nothing else: no tests, sources, benchmarks or scripts', () => {
    const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
    assert.deepEqual(stray, [], 'only package.json, README.md, LICENSE, custom-elements.json, dist/ and demo/');
    const sources = files.filter((f) => /\.(ts|tsx|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f));
    assert.deepEqual(sources, [], 'no TypeScript sources');
    const tests = files.filter((f) => /(^|\/)(test|tests|bench|scripts|__tests__)\//.test(f) || /\.(test|spec)\.[cm]?js$/.test(f));
    assert.deepEqual(tests, [], 'no tests, benchmarks or scripts');
  });

  it('ships no stale build output: every script in dist/ is reached from an entry point', () => {
    const unpacked = join(consumer, 'node_modules', pkg.name);
    const reached = new Set<string>();
    const walk = (file: string) => {
      if (reached.has(file) || !file.endsWith('.js')) return;
      reached.add(file);
      const code = readFileSync(join(unpacked, file), 'utf8');
      for (const m of code.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) walk(join(file, '..', m[1]!));
    };
    for (const entry of manifestTargets()) walk(entry);
    const orphans = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !reached.has(f));
    assert.deepEqual(orphans, [], 'scripts no entry point imports (left over from an earlier build?)');
  });

  it('ships the ES module build with lit as bare imports, and self-contained single-file bundles', () => {
    const installed = join(consumer, 'node_modules', pkg.name);
    // Walk the relative imports of each ES entry: none may inline lit (a second copy in users' bundles).
    for (const entry of ['dist/index.js', 'dist/inspector/index.js']) {
      const seen = new Set<string>();
      const walk = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const code = readFileSync(file, 'utf8');
        for (const marker of ['litElementVersions', 'reactiveElementVersions', 'litHtmlVersions']) {
          assert.ok(!code.includes(marker), `${file.slice(installed.length + 1)} inlines lit (${marker})`);
        }
        for (const m of code.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) walk(join(file, '..', m[1]!));
      };
      walk(join(installed, entry));
      assert.ok(seen.size > 1, `${entry} imports its modules`);
      // The inspector renders with lit; the element is a plain HTMLElement and imports no lit at all.
      if (entry === 'dist/inspector/index.js') assert.match(readFileSync(join(installed, 'dist/inspector/paxos-inspector.js'), 'utf8'), /from ['"]lit['"]/);
      else for (const file of seen) assert.doesNotMatch(readFileSync(file, 'utf8'), /from ['"]@?lit\b/, `${file.slice(installed.length + 1)} imports no lit`);
    }
    // Static imports and re-exports start a statement, and nothing between the keyword and the specifier is
    // quoted; a dynamic import is `import(` and a string.
    const bare = /(?:^|[;}])\s*(?:import\s*(?:[{*\w$][^"';]*?from\s*)?|export\s*[{*][^"';]*?from\s*)["'](?![./])([^"']+)["']|\bimport\(\s*["'](?![./])([^"']+)["']/;
    for (const bundle of ['dist/paxos-video.js', 'dist/paxos-inspector.js']) {
      const code = readFileSync(join(installed, bundle), 'utf8');
      const found = bare.exec(code);
      assert.equal(found ? found[1] ?? found[2] : null, null, `${bundle} imports nothing bare`);
      assert.ok(code.includes('customElements.define'), `${bundle} registers its element`);
    }
    // The baselines (ES entry and single file) carry their two controllers only: no lit, no element.
    for (const file of ['dist/drift-baselines.js', 'dist/paxos-video-baselines.js']) {
      const code = readFileSync(join(installed, file), 'utf8');
      const found = bare.exec(code);
      assert.equal(found ? found[1] ?? found[2] : null, null, `${file} imports nothing bare`);
      assert.ok(!code.includes('litElementVersions') && !code.includes('customElements.define'), `${file} carries no element`);
    }
    // Option names survive minification: the controllers' own tuning is in the baselines bundle only.
    assert.doesNotMatch(readFileSync(join(installed, 'dist/paxos-video.js'), 'utf8'), /fastforwardResetThreshold|minDelaySpeedToSync/, 'the widget carries no baselines');
    assert.match(readFileSync(join(installed, 'dist/paxos-video-baselines.js'), 'utf8'), /fastforwardResetThreshold/);
    assert.match(readFileSync(join(installed, 'dist/paxos-video-baselines.js'), 'utf8'), /minDelaySpeedToSync/);
  });

  it('imports the element in Node, without a DOM: it loads, and registers nothing', async () => {
    const script = join(consumer, 'check-bare-import.mjs');
    writeFileSync(
      script,
      `
      const element = await import('paxos-video');
      console.log(JSON.stringify({ element: Object.keys(element).sort(), registry: typeof globalThis.customElements }));
      `,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: consumer, env: cleanEnv(), timeout: 30_000 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { element: string[]; registry: string };
    assert.ok(r.element.includes('PaxosVideo'), 'paxos-video exports PaxosVideo in Node');
    assert.equal(r.registry, 'undefined', 'importing the element defines no custom element registry');
  });

  it('resolves and imports the element, the inspector and the server from the installed package', async () => {
    // Run from the consumer folder, as a user's code would. A server-side renderer installs a DOM shim first
    // (lit's SSR: @lit-labs/ssr-dom-shim, a dependency of lit): the element registers in its registry.
    const script = join(consumer, 'check-imports.mjs');
    writeFileSync(
      script,
      `
      const shim = await import('@lit-labs/ssr-dom-shim');
      globalThis.customElements ??= shim.customElements;
      const resolved = {};
      for (const s of ['paxos-video', 'paxos-video/inspector', 'paxos-video/baselines', 'paxos-video/server', 'paxos-video/paxos-video.js', 'paxos-video/paxos-inspector.js', 'paxos-video/paxos-video-baselines.js', 'paxos-video/custom-elements.json']) {
        resolved[s] = new URL(import.meta.resolve(s)).pathname;
      }
      const element = await import('paxos-video');
      const inspector = await import('paxos-video/inspector');
      // The baselines register with the defined element on import.
      const baselineNames = [];
      const register = element.PaxosVideo.registerDriftController;
      element.PaxosVideo.registerDriftController = (name, preset) => (baselineNames.push(name), register.call(element.PaxosVideo, name, preset));
      const baselines = await import('paxos-video/baselines');
      const server = await import('paxos-video/server');
      const app = server.createSignalingServer({ logLevel: 'silent' });
      const { port } = await app.listen(0, '127.0.0.1');
      const get = async (path) => {
        const r = await fetch('http://127.0.0.1:' + port + path);
        return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
      };
      const routes = {};
      for (const path of ['/healthz', '/paxos-video.js', '/paxos-inspector.js', '/']) {
        const r = await get(path);
        routes[path] = { status: r.status, type: r.type, length: r.body.length, inspectorTag: r.body.includes('paxos-inspector') };
      }
      await app.close();
      console.log(JSON.stringify({
        resolved,
        element: Object.keys(element).sort(),
        registered: customElements.get('paxos-video') === element.PaxosVideo,
        eventName: element.PaxosEvents.state,
        inspector: Object.keys(inspector).sort(),
        inspectorRegistered: customElements.get('paxos-inspector') === inspector.PaxosInspector,
        baselines: Object.keys(baselines).sort(),
        baselineNames,
        server: Object.keys(server),
        routes,
      }));
      `,
    );
    const { stdout } = await run(process.execPath, [script], { cwd: consumer, env: cleanEnv(), timeout: 30_000 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      resolved: Record<string, string>;
      element: string[];
      registered: boolean;
      eventName: string;
      inspector: string[];
      inspectorRegistered: boolean;
      baselines: string[];
      baselineNames: string[];
      server: string[];
      routes: Record<string, { status: number; type: string | null; length: number; inspectorTag: boolean }>;
    };
    const inPackage = join(consumer, 'node_modules', pkg.name);
    assert.equal(r.resolved['paxos-video'], join(inPackage, 'dist/index.js'));
    assert.equal(r.resolved['paxos-video/inspector'], join(inPackage, 'dist/inspector/index.js'));
    assert.equal(r.resolved['paxos-video/server'], join(inPackage, 'dist/server/index.js'));
    assert.equal(r.resolved['paxos-video/paxos-video.js'], join(inPackage, 'dist/paxos-video.js'));
    assert.equal(r.resolved['paxos-video/paxos-inspector.js'], join(inPackage, 'dist/paxos-inspector.js'));
    assert.equal(r.resolved['paxos-video/baselines'], join(inPackage, 'dist/drift-baselines.js'));
    assert.equal(r.resolved['paxos-video/paxos-video-baselines.js'], join(inPackage, 'dist/paxos-video-baselines.js'));
    assert.deepEqual(r.baselines, ['BASELINE_DRIFT_PRESETS', 'registerBaselineDriftControllers']);
    assert.deepEqual(r.baselineNames, ['jellyfin', 'syncplay'], 'importing paxos-video/baselines registers its presets with <paxos-video>');
    for (const name of ['PaxosVideo', 'PaxosEvents', 'PaxosVideoError', 'paxosEvent']) assert.ok(r.element.includes(name), `paxos-video exports ${name}`);
    assert.equal(r.registered, true, 'importing paxos-video registers <paxos-video>');
    assert.equal(r.eventName, 'paxos-state');
    assert.ok(r.inspector.includes('PaxosInspector'));
    assert.equal(r.inspectorRegistered, true, 'importing paxos-video/inspector registers <paxos-inspector>');
    assert.deepEqual(r.server, ['createSignalingServer']);
    // The installed server serves its widget, the inspector bundle and the demo.
    assert.equal(r.routes['/healthz']!.status, 200);
    for (const path of ['/paxos-video.js', '/paxos-inspector.js']) {
      assert.equal(r.routes[path]!.status, 200, `GET ${path}`);
      assert.match(r.routes[path]!.type ?? '', /javascript/, `${path} content type`);
    }
    assert.equal(r.routes['/']!.status, 200);
    assert.equal(r.routes['/']!.inspectorTag, true, 'the demo shows the inspector');
  });

  it('type-checks a consumer against the shipped declarations', async () => {
    writeFileSync(
      join(consumer, 'consumer.ts'),
      `import { PaxosEvents, type PaxosStateDetail, type PaxosVideo } from 'paxos-video';
      import { PaxosInspector, InspectorModel } from 'paxos-video/inspector';
      import { createSignalingServer } from 'paxos-video/server';
      const el: PaxosVideo = document.createElement('paxos-video');
      const id: string = el.nodeId;
      el.addEventListener(PaxosEvents.state, (e) => {
        const d: PaxosStateDetail = e.detail;
        console.log(id, d.slot.toFixed(0), new InspectorModel().view().nodes.length);
      });
      const inspector: PaxosInspector = document.createElement('paxos-inspector');
      inspector.target = el;
      inspector.paused = true;
      export const server: typeof createSignalingServer = createSignalingServer;
      `,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, env: cleanEnv(), timeout: 120_000 }).then(
      () => '',
      (e: { stdout?: string }) => e.stdout ?? String(e),
    );
    assert.equal(result, '', 'the consumer type-checks');
  });

  it('runs the installed bin with --help', async () => {
    const bin = join(consumer, 'node_modules/.bin', Object.keys(pkg.bin)[0]!);
    const { stdout, stderr } = await run(bin, ['--help'], { cwd: consumer, env: cleanEnv(), timeout: 20_000 });
    assert.match(stdout, /^Usage: paxos-video-server/m);
    assert.match(stdout, /--port/);
    assert.equal(stderr, '');
  });
});
