/** The simulator's command line: documented flags, defaults, and clear errors for bad input. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSimArgs } from './cli-args.js';
import { defaultWorkers } from './runner.js';

describe('npm run sim command line', () => {
  it('gives the documented defaults', () => {
    assert.deepEqual(parseSimArgs([]), {
      seeds: 500,
      from: 1,
      seed: undefined,
      workers: defaultWorkers(),
      trace: false,
      mutants: false,
      stats: false,
      json: undefined,
      skip: undefined,
    });
  });

  it('reads every flag, in both --flag value and --flag=value forms', () => {
    const args = parseSimArgs(['--seeds', '100000', '--from=7', '--workers', '3', '--json', 'out.json', '--skip', 'exactly-once,,reads', '--stats']);
    assert.equal(args === 'help' ? args : args.seeds, 100000);
    assert.deepEqual(args === 'help' ? args : [args.from, args.workers, args.json, args.skip, args.stats], [7, 3, 'out.json', ['exactly-once', 'reads'], true]);
    const one = parseSimArgs(['--seed', '0', '--trace']);
    assert.deepEqual(one === 'help' ? one : [one.seed, one.trace], [0, true]);
    assert.equal(parseSimArgs(['-h']), 'help');
    assert.equal(parseSimArgs(['--help']), 'help');
  });

  it('refuses bad values and unknown flags with a message that names them', () => {
    assert.throws(() => parseSimArgs(['--seeds', '0']), /--seeds needs an integer >= 1, got 0/);
    assert.throws(() => parseSimArgs(['--seeds', '1e3']), /--seeds needs an integer >= 1, got 1e3/);
    assert.throws(() => parseSimArgs(['--workers', '-2']), /--workers/);
    assert.throws(() => parseSimArgs(['--seed']), /--seed/);
    assert.throws(() => parseSimArgs(['--sed', '4']), /--sed.*try --help/);
    assert.throws(() => parseSimArgs(['stray']), /stray.*try --help/);
  });
});
