// The sync benchmark's command line (bench/lib/args.ts): defaults, every flag, and a clear message for
// each kind of bad input (bench/sync.ts prints it with the usage and exits 2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs, UsageError } from '../../bench/lib/args.js';

describe('bench:sync arguments', () => {
  test('defaults, and the quick run', () => {
    const d = parseArgs([])!;
    assert.deepEqual({ ...d, seed: 0 }, {
      pages: 4, quick: false, steadySeconds: 30, warmupSeconds: 5, commands: 54, seed: 0, maxSkewMs: 2000,
      outDir: 'bench/results', widget: undefined, raw: false, trace: false,
    });
    assert.ok(Number.isInteger(d.seed) && d.seed >= 0);
    const q = parseArgs(['--quick'])!;
    assert.deepEqual([q.quick, q.steadySeconds, q.warmupSeconds, q.commands], [true, 8, 3, 12]);
  });

  test('every flag, in both spellings', () => {
    assert.deepEqual(
      parseArgs(['--pages', '5', '--steady=12.5', '--warmup', '2', '--commands=9', '--seed', '42', '--max-skew', '0', '--out', 'x', '--widget=w.js', '--trace', '--raw']),
      { pages: 5, quick: false, steadySeconds: 12.5, warmupSeconds: 2, commands: 9, seed: 42, maxSkewMs: 0, outDir: 'x', widget: 'w.js', raw: true, trace: true },
    );
    assert.equal(parseArgs(['--pages', '5', '--help']), undefined);
    assert.equal(parseArgs(['-h']), undefined);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--pages', '2'], /^--pages: must be at least 3 \(got "2"\)$/],
    [['--pages', 'four'], /^--pages: must be an integer \(got "four"\)$/],
    [['--steady', '601'], /^--steady: must be at most 600/],
    [['--out='], /^--out: empty/],
    [['--pages'], /^--pages: needs a value$/],
    [['--bogus'], /^unknown option --bogus$/],
    [['extra'], /^unknown option extra$/],
  ];
  for (const [argv, message] of bad) {
    test(`refuses ${JSON.stringify(argv)}`, () => {
      assert.throws(() => parseArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
    });
  }
});
