// Five builds from one config:
//  1. dist/        ES modules + .d.ts for bundlers (lit stays a bare import):
//                  `paxos-video` (dist/index.js), `paxos-video/inspector` (dist/inspector/index.js) and
//                  `paxos-video/baselines` (dist/drift-baselines.js)
//  2. dist/paxos-video.js  one minified file with everything inlined: what a page loads with a script tag
//  3. dist/paxos-inspector.js  the same for <paxos-inspector>, a separate file so pages without it skip it
//  4. dist/paxos-video-baselines.js  the same for the jellyfin/syncplay drift controllers (the sync benchmark)
//  5. dist/server/ the signaling server library and its CLI, for Node
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const deps = Object.keys(pkg.dependencies ?? {});
const isExternal = (list) => (id) => list.some((d) => id === d || id.startsWith(`${d}/`));
const node = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

const ts = (extra = {}) =>
  typescript({
    tsconfig: './tsconfig.json',
    include: ['src/**/*.ts', 'server/**/*.ts'],
    exclude: ['test/**', 'bench/**', 'scripts/**'],
    sourceMap: true,
    // include/exclude are relative to the project root, whatever rootDir a build uses
    filterRoot: '.',
    ...extra,
  });

// Names first, then terser. terser numbers `#private` names across the whole bundle (the widget has about
// 300, so most become two letters); esbuild names them per class, the most used first, and shortens locals
// the same way: about 0.8 KB gzip off the widget. It also shortens the properties whose name ends in one
// `_` (a lower-case name: `expects_`, never `__proto__`), the project's mark for an internal property that
// appears all over the bundle (src/schema/: every schema's `expects_` and `run_`). terser then compresses,
// in two passes (the second folds what the first inlined, about 0.15 KB gzip).
// Besides the `_` mark, internal names the tests set or read by name, listed here rather than renamed, each
// checked to never go on the wire, into storage, to another bundle (the inspector and the baselines are
// shortened on their own), or to be looked up by a string:
const INTERNAL_NAMES = [
  // the consensus core's options (not `suspectTicks`: its default is looked up by name), membership input, methods
  'electionTicks', 'retryTicks', 'heartbeatTicks', 'proposalTimeoutTicks', 'readTimeoutTicks', 'snapshotEvery', 'maxBatch', 'caughtUp', 'peerReachable', 'known',
  // the room's options and methods; the mesh's peer and link bookkeeping, and its counters, which the room never passes on
  'signalingUrl', 'sharedNow', 'selfId', 'inRoom', 'iceRestarts', 'glare', 'rejectedByReason', 'byReason',
  'badSignals', 'staleSignals', 'connectionsCreated', 'retryInMs',
  // the shared clock's methods (the room alone calls them) and the video driver's local hold
  'addSample', 'nextSampleDelay', 'errorBoundAt', 'pipeline', 'settled', 'holdLocally',
  // the room's own calls: the signaling client's time sample, the consensus node's timing and eligibility, its worst
  // round trip and its clock's readiness
  'timeSample', 'setTiming', 'setEligible', 'worstRtt', 'clockReady',
  // the video driver's input, the video state machine's parsers and the consensus node's option naming it, the
  // node's getters only tests read, its sessions' copy check; the room's local clock, the shared clock's error
  // bound, the signaling socket's connect timeout; a link's ICE state and the connection budget's remainder (tests read them)
  'setState', 'parseCommand', 'parseState', 'stateMachine', 'promisedBallot', 'pendingProposals', 'isCopy',
  'localNow', 'errorBound', 'connectTimeoutMs', 'iceState', 'remaining',
  // the consensus node's membership input and first acceptors, a read's requester (the room and the node alone use them)
  'peerJoined', 'peerLeft', 'bootstrap', 'requester',
  // src/schema/'s results (valibot's names; no schema describes data with such a key), and a playback error's list
  'success', 'output', 'issues',
  // the `ours` drift controller's tuning: the widget makes it with its defaults (the baselines bring their own)
  'filterSamples', 'minSamples', 'engageMs', 'noiseFactor', 'releaseMs', 'horizonMs', 'maxNudge', 'minRateStep', 'holdMs',
  'seekThresholdMs', 'seekHoldMs', 'seekSettleMs', 'initialSeekLatencyMs', 'maxSeekLatencyMs', 'seekLatencyGain', 'trimGain', 'maxTrim', 'minQuietMs',
];
const INTERNAL_PROPERTY = new RegExp(`^(?:[a-z][A-Za-z0-9]*_|${INTERNAL_NAMES.join('|')})$`);
const shortNames = () => ({
  name: 'short-names',
  async renderChunk(code) {
    const { transform } = await import('esbuild');
    const result = await transform(code, { minifyIdentifiers: true, mangleProps: INTERNAL_PROPERTY, format: 'esm', target: 'es2022', sourcemap: true });
    return { code: result.code, map: result.map };
  },
});
// Compress options beyond the defaults, each safe for this code: a third pass; no getter read for its side
// effect (`pure_getters`: a property read whose value is unused may go); no function of the widget relies on
// `this` unless it is a method, or on its `length` (`unsafe_arrows`, `unsafe_methods`, `keep_fargs: false`);
// no built-in is replaced and no Symbol is turned into text (`unsafe`: `String(x)` becomes `'' + x`).
const compress = { passes: 3, unsafe: true, pure_getters: true, unsafe_arrows: true, unsafe_methods: true, keep_fargs: false };

