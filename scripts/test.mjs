#!/usr/bin/env node
// `npm test`: build, then every Node-side test (consensus, simulator, server, playback, net, package), then
// the browser tests in real Chromium. Each runner prints its own report; this script ends with one plain
// line that adds them up, `N passed, N failed`, and exits non-zero if any stage failed.
import { spawn } from 'node:child_process';
import { findChrome, HOW_TO_GET_CHROME } from './find-chrome.mjs';

const root = new URL('..', import.meta.url).pathname;

/** Runs a command, echoing its output, and resolves with its exit code and everything it printed. */
function run(cmd, args) {
  console.log(`\n> ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      text += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      text += chunk;
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), text }));
  });
}

// eslint-disable-next-line no-control-regex
const plain = (text) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

/** Counts from node --test's summaries (`ℹ pass N`, `ℹ fail N`), added up: run-node-tests.mjs runs groups. */
function nodeCounts(text) {
  const t = plain(text);
  const num = (label) => [...t.matchAll(new RegExp(`^ℹ ${label} (\\d+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
  return { passed: num('pass'), failed: num('fail') + num('cancelled') };
}

/** Counts from web-test-runner's progress lines (`| N passed, N failed`): the last value per group. */
function browserCounts(text) {
  const last = new Map();
  for (const m of plain(text).matchAll(/(\d+)\/(\d+) test files \| (\d+) passed, (\d+) failed/g)) {
    last.set(m[2], { passed: Number(m[3]), failed: Number(m[4]) });
  }
  let passed = 0;
  let failed = 0;
  for (const c of last.values()) {
    passed += c.passed;
    failed += c.failed;
  }
  return { passed, failed };
}

const build = await run('npm', ['run', '--silent', 'build']);
if (build.code !== 0) {
  console.log('\nbuild failed');
  process.exit(build.code);
}

const totals = { passed: 0, failed: 0 };
let failedStage = false;

const node = await run('npm', ['run', '--silent', 'test:node']);
const n = nodeCounts(node.text);
totals.passed += n.passed;
totals.failed += n.failed;
if (node.code !== 0) failedStage = true;

if (!findChrome()) {
  console.error(`\n${HOW_TO_GET_CHROME}`);
  console.log(`\n${totals.passed} passed, ${totals.failed} failed (browser tests not run: no Chrome or Chromium)`);
  process.exit(1);
}
const browser = await run('npm', ['run', '--silent', 'test:browser']);
const b = browserCounts(browser.text);
totals.passed += b.passed;
totals.failed += b.failed;
if (browser.code !== 0) failedStage = true;

console.log(`\nnode: ${n.passed} passed, ${n.failed} failed; browser: ${b.passed} passed, ${b.failed} failed`);
if (failedStage && totals.failed === 0) totals.failed = 1; // a runner failed without counting a test
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedStage ? 1 : 0);
