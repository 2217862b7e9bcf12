import { expect } from '@open-wc/testing';
import { broadcast, crashLink, restartIce, sendRaw } from '../../support/mesh-hooks.js';
import { PartitionedMesh } from '../../support/partitioned-mesh.js';
import { SignalingClient } from '../../../src/net/signaling-client.js';
import { connected, joinPeer, nodeId, received, signalingUrl, uniqueRoom, waitFor, type TestPeer } from './helpers.js';

describe('Mesh over the real signaling server', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  it('three meshes form direct data channels and exchange messages', async () => {
    const room = uniqueRoom('three');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    const c = await joinPeer(room, 'c');
    peers = [a, b, c];
    for (const x of peers) for (const y of peers) if (x !== y) await connected(x, y, false);

    expect(a.mesh.send(b.id, { type: 'hello', n: 1 })).to.equal(true);
    await received(b, a, (d) => d['type'] === 'hello' && d['n'] === 1);
    expect(broadcast(c.mesh, { type: 'all', from: 'c' })).to.equal(2);
    await received(a, c, (d) => d['type'] === 'all');
    await received(b, c, (d) => d['type'] === 'all');
    expect(b.inbox.every((m) => !m.relayed)).to.equal(true);

    // RTT comes from getStats() on the selected candidate pair.
    const info = await waitFor(() => a.mesh.peers().find((p) => p.id === b.id && p.rtt !== null), 'an RTT for b', 10_000);
    expect(info.rtt).to.be.a('number').and.to.be.at.least(0).and.below(1000);
    expect(a.mesh.stats.connectionsCreated).to.equal(2);
    expect(a.mesh.stats.relayedSent).to.equal(0);
  });

  it('messages keep their order on a channel', async () => {
    const room = uniqueRoom('order');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    for (let i = 0; i < 200; i++) a.mesh.send(b.id, { seq: i });
    await waitFor(() => b.inbox.length >= 200, '200 messages');
    expect(b.inbox.map((m) => m.data['seq'])).to.deep.equal(Array.from({ length: 200 }, (_, i) => i));
  });

  it('perfect negotiation survives glare: both sides renegotiate at once', async () => {
    const room = uniqueRoom('glare');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    await connected(b, a, false);
    const glareBefore = a.mesh.stats.glare + b.mesh.stats.glare;
    // Both restart ICE in the same task: both make an offer before either sees the other's.
    restartIce(a.mesh, b.id);
    restartIce(b.mesh, a.id);
    await waitFor(() => a.mesh.stats.glare + b.mesh.stats.glare > glareBefore, 'an offer collision to be seen');
    a.mesh.send(b.id, { after: 'glare' });
    b.mesh.send(a.id, { after: 'glare' });
    await received(b, a, (d) => d['after'] === 'glare');
    await received(a, b, (d) => d['after'] === 'glare');
    // The connection was renegotiated, not replaced.
    expect(a.mesh.stats.connectionsCreated).to.equal(1);
    expect(b.mesh.stats.connectionsCreated).to.equal(1);
    expect(a.mesh.stats.iceRestarts).to.be.at.least(1);
  });

  it('an ICE restart keeps the same connection and traffic flows after it', async () => {
    const room = uniqueRoom('ice');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    const closes: string[] = [];
    a.mesh.on('peer-close', ({ peer }) => closes.push(peer));
    restartIce(a.mesh, b.id);
    expect(a.mesh.stats.iceRestarts).to.equal(1);
    for (let i = 0; i < 5; i++) {
      a.mesh.send(b.id, { during: i });
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => b.inbox.filter((m) => 'during' in m.data).length === 5, 'all 5 messages sent across the restart');
    expect(closes).to.deep.equal([]);
    expect(a.mesh.stats.connectionsCreated).to.equal(1);
  });

  it('falls back to the signaling relay when no direct channel can open', async () => {
    const room = uniqueRoom('relay');
    // `relay` transport policy with no TURN server: no candidate at all, so ICE can never connect.
    const noDirect = { iceTransportPolicy: 'relay' as const, directTimeoutMs: 1_500 };
    const a = await joinPeer(room, 'a', noDirect);
    // Listening before b joins: b's peer-joined alone makes it reachable through the relay.
    const opened: Array<{ peer: string; relayed: boolean }> = [];
    a.mesh.on('peer-open', (d) => opened.push(d));
    const b = await joinPeer(room, 'b', noDirect);
    peers = [a, b];
    await connected(a, b, true);
    await connected(b, a, true);
    expect(opened).to.deep.include({ peer: b.id, relayed: true });
    expect(a.mesh.send(b.id, { via: 'relay', n: 1 })).to.equal(true);
    expect(broadcast(b.mesh, { via: 'relay', n: 2 })).to.equal(1);
    const got = await received(b, a, (d) => d['via'] === 'relay');
    expect(got.relayed).to.equal(true);
    await received(a, b, (d) => d['n'] === 2);
    expect(a.mesh.stats.relayedSent).to.be.at.least(1);
    expect(b.mesh.stats.relayedReceived).to.be.at.least(1);
    // Longer than one relayed signal carries (mesh-relay.ts): it goes in parts and arrives whole.
    const pad = 'x'.repeat(20_000);
    expect(a.mesh.send(b.id, { pad })).to.equal(true);
    const big = await received(b, a, (d) => typeof d['pad'] === 'string');
    expect(big.data['pad']).to.equal(pad);
    expect(a.errors).to.deep.equal([]);
  });

  it('a partition at the room transport (test/support/partitioned-mesh.ts) cuts a link and restores it', async () => {
    const room = uniqueRoom('block');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    await connected(b, a, false);
    const cutA = new PartitionedMesh(a.mesh);
    const events: string[] = [];
    const inbox: unknown[] = [];
    cutA.on('peer-close', ({ peer, reason }) => events.push(`close ${peer === b.id ? 'b' : peer} ${reason}`));
    cutA.on('peer-open', ({ peer }) => events.push(`open ${peer === b.id ? 'b' : peer}`));
    cutA.on('message', ({ data }) => inbox.push(data));

    cutA.cut(b.id, true);
    expect(events).to.deep.equal(['close b blocked']);
    expect(cutA.peers().find((p) => p.id === b.id)).to.include({ connected: false });
    expect(cutA.send(b.id, { blocked: 'out' })).to.equal(false);
    // b still thinks it can send; a's side drops what arrives (and counts it).
    expect(b.mesh.send(a.id, { blocked: 'in' })).to.equal(true);
    await waitFor(() => cutA.dropped === 1, 'a to drop the message from b');

    cutA.cut(b.id, false);
    expect(events).to.deep.equal(['close b blocked', 'open b']);
    b.mesh.send(a.id, { unblocked: true });
    await waitFor(() => inbox.some((m) => (m as Record<string, unknown>)['unblocked'] === true), 'a to receive from b again');
    expect(inbox.some((m) => 'blocked' in (m as object))).to.equal(false);
    cutA.send(b.id, { back: true });
    await received(b, a, (d) => d['back'] === true);
    expect(b.inbox.some((m) => 'blocked' in m.data)).to.equal(false);
  });

  it('malformed channel data is dropped and counted, and the channel keeps working', async () => {
    const room = uniqueRoom('malformed');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    const pageErrors: unknown[] = [];
    const onError = (e: ErrorEvent): void => void pageErrors.push(e.error);
    window.addEventListener('error', onError);
    try {
      const garbage: Array<string | ArrayBuffer> = [
        'not json',
        '[1,2,3]',
        '{"__proto__":{"polluted":true}}',
        '{"m":{"constructor":{"prototype":{"polluted":true}}}}',
        '{"m":"not an object"}',
        '{"other":1}',
        new Uint8Array([1, 2, 3]).buffer,
        JSON.stringify({ m: { pad: 'x'.repeat(70 * 1024) } }),
      ];
      for (const g of garbage) expect(sendRaw(a.mesh, b.id, g)).to.equal(true);
      a.mesh.send(b.id, { fine: true });
      await received(b, a, (d) => d['fine'] === true);
      expect(b.inbox).to.have.length(1);
      expect(b.mesh.stats.malformed).to.equal(garbage.length);
      expect(b.mesh.stats.malformedByReason).to.deep.equal({
        'bad-json': 1,
        'not-object': 1,
        'forbidden-key': 2,
        'bad-frame': 2,
        'not-text': 1,
        'too-large': 1,
      });
      expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
      expect(pageErrors).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
    }
  });

  it('a closing mesh says bye and the others drop it at once', async () => {
    const room = uniqueRoom('bye');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    // What a knows of b the moment it hears the bye. (b is still in the room, its signaling client being
    // open: a signal b sent before its bye that arrives after it is a first signal again, and a makes a new
    // entry for b. So the peers are read at the bye, not later.)
    const closes: Array<{ reason: string; known: string[] }> = [];
    a.mesh.on('peer-close', ({ reason }) => closes.push({ reason, known: a.mesh.peers().map((p) => p.id) }));
    b.mesh.close(); // the signaling client stays: only the data channel says bye
    await waitFor(() => closes.length > 0, 'peer-close');
    expect(closes.map((c) => c.reason)).to.deep.equal(['bye']);
    expect(closes[0]!.known).to.not.include(b.id);
  });

  it('keeps working when a peer loses the signaling server', async () => {
    const room = uniqueRoom('nosignal');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    await connected(b, a, false);
    b.client.close(); // b is gone from the server: a hears peer-left
    await waitFor(() => a.mesh.peers().find((p) => p.id === b.id && !p.inRoom), 'a to see b leave the room');
    expect(a.mesh.peers().find((p) => p.id === b.id)).to.include({ connected: true, relayed: false });
    a.mesh.send(b.id, { still: 'here' });
    b.mesh.send(a.id, { still: 'here' });
    await received(b, a, (d) => d['still'] === 'here');
    await received(a, b, (d) => d['still'] === 'here');
  });

  it('a peer back on the server opens again although its channel stayed open (a leader sends it what it missed)', async () => {
    const room = uniqueRoom('back');
    const sockets: WebSocket[] = [];
    const Tracked = class extends WebSocket {
      constructor(url: string | URL) {
        super(url);
        sockets.push(this);
      }
    };
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b', {}, nodeId('b'), { WebSocket: Tracked });
    peers = [a, b];
    await connected(a, b, false);
    const opened: string[] = [];
    a.mesh.on('peer-open', ({ peer }) => opened.push(peer));
    let rejoined = false;
    b.client.on('joined', ({ rejoin }) => (rejoined ||= rejoin));
    // b's socket is lost at its end (as a cut tab ends a dead one) and b joins again; its channel to a stays
    // open throughout, so nothing else would tell a's host that b is back.
    sockets.at(-1)!.close();
    await waitFor(() => rejoined, 'b joined again', 5_000);
    await waitFor(() => opened.includes(b.id), 'b open again at a', 5_000);
    expect(a.mesh.peers().find((p) => p.id === b.id)).to.include({ connected: true, relayed: false, inRoom: true });
  });

  it('reconnects to a peer that comes back as a new incarnation with the same id (a reload)', async () => {
    const room = uniqueRoom('reload');
    const a = await joinPeer(room, 'a');
    const b1 = await joinPeer(room, 'b');
    peers = [a, b1];
    await connected(a, b1, false);
    // A crash, not a clean close: no bye, the server notices the socket is gone.
    b1.client.close();
    await waitFor(() => a.mesh.peers().find((p) => p.id === b1.id && !p.inRoom), 'a to see b leave');
    const b2 = await joinPeer(room, 'b', {}, b1.id);
    peers.push(b2);
    b1.mesh.close();
    await connected(b2, a, false);
    await connected(a, b2, false);
    a.mesh.send(b2.id, { to: 'new b' });
    await received(b2, a, (d) => d['to'] === 'new b');
  });
});

