/**
 * People, not node ids: a tab's `name` travels with its commands, so every tab's events and status bar say who
 * did what ("Paused by Ana"); a tab without one goes by a short label from its node id; a bad name is a
 * `bad-attribute` error.
 */
import { expect } from '@open-wc/testing';
import type { PaxosStateDetail } from '../../../src/events.js';
import { addElement, cleanup, nextEvent, uniqueRoom, waitFor, waitForRoom } from './helpers.js';

/** The status bar's text. */
const statusText = (el: HTMLElement): string => el.shadowRoot!.querySelector('[part=status]')!.textContent ?? '';

describe('names', () => {
  afterEach(cleanup);

  it('says who paused, played or sought, by name or by a label from the node id', async () => {
    const room = uniqueRoom('names');
    const ana = addElement({ room, attrs: { name: 'Ana' } });
    await waitFor(() => ana.status === 'synced', 'Ana founded the room');
    const other = addElement({ room });
    await waitForRoom([ana, other]);

    const played = nextEvent<PaxosStateDetail>(other, 'paxos-state', (d) => d.commands.some((c) => c.type === 'play'));
    await ana.play();
    expect((await played).commands.find((c) => c.type === 'play')!.by, 'the other tab hears who played').to.equal('Ana');

    const paused = nextEvent<PaxosStateDetail>(other, 'paxos-state', (d) => d.commands.some((c) => c.type === 'pause'));
    await ana.pause();
    expect((await paused).commands.find((c) => c.type === 'pause')!.by).to.equal('Ana');
    expect(other.state.by).to.equal('Ana');
    await waitFor(() => statusText(other).includes('Paused by Ana'), `the status bar says "Paused by Ana" (it says "${statusText(other)}")`);

    // A tab without a name: "Tab" and the start of its node id, the same in every tab.
    const sought = nextEvent<PaxosStateDetail>(ana, 'paxos-state', (d) => d.commands.some((c) => c.type === 'seek'));
    await other.seek(3);
    const label = (await sought).commands.find((c) => c.type === 'seek')!.by!;
    expect(label).to.equal(`Tab ${other.nodeId.slice(0, 4)}`);
    await other.pause().catch(() => undefined);
    await other.play();
    await other.pause();
    await waitFor(() => statusText(ana).includes(`Paused by ${label}`), `Ana's status bar names the other tab (it says "${statusText(ana)}")`);
  });

  it('refuses a bad name with a bad-attribute error that names it', async () => {
    const el = addElement({ room: uniqueRoom('names'), attrs: { name: ' x'.repeat(40) } });
    const error = await nextEvent<{ code: string; message: string }>(el, 'paxos-error');
    expect(error.code).to.equal('bad-attribute');
    expect(error.message).to.contain('name=');
    expect(el.status).to.equal('error');
  });
});
