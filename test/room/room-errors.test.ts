// How the failures of the layers below become the room's errors: signaling, mesh, proposals and reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignalingError, type SignalingErrorCode } from '../../src/net/signaling-error.js';
import { meshErrorCode, outcomeError, signalingError, signalingFailure } from '../../src/room/room-errors.js';
import { RoomError } from '../../src/room/room-events.js';

const URL = 'https://signal.example';
const of = (code: SignalingErrorCode, message = 'why') => new SignalingError(code, message);

test('a signaling failure in the room\'s words', () => {
  const cases: Array<[SignalingErrorCode, string, string]> = [
    ['unauthorized', 'unauthorized', 'the signaling server refused the token: why'],
    ['room-full', 'room-full', 'why'],
    ['id-taken', 'id-taken', 'why'],
    ['unreachable', 'signaling-unreachable', `cannot reach the signaling server ${URL}: why`],
    ['timeout', 'signaling-unreachable', `cannot reach the signaling server ${URL}: why`],
    ['disconnected', 'signaling-unreachable', `cannot reach the signaling server ${URL}: why`],
    ['bad-request', 'protocol', 'bad-request: why'],
    ['too-large', 'protocol', 'too-large: why'],
    ['closed', 'protocol', 'closed: why'],
  ];
  for (const [code, want, message] of cases) {
    const e = signalingError(of(code), URL);
    assert.ok(e instanceof RoomError);
    assert.deepEqual([e.code, e.message], [want, message], code);
  }
});

test('which signaling failures the room rides out, reports, or stops on', () => {
  assert.equal(signalingFailure(of('no-such-peer'), URL), undefined, 'a peer that just left: the mesh retries');
  assert.equal(signalingFailure(of('rate-limited'), URL), undefined, 'rate limited: the mesh retries');
  assert.equal(signalingFailure(of('unauthorized'), URL)?.fatal, true);
  assert.equal(signalingFailure(of('room-full'), URL)?.fatal, true);
  const passing = signalingFailure(of('unreachable'), URL)!;
  assert.deepEqual([passing.error.code, passing.fatal], ['signaling-unreachable', false]);
  assert.equal(signalingFailure(of('id-taken'), URL)?.fatal, false);
});

test('mesh problems and consensus failures', () => {
  assert.equal(meshErrorCode('wrong-secret'), 'wrong-secret');
  for (const code of ['connection-budget', 'signal-failed'] as const) assert.equal(meshErrorCode(code), 'protocol');
  assert.deepEqual([outcomeError('no-quorum', 'r').code, outcomeError('timeout', 'r').code, outcomeError('invalid', 'r').code], ['no-quorum', 'timeout', 'bad-argument']);
  assert.equal(outcomeError('invalid', 'bad seek').message, 'bad seek');
});
