/**
 * `<paxos-video inspector>` renders its own `<paxos-inspector>`, which follows the element from before it
 * joins: it sees the room founded, the second tab promoted to acceptor, and keeps its log bounded.
 */
import { expect } from '@open-wc/testing';
import type { PaxosInspector } from '../../../src/inspector/paxos-inspector.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, makeRoom } from '../element/helpers.js';
import { addInspector, logEntries, nodeRows, removeInspectors, short, waitFor } from './helpers.js';

describe('<paxos-video inspector>', () => {
  let els: PaxosVideo[];
  after(() => {
    removeInspectors();
    cleanup();
  });

  it('shows an inspector that follows the element from the start', async () => {
    els = await makeRoom(2, { attrs: { inspector: '' } });
    const [founder, joiner] = els as [PaxosVideo, PaxosVideo];
    const inner = founder.shadowRoot!.querySelector<PaxosInspector>('paxos-inspector');
    expect(inner, 'rendered in the shadow root').to.exist;
    expect(inner!.getAttribute('part')).to.equal('inspector');
    expect(inner!.watched).to.equal(founder);
    // From the founding snapshot to the configuration that made the joiner an acceptor.
    await waitFor(() => logEntries(inner!).some((e) => e.slot === 0 && e.value === 'snapshot'), 'the founding state');
    const config = await waitFor(
      () => logEntries(inner!).find((e) => e.value === 'config' && e.text.includes(short(joiner.nodeId))),
      'a configuration slot naming the joiner',
    );
    expect(config.text).to.match(/^#\d+ configuration: acceptors /);
    await waitFor(
      () => {
        const rows = nodeRows(inner!);
        return rows.length === 2 && rows.every((r) => r.role === els.find((e) => e.nodeId === r.id)?.paxosRole);
      },
      'both nodes with their roles',
    );
  });

  it('keeps at most log-size lines, newest first', async () => {
    const inspector = addInspector(els[1]!, { 'log-size': '4' });
    await inspector.updateComplete;
    let last = -1;
    for (let i = 1; i <= 6; i++) {
      await els[i % 2]!.seek(i * 3);
      last = els[1]!.state.slot;
    }
    await waitFor(() => els[1]!.state.position === 18, 'the last seek applied');
    last = els[1]!.state.slot;
    await waitFor(() => logEntries(inspector)[0]?.slot === last, 'the newest slot on top');
    const slots = logEntries(inspector).map((e) => e.slot);
    expect(slots.length).to.equal(4);
    expect(slots).to.deep.equal([last, last - 1, last - 2, last - 3]);
  });
});
