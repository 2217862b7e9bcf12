import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DriftDecision, type DriftSample, OursDriftController, oursDriftController } from '../../src/playback/drift-controller.js';

const FRAME = 1000 / 30;

/**
 * Feeds `count` samples one frame apart from `start` ms, each `driftMs` off (a function of the sample's index
 * or a constant), at `currentRate`; returns the decisions.
 */
function feed(
  controller: OursDriftController,
  { start = 0, count, driftMs, currentRate = 1, decidedRate = 1 }: {
    start?: number;
    count: number;
    driftMs: number | ((i: number) => number);
    currentRate?: number;
    decidedRate?: number;
  },
): DriftDecision[] {
  const out: DriftDecision[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * FRAME;
    const expected = 100 + at / 1000;
    const d = typeof driftMs === 'number' ? driftMs : driftMs(i);
    out.push(controller.update({ at, expected, actual: expected + d / 1000, currentRate, decidedRate }));
  }
  return out;
}

const actions = (decisions: DriftDecision[]) => decisions.map((d) => d.action);

describe('ours drift controller', () => {
  it('waits for minSamples before deciding anything', () => {
    const c = new OursDriftController();
    assert.deepEqual(actions(feed(c, { count: 2, driftMs: 5000 })), ['none', 'none']);
    assert.equal(feed(c, { start: 2 * FRAME, count: 1, driftMs: 5000 })[0]!.action, 'seek');
  });

  it('does nothing inside the dead band', () => {
    const c = new OursDriftController();
    const out = feed(c, { count: 60, driftMs: (i) => (i % 2 ? 2.5 : -2.5) });
    assert.deepEqual(out.filter((d) => d.action !== 'none'), []);
  });

  it('nudges proportionally beyond the engage threshold: slower when ahead, faster when behind', () => {
    const ahead = feed(new OursDriftController(), { count: 3, driftMs: 30 })[2]!;
    assert.equal(ahead.action, 'nudge');
    // rate = 1 - drift / horizon = 1 - 0.030 / 0.6
    assert.ok(ahead.action === 'nudge' && Math.abs(ahead.rate - 0.95) < 1e-9, JSON.stringify(ahead));
    const behind = feed(new OursDriftController(), { count: 3, driftMs: -12 })[2]!;
    assert.ok(behind.action === 'nudge' && Math.abs(behind.rate - 1.02) < 1e-9, JSON.stringify(behind));
  });

  it('forgets the noise of a stall after a seek: correction starts at once, not seconds later', () => {
    const c = new OursDriftController();
    // A stalling video: measurements jump by ±60 ms around a drift that grows to -5 s.
    feed(c, { count: 300, driftMs: (i) => (i % 2 ? 60 : -60) });
    const stall = feed(c, { start: 300 * FRAME, count: 3, driftMs: -5000 });
    assert.equal(stall[2]!.action, 'seek');
    // The seek lands 20 ms behind: well above the 3 ms engage threshold once the noise is forgotten (with it,
    // 3 times ±60 ms of noise held the threshold near 180 ms and this drift was left alone for seconds).
    const after = feed(c, { start: 400 * FRAME + 2000, count: 30, driftMs: -20 });
    const first = after.findIndex((d) => d.action === 'nudge');
    assert.ok(first >= 0 && first <= 5, `first nudge after ${first} samples: ${actions(after).join(' ')}`);
  });

  it('caps the nudge at maxNudge', () => {
    const d = feed(new OursDriftController(), { count: 3, driftMs: -150 })[2]!;
    assert.ok(d.action === 'nudge' && Math.abs(d.rate - 1.08) < 1e-9, JSON.stringify(d));
    const half = feed(new OursDriftController(), { count: 3, driftMs: 150, decidedRate: 0.5, currentRate: 0.5 })[2]!;
    assert.ok(half.action === 'nudge' && Math.abs(half.rate - 0.46) < 1e-9, 'the cap is relative to the decided rate');
  });

  it('holds a rate for holdMs and ignores changes smaller than minRateStep', () => {
    const c = new OursDriftController();
    const first = feed(c, { count: 3, driftMs: 30 })[2]!;
    assert.equal(first.action, 'nudge');
    const rate = (first as { rate: number }).rate;
    // Drift halves at once: a new rate is due, but not before holdMs (250 ms = 7.5 frames).
    const next = feed(c, { start: 3 * FRAME, count: 10, driftMs: 15, currentRate: rate });
    const firstChange = next.findIndex((d) => d.action !== 'none');
    assert.ok((3 + firstChange) * FRAME - 2 * FRAME >= 250, `changed after ${firstChange} frames`);
    // Steady drift: the proportional rate stays within minRateStep of the current one, so nothing changes.
    const settled = new OursDriftController();
    const nudge = feed(settled, { count: 3, driftMs: 12 })[2] as { rate: number };
    const steady = feed(settled, { start: 3 * FRAME, count: 30, driftMs: 12.5, currentRate: nudge.rate });
    assert.ok(steady.every((d) => d.action === 'none'), 'a 0.08 % change is not worth making');
  });

  it('releases to the base rate within releaseMs, at once, and does not re-engage until beyond engageMs', () => {
    const c = new OursDriftController();
    const nudge = feed(c, { count: 3, driftMs: 20 })[2] as { rate: number };
    const release = feed(c, { start: 3 * FRAME, count: 3, driftMs: 0.3, currentRate: nudge.rate }).at(-1)!;
    assert.equal(release.action, 'nudge');
    // The base rate: the decided rate (no quiet period yet, so no trim learned).
    assert.ok(release.action === 'nudge' && release.rate === 1 && c.rateTrim === 0, JSON.stringify(release));
    if (release.action !== 'nudge') return;
    // Between release and engage: hysteresis keeps it quiet.
    const quiet = feed(c, { start: 6 * FRAME, count: 30, driftMs: 2, currentRate: release.rate });
    assert.deepEqual(quiet.filter((d) => d.action !== 'none'), []);
  });

  it('corrects a drift that stays inside the dead band, on one side, for 2 s; not one that only passes by', () => {
    // 2.8 ms behind for 60 samples (2 s): within the 3 ms dead band, so nothing yet.
    const c = new OursDriftController();
    const wait = feed(c, { count: 60, driftMs: -2.8 });
    assert.deepEqual(wait.filter((d) => d.action !== 'none'), []);
    // It stays: corrected (faster, as it is behind).
    const later = feed(c, { start: 60 * FRAME, count: 6, driftMs: -2.8 }).find((d) => d.action !== 'none');
    assert.ok(later?.action === 'nudge' && later.rate > 1, JSON.stringify(later));
    // One that changes side is noise, and within a sixth of the band (0.5 ms) it is nothing: no correction.
    const flips = new OursDriftController();
    const noise = feed(flips, { count: 240, driftMs: (i) => (Math.floor(i / 40) % 2 ? 2.5 : -2.5) });
    assert.deepEqual(noise.filter((d) => d.action !== 'none'), []);
    const near = feed(new OursDriftController(), { count: 240, driftMs: 0.45 });
    assert.deepEqual(near.filter((d) => d.action !== 'none'), []);
  });

  it('corrects a small drift that lasts, with at least the smallest rate step', () => {
    // 1.1 ms ahead: the proportional step (1.1 ms over the 600 ms horizon, 0.18 %) is below minRateStep
    // (0.2 %); a correction that took only that step was engaged and changed nothing, for good.
    for (const driftMs of [1.1, -0.7]) {
      const c = new OursDriftController();
      const first = feed(c, { count: 90, driftMs }).find((d) => d.action !== 'none');
      assert.ok(first?.action === 'nudge', `${driftMs} ms: ${JSON.stringify(first)}`);
      if (first?.action !== 'nudge') return;
      assert.ok(Math.abs(first.rate - 1) >= 0.002 - 1e-12 && (first.rate < 1) === driftMs > 0, `${driftMs} ms: rate ${first.rate}`);
    }
  });

  it('ignores a single outlier measurement (median filter)', () => {
    const c = new OursDriftController();
    const out = feed(c, { count: 40, driftMs: (i) => (i === 20 ? 500 : 1) });
    assert.ok(out.every((d) => d.action === 'none'), JSON.stringify(out.filter((d) => d.action !== 'none')));
  });

  it('seeks beyond the threshold, aiming ahead by the seek latency', () => {
    const c = oursDriftController({ initialSeekLatencyMs: 100 });
    const d = feed(c, { count: 3, driftMs: -400, decidedRate: 1.5, currentRate: 1.5 })[2]!;
    assert.equal(d.action, 'seek');
    const expected = 100 + (2 * FRAME) / 1000;
    assert.ok(d.action === 'seek' && Math.abs(d.position - (expected + 0.1 * 1.5)) < 1e-9, JSON.stringify(d));
    assert.equal(d.action === 'seek' && d.rate, 1.5);
  });

  it('does not seek for a drift below the threshold', () => {
    const out = feed(new OursDriftController(), { count: 30, driftMs: 190 });
    assert.deepEqual(out.filter((d) => d.action === 'seek'), []);
  });

  it('ignores samples while a seek settles and while the video reports seeking', () => {
    const c = oursDriftController({ initialSeekLatencyMs: 100, seekSettleMs: 200 });
    assert.equal(feed(c, { count: 3, driftMs: 1000 })[2]!.action, 'seek');
    // Still 1000 ms off during the next 300 ms (the seek has not landed): no second seek, no nudge.
    const during = feed(c, { start: 3 * FRAME, count: 9, driftMs: 1000 });
    assert.deepEqual(during.filter((d) => d.action !== 'none'), []);
    const seeking = new OursDriftController();
    const s: DriftSample = { at: 0, expected: 10, actual: 20, currentRate: 1, decidedRate: 1, seeking: true };
    for (let i = 0; i < 10; i++) assert.equal(seeking.update({ ...s, at: i * FRAME }).action, 'none');
  });

  it('learns the seek latency from where seeks land', () => {
    const c = oursDriftController({ initialSeekLatencyMs: 50, seekLatencyGain: 0.5 });
    feed(c, { count: 3, driftMs: 1000 });
    // The seek aimed 50 ms ahead but landed 60 ms behind: it really took 110 ms.
    feed(c, { start: 20 * FRAME, count: 3, driftMs: -60 });
    assert.ok(Math.abs(c.seekLatencyMs - 80) < 1e-9, String(c.seekLatencyMs));
  });

  it('seeks at most once per seekHoldMs', () => {
    const c = oursDriftController({ seekHoldMs: 1000 });
    const out = feed(c, { count: 60, driftMs: 1000 }); // the video never follows: 2 s of samples
    const seeks = out.map((d, i) => (d.action === 'seek' ? i * FRAME : -1)).filter((t) => t >= 0);
    assert.ok(seeks.length >= 2, `seeks at ${seeks.join(', ')}`);
    for (let i = 1; i < seeks.length; i++) assert.ok(seeks[i]! - seeks[i - 1]! >= 1000, `seeks at ${seeks.join(', ')}`);
  });

  it('learns a trim from how fast drift creeps back during a quiet period', () => {
    const c = oursDriftController({ trimGain: 1 });
    // Released at 0 drift, then drift grows 2 ms/s (the video runs 0.2 % fast) until it engages past 3 ms,
    // after a quiet period longer than minQuietMs.
    const out = feed(c, { count: 90, driftMs: (i) => (i * FRAME * 2) / 1000 });
    const engagedAt = out.findIndex((d) => d.action === 'nudge');
    assert.ok(engagedAt * FRAME > 1000, `it engages once the drift passes 3 ms (frame ${engagedAt})`);
    // Learned on engaging, and only then: correcting teaches it nothing.
    assert.ok(Math.abs(c.rateTrim - -0.002) < 1e-9, String(c.rateTrim));
  });

  it('moves to a changed base rate (new trim or decided rate) without waiting for drift', () => {
    const c = new OursDriftController();
    const out = feed(c, { count: 10, driftMs: 0, decidedRate: 1.25, currentRate: 1 });
    assert.deepEqual(out.find((d) => d.action !== 'none'), { action: 'nudge', driftMs: 0, rate: 1.25 });
  });

  it('starts over when time runs backwards, keeping what it learned', () => {
    const c = oursDriftController({ initialSeekLatencyMs: 50, seekLatencyGain: 0.5 });
    feed(c, { start: 10_000, count: 3, driftMs: 1000 });
    feed(c, { start: 10_000 + 20 * FRAME, count: 3, driftMs: -60 });
    const learned = c.seekLatencyMs;
    assert.deepEqual(actions(feed(c, { start: 0, count: 2, driftMs: 1000 })), ['none', 'none']);
    assert.equal(c.seekLatencyMs, learned);
  });

  it('reset forgets measurements but not the learned latency and trim', () => {
    const c = oursDriftController({ initialSeekLatencyMs: 50 });
    feed(c, { count: 3, driftMs: 1000 });
    feed(c, { start: 20 * FRAME, count: 3, driftMs: -60 });
    const learned = c.seekLatencyMs;
    c.reset();
    assert.deepEqual(actions(feed(c, { start: 40 * FRAME, count: 2, driftMs: 1000 })), ['none', 'none']);
    assert.equal(c.seekLatencyMs, learned);
  });

  it('throws a RangeError on bad samples and bad options', () => {
    const c = new OursDriftController();
    const good: DriftSample = { at: 0, expected: 1, actual: 1, currentRate: 1, decidedRate: 1 };
    assert.throws(() => c.update({ ...good, actual: Number.NaN }), /actual must be finite/);
    assert.throws(() => c.update({ ...good, at: Number.POSITIVE_INFINITY }), /at must be finite/);
    assert.throws(() => c.update({ ...good, currentRate: 0 }), /currentRate must be > 0/);
    assert.throws(() => c.update({ ...good, decidedRate: -1 }), /decidedRate must be > 0/);
    assert.throws(() => oursDriftController({ maxNudge: -0.1 }), /maxNudge/);
    assert.throws(() => oursDriftController({ engageMs: 1, releaseMs: 5 }), /releaseMs <= engageMs/);
    assert.throws(() => oursDriftController({ minSamples: 9 }), /minSamples/);
  });
});
