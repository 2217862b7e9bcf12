import { expect } from '@open-wc/testing';
import { connected, joinPeer, received, uniqueRoom, waitFor, type TestPeer } from './helpers.js';

describe('Mesh with a room secret', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  it('peers with the same secret connect through sealed signals', async () => {
    const room = uniqueRoom('secret');
    const a = await joinPeer(room, 'a', { secret: 'correct horse' });
    const b = await joinPeer(room, 'b', { secret: 'correct horse' });
    peers = [a, b];
    await connected(a, b, false);
    a.mesh.send(b.id, { sealed: 'signals' });
    await received(b, a, (d) => d['sealed'] === 'signals');
    expect(a.errors).to.deep.equal([]);
    expect(b.errors).to.deep.equal([]);
  });

  it('a wrong secret yields the typed wrong-secret error and no connection', async () => {
    const room = uniqueRoom('wrong');
    const a = await joinPeer(room, 'a', { secret: 'right', directTimeoutMs: 1_000 });
    const b = await joinPeer(room, 'b', { secret: 'wrong', directTimeoutMs: 1_000 });
    peers = [a, b];
    await waitFor(() => a.errors.length > 0 && b.errors.length > 0, 'wrong-secret errors on both sides');
    expect(a.errors).to.deep.equal([{ code: 'wrong-secret', peer: b.id }]);
    expect(b.errors).to.deep.equal([{ code: 'wrong-secret', peer: a.id }]);
    expect(a.mesh.stats.badSignals).to.be.at.least(1);
    // Once the direct timeout passed the relay would be next, but not to a peer with another secret.
    await waitFor(() => a.mesh.peers().find((p) => p.id === b.id && p.relayed), 'the direct timeout to pass');
    expect(a.mesh.peers().find((p) => p.id === b.id)?.connected).to.equal(false);
    expect(a.mesh.send(b.id, { never: true })).to.equal(false);
  });

  it('a peer without a secret cannot connect to one with a secret', async () => {
    const room = uniqueRoom('nosecret');
    const a = await joinPeer(room, 'a', { secret: 'shh', directTimeoutMs: 60_000 });
    const b = await joinPeer(room, 'b', { directTimeoutMs: 60_000 });
    peers = [a, b];
    await waitFor(() => a.errors.length > 0 && b.errors.length > 0, 'wrong-secret errors on both sides');
    expect(a.errors[0]?.code).to.equal('wrong-secret');
    expect(b.errors[0]?.code).to.equal('wrong-secret');
  });
});
