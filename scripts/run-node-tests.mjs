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

// The two lab tests that run a room of three Chromium tabs and judge its timing run first and last, so that
// they do not run beside each other (two files run at a time): six browsers on two cores would be a test
// of the machine.
const apart = (f) => (f.endsWith('room-goals.test.ts') ? -1 : f.endsWith('turn-lab.test.ts') ? 1 : 0);

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .sort((a, b) => apart(a) - apart(b));
if (files.length === 0) {
  console.error('run-node-tests: no test files matched');
  process.exit(1);
}
// Two files at a time: the server and package tests mostly wait on I/O, so both cores stay busy.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
