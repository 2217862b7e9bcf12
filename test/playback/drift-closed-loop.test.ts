/**
 * Closed-loop runs of the drift controllers against a simulated video (simulated-video.ts): a device whose
 * real speed is off, noisy measurements with outliers, seeks that land late, rate changes that apply late.
 * Deterministic: every run is seeded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OursDriftController, createDriftController } from '../../src/playback/drift-controller.js';
import { type LoopConditions, runClosedLoop, summarize } from './simulated-video.js';

/** One frame at 60 Hz, the target: every tab on the same frame of a 60 Hz display. */
const FRAME_MS = 1000 / 60;

const CONDITIONS: Record<string, Partial<LoopConditions>> = {
  'default (30 fps, device 0.3 % fast, ±3 ms jitter, 2 % outliers, seeks land in 120±15 ms)': {},
  'rate changes apply 120 ms late': { rateLatencyMs: 120 },
  'seeks land in 350±100 ms': { seekLatencyMs: 350, seekLatencyJitterMs: 100 },
  '60 fps frame callbacks': { sampleIntervalMs: 1000 / 60 },
  '24 fps frame callbacks': { sampleIntervalMs: 1000 / 24 },
  'decided rate 2': { decidedRate: 2 },
  'decided rate 0.5': { decidedRate: 0.5 },
  'device 1 % slow': { rateError: -0.01 },
};
const INITIAL_DRIFTS_MS = [0, 100, -250, 2000];
const SEEDS = [1, 2, 3, 4, 5];

