/**
 * The signaling server only introduces peers: while it is down, the mesh keeps deciding over its data
 * channels; when it comes back, the elements re-join by themselves and new tabs can join again.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { addElement, cleanup, uniqueRoom, waitFor, waitForElements, waitForRoom } from './helpers.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';

declare global {
  interface Window {
    /** A signaling server of the test run that tests may stop and restart on the same port. */
    __PAXOS_SIGNALING_OUTAGE_URL__?: string;
  }
}

describe('<paxos-video> signaling outage', () => {
  after(async () => {
    await executeServerCommand('outage-server-start');
    cleanup();
  });

  it('keeps deciding while the signaling server is down, and re-joins when it is back', async () => {
    const url = window.__PAXOS_SIGNALING_OUTAGE_URL__!;
    expect(url).to.be.a('string');
    const room = uniqueRoom('outage');
    const els: PaxosVideo[] = [];
    for (let i = 0; i < 3; i++) {
      els.push(addElement({ room, attrs: { signaling: url } }));
      if (i === 0) await waitFor(() => els[0]!.status === 'synced', 'the founder synced');
    }
    await waitForRoom(els);

    expect(await executeServerCommand('outage-server-stop')).to.equal(true);
    await els[1]!.seek(15);
    await waitFor(() => els.every((e) => e.state.position === 15), 'a decision with the server down');
    await els[2]!.play();
    await waitFor(() => els.every((e) => !e.state.paused), 'another decision with the server down');

    expect(await executeServerCommand('outage-server-start')).to.equal(true);
    const late = addElement({ room, attrs: { signaling: url } });
    const all = [...els, late];
    await waitForElements(all, () => late.status === 'synced' && !late.state.paused, 'a new tab joins once the server is back', 30_000);
    await els[0]!.pause();
    await waitForElements(all, () => all.every((e) => e.state.paused), 'the grown room decides');
  });
});
