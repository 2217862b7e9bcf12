// Small pure parts: the token bucket, the room directory, option validation, and the shared protocol schemas.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as v from '../../src/schema/index.js';
import {
  JoinAckSchema, JoinRequestSchema, LIMITS, SignalDeliverySchema, SignalRequestSchema, inspectJson, jsonByteLength, utf8Length,
} from '../../src/net/signaling-protocol.js';
import { TokenBucket } from '../../server/token-bucket.js';
import { RoomDirectory } from '../../server/room-directory.js';
import { resolveOptions } from '../../server/options.js';
import { createLocalMembership } from '../../server/membership.js';
import { createSignalingServer } from '../../server/index.js';

describe('TokenBucket', () => {
  test('allows a burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(3, 10, () => now);
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
    now += 100; // one token
    assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
    now += 10_000; // never above capacity
    assert.equal(bucket.level(), 3);
  });
});

describe('RoomDirectory and local membership', () => {
  test('counts rooms and peers; removes only the holder', () => {
    const d = new RoomDirectory();
    d.add('r', 'n1', 's1');
    d.add('r', 'n2', 's2');
    d.add('q', 'n1', 's3');
    assert.equal(d.roomCount, 2);
    assert.equal(d.memberCount, 3);
    assert.equal(d.remove('r', 'n1', 'someone-else'), false);
    assert.equal(d.remove('r', 'n1', 's1'), true);
    assert.deepEqual(d.nodeIds('r'), ['n2']);
    d.remove('q', 'n1', 's3');
    assert.equal(d.roomCount, 1);
  });

  test('local membership: id-taken and room-full', async () => {
    const m = createLocalMembership();
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '1', keyHash: 'ka' }, 2), { ok: true, peers: [] });
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '2', keyHash: 'kx' }, 2), { ok: false, code: 'id-taken' });
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'b', socketId: '2', keyHash: 'kb' }, 2), { ok: true, peers: ['a'] });
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'c', socketId: '3', keyHash: 'kc' }, 2), { ok: false, code: 'room-full' });
    assert.equal(await m.socketOf('r', 'b'), '2');
  });

  test('local membership: the resume key hash takes a held node id over; the old socket leaves nothing to release', async () => {
    const m = createLocalMembership();
    await m.join({ room: 'r', nodeId: 'a', socketId: '1', keyHash: 'k1' }, 2);
    await m.join({ room: 'r', nodeId: 'b', socketId: '2', keyHash: 'k2' }, 2);
    // A wrong key, or the key of another node, is id-taken.
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '3', keyHash: 'k3' }, 2, 'nope'), { ok: false, code: 'id-taken' });
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '3', keyHash: 'k3' }, 2, 'k2'), { ok: false, code: 'id-taken' });
    // The right one: a full room does not count the node itself.
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '3', keyHash: 'k3' }, 2, 'k1'), { ok: true, peers: ['b'], replaced: '1' });
    assert.equal(await m.socketOf('r', 'a'), '3');
    assert.equal(await m.leave({ room: 'r', nodeId: 'a', socketId: '1' }), false, 'the replaced socket held nothing any more');
    assert.equal(await m.socketOf('r', 'a'), '3');
    // The old key is spent; the new one works.
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '4', keyHash: 'k4' }, 2, 'k1'), { ok: false, code: 'id-taken' });
    assert.equal(await m.leave({ room: 'r', nodeId: 'a', socketId: '3' }), true);
    assert.deepEqual(await m.join({ room: 'r', nodeId: 'a', socketId: '4', keyHash: 'k4' }, 2, 'k3'), { ok: true, peers: ['b'] });
  });
});

describe('options', () => {
  test('defaults', () => {
    const o = resolveOptions();
    assert.equal(o.port, 8080);
    assert.equal(o.maxRoomSize, 32);
    assert.equal(o.corsOrigins, '*');
    assert.deepEqual(o.rateLimit, { burst: 500, perSecond: 250, disconnectAfter: 500 });
  });

  test('bad options throw, naming the option', () => {
    assert.throws(() => createSignalingServer({ maxRoomSize: 0 }), /maxRoomSize: must be at least 2/);
    assert.throws(() => createSignalingServer({ port: 1.5 }), /port: must be an integer/);
    assert.throws(() => createSignalingServer({ redisUrl: 'localhost:6379' }), /redisUrl/);
    assert.throws(() => createSignalingServer({ corsOrigins: ['example.org'] }), /corsOrigins/);
    assert.throws(() => createSignalingServer({ logLevel: 'loud' as never }), /logLevel/);
    assert.throws(() => createSignalingServer({ surprise: 1 } as never), /surprise/);
  });
});

describe('signaling protocol schemas', () => {
  test('join request: limits of room and nodeId', () => {
    const ok = (x: unknown) => v.safeParse(JoinRequestSchema, x).success;
    assert.ok(ok({ room: 'a', nodeId: '12345678' }));
    assert.ok(ok({ room: 'A.b_c-9'.padEnd(64, 'x'), nodeId: 'n'.repeat(64), token: 't' }));
    assert.ok(!ok({ room: '', nodeId: '12345678' }));
    assert.ok(!ok({ room: 'a', nodeId: '1234567' }));
    assert.ok(!ok({ room: 'a', nodeId: 'abc.defgh' }), 'no dots in node ids');
    assert.ok(!ok({ room: 'a', nodeId: '12345678', token: '' }));
    assert.ok(!ok({ room: 'a', nodeId: '12345678', token: 'x'.repeat(LIMITS.maxTokenLength + 1) }));
  });

  test('signal data: JSON only, bounded in size and depth', () => {
    assert.equal(inspectJson({ a: [1, 'x', null, true] }), null);
    assert.equal(inspectJson(new Uint8Array(2))?.kind, 'binary');
    assert.equal(inspectJson(JSON.parse('{"__proto__":1}'))?.kind, 'forbidden-key');
    assert.equal(inspectJson(Number.NaN)?.kind, 'not-json');
    assert.equal(inspectJson(new Date())?.kind, 'not-json');
    assert.equal(inspectJson(() => 1)?.kind, 'not-json');
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(inspectJson(deep)?.kind, 'too-deep', 'no stack overflow on hostile nesting');
    assert.equal(jsonByteLength('é'), 4);
    const parse = (data: unknown) => v.safeParse(SignalRequestSchema, { to: '12345678', data }).success;
    assert.ok(parse('x'.repeat(LIMITS.maxSignalDataBytes - 2)));
    assert.ok(!parse('x'.repeat(LIMITS.maxSignalDataBytes - 1)));
    assert.ok(!parse(10n), 'BigInt is refused, not thrown');
  });

  test('server-to-client payloads validate in the client', () => {
    assert.ok(v.safeParse(JoinAckSchema, { ok: true, self: '12345678', peers: ['abcdefgh'], serverTime: 1.5 }).success);
    assert.ok(v.safeParse(JoinAckSchema, { ok: false, error: { code: 'room-full', message: 'full' } }).success);
    assert.ok(!v.safeParse(JoinAckSchema, { ok: false, error: { code: 'nope', message: 'x' } }).success);
    assert.ok(!v.safeParse(SignalDeliverySchema, { from: 'x', data: 1 }).success);
  });
});

describe('utf8Length', () => {
  test('matches TextEncoder on ASCII, 2-, 3- and 4-byte characters and lone surrogates', () => {
    const encoder = new TextEncoder();
    for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b€é', '\ud800', '\udc00x', 'x\ud83d']) {
      assert.equal(utf8Length(s), encoder.encode(s).byteLength, JSON.stringify(s));
    }
  });
});