describe('closed loop: ours, as the element ships it (its defaults)', () => {
  it('a late joiner 300 ms ahead converges within one frame in under 2 s and stays there without oscillating', () => {
    const controller = new OursDriftController();
    const steps = runClosedLoop(controller, { initialDriftMs: 300 });
    const run = summarize(steps, FRAME_MS);
    assert.ok(run.convergedAt <= 2000, `converged at ${run.convergedAt} ms`);
    assert.equal(run.seeks, 1, 'one seek, no second try');
    const steady = summarize(steps, FRAME_MS, run.convergedAt + 1000);
    assert.ok(steady.p95AbsDriftMs <= FRAME_MS / 2, `p95 ${steady.p95AbsDriftMs} ms`);
    assert.equal(steady.swings, 0, 'no swing from one side of the timeline to the other');
    assert.equal(steady.seeks, 0);
    // The shipped 3 ms dead band sits at the simulated ±3 ms measurement jitter, so here it corrects about
    // every 1.5 s (a real media clock is smoother: the sync benchmark sees 1.5-2 corrections a minute).
    assert.ok(steady.nudges <= 45, `${steady.nudges} rate changes in the last ${(60_000 - run.convergedAt) / 1000} s`);
    assert.ok(Math.abs(controller.rateTrim - -0.003) < 0.0005, `learned trim ${controller.rateTrim} for a device 0.3 % fast`);
  });

  for (const [name, conditions] of Object.entries(CONDITIONS)) {
    it(`converges and holds one frame: ${name}`, () => {
      for (const seed of SEEDS) {
        for (const initialDriftMs of INITIAL_DRIFTS_MS) {
          const label = `seed ${seed}, initial drift ${initialDriftMs} ms`;
          const steps = runClosedLoop(new OursDriftController(), { ...conditions, seed, initialDriftMs });
          const run = summarize(steps, FRAME_MS);
          assert.ok(run.convergedAt <= 4000, `${label}: converged at ${run.convergedAt} ms`);
          assert.ok(run.seeks <= 2, `${label}: ${run.seeks} seeks`);
          const steady = summarize(steps, FRAME_MS, run.convergedAt + 1000);
          assert.ok(steady.maxAbsDriftMs <= 12, `${label}: max ${steady.maxAbsDriftMs} ms`);
          assert.ok(steady.p95AbsDriftMs <= FRAME_MS / 2, `${label}: p95 ${steady.p95AbsDriftMs} ms`);
          assert.equal(steady.swings, 0, `${label}: swings`);
          assert.equal(steady.seeks, 0, `${label}: seeks after converging`);
        }
      }
    });
  }

  it('with heavy measurement noise (±8 ms, 5 % outliers of ±60 ms) stays within a frame 97 % of the time', () => {
    for (const seed of SEEDS) {
      const steps = runClosedLoop(new OursDriftController(), { seed, jitterMs: 8, outlierProbability: 0.05, outlierMs: 60 });
      const later = steps.filter((s) => s.at >= 5000);
      const within = later.filter((s) => Math.abs(s.trueDriftMs) <= FRAME_MS).length / later.length;
      assert.ok(within >= 0.97, `seed ${seed}: ${(within * 100).toFixed(1)} % within one frame`);
      const steady = summarize(steps, FRAME_MS, 5000);
      assert.ok(steady.maxAbsDriftMs <= 2 * FRAME_MS, `seed ${seed}: max ${steady.maxAbsDriftMs} ms`);
      assert.ok(steady.swings <= 2, `seed ${seed}: ${steady.swings} swings`);
      assert.equal(steady.seeks, 0);
    }
  });

  it('learns what a rate change costs where each freezes the picture (WebKit\'s GStreamer ports): corrections become rare and hold', () => {
    // WebKitGTK measured here: every playbackRate change is a flushing seek that sets the video back ~20 ms.
    // Nudged as on the other engines (a change every 250 ms), the video stays 55 ms behind with ~145 changes
    // a minute (the shipped controller before rule 5 did exactly that, here and in the cross-engine test).
    for (const seed of SEEDS) {
      for (const initialDriftMs of [0, 100, -250]) {
        const label = `seed ${seed}, initial drift ${initialDriftMs} ms`;
        const controller = new OursDriftController();
        const steps = runClosedLoop(controller, { seed, initialDriftMs, rateStallMs: 25, rateStallJitterMs: 10 });
        assert.ok(Math.abs(controller.rateChangeCostMs - 25) <= 10, `${label}: learned a cost of ${controller.rateChangeCostMs} ms, true 25±10`);
        const steady = summarize(steps, FRAME_MS, 10_000);
        // Within the dead band of costly corrections (the cost, at most 40 ms), mostly within two frames.
        assert.ok(steady.maxAbsDriftMs <= 40, `${label}: max ${steady.maxAbsDriftMs} ms`);
        assert.ok(steady.p95AbsDriftMs <= 2 * FRAME_MS, `${label}: p95 ${steady.p95AbsDriftMs} ms`);
        assert.ok(steady.nudges <= 10, `${label}: ${steady.nudges} rate changes in 50 s`);
        assert.equal(steady.seeks, 0, `${label}: seeks`);
      }
    }
  });

  it('with costly changes and a trim learned, a drift met at a rate off the base (the room changed its rate) is corrected', () => {
    // Trained as on WebKit on a device 0.3 % fast: a cost of ~25 ms and a trim of about -0.3 %. Then the room's
    // rate changes: the video takes the decided rate (not decided x (1 + trim)) and its freeze leaves it 87 ms
    // behind. Taking the rate off the base for a correction under way, the controller waited for its end for good.
    const controller = new OursDriftController();
    const steps = runClosedLoop(controller, { seed: 1, rateStallMs: 25, rateStallJitterMs: 10 });
    assert.ok(controller.rateChangeCostMs > 15 && controller.rateTrim < -0.001, `cost ${controller.rateChangeCostMs} ms, trim ${controller.rateTrim}`);
    controller.reset(); // a new timeline: the measurements go, what was learned stays
    const start = steps.at(-1)!.at + 1000;
    const decided = 1.25;
    const decisions: string[] = [];
    for (let i = 0; i < 30; i++) {
      const at = start + i * FRAME_MS;
      const expected = 10 + ((at - start) / 1000) * decided;
      const d = controller.update({ at, expected, actual: expected - 0.087, currentRate: decided, decidedRate: decided });
      decisions.push(d.action === 'nudge' ? `nudge ${d.rate.toFixed(4)}` : d.action);
    }
    const first = decisions.find((d) => d !== 'none');
    assert.ok(first?.startsWith('nudge') && Number(first.split(' ')[1]) > decided, decisions.join(', '));
  });

  it('learns the seek latency: each recovery from a stall lands closer', () => {
    const controller = new OursDriftController();
    const stalls = [10_000, 20_000, 30_000, 40_000].map((at) => ({ at, durationMs: 500 }));
    const steps = runClosedLoop(controller, { initialDriftMs: 1000, stalls, seekLatencyJitterMs: 0 });
    // Where each seek landed: the first settled measurement 200 ms after it was issued.
    const landings: number[] = [];
    steps.forEach((s, i) => {
      if (s.decision.action !== 'seek') return;
      const landed = steps.slice(i).find((x) => !x.seeking && x.at >= s.at + 200);
      if (landed !== undefined) landings.push(Math.abs(landed.trueDriftMs));
    });
    assert.equal(landings.length, 5, `seeks: ${landings.length}`);
    assert.ok(landings[0]! > 30, `the first seek, aimed with the 80 ms guess, lands ${landings[0]} ms off`);
    assert.ok(landings.at(-1)! < 5, `the last lands ${landings.at(-1)} ms off: ${landings.map((x) => x.toFixed(1)).join(', ')}`);
    for (let i = 1; i < landings.length; i++) assert.ok(landings[i]! < landings[i - 1]!, `landings ${landings.join(', ')}`);
    assert.ok(Math.abs(controller.seekLatencyMs - 120) < 5, `learned ${controller.seekLatencyMs} ms, true 120 ms`);
  });
});

