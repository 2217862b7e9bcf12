#!/usr/bin/env node
// Runs every Node-side test (test/**/*.test.ts outside test/browser/) on Node's own test runner,
// with TypeScript through tsx. Node 20's `--test` takes no globs, so the files are listed here.
// Extra arguments narrow the run: `npm run test:node -- consensus` runs files whose path contains "consensus".
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'browser' || name === 'node_modules' ? [] : walk(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

// The two lab tests that run a room of three Chromium tabs and judge its timing run alone, one after the
// other, before the rest: beside another test file (two run at a time) the browsers' video stalls on two
// cores, and a room that cannot play smoothly tests the machine, not the product (a fresh-clone CI run saw
// the room test's returning tab stall again and again while the consensus tests ran beside it).
const ALONE = ['room-goals.test.ts', 'turn-lab.test.ts'];
const isAlone = (f) => ALONE.some((name) => f.endsWith(name));

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('run-node-tests: no test files matched');
  process.exit(1);
}

/** Runs `list` on Node's test runner, `concurrency` files at a time; resolves with its exit code. */
function run(list, concurrency) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// Every group runs even when one fails, so a run reports every failure; the exit code is the first failure's.
const groups = [...files.filter(isAlone).map((f) => ({ list: [f], concurrency: 1 }))];
const rest = files.filter((f) => !isAlone(f));
// Two files at a time: the server and package tests mostly wait on I/O, so both cores stay busy.
if (rest.length > 0) groups.push({ list: rest, concurrency: 2 });
let exitCode = 0;
for (const { list, concurrency } of groups) {
  const code = await run(list, concurrency);
  exitCode ||= code;
}
process.exit(exitCode);
