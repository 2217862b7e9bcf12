// Every class of malformed or hostile input is refused with a clear error, counted by reason in /metrics,
// and leaves the socket usable; floods and oversize frames cost only the offender.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorNotice, JoinAck, SignalDelivery } from '../../src/net/signaling-protocol.js';
import type { SignalingServer } from '../../server/index.js';
import { connect, emitRaw, get, metric, next, peer, ping, startServer, within, type ClientSocket } from './helpers.js';

async function rejected(url: string, reason: string): Promise<number> {
  const text = await (await get(url, '/metrics')).text();
  return metric(text, `paxos_video_rejected_messages_total{reason="${reason}"}`);
}

let deep: unknown = 'bottom';
for (let i = 0; i < 40; i++) deep = { d: deep };

describe('validation', () => {
  let server: SignalingServer;
  let url: string;
  let alice: ClientSocket;
  let bob: ClientSocket;
  const sockets: ClientSocket[] = [];

  before(async () => {
    ({ server, url } = await startServer());
    alice = (await peer(url, 'v', 'alice-valid')).socket;
    bob = (await peer(url, 'v', 'bob-valid-1')).socket;
    sockets.push(alice, bob);
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  // [name, event args, expected code, metrics reason]
  const signalCases: Array<[string, unknown[], string, string]> = [
    ['no payload', [], 'bad-request', 'invalid'],
    ['two payloads', [{ to: 'bob-valid-1', data: 1 }, 2], 'bad-request', 'invalid'],
    ['payload not an object', ['hello'], 'bad-request', 'invalid'],
    ['missing data', [{ to: 'bob-valid-1' }], 'bad-request', 'invalid'],
    ['to of the wrong type', [{ to: 42, data: 1 }], 'bad-request', 'invalid'],
    ['to too short', [{ to: 'bob', data: 1 }], 'bad-request', 'invalid'],
    ['to with bad characters', [{ to: 'bob valid!', data: 1 }], 'bad-request', 'invalid'],
    ['extra huge field', [{ to: 'bob-valid-1', data: 1, junk: 'x'.repeat(40_000) }], 'bad-request', 'invalid'],
    ['__proto__ key at the top', [JSON.parse('{"to":"bob-valid-1","data":1,"__proto__":{"admin":true}}')], 'bad-request', 'proto-key'],
    ['__proto__ key deep in data', [JSON.parse('{"to":"bob-valid-1","data":{"a":[{"__proto__":{"x":1}}]}}')], 'bad-request', 'proto-key'],
    ['constructor key', [{ to: 'bob-valid-1', data: { constructor: { prototype: 1 } } }], 'bad-request', 'proto-key'],
    ['binary data', [{ to: 'bob-valid-1', data: Buffer.from('binary') }], 'bad-request', 'binary'],
    ['binary argument', [Buffer.alloc(16)], 'bad-request', 'binary'],
    ['nesting too deep', [{ to: 'bob-valid-1', data: deep }], 'bad-request', 'too-deep'],
    ['data over 16 KiB', [{ to: 'bob-valid-1', data: 'x'.repeat(16 * 1024 + 1) }], 'too-large', 'too-large'],
    ['to self', [{ to: 'alice-valid', data: 1 }], 'bad-request', 'invalid'],
    ['unknown peer', [{ to: 'nobody-here', data: 1 }], 'no-such-peer', 'no-such-peer'],
  ];

  for (const [name, args, code, reason] of signalCases) {
    test(`signal: ${name} → ${code}`, async () => {
      const before = await rejected(url, reason);
      const err = next<ErrorNotice>(alice, 'error');
      emitRaw(alice, 'signal', ...args);
      const notice = await err;
      assert.equal(notice.code, code);
      assert.equal(notice.event, 'signal');
      assert.ok(notice.message.length > 0 && notice.message.length < 300, notice.message);
      assert.equal(await rejected(url, reason), before + 1);
      // Still usable: a valid signal goes through.
      const got = next<SignalDelivery>(bob, 'signal');
      alice.emit('signal', { to: 'bob-valid-1', data: name });
      assert.deepEqual(await got, { from: 'alice-valid', data: name });
    });
  }

  test('signal data of exactly 16 KiB is relayed', async () => {
    const data = 'y'.repeat(16 * 1024 - 2); // two quotes make it 16384 bytes of JSON
    const got = next<SignalDelivery>(bob, 'signal');
    alice.emit('signal', { to: 'bob-valid-1', data });
    assert.equal((await got).data, data);
  });

  const joinCases: Array<[string, unknown, string]> = [
    ['not an object', 'lobby', 'invalid'],
    ['room missing', { nodeId: 'carol-valid' }, 'invalid'],
    ['room too long', { room: 'r'.repeat(65), nodeId: 'carol-valid' }, 'invalid'],
    ['room with a slash', { room: 'a/b', nodeId: 'carol-valid' }, 'invalid'],
    ['nodeId too short', { room: 'v', nodeId: 'carol' }, 'invalid'],
    ['nodeId too long', { room: 'v', nodeId: 'c'.repeat(65) }, 'invalid'],
    ['token not a string', { room: 'v', nodeId: 'carol-valid', token: 5 }, 'invalid'],
    ['extra field', { room: 'v', nodeId: 'carol-valid', admin: true }, 'invalid'],
    ['history not an id', { room: 'v', nodeId: 'carol-valid', history: 'Not.A-History' }, 'invalid'],
    ['history too long', { room: 'v', nodeId: 'carol-valid', history: `${'1'.repeat(11)}.abcd` }, 'invalid'],
    ['history not a string', { room: 'v', nodeId: 'carol-valid', history: 12 }, 'invalid'],
    ['__proto__ key', JSON.parse('{"room":"v","nodeId":"carol-valid","__proto__":{"admin":true}}'), 'proto-key'],
    ['binary room', { room: Buffer.from('v'), nodeId: 'carol-valid' }, 'binary'],
  ];
  for (const [name, payload, reason] of joinCases) {
    test(`join: ${name} → bad-request in the ack`, async () => {
      const s = await connect(url);
      sockets.push(s);
      const before = await rejected(url, reason);
      const ack = await within(s.emitWithAck('join', payload as never), 'join ack');
      assert.equal(ack.ok, false);
      assert.equal(!ack.ok && ack.error.code, 'bad-request');
      assert.equal(await rejected(url, reason), before + 1);
      const ok = await within(s.emitWithAck('join', { room: 'v-after', nodeId: `carol-${reason}` }), 'join ack');
      assert.equal(ok.ok, true, JSON.stringify(ok));
      s.close();
    });
  }

  test('a join with a history id (src/room/history.ts) is taken', async () => {
    const s = await connect(url);
    sockets.push(s);
    const ack = await within(s.emitWithAck('join', { room: 'v-history', nodeId: 'carol-history', history: '0miu9r0yo.x1Q-7dZ0b2kT_a3P' }), 'join ack');
    assert.equal(ack.ok, true, JSON.stringify(ack));
    s.close();
  });

  test('join without an ack → error event', async () => {
    const s = await connect(url);
    sockets.push(s);
    const err = next<ErrorNotice>(s, 'error');
    emitRaw(s, 'join', { room: 'v', nodeId: 'carol-noack' });
    assert.deepEqual(await err, { code: 'bad-request', message: 'join needs an ack callback', event: 'join' });
  });

  test('unknown events are refused, whatever their name', async () => {
    const s = await connect(url);
    sockets.push(s);
    for (const name of ['offer', '__proto__', 'constructor', 'x'.repeat(10_000)]) {
      const err = next<ErrorNotice>(s, 'error');
      emitRaw(s, name, { a: 1 });
      const notice = await err;
      assert.equal(notice.code, 'unknown-event');
      assert.ok(notice.event!.length <= 65, 'the echoed name is clipped');
    }
    assert.ok(await ping(s));
  });

  test('events before join → not-joined', async () => {
    const s = await connect(url);
    sockets.push(s);
    let err = next<ErrorNotice>(s, 'error');
    s.emit('signal', { to: 'alice-valid', data: 'early' });
    assert.equal((await err).code, 'not-joined');
    err = next<ErrorNotice>(s, 'error');
    const reply = await within(s.emitWithAck('leave'), 'leave ack');
    assert.deepEqual(reply, { ok: true, left: false });
    assert.equal((await err).code, 'not-joined');
  });

  test('time with a payload or without an ack → bad-request', async () => {
    const s = await connect(url);
    sockets.push(s);
    let err = next<ErrorNotice>(s, 'error');
    emitRaw(s, 'time', 'now please', () => {});
    assert.equal((await err).code, 'bad-request');
    err = next<ErrorNotice>(s, 'error');
    emitRaw(s, 'time');
    assert.equal((await err).code, 'bad-request');
    assert.ok(await ping(s));
  });

  test('a frame over 64 KiB closes only that connection', async () => {
    const s = await connect(url);
    const gone = next<string>(s, 'disconnect');
    s.emit('signal', { to: 'bob-valid-1', data: 'z'.repeat(70 * 1024) });
    assert.equal(await gone, 'transport close');
    const got = next<SignalDelivery>(bob, 'signal');
    alice.emit('signal', { to: 'bob-valid-1', data: 'after the big one' });
    assert.equal((await got).data, 'after the big one');
  });

  test('protocol-level garbage closes only that connection', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await within(new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject))), 'raw websocket');
    const closed = within(new Promise((resolve) => ws.once('close', resolve)), 'raw websocket close');
    ws.send('40'); // connect to the main namespace
    ws.send('42["signal"'); // truncated JSON
    ws.send('451-["signal",{"_placeholder":true,"num":99}]'); // binary event with a bogus attachment
    await closed;
    assert.ok(await ping(alice));
  });
});

