import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DriftController,
  type DriftDecision,
  DRIFT_PRESET_NAMES,
  JellyfinDriftController,
  OursDriftController,
  SyncplayDriftController,
  createDriftController,
  isDriftPresetName,
  parseDriftPresetName,
} from '../../src/playback/drift-controller.js';

/** One sample at `at` ms, `driftMs` off (positive: ahead), at `rate`. */
function at(c: DriftController, t: number, driftMs: number, currentRate = 1, decidedRate = 1): DriftDecision {
  const expected = 50 + t / 1000;
  return c.update({ at: t, expected, actual: expected + driftMs / 1000, currentRate, decidedRate });
}

/** Asserts `actual` is `expected` up to float noise in its numbers. */
function assertDecision(actual: DriftDecision, expected: DriftDecision): void {
  assert.equal(actual.action, expected.action, JSON.stringify(actual));
  for (const [key, value] of Object.entries(expected)) {
    if (typeof value !== 'number') continue;
    const got = (actual as Record<string, unknown>)[key];
    assert.ok(typeof got === 'number' && Math.abs(got - value) < 1e-6, `${key}: ${JSON.stringify(actual)}`);
  }
}

/** Feeds a sample every 100 ms over [from, to) with a constant drift; returns the non-`none` decisions and their times. */
function run(c: DriftController, from: number, to: number, driftMs: number, currentRate = 1) {
  const acted: Array<{ t: number; d: DriftDecision }> = [];
  for (let t = from; t < to; t += 100) {
    const d = at(c, t, driftMs, currentRate);
    if (d.action !== 'none') acted.push({ t, d });
  }
  return acted;
}

describe('jellyfin preset (SyncPlay web client defaults)', () => {
  it('enables correction 1.5 s after playback starts, then checks every 1.5 s', () => {
    const c = new JellyfinDriftController();
    const acted = run(c, 0, 1500, 200);
    assert.deepEqual(acted, [], 'nothing before sync is enabled');
    assert.equal(at(c, 1500, 100).action, 'nudge');
  });

  it('does nothing under 60 ms', () => {
    const c = new JellyfinDriftController();
    assert.deepEqual(run(c, 0, 10_000, 59), []);
    assert.deepEqual(run(new JellyfinDriftController(), 0, 10_000, -59), []);
  });

  it('when behind, plays at 1 + drift/1000 for one second, then returns to the decided rate', () => {
    const c = new JellyfinDriftController();
    at(c, 0, 0);
    assertDecision(at(c, 1500, -300), { action: 'nudge', driftMs: -300, rate: 1.3 });
    assert.equal(at(c, 2400, -300, 1.3).action, 'none', 'the speed period runs its course');
    assertDecision(at(c, 2500, -1, 1.3), { action: 'nudge', driftMs: -1, rate: 1 });
  });

  it('when ahead by 200 ms or more, plays at 0.2x for |drift|/0.8 ms', () => {
    const c = new JellyfinDriftController();
    at(c, 0, 0);
    const d = at(c, 1500, 250);
    assert.ok(d.action === 'nudge' && Math.abs(d.rate - 0.2) < 1e-12, JSON.stringify(d));
    assert.equal(at(c, 1500 + 312, 50, 0.2).action, 'none');
    assert.equal(at(c, 1500 + 313, 50, 0.2).action, 'nudge');
  });

  it('scales the speed with the decided rate', () => {
    const c = new JellyfinDriftController();
    at(c, 0, 0, 2, 2);
    const d = at(c, 1500, -100, 2, 2);
    assert.ok(d.action === 'nudge' && Math.abs(d.rate - 2.2) < 1e-12, JSON.stringify(d));
  });

  it('seeks (with no latency compensation) from 3 s, where SpeedToSync stops, and waits 1.5 s after', () => {
    const c = new JellyfinDriftController();
    at(c, 0, 0);
    const d = at(c, 1500, -3000);
    assert.deepEqual(d, { action: 'seek', driftMs: -3000, position: 50 + 1.5, rate: 1 });
    assert.equal(at(c, 2900, -3000).action, 'none', 'sync disabled after a seek');
    assert.equal(at(c, 3000, -3000).action, 'seek');
  });

  it('seeks from 400 ms when SpeedToSync is off', () => {
    const c = new JellyfinDriftController({ useSpeedToSync: false });
    at(c, 0, 0);
    assert.equal(at(c, 1500, 390).action, 'none');
    assert.equal(at(c, 3000, 410).action, 'seek');
  });
});

