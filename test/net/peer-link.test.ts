/**
 * PeerLink.send's stall rule (peer-link.ts, STALL_MS) and restartIce's resent offer, as unit tests of the
 * link over a scripted RTCPeerConnection: a real data channel cannot be made to stall on one machine (its SCTP drains loopback at
 * once), and the lab's cuts exercise the real one end to end (bench:net, the cut scenarios).
 */
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PeerLink, STALL_MS } from '../../src/net/peer-link.js';

/** The data channel's side that send() reads and writes. */
class ScriptedChannel {
  readyState: RTCDataChannelState = 'open';
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 'closed';
  }
}

class ScriptedConnection {
  static last: ScriptedConnection | undefined;
  readonly channel = new ScriptedChannel();
  iceConnectionState: RTCIceConnectionState = 'connected';
  signalingState: RTCSignalingState = 'stable';
  localDescription: { type: string; sdp: string } | null = null;
  restarts = 0;
  constructor() {
    ScriptedConnection.last = this;
  }
  createDataChannel(): ScriptedChannel {
    return this.channel;
  }
  close(): void {}
  restartIce(): void {
    this.restarts += 1;
  }
}

const realNow = Date.now;
let now = 1_000_000;
beforeEach(() => {
  (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection = ScriptedConnection;
  Date.now = () => now;
});
afterEach(() => {
  delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
  Date.now = realNow;
});

function link(signals: unknown[] = []): { link: PeerLink; channel: ScriptedChannel; pc: ScriptedConnection } {
  const l = new PeerLink({
    polite_: false,
    rtcConfig_: {},
    localId_: 'link-test-0001',
    sendSignal_: (signal) => signals.push(signal),
    onOpen_: () => {},
    onData_: () => {},
    onDead_: () => {},
    onStateChange_: () => {},
  });
  const pc = ScriptedConnection.last!;
  return { link: l, channel: pc.channel, pc };
}

test('a burst waits in the buffer and still goes on the channel', () => {
  const { link: l, channel } = link();
  for (let i = 0; i < 200; i++) {
    assert.equal(l.send(`m${i}`), true);
    channel.bufferedAmount += 40; // nothing drains during the burst
    now += 1;
  }
  assert.equal(channel.sent.length, 200);
});

test('data that waits longer than STALL_MS makes the channel stalled until its buffer empties', () => {
  const { link: l, channel } = link();
  assert.equal(l.send('first'), true);
  channel.bufferedAmount = 120; // behind a retransmission that backs off
  now += STALL_MS;
  assert.equal(l.send('still within the stall time'), true);
  now += 1;
  assert.equal(l.send('stalled'), false);
  assert.equal(l.send('still stalled'), false);
  channel.bufferedAmount = 0; // drained
  now += 5_000;
  assert.equal(l.send('after the drain'), true);
  assert.deepEqual(channel.sent, ['first', 'still within the stall time', 'after the drain']);
});

test('a link whose ICE is down sends nothing', () => {
  const { link: l, channel, pc } = link();
  assert.equal(l.send('up'), true);
  pc.iceConnectionState = 'disconnected';
  assert.equal(l.send('ice down'), false);
  assert.deepEqual(channel.sent, ['up']);
});

test('restartIce sends a pending offer again (lost while a side was off the server), else restarts ICE', () => {
  const signals: unknown[] = [];
  const { link: l, pc } = link(signals);
  pc.signalingState = 'have-local-offer';
  pc.localDescription = { type: 'offer', sdp: 'v=0 with the candidates so far' };
  l.restartIce();
  assert.deepEqual(signals, [{ k: 'desc', type: 'offer', sdp: 'v=0 with the candidates so far' }]);
  assert.equal(pc.restarts, 0, 'no restart while an offer waits for its answer');
  pc.signalingState = 'stable';
  l.restartIce();
  assert.equal(pc.restarts, 1);
  assert.equal(l.iceRestarts, 1);
  assert.equal(signals.length, 1);
});
