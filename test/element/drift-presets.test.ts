// The element's registry of drift-controller presets: `ours` built in, the baselines added by their own
// entry, clear problems for names that are not registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { driftPreset, driftPresetProblem, registerDriftPreset } from '../../src/element/drift-presets.js';
import { BASELINE_DRIFT_PRESETS, registerBaselineDriftControllers } from '../../src/drift-baselines.js';
import { SYNCPLAY_SHARED_CLOCK_OPTIONS } from '../../src/playback/drift-syncplay.js';
import { OursDriftController } from '../../src/playback/drift-ours.js';
import { JELLYFIN_SHARED_CLOCK_OPTIONS } from '../../src/playback/shared-clock.js';
import { runClosedLoop } from '../playback/simulated-video.js';

test('ours is built in, tuned for the media clock, with the default clock', () => {
  const ours = driftPreset('ours');
  assert.ok(ours);
  const a = ours.create();
  const b = ours.create();
  assert.ok(a instanceof OursDriftController);
  assert.notEqual(a, b, 'one controller per video');
  assert.equal(ours.clockOptions, undefined);
  assert.equal(driftPresetProblem('ours'), undefined);
});

test('ours ships the tuning the closed-loop tests run: it decides exactly as a controller with the defaults', () => {
  for (const initialDriftMs of [0, 40, -300]) {
    const shipped = runClosedLoop(driftPreset('ours')!.create(), { seed: 7, initialDriftMs, durationMs: 20_000 });
    const tested = runClosedLoop(new OursDriftController(), { seed: 7, initialDriftMs, durationMs: 20_000 });
    assert.deepEqual(shipped, tested, `initial drift ${initialDriftMs} ms`);
    assert.ok(shipped.some((s) => s.decision.action !== 'none'), 'the run made the controller act');
  }
});

test('an unknown name is a problem that lists what is registered and says where the baselines are', () => {
  assert.equal(driftPreset('jellyfin'), undefined);
  assert.equal(driftPresetProblem('vlc'), 'drift-controller="vlc" must be one of ours');
  assert.match(driftPresetProblem('jellyfin')!, /must be one of ours \(load paxos-video-baselines\.js for it\)/);
});

test('registering checks the name and the factory', () => {
  assert.throws(() => registerDriftPreset('Bad Name', { create: () => driftPreset('ours')!.create() }), TypeError);
  assert.throws(() => registerDriftPreset('', { create: () => driftPreset('ours')!.create() }), TypeError);
  assert.throws(() => registerDriftPreset('x'.repeat(33), { create: () => driftPreset('ours')!.create() }), TypeError);
  assert.throws(() => registerDriftPreset('nothing', {} as never), /create/);
  assert.equal(driftPreset('nothing'), undefined);
});

test('the baselines register jellyfin (with its clock filter) and syncplay through the element class', async () => {
  const registered: string[] = [];
  await registerBaselineDriftControllers({
    registerDriftController: (name, preset) => {
      registered.push(name);
      registerDriftPreset(name, preset);
    },
  });
  assert.deepEqual(registered, ['jellyfin', 'syncplay']);
  assert.equal(driftPreset('jellyfin')!.create().preset, 'jellyfin');
  assert.equal(driftPreset('jellyfin')!.clockOptions, JELLYFIN_SHARED_CLOCK_OPTIONS);
  assert.equal(driftPreset('syncplay')!.create().preset, 'syncplay');
  assert.equal(driftPreset('syncplay')!.clockOptions, SYNCPLAY_SHARED_CLOCK_OPTIONS);
  assert.equal(driftPreset('syncplay'), BASELINE_DRIFT_PRESETS.syncplay);
  assert.equal(driftPresetProblem('syncplay'), undefined);
  assert.match(driftPresetProblem('vlc')!, /must be one of ours, jellyfin, syncplay$/);
});