// Last, `undefined`: terser writes it `void 0`, some 170 times in the widget, and inlines any variable that
// holds it back into `void 0`. After terser, each `void 0` (an expression of the parsed chunk, never text in a
// string) becomes a reference to one `var $u` declared at the end of the module (hoisted: undefined from the
// start, and nothing assigns it): about 30 bytes gzip. The source map keeps every mapping: a point at every
// punctuator and every word, each shifted by the `void 0`s before it on its line.
const VOID_ALIAS = '$u';
const aliasUndefined = () => ({
  name: 'alias-undefined',
  renderChunk(code) {
    if (/[^\w$]\$u[^\w$]/.test(code)) this.error(`${VOID_ALIAS} is taken in this chunk: choose another alias`);
    const voids = [];
    const walk = (node) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node.type !== 'string') return;
      if (node.type === 'UnaryExpression' && node.operator === 'void' && node.argument.type === 'Literal' && node.argument.value === 0) return void voids.push(node);
      for (const key in node) if (key !== 'type' && node[key] && typeof node[key] === 'object') walk(node[key]);
    };
    walk(this.parse(code));
    if (voids.length === 0) return null;
    voids.sort((a, b) => a.start - b.start);
    let out = '';
    let from = 0;
    for (const v of voids) {
      out += code.slice(from, v.start) + VOID_ALIAS;
      from = v.end;
    }
    out += `${code.slice(from)}\nvar ${VOID_ALIAS};`;
    const points = [];
    for (let i = 0; i < code.length; i++) if (/[^\w$\s]/.test(code[i]) || (/[\w$]/.test(code[i]) && /[^\w$]/.test(code[i - 1] ?? ' '))) points.push(i);
    return { code: out, map: shiftMap(code, points, voids) };
  },
});
/** The source map of replacing `ranges` (sorted) of `code` by VOID_ALIAS: one segment per point, each on its shifted column. */
function shiftMap(code, points, ranges) {
  const lines = [[]];
  let line = 0;
  let lineStart = 0;
  let shift = 0;
  let r = 0;
  let nl = code.indexOf('\n');
  for (const p of points) {
    while (nl !== -1 && nl < p) {
      lines.push([]);
      line++;
      lineStart = nl + 1;
      shift = 0;
      nl = code.indexOf('\n', nl + 1);
    }
    while (r < ranges.length && ranges[r].end <= p) {
      if (ranges[r].start >= lineStart) shift += ranges[r].end - ranges[r].start - VOID_ALIAS.length;
      r++;
    }
    if (r < ranges.length && ranges[r].start < p) continue; // inside a `void 0`
    lines[line].push([p - lineStart - shift, 0, line, p - lineStart]);
  }
  return { version: 3, sources: [''], names: [], mappings: encodeMappings(lines) };
}
/** Source map `mappings` (base64 VLQ) of decoded segments [column, source, line, column], per generated line. */
function encodeMappings(lines) {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const vlq = (n) => {
    let v = n < 0 ? (-n << 1) | 1 : n << 1;
    let s = '';
    do {
      const digit = v & 31;
      v >>>= 5;
      s += B64[v > 0 ? digit | 32 : digit];
    } while (v > 0);
    return s;
  };
  const last = [0, 0, 0];
  return lines
    .map((segments) => {
      let column = 0;
      return segments
        .map(([c, src, l, oc]) => {
          const s = vlq(c - column) + vlq(src - last[0]) + vlq(l - last[1]) + vlq(oc - last[2]);
          column = c;
          [last[0], last[1], last[2]] = [src, l, oc];
          return s;
        })
        .join(',');
    })
    .join(';');
}
const minify = () => [shortNames(), terser({ ecma: 2020, module: true, compress, format: { comments: false } }), aliasUndefined()];

