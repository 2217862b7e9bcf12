import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionBudget } from '../../src/net/connection-budget.js';
import { Backoff } from '../../src/net/backoff.js';

test('the lifetime limit holds', () => {
  let t = 0;
  const b = new ConnectionBudget({ limit: 3, perMinute: 100, now: () => (t += 1000) });
  assert.deepEqual([b.acquire(), b.acquire(), b.acquire()].map((d) => d.ok), [true, true, true]);
  assert.deepEqual(b.acquire(), { ok: false, reason: 'exhausted' });
  assert.equal(b.used, 3);
  assert.equal(b.remaining, 0);
});

test('a storm is rate limited and says when to retry', () => {
  let t = 1_000_000;
  const b = new ConnectionBudget({ limit: 100, perMinute: 2, now: () => t });
  assert.equal(b.acquire().ok, true);
  t += 10_000;
  assert.equal(b.acquire().ok, true);
  t += 10_000;
  const refused = b.acquire();
  assert.deepEqual(refused, { ok: false, reason: 'rate', retryInMs: 40_000 });
  t += 40_001;
  assert.equal(b.acquire().ok, true, 'the first one left the window');
  assert.equal(b.used, 3, 'a refusal uses nothing');
});

test('backoff: equal jitter (each delay in [ceiling/2, ceiling]), the ceiling doubles up to the cap, reset starts over', () => {
  const lo = new Backoff(100, 1000, () => 0);
  assert.deepEqual([lo.next(), lo.next(), lo.next(), lo.next(), lo.next()], [50, 100, 200, 400, 500]);
  const hi = new Backoff(100, 1000, () => 0.999999);
  const delays = Array.from({ length: 8 }, () => hi.next());
  assert.ok(delays.every((d) => d <= 1000));
  assert.ok(delays[7]! > 990);
  hi.reset();
  assert.ok(hi.next() <= 100);
});
