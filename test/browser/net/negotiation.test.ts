import { expect } from '@open-wc/testing';
import { crashLink } from '../../support/mesh-hooks.js';
import { connected, joinPeer, received, uniqueRoom, waitFor, type TestPeer } from './helpers.js';

describe('Negotiating new connections', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  // Peers that join at the same moment learn of each other at once, and each side makes its link then. The
  // polite side lets the other offer first: no pair starts in glare (whose rollback of a very first offer
  // Chromium sometimes never recovers from: see peer-link.ts), and every pair is direct promptly.
  for (let round = 1; round <= 3; round++) {
    it(`five peers joining at once open a direct channel per pair, with no offer collision (round ${round})`, async () => {
      const room = uniqueRoom('formation');
      peers = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((l) => joinPeer(room, l)));
      const waits: Promise<unknown>[] = [];
      for (const x of peers) for (const y of peers) if (x !== y) waits.push(connected(x, y, false, 8_000));
      await Promise.all(waits);
      for (const p of peers) {
        expect(p.mesh.stats.glare, `${p.id} offer collisions`).to.equal(0);
        expect(p.mesh.stats.connectionsCreated, `${p.id} connections`).to.equal(4);
        expect(p.mesh.stats.relayedSent, `${p.id} relayed messages`).to.equal(0);
      }
    });
  }

  it('a polite peer offers itself when the other side does not offer first', async () => {
    const room = uniqueRoom('polite-first');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    const [polite, impolite] = a.id > b.id ? [a, b] : [b, a];
    const before = polite.mesh.stats.connectionsCreated;
    // The impolite side drops its connection and makes no new one by itself (a crash of that connection).
    // The polite side sees its channel close and makes a new connection; the impolite side knows nothing of
    // it, so no offer comes: only the polite side's own offer, after its wait, can bring the pair back.
    crashLink(impolite.mesh, polite.id);
    await waitFor(() => polite.mesh.stats.connectionsCreated > before, 'the polite side to make a new connection', 15_000);
    await connected(polite, impolite, false, 15_000);
    await connected(impolite, polite, false, 15_000);
    polite.mesh.send(impolite.id, { after: 'replace' });
    await received(impolite, polite, (d) => d['after'] === 'replace');
  });

  it('a connection whose ICE gathering stalls is replaced, and the relay carries traffic meanwhile', async () => {
    const room = uniqueRoom('stall');
    // Relay-only ICE through a TURN server that never answers (a closed loopback port): gathering starts and
    // produces no candidate, as in the stall the watchdog exists for.
    const stalled = {
      iceTransportPolicy: 'relay' as const,
      iceServers: [{ urls: 'turn:127.0.0.1:9?transport=udp', username: 'u', credential: 'p' }],
      gatherTimeoutMs: 1_000,
      directTimeoutMs: 60_000,
    };
    const a = await joinPeer(room, 'a', stalled);
    const b = await joinPeer(room, 'b', stalled);
    peers = [a, b];
    // Each side's first connection is declared dead by the watchdog, long before the 60 s direct timeout.
    await waitFor(() => a.mesh.stats.connectionsCreated >= 2 && b.mesh.stats.connectionsCreated >= 2, 'both sides to replace a stalled connection', 20_000);
    await connected(a, b, true, 10_000);
    expect(a.mesh.send(b.id, { via: 'relay' })).to.equal(true);
    const got = await received(b, a, (d) => d['via'] === 'relay');
    expect(got.relayed).to.equal(true);
  });
});