// The stylesheets' template literals (src/**/styles.ts: css`...`, unsafeCSS(`...`) or a plain literal marked
// /* css */, no `${}` in them) lose their indentation and the spaces CSS does not need. Spaces between
// selectors stay (they are combinators).
const CSS_LITERAL = /(\bcss\s*|\bunsafeCSS\(|\/\* css \*\/ )`([^`$]*)`/g;
export const minifyCss = (text) =>
  text
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,>]) ?/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}')
    .replace(/([^\w.-])0\.(\d)/g, '$1.$2') // 0.5em → .5em
    .replace(/\[([\w-]+)(~?=)'([A-Za-z_-][\w-]*)'\]/g, '[$1$2$3]') // [part='video'] → [part=video]
    .trim();
const cssLiterals = () => ({
  name: 'css-literals',
  transform(code, id) {
    if (!/[\\/]styles\.ts$/.test(id)) return null;
    return { code: code.replace(CSS_LITERAL, (_, tag, text) => `${tag}\`${minifyCss(text)}\``), map: null };
  },
});

/** One self-contained, minified ES module file: everything inlined, for a page's script tag. */
const singleFile = (input, file) => ({
  input,
  output: { file, format: 'es', sourcemap: true },
  plugins: [
    nodeResolve({ browser: true }),
    ts({ outDir: 'dist', declaration: false, rootDir: 'src', include: ['src/**/*.ts'] }),
    cssLiterals(), // after ts, whose output replaces the code of a .ts file
    ...minify(),
  ],
});

export default [
  {
    input: ['src/index.ts', 'src/inspector/index.ts', 'src/drift-baselines.ts'],
    external: isExternal(deps),
    output: {
      dir: 'dist',
      format: 'es',
      preserveModules: true,
      preserveModulesRoot: 'src',
      sourcemap: true,
      // src/paxos-video.ts would land on dist/paxos-video.js, which build 2 overwrites with the single-file
      // bundle (then `import 'paxos-video'` pulled in a second, inlined lit). Its .d.ts keeps the name.
      entryFileNames: (chunk) => (chunk.name === 'paxos-video' ? 'paxos-video-element.js' : '[name].js'),
    },
    plugins: [ts({ outDir: 'dist', declaration: true, declarationDir: 'dist', rootDir: 'src', include: ['src/**/*.ts'] })],
  },
  singleFile('src/index.ts', 'dist/paxos-video.js'),
  singleFile('src/inspector/index.ts', 'dist/paxos-inspector.js'),
  singleFile('src/drift-baselines.ts', 'dist/paxos-video-baselines.js'),
  {
    input: { index: 'server/index.ts', cli: 'server/cli.ts' },
    external: isExternal([...deps, ...node]),
    output: {
      dir: 'dist/server',
      format: 'es',
      sourcemap: true,
      entryFileNames: '[name].js',
      chunkFileNames: '[name]-[hash].js',
      banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    plugins: [ts({ outDir: 'dist/server', declaration: true, declarationDir: 'dist/server', rootDir: '.', include: ['server/**/*.ts', 'src/net/**/*.ts', 'src/schema/**/*.ts'] })],
  },
];
