/** The consensus timeouts a room takes from its measured round trips (room-timing.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTiming } from '../../src/consensus/options.js';
import { timingFor } from '../../src/room/room-timing.js';

describe('room timing from round trips', () => {
  it("keeps the core's defaults in a fast room", () => {
    assert.deepEqual(timingFor(0, 50), { heartbeatTicks: 2, electionTicks: 8, retryTicks: 4 });
    assert.deepEqual(timingFor(20, 50), { heartbeatTicks: 2, electionTicks: 8, retryTicks: 4 });
  });

  it('waits out a lost packet in a slow room: the election timeout is several round trips, retries wait for the answer', () => {
    for (const rtt of [180, 240, 400]) {
      const t = timingFor(rtt, 50);
      assert.ok(t.electionTicks! * 50 >= 300 + 3.5 * rtt, `election timeout at ${rtt} ms`);
      assert.ok(t.retryTicks! * 50 >= 2 * rtt, `retry at ${rtt} ms`);
      assert.ok(t.heartbeatTicks! * 50 >= rtt / 2 && t.heartbeatTicks! < t.electionTicks! / 4, `heartbeats at ${rtt} ms`);
    }
    assert.deepEqual(timingFor(240, 50), { heartbeatTicks: 4, electionTicks: 28, retryTicks: 14 });
  });

  it('gives timings the core accepts, in whole ticks of any length', () => {
    for (const tick of [10, 50, 100]) for (const rtt of [0, 0.4, 35, 1000]) assert.doesNotThrow(() => resolveTiming(timingFor(rtt, tick)));
  });
});