describe('Mesh recovery and the connection budget', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  it('a peer that has just joined is reached through the relay before it says anything; one merely listed is not', async () => {
    const room = uniqueRoom('fresh');
    // A bare signaling client: in the room, but it never signals (no mesh).
    const listed = new SignalingClient(signalingUrl());
    await listed.join(room, nodeId('listed'));
    const a = await joinPeer(room, 'a');
    peers = [a];
    // Listed in a's join ack, never heard from: not counted as reachable (the server may hold a dead socket).
    const early = a.mesh.peers().find((p) => p.id !== a.id);
    expect(early?.connected, 'a listed peer, never heard').to.equal(false);

    const fresh = new SignalingClient(signalingUrl());
    const freshId = nodeId('fresh');
    const got: Array<{ from: string; data: unknown }> = [];
    fresh.on('signal', (s) => got.push(s));
    try {
      await fresh.join(room, freshId);
      // Its peer-joined alone makes it reachable, relayed: a leader sends a newcomer the room's state at once.
      await waitFor(() => a.mesh.peers().find((p) => p.id === freshId && p.connected && p.relayed), 'the newcomer reachable through the relay', 5_000);
      expect(a.mesh.send(freshId, { type: 'welcome' })).to.equal(true);
      await waitFor(() => got.some((s) => s.from === a.id && JSON.stringify(s.data).includes('relay')), 'the relayed frame at the newcomer', 5_000);
      expect(a.mesh.peers().find((p) => p.id !== freshId)?.connected, 'the listed peer, still silent').to.equal(false);
    } finally {
      fresh.close();
      listed.close();
    }
  });

  it('a connection that dies goes to the relay at once, then is replaced by a new direct one', async () => {
    const room = uniqueRoom('recover');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    const states: string[] = [];
    a.mesh.on('peer-state', (p) => states.push(p.relayed ? 'relayed' : p.connected ? 'direct' : 'down'));
    crashLink(b.mesh, a.id); // b's side of the connection vanishes without a bye
    await waitFor(() => states.includes('relayed'), 'a to fall back to the relay');
    expect(a.mesh.send(b.id, { during: 'outage' })).to.equal(true);
    await received(b, a, (d) => d['during'] === 'outage');
    await connected(a, b, false, 20_000);
    await connected(b, a, false, 20_000);
    expect(a.mesh.stats.connectionsCreated).to.equal(2);
    a.mesh.send(b.id, { after: 'recovery' });
    const got = await received(b, a, (d) => d['after'] === 'recovery');
    expect(got.relayed).to.equal(false);
  });

  it('a spent connection budget sends peers through the relay and says so once', async () => {
    const room = uniqueRoom('budget');
    const { ConnectionBudget } = await import('../../../src/net/connection-budget.js');
    const budget = new ConnectionBudget({ limit: 1 });
    const a = await joinPeer(room, 'a', { budget, directTimeoutMs: 60_000 });
    const b = await joinPeer(room, 'b');
    const c = await joinPeer(room, 'c');
    peers = [a, b, c];
    await connected(a, b, false);
    await connected(a, c, true);
    expect(budget.used).to.equal(1);
    expect(a.errors).to.deep.equal([{ code: 'connection-budget', peer: undefined }]);
    a.mesh.send(c.id, { over: 'relay' });
    await received(c, a, (d) => d['over'] === 'relay');
  });
});
