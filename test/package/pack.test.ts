/**
 * The package as users get it: `npm pack` the project, check the tarball holds exactly what users need, install
 * it into a fresh folder (offline, from npm's cache), then use it from there the way users do: resolve and
 * import the element, the inspector and the server, type-check a consumer against the shipped declarations,
 * serve the widget and the demo from the installed server, and run the installed bin with `--help`.
 *
 * Needs `npm run build` first (`npm test` builds before the Node tests).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
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
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
};

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
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, env: cleanEnv(), maxBuffer: 64 << 20 });
    const [report] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
    tarball = join(work, report.filename);
    files = report.files.map((f) => f.path).sort();

    consumer = join(work, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'paxos-video-consumer', private: true, type: 'module' }));
    const install = (mode: string) =>
      run('npm', ['install', mode, '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', consumer, tarball], { cwd: consumer, env: cleanEnv(), maxBuffer: 64 << 20 });
    try {
      await install('--offline');
    } catch {
      // A dependency missing from the cache: let npm use the registry for what is not there.
      await install('--prefer-offline');
    }
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
      // The element needs only lit's ReactiveElement (no template engine); the inspector renders with lit.
      const [file, specifier] =
        entry === 'dist/index.js'
          ? ['dist/paxos-video-element.js', /from ['"]@lit\/reactive-element['"]/]
          : ['dist/inspector/paxos-inspector.js', /from ['"]lit['"]/];
      assert.match(readFileSync(join(installed, file), 'utf8'), specifier);
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

  it('resolves and imports the element, the inspector and the server from the installed package', async () => {
    // Run from the consumer folder, as a user's code would; lit's Node build provides customElements there.
    const script = join(consumer, 'check-imports.mjs');
    writeFileSync(
      script,
      `
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
    const result = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, env: cleanEnv() }).then(
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
