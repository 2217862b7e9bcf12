import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { connected, joinPeer, received, uniqueRoom, waitFor, type TestPeer } from './helpers.js';

/** Removes (`up: false`) or restores the network namespace's addresses; false outside scripts/netns.sh. */
const setNetwork = (up: boolean): Promise<boolean | undefined> => executeServerCommand('paxos-netns-addresses', { up });

describe('Mesh through a network outage', () => {
  let peers: TestPeer[] = [];
  afterEach(() => {
    for (const p of peers) p.close();
    peers = [];
  });

  it('relays while ICE is down, restarts ICE, and returns to a direct connection', async function () {
    this.timeout(120_000);
    const room = uniqueRoom('outage');
    const a = await joinPeer(room, 'a');
    const b = await joinPeer(room, 'b');
    peers = [a, b];
    await connected(a, b, false);
    await connected(b, a, false);

    if (!(await setNetwork(false))) this.skip(); // needs the private network namespace of scripts/netns.sh
    try {
      // ICE consent checks fail: the peer goes through the relay instead of a dead channel.
      await connected(a, b, true, 30_000);
      a.mesh.send(b.id, { during: 'outage' });
      const during = await received(b, a, (d) => d['during'] === 'outage');
      expect(during.relayed).to.equal(true);
      await waitFor(() => a.mesh.stats.iceRestarts >= 1 || b.mesh.stats.iceRestarts >= 1, 'an ICE restart', 30_000);
    } finally {
      await setNetwork(true);
    }
    await connected(a, b, false, 45_000);
    await connected(b, a, false, 45_000);
    a.mesh.send(b.id, { after: 'outage' });
    const after = await received(b, a, (d) => d['after'] === 'outage');
    expect(after.relayed).to.equal(false);
    // Recovered by ICE restarts on the same RTCPeerConnection, or by a new one: the signaling socket is remade
    // when the network changes (the browser's offline and online, an overdue ping), the server announces the
    // tab as left and joined again, and a peer whose connection was down when it heard `left` is dropped and
    // connected anew (seen in about half the runs). Keeping such a peer until its connection dies brought the
    // old connection back here, but in the lab a tab whose address changed then stayed unreachable for 20 s
    // and the room could not decide through the next server cut (docs/lab.md, round 5).
    // One side may replace its connection twice when both sides replace theirs at once (one more seen in CI
    // after the joins moved into the CONNECT); a storm of replacements makes dozens (docs/lab.md, round 6).
    expect(a.mesh.stats.connectionsCreated + b.mesh.stats.connectionsCreated, 'connections made in all').to.be.at.most(6);
  });
});
