// The socket.io wire codec: every frame the client accepts, and the reasons it refuses the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISCONNECT, PONG, decodeFrame, encodeConnect, encodeEvent } from '../../src/net/socket-io-wire.js';

test('decodes the engine.io frames: open, ping, close, noop', () => {
  assert.deepEqual(decodeFrame('0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'), {
    type: 'open',
    pingInterval: 25000,
    pingTimeout: 20000,
  });
  assert.deepEqual(decodeFrame('2'), { type: 'ping' });
  assert.deepEqual(decodeFrame('1'), { type: 'close' });
  assert.deepEqual(decodeFrame('6'), { type: 'noop' });
});

test('decodes the socket.io packets on /: connect, connect_error, disconnect, event, ack', () => {
  assert.deepEqual(decodeFrame('40{"sid":"s1"}'), { type: 'connect', sid: 's1' });
  assert.deepEqual(decodeFrame('44{"message":"not authorized","data":{"x":1}}'), { type: 'connect-error', message: 'not authorized' });
  assert.deepEqual(decodeFrame('41'), { type: 'disconnect' });
  assert.deepEqual(decodeFrame('42["peer-joined",{"nodeId":"abcdefgh"}]'), { type: 'event', name: 'peer-joined', args: [{ nodeId: 'abcdefgh' }] });
  assert.deepEqual(decodeFrame('42["bare"]'), { type: 'event', name: 'bare', args: [] });
  // A server event asking for an ack: delivered; the id is not answered.
  assert.deepEqual(decodeFrame('4217["asks",1]'), { type: 'event', name: 'asks', args: [1] });
  assert.deepEqual(decodeFrame('430[{"ok":true}]'), { type: 'ack', id: 0, args: [{ ok: true }] });
  assert.deepEqual(decodeFrame('43123456789[1.5,"x"]'), { type: 'ack', id: 123456789, args: [1.5, 'x'] });
  assert.deepEqual(decodeFrame('437[]'), { type: 'ack', id: 7, args: [] });
});

test('refuses what is not a frame of this protocol, with a reason, never throwing', () => {
  const refused: Array<[unknown, string]> = [
    [new ArrayBuffer(4), 'binary'],
    [Buffer.from('42["x"]'), 'binary'],
    [null, 'binary'],
    ['', 'engine-type'],
    ['5', 'engine-type'], // upgrade: no transport upgrades over a WebSocket from the start
    ['3', 'engine-type'], // a pong from the server: the server pings, we pong
    ['x', 'engine-type'],
    ['0', 'bad-open'],
    ['0{', 'bad-open'],
    ['0[]', 'bad-open'],
    ['0{"sid":"a","pingInterval":"25000","pingTimeout":20000}', 'bad-open'],
    ['0{"sid":"a","pingInterval":0,"pingTimeout":20000}', 'bad-open'],
    ['0{"sid":"a","pingInterval":25000,"pingTimeout":1e300}', 'bad-open'],
    ['0{"sid":"a","pingInterval":25000,"pingTimeout":-1}', 'bad-open'],
    ['0{"pingInterval":25000,"pingTimeout":20000}', 'bad-open'],
    ['2probe', 'bad-ping'],
    ['1x', 'bad-close'],
    ['4', 'packet-type'],
    ['47["x"]', 'packet-type'],
    ['4x', 'packet-type'],
    ['451-["x",{"_placeholder":true,"num":0}]', 'binary'],
    ['461-0[{"_placeholder":true,"num":0}]', 'binary'],
    ['42/admin,["x"]', 'namespace'],
    ['40/admin,{"sid":"x"}', 'namespace'],
    ['40', 'bad-connect'],
    ['40{"sid":5}', 'bad-connect'],
    ['41{}', 'bad-disconnect'],
    ['42', 'bad-event'],
    ['42[]', 'bad-event'],
    ['42[5,"x"]', 'bad-event'],
    ['42{"name":"x"}', 'bad-event'],
    ['42["x"', 'not-json'],
    ['42["x"]trailing', 'not-json'],
    ['421234567890123456["x"]', 'not-json'], // an ack id longer than 15 digits
    ['43[1]', 'bad-ack'],
    ['435{"x":1}', 'bad-ack'],
    ['44', 'bad-connect-error'],
    ['44{"msg":"x"}', 'bad-connect-error'],
    ['44"just a string"', 'bad-connect-error'],
  ];
  for (const [frame, reason] of refused) assert.equal(decodeFrame(frame), reason, `${String(frame)} is refused as ${reason}`);
});

test('refuses frames over the size limit before parsing them', () => {
  const big = `42["signal",${JSON.stringify({ pad: 'x'.repeat(2000) })}]`;
  assert.equal(decodeFrame(big, 1000), 'too-large');
  assert.equal((decodeFrame(big, big.length) as { type: string }).type, 'event');
  assert.equal(decodeFrame(`42["x","${'y'.repeat(1 << 20)}"]`), 'too-large');
});

test('a __proto__ key in a payload stays a plain own property', () => {
  const f = decodeFrame('42["signal",{"__proto__":{"polluted":1}}]') as unknown as { type: 'event'; args: [Record<string, unknown>] };
  assert.equal(f.type, 'event');
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal(Object.getPrototypeOf(f.args[0]), Object.prototype);
});

test('encodes our frames', () => {
  assert.equal(encodeConnect(), '40');
  assert.equal(encodeConnect({ token: 't' }), '40{"token":"t"}');
  assert.equal(encodeEvent('leave', []), '42["leave"]');
  assert.equal(encodeEvent('join', [{ room: 'r', nodeId: 'n' }], 12), '4212["join",{"room":"r","nodeId":"n"}]');
  assert.equal(encodeEvent('time', [], 0), '420["time"]');
  assert.equal(PONG, '3');
  assert.equal(DISCONNECT, '41');
});
