/**
 * The widget's size budget: dist/paxos-video.js (what a page loads with one script tag) is at most 32 KB
 * gzipped, measured as `npm run size` does (level 9). `npm test` builds first; this fails as soon as a change
 * pushes the bundle over, with the figure, rather than letting it grow unnoticed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';

const root = new URL('../../', import.meta.url).pathname;
const BUDGET = 32 * 1024;

it(`dist/paxos-video.js is at most ${BUDGET} bytes gzipped`, () => {
  const code = readFileSync(join(root, 'dist/paxos-video.js'));
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`dist/paxos-video.js: ${code.length} bytes, ${gzipped} gzipped (budget ${BUDGET})`);
  assert.ok(gzipped <= BUDGET, `dist/paxos-video.js is ${gzipped} bytes gzipped, over the budget of ${BUDGET}`);
});
