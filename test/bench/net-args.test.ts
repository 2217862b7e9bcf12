// The net benchmark's command line (bench/lib/net-args.ts): defaults, the quick and long steady runs, and a
// clear message for bad input (bench/net.ts prints it with the usage and exits 2).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNetArgs, UsageError } from '../../bench/lib/net-args.js';
import { PROFILE_NAMES } from '../../lab/profiles.js';

describe('bench:net arguments', () => {
  test('defaults: every profile, every long cut, both presets', () => {
    const d = parseNetArgs([])!;
    assert.deepEqual(d.profiles, [...PROFILE_NAMES]);
    assert.deepEqual(d.longCuts, [...PROFILE_NAMES]);
    assert.deepEqual([d.quick, d.presets, d.steadySeconds, d.commands], [false, true, 30, 30]);
    const q = parseNetArgs(['--quick'])!;
    assert.deepEqual([q.quick, q.longCuts, q.steadySeconds, q.commands], [true, [], 3, 3]);
  });

  test('a long steady run of ours alone on one profile', () => {
    const o = parseNetArgs(['--profiles', 'mobile', '--steady', '600', '--long-cuts', 'none', '--no-presets'])!;
    assert.deepEqual([o.profiles, o.longCuts, o.steadySeconds, o.presets], [['mobile'], [], 600, false]);
  });

  for (const [argv, message] of [
    [['--profiles', 'moon'], /^--profiles: a comma-separated list of lan/],
    [['--steady', '601'], /^--steady: must be at most 600 \(got "601"\)$/],
    [['--presets'], /^unknown option --presets$/],
  ] as const) {
    test(`refuses ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseNetArgs(argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});
