/**
 * Moving an element in the page (a framework reordering children, a portal) disconnects and connects it in
 * one task. The element leaves its room only if it is still out of the page after that task, so a move is
 * no leave, re-join and reconfiguration for the room; a removal is still a leave.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, makeRoom, nextEvent, waitFor } from './helpers.js';

describe('<paxos-video> moved in the page', () => {
  after(cleanup);

  it('keeps its room through a move; the others see it leave only when it is removed', async () => {
    const els = await makeRoom(3);
    const moved = els.find((e) => e.paxosRole !== 'leader')!;
    const others = els.filter((e) => e !== moved);
    const id = moved.nodeId;
    const membership: string[] = [];
    for (const other of others) {
      for (const name of ['paxos-peer-leave', 'paxos-peer-join', 'paxos-config']) {
        other.addEventListener(name, () => membership.push(`${other.nodeId.slice(0, 6)} ${name}`));
      }
    }
    const statuses: string[] = [];
    moved.addEventListener('paxos-status', (e) => statuses.push((e as CustomEvent<{ status: string }>).detail.status));

    // Out of the page and back in, in one task, somewhere else in the page.
    const elsewhere = document.createElement('section');
    document.body.append(elsewhere);
    elsewhere.append(moved);
    expect(moved.isConnected).to.equal(true);

    // A decision proposed by the moved element takes many tasks: by its end the element's leave check has
    // run, and the room has decided with it in.
    await moved.seek(17);
    await waitFor(() => els.every((e) => e.state.position === 17), 'every element to apply the seek from the moved one');
    expect(moved.nodeId).to.equal(id);
    expect(moved.status).to.equal('synced');
    expect(statuses).to.deep.equal([]);
    expect(membership).to.deep.equal([]);

    // Removed for good: after the task, it leaves, and the others hear it.
    const left = nextEvent<{ peer: string }>(others[0]!, 'paxos-peer-leave', (d) => d.peer === id, 15_000);
    moved.remove();
    expect((await left).peer).to.equal(id);
    elsewhere.remove();
  });

  it('a removal and re-insertion in a later task is a leave and a fresh start', async () => {
    const els = await makeRoom(2);
    const el: PaxosVideo = els[1]!;
    const parent = el.parentElement!;
    const id = el.nodeId;
    const left = nextEvent<{ peer: string }>(els[0]!, 'paxos-peer-leave', (d) => d.peer === id, 15_000);
    el.remove();
    await left;
    expect(el.nodeId).to.equal('', 'out of its room');
    parent.append(el);
    await waitFor(() => el.status === 'synced' && el.nodeId !== '', 'the element to join again');
  });
});
