/**
 * The inspector's geometry: sparklines scale into their box (drift centred on zero), and the star layout puts
 * this tab in the middle with the others on a ring in a stable order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { along, starLayout } from '../../src/inspector/layout.js';
import { sparklinePoints, sparklineScale } from '../../src/inspector/sparkline.js';
import { compareBallots, formatBallot, formatMs, maxBallot } from '../../src/inspector/format.js';

const parse = (points: string) => points.split(' ').map((p) => p.split(',').map(Number) as [number, number]);

describe('sparkline', () => {
  it('spreads values from left to right, larger values higher', () => {
    const pts = parse(sparklinePoints([0, 5, 10], { width: 22, height: 12, pad: 1 }));
    assert.deepEqual(
      pts.map((p) => p[0]),
      [1, 11, 21],
    );
    assert.deepEqual(
      pts.map((p) => p[1]),
      [11, 6, 1],
    );
  });

  it('centres signed values on zero when symmetric', () => {
    assert.deepEqual(sparklineScale([-2, 8], { symmetric: true }), { low: -8, high: 8 });
    const pts = parse(sparklinePoints([0, 0], { width: 10, height: 10, pad: 0, symmetric: true }));
    assert.deepEqual(
      pts.map((p) => p[1]),
      [5, 5],
    );
  });

  it('keeps a flat series of tiny values flat instead of blowing it up', () => {
    assert.deepEqual(sparklineScale([0.2, 0.2, 0.2], { minSpan: 1 }), { low: 0, high: 1 });
  });

  it('ignores non-finite values; empty without values; a single value is a flat segment', () => {
    assert.equal(sparklinePoints([], { width: 10, height: 10 }), '');
    assert.equal(sparklinePoints([Number.NaN], { width: 10, height: 10 }), '');
    assert.equal(parse(sparklinePoints([3, Number.POSITIVE_INFINITY, 4], { width: 10, height: 10 })).length, 2);
    const one = parse(sparklinePoints([3], { width: 10, height: 10 }));
    assert.equal(one.length, 2);
    assert.equal(one[0]![1], one[1]![1]);
  });
});

describe('star layout', () => {
  const box = { width: 200, height: 100, margin: 20 };

  it('puts the centre node in the middle and the others on a ring starting at the top', () => {
    const pos = starLayout(['a', 'b', 'c', 'd', 'e'], 'a', box);
    assert.deepEqual(pos.get('a'), { x: 100, y: 50 });
    assert.deepEqual(pos.get('b'), { x: 100, y: 20 });
    assert.deepEqual(pos.get('c'), { x: 180, y: 50 });
    assert.deepEqual(pos.get('d'), { x: 100, y: 80 });
    assert.deepEqual(pos.get('e'), { x: 20, y: 50 });
  });

  it('puts every node on the ring when the centre is unknown', () => {
    const pos = starLayout(['a', 'b'], null, box);
    assert.equal(pos.size, 2);
    assert.deepEqual(pos.get('a'), { x: 100, y: 20 });
  });

  it('moves along a segment, eased, clamped to its ends', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 100, y: 50 };
    assert.deepEqual(along(a, b, 0), a);
    assert.deepEqual(along(a, b, 1), b);
    assert.deepEqual(along(a, b, 0.5), { x: 50, y: 25 });
    assert.deepEqual(along(a, b, 7), b);
    assert.ok(along(a, b, 0.25).x < 25, 'eases in');
  });
});

describe('format', () => {
  it('orders ballots by round, then node', () => {
    assert.ok(compareBallots({ round: 2, node: 'a' }, { round: 1, node: 'z' }) > 0);
    assert.ok(compareBallots({ round: 2, node: 'a' }, { round: 2, node: 'b' }) < 0);
    assert.deepEqual(maxBallot(null, { round: 1, node: 'a' }), { round: 1, node: 'a' });
    assert.deepEqual(maxBallot({ round: 3, node: 'a' }, { round: 2, node: 'z' }), { round: 3, node: 'a' });
    assert.equal(formatBallot({ round: 3, node: 'k2x9qa77' }), '3.k2x9qa');
    assert.equal(formatBallot(null), '—');
  });

  it('writes durations with a precision that suits them', () => {
    assert.equal(formatMs(0.44), '0.4 ms');
    assert.equal(formatMs(-3.25), '-3.3 ms');
    assert.equal(formatMs(123.4), '123 ms');
    assert.equal(formatMs(null), '—');
  });
});
