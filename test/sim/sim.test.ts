/**
 * The simulator as a test: 2,000 seeds of faults must keep every safety property (exactly-once and read
 * linearizability included) and stay live once the faults stop, a seed must replay exactly, and every
 * planted bug must be caught.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MUTANTS } from './mutants.js';
import { failed, runRange, runSeeds } from './runner.js';
import { runSeed } from './world.js';

const SEEDS = 2000;

describe('simulator', () => {
  it(`keeps agreement, validity, order, configurations, promises, exactly-once, reads and the schema, and stays live, over ${SEEDS} seeds`, async () => {
    const results = await runSeeds(1, 1 + SEEDS, 2);
    assert.equal(results.length, SEEDS);
    const failures = results.filter(failed);
    assert.deepEqual(
      failures.map((f) => ({ seed: f.seed, violations: f.violations, stall: f.stall })),
      [],
      'replay a failing seed with: npm run sim -- --seed N --trace',
    );
    const decisions = results.reduce((n, r) => n + r.decisions, 0);
    const checked = results.filter((r) => r.livenessChecked).length;
    // The runs must actually decide things and mostly reach the liveness check, or they prove little.
    assert.ok(decisions > SEEDS * 10, `only ${decisions} decisions`);
    assert.ok(checked > SEEDS * 0.9, `liveness checked on only ${checked} seeds`);
    console.log(`sim: seeds=${SEEDS} decisions=${decisions} violations=0 stalls=0 (liveness checked on ${checked})`);
  });

  it('replays a seed exactly', () => {
    const a = runSeed({ seed: 4242, trace: true });
    const b = runSeed({ seed: 4242, trace: true });
    assert.ok(a.trace.length > 100);
    assert.deepEqual(a.trace, b.trace);
    assert.equal(a.messages, b.messages);
  });

  for (const mutant of MUTANTS) {
    it(`catches the planted bug "${mutant.name}": ${mutant.description}`, () => {
      const results = runRange({ from: 1, to: 501, mutant: mutant.name, stopAtFailure: true });
      const hit = results.find(failed);
      assert.ok(hit !== undefined, `${mutant.name} survived 500 seeds`);
      console.log(`  ${mutant.name}: caught at seed ${hit.seed}: ${hit.violations[0] ?? hit.stall}`);
    });
  }
});
