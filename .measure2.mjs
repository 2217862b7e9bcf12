import { rollup } from 'rollup';
import typescript from '@rollup/plugin-typescript';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { minify } from 'terser';
import { transform } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const root = process.argv[2];
const entry = `${root}/.measure-entry.ts`;
writeFileSync(entry, `export { PaxosNode, summarizeMessage, parsePersistentState, isNodeId } from './src/consensus/index.js';\n`);
const bundle = await rollup({ input: entry, onwarn: () => {}, plugins: [nodeResolve({ browser: true }), typescript({ tsconfig: `${root}/tsconfig.json`, include: [`${root}/src/**/*.ts`, entry], compilerOptions: { declaration: false, noEmit: false, rootDir: root, outDir: '/tmp/cons-scratch/out2', sourceMap: false } })] });
const { output } = await bundle.generate({ format: 'es', preserveModules: true });
let total = 0;
for (const o of output) {
  if (o.type !== 'chunk') continue;
  const m = await minify((await transform(o.code, { minifyIdentifiers: true, format: 'esm', target: 'es2022' })).code, { ecma: 2020, module: true, compress: { passes: 2 }, format: { comments: false } });
  const gz = gzipSync(m.code, { level: 9 }).length;
  total += gz;
  console.log(String(gz).padStart(6), String(m.code.length).padStart(7), o.fileName);
}
console.log('sum', total);
