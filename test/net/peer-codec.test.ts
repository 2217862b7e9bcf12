import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, MalformedCounter, MAX_MESSAGE_BYTES, MessageEncodeError } from '../../src/net/peer-codec.js';

test('a plain object round-trips', () => {
  const msg = { type: 'accept', ballot: [3, 'node-aaaa'], slot: 7, value: { cmds: [{ op: 'play', position: 1.5 }] } };
  const decoded = decodeMessage(encodeMessage(msg));
  assert.deepEqual(decoded, { ok: true, value: msg });
});

test('non-text input is rejected, not thrown', () => {
  for (const raw of [new ArrayBuffer(4), new Uint8Array(2), 42, null, undefined, {}]) {
    assert.deepEqual(decodeMessage(raw), { ok: false, reason: 'not-text' });
  }
});

test('bad JSON and non-object JSON are rejected', () => {
  assert.deepEqual(decodeMessage('{"a":'), { ok: false, reason: 'bad-json' });
  assert.deepEqual(decodeMessage(''), { ok: false, reason: 'bad-json' });
  for (const raw of ['[1,2]', '"x"', '3', 'null', 'true']) {
    assert.deepEqual(decodeMessage(raw), { ok: false, reason: 'not-object' }, raw);
  }
});

test('prototype-polluting keys are rejected at any depth', () => {
  for (const raw of [
    '{"__proto__":{"polluted":1}}',
    '{"a":{"b":[{"constructor":{"prototype":{"x":1}}}]}}',
    '{"prototype":1}',
  ]) {
    assert.deepEqual(decodeMessage(raw), { ok: false, reason: 'forbidden-key' }, raw);
  }
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('oversize input is rejected before parsing', () => {
  const big = JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) });
  assert.deepEqual(decodeMessage(big), { ok: false, reason: 'too-large' });
  // Multi-byte characters count in UTF-8 bytes, not UTF-16 units.
  const wide = JSON.stringify({ pad: '€'.repeat(Math.ceil(MAX_MESSAGE_BYTES / 3) + 10) });
  assert.ok(wide.length < MAX_MESSAGE_BYTES);
  assert.deepEqual(decodeMessage(wide), { ok: false, reason: 'too-large' });
  // Just under the cap is fine.
  const fits = JSON.stringify({ pad: 'y'.repeat(MAX_MESSAGE_BYTES - 20) });
  assert.equal(decodeMessage(fits).ok, true);
});

test('deep nesting is rejected without recursion', () => {
  const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  assert.deepEqual(decodeMessage(deep, 1 << 20), { ok: false, reason: 'too-deep' });
});

test('encodeMessage refuses what must not be sent, with a reason', () => {
  assert.throws(() => encodeMessage({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) }), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'too-large');
  assert.throws(() => encodeMessage([1, 2] as unknown as object), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'not-object');
  assert.throws(() => encodeMessage({ n: Number.NaN }), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'not-json-value');
  assert.throws(() => encodeMessage({ d: new Date() }), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'not-json-value');
  assert.throws(() => encodeMessage({ f: () => 1 }), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'not-json-value');
  const withProto = JSON.parse('{"__proto__":{"x":1}}') as object;
  assert.throws(() => encodeMessage(withProto), (e: unknown) => e instanceof MessageEncodeError && e.reason === 'forbidden-key');
});

test('MalformedCounter counts by reason', () => {
  const c = new MalformedCounter();
  c.count('bad-json');
  c.count('bad-json');
  c.count('too-large');
  assert.equal(c.total, 3);
  assert.deepEqual(c.byReason, { 'bad-json': 2, 'too-large': 1 });
});

import { BYE_FRAME, decodeFrame, encodeMessageFrame } from '../../src/net/mesh-frame.js';

test('mesh frames: messages and bye decode, anything else is bad-frame', () => {
  assert.deepEqual(decodeFrame(encodeMessageFrame({ type: 'ping', n: 1 })), { ok: true, frame: { kind: 'message', message: { type: 'ping', n: 1 } } });
  assert.deepEqual(decodeFrame(BYE_FRAME), { ok: true, frame: { kind: 'bye' } });
  for (const raw of ['{}', '{"m":1}', '{"m":[1]}', '{"m":null}', '{"c":"hi"}', '{"m":{},"c":"bye"}', '{"x":{}}']) {
    assert.deepEqual(decodeFrame(raw), { ok: false, reason: 'bad-frame' }, raw);
  }
  assert.deepEqual(decodeFrame('{"m":{"__proto__":{}}}'), { ok: false, reason: 'forbidden-key' });
});
