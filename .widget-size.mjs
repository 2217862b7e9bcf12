// Builds only dist/paxos-video.js's equivalent (same plugins as rollup.config.mjs's singleFile) and prints its gzip size.
import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const root = process.cwd();
const shortNames = () => ({ name: 'short-names', async renderChunk(code) { const { transform } = await import('esbuild'); const r = await transform(code, { minifyIdentifiers: true, format: 'esm', target: 'es2022' }); return { code: r.code }; } });
const bundle = await rollup({ input: `${root}/src/index.ts`, onwarn: () => {}, plugins: [nodeResolve({ browser: true }), typescript({ tsconfig: `${root}/tsconfig.json`, outDir: '/tmp/cons-scratch/wout', declaration: false, rootDir: `${root}/src`, include: [`${root}/src/**/*.ts`], sourceMap: false, noEmitOnError: false }), shortNames(), terser({ ecma: 2020, module: true, compress: { passes: Number(process.env.P ?? 2), pure_getters: process.env.PG === "1" }, format: { comments: false } })] });
const { output } = await bundle.generate({ format: 'es' });
writeFileSync('/tmp/cons-scratch/widget.js', output[0].code);
console.log('widget gzip', gzipSync(output[0].code, { level: 9 }).length);
