/**
 * A mesh in a browser without WebRTC (no `RTCPeerConnection`, as in Debian's WebKit, or where a policy or an
 * extension disables it), among meshes with it, over the real signaling server and real WebRTC: it reaches
 * every peer through the relay at once, its peers reach it through the relay at once too (long before the
 * relay timeout of a link that does not open), nobody makes a connection for it, two such meshes relay to
 * each other without echoing their announcements, and a frame longer than one relayed signal arrives whole.
 */
import { expect } from '@open-wc/testing';
import { connected, joinPeer, received, uniqueRoom, type TestPeer } from './helpers.js';
import type { MeshOptions } from '../../../src/net/mesh.js';

/** Longer than any wait below: a peer reached through the relay got there at once, not by this timeout. */
const NO_TIMEOUT = { directTimeoutMs: 120_000 };
/** How soon "at once" must be, ms. */
const AT_ONCE_MS = 5_000;

/**
 * Joins a peer whose mesh is made while `RTCPeerConnection` is missing (the mesh checks at construction),
 * restored before anything else runs: the page's other meshes keep theirs.
 */
function joinWithoutWebRtc(room: string, label: string, options: Partial<MeshOptions> = {}): Promise<TestPeer> {
  const saved = Object.getOwnPropertyDescriptor(window, 'RTCPeerConnection')!;
  delete (window as { RTCPeerConnection?: unknown }).RTCPeerConnection;
  try {
    return joinPeer(room, label, { ...NO_TIMEOUT, ...options }); // makes the mesh before its first await
  } finally {
    Object.defineProperty(window, 'RTCPeerConnection', saved);
  }
}

describe('Mesh without WebRTC', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  it('reaches every peer through the relay at once, and every peer reaches it so', async () => {
    const room = uniqueRoom('nortc');
    const b = await joinPeer(room, 'b', NO_TIMEOUT);
    const w = await joinWithoutWebRtc(room, 'w');
    const c = await joinPeer(room, 'c', NO_TIMEOUT);
    peers = [b, w, c];
    // Both sides, both orders of joining (b was there before w, c came after), well before any timeout.
    for (const [x, y] of [
      [w, b],
      [w, c],
      [b, w],
      [c, w],
    ] as const) {
      await connected(x, y, true, AT_ONCE_MS);
    }
    await connected(b, c, false);
    await connected(c, b, false);

    expect(w.mesh.send(b.id, { n: 1 })).to.equal(true);
    expect(b.mesh.send(w.id, { n: 2 })).to.equal(true);
    expect(c.mesh.send(w.id, { n: 3 })).to.equal(true);
    expect((await received(b, w, (d) => d['n'] === 1)).relayed).to.equal(true);
    expect((await received(w, b, (d) => d['n'] === 2)).relayed).to.equal(true);
    expect((await received(w, c, (d) => d['n'] === 3)).relayed).to.equal(true);

    // Nobody holds a connection for w, and w made none (nor threw trying).
    expect(w.mesh.stats.connectionsCreated).to.equal(0);
    expect(b.mesh.link(w.id), 'b keeps no connection to w').to.equal(undefined);
    expect(c.mesh.link(w.id), 'c keeps no connection to w').to.equal(undefined);
    for (const p of peers) expect(p.errors, `${p.id}'s mesh errors`).to.deep.equal([]);
  });

  it('two meshes without WebRTC relay to each other, and do not echo their announcements', async () => {
    const room = uniqueRoom('nortc2');
    const v = await joinWithoutWebRtc(room, 'v');
    const w = await joinWithoutWebRtc(room, 'w');
    peers = [v, w];
    await connected(v, w, true, AT_ONCE_MS);
    await connected(w, v, true, AT_ONCE_MS);
    // Round trips take time: an echo of `relay` frames would have piled up meanwhile.
    for (let n = 0; n < 20; n++) {
      expect(v.mesh.send(w.id, { n })).to.equal(true);
      await received(w, v, (d) => d['n'] === n);
      expect(w.mesh.send(v.id, { n })).to.equal(true);
      await received(v, w, (d) => d['n'] === n);
    }
    // 20 messages, plus at most one announcement each way (or two, when both announced before either
    // knew of the other).
    for (const p of peers) expect(p.mesh.stats.relayedSent, `${p.id}'s relayed frames`).to.be.within(20, 22);
  });

  it('a frame longer than one relayed signal arrives whole, sealed, a surrogate pair split between parts intact', async () => {
    const room = uniqueRoom('nortc-long');
    const secret = 'a room secret long enough';
    const b = await joinPeer(room, 'b', { secret, ...NO_TIMEOUT });
    const w = await joinWithoutWebRtc(room, 'w', { secret });
    peers = [b, w];
    await connected(w, b, true, AT_ONCE_MS);
    await connected(b, w, true, AT_ONCE_MS);
    // 12,000 UTF-16 units of emoji (surrogate pairs) after `{"m":{"a":"`, 11 characters: the first part
    // (4,000 characters) ends between the halves of a pair; and once more shifted by one, where it does not.
    const a = '😀'.repeat(6000);
    const b2 = `x${a}`;
    expect(w.mesh.send(b.id, { a })).to.equal(true);
    expect(w.mesh.send(b.id, { b: b2 })).to.equal(true);
    expect(b.mesh.send(w.id, { a })).to.equal(true);
    expect((await received(b, w, (d) => 'a' in d)).data['a']).to.equal(a);
    expect((await received(b, w, (d) => 'b' in d)).data['b']).to.equal(b2);
    expect((await received(w, b, (d) => 'a' in d)).data['a']).to.equal(a);
    expect(w.errors).to.deep.equal([]);
    expect(b.errors).to.deep.equal([]);
  });
});