describe('rate limit', () => {
  let server: SignalingServer;
  let url: string;
  const sockets: ClientSocket[] = [];
  before(async () => ({ server, url } = await startServer({ rateLimit: { burst: 50, perSecond: 20, disconnectAfter: 200 } })));
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  test('a flooding socket gets rate-limited, then is disconnected; others are unaffected', async () => {
    const calm = await peer(url, 'flood', 'calm-peer-1');
    const target = await peer(url, 'flood', 'target-peer');
    const flooder = await peer(url, 'flood', 'flood-peer1');
    sockets.push(calm.socket, target.socket, flooder.socket);
    const limited = next<ErrorNotice>(flooder.socket, 'error');
    const gone = next<string>(flooder.socket, 'disconnect');
    for (let i = 0; i < 400; i++) flooder.socket.emit('signal', { to: 'target-peer', data: i });
    assert.equal((await limited).code, 'rate-limited');
    assert.equal(await gone, 'io server disconnect');
    const text = await (await get(url, '/metrics')).text();
    assert.ok(metric(text, 'paxos_video_rejected_messages_total{reason="rate-limited"}') > 200);
    assert.equal(metric(text, 'paxos_video_rate_limit_disconnects_total'), 1);
    // The calm peer still relays.
    const got = next<SignalDelivery>(target.socket, 'signal');
    calm.socket.emit('signal', { to: 'target-peer', data: 'still here' });
    assert.deepEqual(await got, { from: 'calm-peer-1', data: 'still here' });
  });

  test('a join over the limit gets rate-limited in its ack', async () => {
    const s = await connect(url);
    sockets.push(s);
    // The burst (50) and then 2.5 s worth of refill (50 at 20/s): the join is over the limit however slowly
    // a loaded machine delivers the events (50 alone left it one refilled token away, after 50 ms).
    for (let i = 0; i < 100; i++) emitRaw(s, 'time', () => {});
    const ack = await within(s.emitWithAck('join', { room: 'flood2', nodeId: 'late-joiner' }), 'join ack') as JoinAck;
    assert.equal(!ack.ok && ack.error.code, 'rate-limited');
  });
});