describe('closed loop: the comparison presets behave as documented', () => {
  it('jellyfin lets drift grow to 60 ms before correcting: ours is more than 3x tighter in the same conditions', () => {
    const conditions = { initialDriftMs: 300 };
    const jellyfin = runClosedLoop(createDriftController('jellyfin'), conditions);
    const ours = runClosedLoop(createDriftController('ours'), conditions);
    const theirs = summarize(jellyfin, FRAME_MS, 10_000);
    const mine = summarize(ours, FRAME_MS, 10_000);
    assert.equal(theirs.seeks, 0, 'SpeedToSync covers drift up to 3 s');
    assert.ok(theirs.maxAbsDriftMs >= 55 && theirs.maxAbsDriftMs <= 70, `jellyfin max ${theirs.maxAbsDriftMs} ms`);
    assert.ok(mine.p95AbsDriftMs * 3 < theirs.p95AbsDriftMs, `p95 ours ${mine.p95AbsDriftMs} vs jellyfin ${theirs.p95AbsDriftMs}`);
    // Its first correction: at 1.5 s, ahead by 300 ms, so 0.2x for 375 ms, then back to 1x.
    const actions = jellyfin.filter((s) => s.decision.action !== 'none');
    const [first, second] = actions;
    assert.ok(first !== undefined && first.at >= 1500 && first.decision.action === 'nudge', JSON.stringify(first));
    assert.ok(first.decision.action === 'nudge' && Math.abs(first.decision.rate - 0.2) < 1e-9);
    assert.ok(second !== undefined && second.decision.action === 'nudge' && second.decision.rate === 1);
    assert.ok(second.at - first.at >= 375 && second.at - first.at < 375 + 34, `${second.at - first.at} ms at 0.2x`);
  });

  it('syncplay slows a tab 2 s ahead to 0.95x until within 0.1 s, then leaves sub-second drift alone', () => {
    const steps = runClosedLoop(createDriftController('syncplay'), { initialDriftMs: 2000 });
    const actions = steps.filter((s) => s.decision.action !== 'none');
    assert.equal(actions.length, 2, JSON.stringify(actions.map((s) => [s.at, s.decision])));
    const [slow, restore] = actions as [(typeof actions)[0], (typeof actions)[0]];
    assert.ok(slow.at === 0 && slow.decision.action === 'nudge' && slow.decision.rate === 0.95);
    assert.ok(restore.decision.action === 'nudge' && restore.decision.rate === 1);
    assert.ok(restore.decision.driftMs < 100 && restore.trueDriftMs < 110, `restored at ${restore.trueDriftMs} ms`);
    // 1.9 s to lose at 5 % minus 0.3 % of device error: about 40 s.
    assert.ok(restore.at > 35_000 && restore.at < 45_000, `restored at ${restore.at} ms`);
    const last = steps.at(-1)!;
    assert.ok(last.trueDriftMs > restore.trueDriftMs + 40, 'the device error accumulates uncorrected below 1.5 s');
  });
});
