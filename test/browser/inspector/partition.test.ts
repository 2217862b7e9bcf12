/**
 * A network partition seen through the inspector of the minority tab: the quorum badge turns to lost, the
 * log marks the loss, the cut peers show as unreachable; healing marks the quorum restored.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, hooks, makeRoom, nextEvent } from '../element/helpers.js';
import { addInspector, logEntries, nodeRows, quorumBadge, removeInspectors, waitFor } from './helpers.js';

function cut(a: PaxosVideo, b: PaxosVideo, blocked: boolean): void {
  hooks(a).block(b.nodeId, blocked);
  hooks(b).block(a.nodeId, blocked);
}

describe('<paxos-inspector> partition', () => {
  after(() => {
    removeInspectors();
    cleanup();
  });

  it('shows the lost quorum on the minority side, and its return after healing', async () => {
    const els = await makeRoom(3, { hooks: true });
    const minority = els.find((e) => e.paxosRole === 'acceptor')!;
    const majority = els.filter((e) => e !== minority);
    const inspector = addInspector(minority);
    await waitFor(() => quorumBadge(inspector).state === 'ok', 'quorum shown as ok');

    const lost = nextEvent(minority, 'paxos-quorum-lost', () => true, 20_000);
    for (const other of majority) cut(minority, other, true);
    await lost;
    await waitFor(() => quorumBadge(inspector).state === 'lost', 'the badge shows the quorum lost');
    expect(quorumBadge(inspector).text).to.match(/^Quorum lost \(\d reachable, 2 needed\)$/);
    const line = logEntries(inspector)[0]!;
    expect(line.kind).to.equal('quorum');
    expect(line.lost).to.equal(true);
    expect(line.text).to.match(/^Quorum lost: \d of 2 needed acceptors reachable$/);
    await waitFor(
      () => majority.every((e) => nodeRows(inspector).find((r) => r.id === e.nodeId)?.text.includes('unreachable')),
      'the cut peers shown unreachable',
      10_000,
    );

    // The majority goes on deciding; the minority's view does not move.
    const slot = minority.state.slot;
    await majority[0]!.seek(25);
    expect(nodeRows(inspector).find((r) => r.self)!.decided).to.equal(String(slot));

    const restored = nextEvent(minority, 'paxos-quorum-restored', () => true, 20_000);
    for (const other of majority) cut(minority, other, false);
    await restored;
    await waitFor(() => quorumBadge(inspector).state === 'ok', 'the badge shows the quorum back');
    await waitFor(() => minority.state.position === 25, 'the minority caught up');
    const entries = logEntries(inspector);
    const restoredAt = entries.findIndex((e) => e.kind === 'quorum' && !e.lost);
    const lostAt = entries.findIndex((e) => e.kind === 'quorum' && e.lost);
    expect(restoredAt, 'restored is logged after (above) lost').to.be.within(0, lostAt - 1);
    await waitFor(() => Number(nodeRows(inspector).find((r) => r.self)!.decided) > slot, 'the slots decided meanwhile reached this tab');
  });
});
