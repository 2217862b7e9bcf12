// The benchmarks' page timelines (bench/lib/timeline.ts): what a gap between two samples of a page means.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_FRAME_GAP_MS, PageTimeline } from '../../bench/lib/timeline.js';

/** Points 33 ms apart at rate 1 from (t, p), then a gap of `gapMs` over which the position moved `movedS`. */
function withGap(gapMs: number, movedS: number): [number, number][] {
  const points: [number, number][] = [];
  for (let k = 0; k <= 3; k++) points.push([1000 + 33 * k, 10 + 0.033 * k]);
  const [t, p] = points[points.length - 1]!;
  for (let k = 0; k <= 3; k++) points.push([t + gapMs + 33 * k, p + movedS + 0.033 * k]);
  return points;
}

describe('bench page timelines', () => {
  test('a media clock that ran through a gap (a page busy for 240 ms) is interpolated across it', () => {
    assert.ok(240 > MAX_FRAME_GAP_MS);
    const clock = new PageTimeline(withGap(240, 0.24), true);
    // Halfway through the gap: 120 ms on from the last sample before it.
    assert.ok(Math.abs(clock.positionAt(1099 + 120)! - (10.099 + 0.12)) < 1e-9, `got ${clock.positionAt(1219)}`);
  });

  test('presented frames hold across such a gap: the last frame stayed on screen', () => {
    const frames = new PageTimeline(withGap(240, 0.24));
    assert.equal(frames.positionAt(1099 + 120), 10.099);
  });

  test('a media clock holds across a gap in which it stalled, paused, or seeked', () => {
    for (const [moved, what] of [
      [0, 'stalled'],
      [0.1, 'paused for part of it'],
      [2, 'seeked ahead'],
    ] as const) {
      const clock = new PageTimeline(withGap(240, moved), true);
      assert.equal(clock.positionAt(1099 + 120), 10.099, what);
    }
  });

  test('a short gap is interpolated either way', () => {
    for (const clock of [true, false]) {
      const tl = new PageTimeline(withGap(100, 0.1), clock);
      assert.ok(Math.abs(tl.positionAt(1149)! - 10.149) < 1e-9);
    }
  });
});
