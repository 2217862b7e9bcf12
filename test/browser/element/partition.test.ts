/**
 * A network partition (the test hooks cut chosen links at the room's transport, both ways): the minority
 * side reports the lost quorum and decides nothing, the majority keeps deciding, and healing brings the
 * minority back.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, hooks, makeRoom, nextEvent, waitFor } from './helpers.js';

function cut(a: PaxosVideo, b: PaxosVideo, blocked: boolean): void {
  hooks(a).block(b.nodeId, blocked);
  hooks(b).block(a.nodeId, blocked);
}

describe('<paxos-video> partition', () => {
  after(cleanup);

  it('stops the minority, keeps the majority deciding, and heals', async () => {
    const els = await makeRoom(3, { hooks: true });
    // Isolate a non-leader so the majority keeps its leader (the other case is the failover test).
    const minority = els.find((e) => e.paxosRole === 'acceptor')!;
    const majority = els.filter((e) => e !== minority);
    const lost = nextEvent<{ reachable: number; needed: number }>(minority, 'paxos-quorum-lost', () => true, 20_000);
    for (const other of majority) cut(minority, other, true);
    const detail = await lost;
    expect(detail.needed).to.equal(2);
    expect(detail.reachable).to.be.below(2);
    await waitFor(() => minority.status === 'no-quorum', 'the minority shows no-quorum');

    // The minority cannot decide: its proposal fails with a coded error.
    const slot = minority.state.slot;
    const refused = await minority.seek(44).then(
      () => null,
      (e: { code: string }) => e,
    );
    expect(refused?.code).to.be.oneOf(['no-quorum', 'timeout']);

    // The majority keeps deciding.
    await majority[0]!.seek(25);
    await waitFor(() => majority.every((e) => e.state.position === 25), 'the majority decides');
    expect(minority.state.slot).to.equal(slot);
    expect(minority.state.position).to.not.equal(44);

    // Heal: the minority learns what it missed.
    const restored = nextEvent(minority, 'paxos-quorum-restored', () => true, 20_000);
    for (const other of majority) cut(minority, other, false);
    await restored;
    await waitFor(() => minority.state.position === 25 && minority.status === 'synced', 'the minority back in sync', 20_000);
    expect(els.map((e) => e.state.position)).to.deep.equal([25, 25, 25]);
  });
});
