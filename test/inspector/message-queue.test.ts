/**
 * The animation queue slows messages down to a pace one can follow, flies a broadcast together, coalesces
 * heartbeats, and never falls behind the room however busy it is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageQueue, type FlightMessage } from '../../src/inspector/message-queue.js';

const L = 'leader-aaaaaa';
const peers = ['peer-b', 'peer-c', 'peer-d', 'peer-e'];
const msg = (type: string, from: string, to: string, slot?: number): FlightMessage => (slot === undefined ? { type, from, to } : { type, from, to, slot });

describe('message queue', () => {
  it('flies a burst that arrived together as one, and spaces the next burst by gapMs', () => {
    const q = new MessageQueue({ flightMs: 700, gapMs: 200, batchMs: 20 });
    for (const p of peers) q.push(msg('accept', L, p, 5), 1000);
    for (const p of peers) q.push(msg('accepted', p, L, 5), 1003);
    q.push(msg('decide', L, peers[0]!, 5), 1100);

    const first = q.advance(1010);
    // The accepts and the accepteds arrived within batchMs: they leave together.
    assert.deepEqual(first.map((f) => f.type).sort(), ['accept', 'accept', 'accept', 'accept', 'accepted', 'accepted', 'accepted', 'accepted']);
    assert.ok(first.every((f) => f.progress === 0));
    // The decide waits for its turn...
    assert.equal(q.advance(1150).filter((f) => f.type === 'decide').length, 0);
    // ...which comes gapMs after the first burst started.
    const later = q.advance(1210);
    const decide = later.find((f) => f.type === 'decide');
    assert.ok(decide, 'the decide started');
    assert.equal(decide.slot, 5);
    const accept = later.find((f) => f.type === 'accept')!;
    assert.ok(Math.abs(accept.progress - 200 / 700) < 1e-9, `progress ${accept.progress}`);
    // Flights end after flightMs.
    assert.equal(q.advance(1710).filter((f) => f.type === 'accept').length, 0);
    assert.equal(q.advance(1910).length, 0);
    assert.equal(q.idle, true);
    assert.equal(q.stats.shown, 9);
  });

  it('coalesces heartbeats and acks waiting for the same pair into one flight with a count', () => {
    const q = new MessageQueue({ flightMs: 500, gapMs: 1000 });
    q.push(msg('prepare', L, 'peer-b'), 0);
    q.advance(0); // the prepare flies; the next burst may start at 1000
    for (let t = 10; t < 400; t += 50) {
      q.push(msg('heartbeat', L, 'peer-b'), t);
      q.push(msg('ack', 'peer-b', L), t + 1);
    }
    assert.equal(q.pending, 2);
    assert.equal(q.stats.coalesced, 14);
    const flights = q.advance(1000);
    const hb = flights.find((f) => f.type === 'heartbeat')!;
    assert.equal(hb.count, 8);
    assert.equal(hb.chatter, true);
    // Protocol messages are never coalesced.
    q.push(msg('promise', 'peer-b', L), 1001);
    q.push(msg('promise', 'peer-b', L), 1002);
    assert.equal(q.pending, 2);
  });

  it('never falls behind: bounded pending, chatter dropped first, stale messages dropped', () => {
    const q = new MessageQueue({ flightMs: 700, gapMs: 175, maxPending: 10, maxLagMs: 2000 });
    // A firehose: 5000 messages over 10 s of room time, advanced at 60 fps.
    let t = 0;
    let maxPending = 0;
    let maxActive = 0;
    let oldestShownLag = 0;
    const arrivals = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      t = i * 2;
      const type = i % 3 === 0 ? 'accept' : i % 3 === 1 ? 'heartbeat' : 'ack';
      const to = peers[i % peers.length]!;
      const m = msg(type, L, to, i);
      q.push(m, t);
      arrivals.set(`${type}:${i}`, t);
      if (i % 8 === 0) {
        const flights = q.advance(t);
        maxActive = Math.max(maxActive, flights.length);
        for (const f of flights) {
          if (f.progress === 0 && f.type === 'accept') oldestShownLag = Math.max(oldestShownLag, t - arrivals.get(`accept:${f.slot}`)!);
        }
      }
      maxPending = Math.max(maxPending, q.pending);
    }
    assert.ok(maxPending <= 10, `pending ${maxPending}`);
    assert.ok(oldestShownLag <= 2000, `a message was shown ${oldestShownLag} ms late`);
    assert.ok(maxActive <= 64, `active ${maxActive}`);
    assert.ok(q.stats.dropped > 0);
    assert.equal(q.stats.received, 5000);
    // Everything received was shown, coalesced, dropped or is still waiting.
    const waiting = q.pending;
    assert.ok(q.stats.shown + q.stats.coalesced + q.stats.dropped + waiting <= q.stats.received);
    // Once the room goes quiet, the queue drains and goes idle.
    for (let s = t; s < t + 5000; s += 16) q.advance(s);
    assert.equal(q.idle, true);
  });

  it('never holds a protocol step behind heartbeats, and sends chatter in calm waves', () => {
    const q = new MessageQueue({ flightMs: 700, gapMs: 175, chatterGapMs: 700 });
    let worstDelay = 0;
    let waves = 0;
    let most = 0;
    const startedAt = new Map<number, number>();
    // A heartbeat or ack on one of 8 pairs every 5 ms, and a protocol message every 400 ms, for 20 s.
    for (let t = 0; t < 20_000; t += 5) {
      const pair = (t / 5) % 8;
      q.push(pair % 2 === 0 ? msg('heartbeat', L, `peer-${pair}`) : msg('ack', `peer-${pair - 1}`, L), t);
      if (t % 400 === 0) {
        q.push(msg('accept', L, 'peer-b', t), t);
        startedAt.set(t, t);
      }
      if (t % 15 === 0) {
        const flights = q.advance(t);
        for (const f of flights) {
          if (f.type === 'accept' && f.progress === 0) worstDelay = Math.max(worstDelay, t - startedAt.get(f.slot!)!);
        }
        const chatter = flights.filter((f) => f.chatter);
        if (chatter.some((f) => f.progress === 0)) waves++;
        most = Math.max(most, chatter.length);
      }
    }
    assert.ok(worstDelay <= 15, `a protocol message waited ${worstDelay} ms behind chatter`);
    // One wave per flight: about 20 s / 700 ms, each at most one flight per pair.
    assert.ok(waves >= 25 && waves <= 30, `${waves} chatter waves`);
    assert.ok(most <= 8, `${most} chatter flights at once`);
    assert.equal(q.stats.dropped, 0);
  });

  it('drops chatter before protocol messages when full', () => {
    const q = new MessageQueue({ maxPending: 3, gapMs: 10_000 });
    q.advance(0);
    q.push(msg('prepare', L, 'peer-b'), 1);
    q.push(msg('heartbeat', L, 'peer-c'), 2);
    q.push(msg('promise', 'peer-b', L), 3);
    q.push(msg('accept', L, 'peer-b'), 4);
    assert.equal(q.pending, 3);
    assert.equal(q.stats.dropped, 1);
    const types = q.advance(10_000).map((f) => f.type);
    assert.equal(types.includes('heartbeat'), false);
  });

  it('rejects nonsensical options', () => {
    assert.throws(() => new MessageQueue({ flightMs: 0 }), /flightMs must be a positive number/);
    assert.throws(() => new MessageQueue({ gapMs: -1 }), /gapMs must be a number >= 0/);
    assert.throws(() => new MessageQueue({ maxPending: 0 }), /maxPending must be an integer >= 1/);
  });
});
