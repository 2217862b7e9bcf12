#!/usr/bin/env node
// `npm run size`: the gzipped size of the single-file widget bundle (the goal is at most 32 KB).
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync } from 'node:zlib';

const file = new URL('../dist/paxos-video.js', import.meta.url);
let code;
try {
  code = readFileSync(file);
} catch {
  console.error('dist/paxos-video.js not found: run `npm run build` first.');
  process.exit(1);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = gzipSync(code, { level: 9 }).length;
console.log(`dist/paxos-video.js  raw ${kb(code.length)}  gzip ${kb(gz)}  brotli ${kb(brotliCompressSync(code).length)}`);
const GOAL = 32 * 1024;
console.log(gz <= GOAL ? `size: ok (goal ${kb(GOAL)} gzip)` : `size: over the goal of ${kb(GOAL)} gzip`);
process.exit(gz <= GOAL ? 0 : 1);
