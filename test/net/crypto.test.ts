import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignalCipher, WrongSecretError, PBKDF2_ITERATIONS } from '../../src/net/crypto.js';

// Fewer iterations keep the suite fast; one test below uses the real count.
const FAST = 1_000;
const A = 'node-aaaaaaaa';
const B = 'node-bbbbbbbb';
const C = 'node-cccccccc';

test('the production iteration count is at least 100k', () => {
  assert.ok(PBKDF2_ITERATIONS >= 100_000);
});

test('seal then open with the same secret and room round-trips', async () => {
  const cipher = await SignalCipher.create('hunter2', 'movie-night', FAST);
  const sealed = await cipher.seal(A, B, '{"sdp":"v=0..."}');
  const opened = await cipher.open(A, B, sealed);
  assert.deepEqual(opened, { ok: true, plaintext: '{"sdp":"v=0..."}' });
});

test('the real iteration count derives a working key', async () => {
  const a = await SignalCipher.create('hunter2', 'movie-night');
  const b = await SignalCipher.create('hunter2', 'movie-night');
  const opened = await b.open(A, B, await a.seal(A, B, 'hello'));
  assert.equal(opened.ok, true);
});

test('ciphertext does not contain the plaintext and IVs are fresh', async () => {
  const cipher = await SignalCipher.create('s3cret', 'room-1', FAST);
  const plaintext = 'a=fingerprint:sha-256 AB:CD:EF';
  const one = await cipher.seal(A, B, plaintext);
  const two = await cipher.seal(A, B, plaintext);
  assert.notEqual(one.iv, two.iv);
  assert.notEqual(one.ct, two.ct);
  assert.ok(!atob(one.ct).includes('fingerprint'));
  assert.equal(atob(one.iv).length, 12);
});

test('a wrong secret yields a typed error value, not an exception', async () => {
  const right = await SignalCipher.create('right', 'room-1', FAST);
  const wrong = await SignalCipher.create('wrong', 'room-1', FAST);
  const opened = await wrong.open(A, B, await right.seal(A, B, 'x'));
  assert.equal(opened.ok, false);
  if (!opened.ok) {
    assert.ok(opened.error instanceof WrongSecretError);
    assert.equal(opened.error.code, 'wrong-secret');
    assert.equal(opened.error.peer, A);
  }
});

test('the same secret in another room is another key', async () => {
  const r1 = await SignalCipher.create('same', 'room-1', FAST);
  const r2 = await SignalCipher.create('same', 'room-2', FAST);
  assert.equal((await r2.open(A, B, await r1.seal(A, B, 'x'))).ok, false);
});

test('a re-addressed or re-stamped message fails to open', async () => {
  const cipher = await SignalCipher.create('k', 'room-1', FAST);
  const sealed = await cipher.seal(A, B, 'for B from A');
  assert.equal((await cipher.open(A, C, sealed)).ok, false, 'delivered to C');
  assert.equal((await cipher.open(C, B, sealed)).ok, false, 'stamped as from C');
  assert.equal((await cipher.open(B, A, sealed)).ok, false, 'reflected back');
});

test('tampered ciphertext and malformed payloads fail to open', async () => {
  const cipher = await SignalCipher.create('k', 'room-1', FAST);
  const sealed = await cipher.seal(A, B, 'payload');
  const bytes = Uint8Array.from(atob(sealed.ct), (c) => c.charCodeAt(0));
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  const flipped = { iv: sealed.iv, ct: btoa(String.fromCharCode(...bytes)) };
  assert.equal((await cipher.open(A, B, flipped)).ok, false);
  for (const bad of [null, 'x', {}, { iv: sealed.iv }, { iv: '!!!!!!!!!!!!!!!!', ct: sealed.ct }, { ...sealed, extra: 1 }]) {
    const r = await cipher.open(A, B, bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
  }
});

test('an empty secret is refused with a clear error', async () => {
  await assert.rejects(() => SignalCipher.create('', 'room-1', FAST), /non-empty/);
});
