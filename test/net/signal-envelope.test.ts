import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalCipher } from '../../src/net/crypto.js';
import { newLinkId, SignalEnvelope, type SignalBody } from '../../src/net/signal-envelope.js';

const A = 'node-aaaaaaaa';
const B = 'node-bbbbbbbb';
const offer: SignalBody = { k: 'desc', s: 'link-aaaaaaaa', type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

test('plain envelopes round-trip', async () => {
  const data = await new SignalEnvelope(A).wrap(B, offer);
  assert.deepEqual(data, { v: 1, p: offer });
  assert.deepEqual(await new SignalEnvelope(B).unwrap(A, data), { ok: true, body: offer });
});

test('sealed envelopes round-trip and hide the SDP', async () => {
  const ca = await SignalCipher.create('pw', 'room', 1000);
  const cb = await SignalCipher.create('pw', 'room', 1000);
  const data = await new SignalEnvelope(A, ca).wrap(B, offer);
  assert.ok(!JSON.stringify(data).includes('v=0'));
  assert.deepEqual(await new SignalEnvelope(B, cb).unwrap(A, data), { ok: true, body: offer });
});

test('secret mismatches are wrong-secret in every direction', async () => {
  const ca = await SignalCipher.create('pw', 'room', 1000);
  const cw = await SignalCipher.create('other', 'room', 1000);
  const sealed = await new SignalEnvelope(A, ca).wrap(B, offer);
  const plain = await new SignalEnvelope(A).wrap(B, offer);
  for (const [env, data] of [
    [new SignalEnvelope(B, cw), sealed],
    [new SignalEnvelope(B), sealed],
    [new SignalEnvelope(B, cw), plain],
  ] as const) {
    const r = await env.unwrap(A, data);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.reason, 'wrong-secret');
  }
});

test('malformed envelopes and bodies are rejected as malformed', async () => {
  const env = new SignalEnvelope(B);
  const bad: unknown[] = [
    null,
    'x',
    { v: 2, p: offer },
    { v: 1 },
    { v: 1, p: { ...offer, k: 'nope' } },
    { v: 1, p: { ...offer, type: 'pranswer' } },
    { v: 1, p: { ...offer, s: 'short' } },
    { v: 1, p: { ...offer, extra: 1 } },
    { v: 1, p: { k: 'ice', s: 'link-aaaaaaaa', candidate: 1 } },
    { v: 1, p: { k: 'relay', s: 'link-aaaaaaaa', m: { not: 'text' } } },
  ];
  for (const data of bad) {
    const r = await env.unwrap(A, data);
    assert.equal(r.ok, false, JSON.stringify(data));
    if (!r.ok) assert.equal(r.reason, 'malformed', JSON.stringify(data));
  }
});

test('link ids are fresh and well-formed', () => {
  const ids = new Set(Array.from({ length: 100 }, () => newLinkId()));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{16}$/);
});