describe('syncplay preset (Syncplay client defaults)', () => {
  it('looks once a second', () => {
    const c = new SyncplayDriftController();
    assert.equal(at(c, 0, 1600).action, 'nudge');
    const c2 = new SyncplayDriftController();
    at(c2, 0, 0);
    assert.equal(at(c2, 900, 1600).action, 'none');
    assert.equal(at(c2, 1000, 1600).action, 'nudge');
  });

  it('slows to 0.95x when ahead by more than 1.5 s, until less than 0.1 s ahead', () => {
    const c = new SyncplayDriftController();
    assert.deepEqual(at(c, 0, 1500), { action: 'none', driftMs: 1500 }, 'exactly 1.5 s is not more than 1.5 s');
    assertDecision(at(c, 1000, 1501), { action: 'nudge', driftMs: 1501, rate: 0.95 });
    assert.equal(at(c, 2000, 800, 0.95).action, 'none');
    assert.equal(at(c, 3000, 100, 0.95).action, 'none', 'not yet below 0.1 s');
    assertDecision(at(c, 4000, 99, 0.95), { action: 'nudge', driftMs: 99, rate: 1 });
  });

  it('never slows down or seeks when behind by up to 5 s', () => {
    const c = new SyncplayDriftController();
    assert.deepEqual(run(c, 0, 60_000, -4900), []);
  });

  it('rewinds when ahead by more than 4 s (and slows down in the same update, as the client does)', () => {
    const c = new SyncplayDriftController();
    assertDecision(at(c, 0, 4001), { action: 'seek', driftMs: 4001, position: 50, rate: 0.95 });
    assertDecision(at(c, 1000, 0, 0.95), { action: 'nudge', driftMs: 0, rate: 1 });
  });

  it('fast-forwards 0.25 s past the expected position when behind by more than 5 s for 3.25 s, then rests 3 s', () => {
    const c = new SyncplayDriftController();
    const acted = run(c, 0, 12_000, -6000);
    assert.deepEqual(acted.map(({ t, d }) => [t, d.action]), [
      [4000, 'seek'], // first seen behind at 0; 4 s > 3.25 s
      [11_000, 'seek'], // the timer restarts 3 s after the seek (at 7 s), and again needs more than 3.25 s
    ]);
    const first = acted[0]!.d;
    assert.ok(first.action === 'seek' && Math.abs(first.position - (50 + 4 + 0.25)) < 1e-9, JSON.stringify(first));
  });
});

describe('drift presets by name', () => {
  it('lists and validates the names', () => {
    assert.deepEqual(DRIFT_PRESET_NAMES, ['ours', 'jellyfin', 'syncplay']);
    assert.equal(isDriftPresetName('jellyfin'), true);
    assert.equal(isDriftPresetName('Jellyfin'), false);
    assert.equal(isDriftPresetName(3), false);
    assert.equal(parseDriftPresetName('syncplay'), 'syncplay');
    assert.throws(() => parseDriftPresetName('vlc'), /unknown drift controller "vlc": expected one of ours, jellyfin, syncplay/);
  });

  it('creates the named controller, ours by default, with overrides', () => {
    assert.ok(createDriftController() instanceof OursDriftController, 'default');
    assert.equal(createDriftController('jellyfin').preset, 'jellyfin');
    assert.equal(createDriftController('syncplay').preset, 'syncplay');
    const custom = createDriftController('ours', { initialSeekLatencyMs: 250 }) as OursDriftController;
    assert.equal(custom.seekLatencyMs, 250);
    assert.throws(() => createDriftController('jellyfin', { minDelaySpeedToSync: Number.NaN }), /minDelaySpeedToSync/);
    assert.throws(() => createDriftController('nope' as 'ours'), /unknown drift controller/);
  });
});
