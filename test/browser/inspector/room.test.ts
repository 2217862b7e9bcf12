/**
 * `<paxos-inspector for=...>` next to a real room of three `<paxos-video>` elements (real WebRTC, real
 * signaling server): it shows the room's nodes and roles, each decided slot with its command and proposer,
 * the messages in flight, freezes on pause while the room keeps running, and is accessible.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { PaxosInspector } from '../../../src/inspector/paxos-inspector.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { cleanup, makeRoom } from '../element/helpers.js';
import { addInspector, flights, frames, logEntries, nodeRows, pauseButton, quorumBadge, removeInspectors, textOf, waitFor } from './helpers.js';

describe('<paxos-inspector> watching a room', () => {
  let els: PaxosVideo[];
  let watched: PaxosVideo;
  let inspector: PaxosInspector;

  before(async () => {
    els = await makeRoom(3);
    watched = els[0]!;
    // Attached to a room that formed before it: it starts from the element's properties.
    inspector = addInspector(watched);
    await inspector.updateComplete;
  });
  after(() => {
    removeInspectors();
    cleanup();
  });

  it('finds its element by id and shows every node with the role that node has', async () => {
    expect(inspector.watched).to.equal(watched);
    await waitFor(
      () => {
        const rows = nodeRows(inspector);
        return rows.length === 3 && els.every((e) => rows.find((r) => r.id === e.nodeId)?.role === e.paxosRole);
      },
      'three rows with the roles the elements report',
    );
    const rows = nodeRows(inspector);
    expect(rows[0]!.id, 'this tab first').to.equal(watched.nodeId);
    expect(rows[0]!.self).to.equal(true);
    expect(rows.map((r) => r.role).sort()).to.deep.equal(['acceptor', 'acceptor', 'leader']);
    // The graph draws the same nodes.
    const dots = [...inspector.shadowRoot!.querySelectorAll<SVGGElement>('[part~="node-dot"]')].map((g) => g.dataset['id']).sort();
    expect(dots).to.deep.equal(els.map((e) => e.nodeId).sort());
    expect(quorumBadge(inspector).state).to.equal('ok');
  });

  it('shows a decided slot with its command and proposer, the slot reached, and the messages in flight', async () => {
    const proposer = els[1]!;
    const seen = new Set<string>();
    // Flights last well under a second: record every one drawn while the command goes through.
    let watching = true;
    const watchFlights = (async () => {
      while (watching) {
        for (const f of flights(inspector)) {
          expect([f.from, f.to], 'every flight has this tab at one end').to.include(watched.nodeId);
          seen.add(f.type);
        }
        await frames(1);
      }
    })();
    await proposer.seek(12);
    await waitFor(() => watched.state.position === 12, 'the watched element applied the seek');
    const slot = watched.state.slot;
    const entry = await waitFor(() => logEntries(inspector).find((e) => e.slot === slot), `log line for slot ${slot}`);
    expect(entry.value).to.equal('commands');
    // By the proposer's name: it has none, so the label every tab derives from its node id.
    expect(entry.text).to.equal(`#${slot} seek by Tab ${proposer.nodeId.slice(0, 4)}`);
    expect(logEntries(inspector)[0]!.slot, 'newest first').to.equal(slot);
    await waitFor(() => nodeRows(inspector).find((r) => r.self)?.decided === String(slot), 'this tab decided the slot');
    await waitFor(() => seen.has('accept') && seen.has('accepted') && seen.has('decide'), 'accept, accepted and decide flew', 5000);
    watching = false;
    await watchFlights;
    // The leader's row carries its ballot.
    const leaderRow = nodeRows(inspector).find((r) => r.role === 'leader')!;
    expect(leaderRow.promised).to.match(/^\d+\./);
    expect(textOf(inspector, 'counters')).to.match(/accept \d+ · accepted \d+ · decide \d+/);
  });

  it('freezes its view while paused (the room keeps running) and catches up on resume', async () => {
    pauseButton(inspector).click();
    await inspector.updateComplete;
    expect(inspector.paused).to.equal(true);
    expect(pauseButton(inspector).getAttribute('aria-pressed')).to.equal('true');
    const before = JSON.stringify({ log: logEntries(inspector), rows: nodeRows(inspector).map((r) => [r.id, r.decided]) });

    await els[2]!.seek(31);
    await waitFor(() => watched.state.position === 31, 'the watched element applied the seek');
    const slot = watched.state.slot;
    await frames(5);
    await inspector.updateComplete;
    const during = JSON.stringify({ log: logEntries(inspector), rows: nodeRows(inspector).map((r) => [r.id, r.decided]) });
    expect(during, 'nothing moved while paused').to.equal(before);
    expect(flights(inspector).length === 0 || inspector.paused).to.equal(true);

    pauseButton(inspector).click();
    await waitFor(() => logEntries(inspector)[0]?.slot === slot, 'the view caught up with the slot decided while paused');
    expect(pauseButton(inspector).getAttribute('aria-pressed')).to.equal('false');
  });

  it('counts and ignores malformed or foreign events, and throws nothing into the page', async () => {
    inspector.paused = false; // whatever the test before left
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener('error', onError);
    try {
      watched.dispatchEvent(new CustomEvent('paxos-message', { detail: { direction: 'send', type: 'prepare', from: 42 } }));
      watched.dispatchEvent(new CustomEvent('paxos-state', { detail: 'slot nine' }));
      // A look-alike bubbling up from inside the element is not the element's own event.
      watched.video!.dispatchEvent(new CustomEvent('paxos-quorum-lost', { detail: { reachable: 0, needed: 2 }, bubbles: true }));
      await waitFor(() => textOf(inspector, 'counters').includes('2 malformed events dropped'), 'the counter of dropped events');
      expect(quorumBadge(inspector).state).to.equal('ok');
      expect(errors).to.deep.equal([]);
    } finally {
      window.removeEventListener('error', onError);
    }
  });

  it('is accessible and works from the keyboard', async () => {
    inspector.paused = false;
    await expect(inspector).shadowDom.to.be.accessible();
    const button = pauseButton(inspector);
    const toggles: boolean[] = [];
    const onToggle = (e: Event) => toggles.push((e as CustomEvent<{ paused: boolean }>).detail.paused);
    document.addEventListener('paxos-inspector-pause', onToggle);
    button.focus();
    await sendKeys({ press: 'Enter' });
    await waitFor(() => inspector.paused, 'Enter pauses');
    await sendKeys({ press: 'Space' });
    await waitFor(() => !inspector.paused, 'Space resumes');
    document.removeEventListener('paxos-inspector-pause', onToggle);
    expect(toggles, 'the page heard both presses').to.deep.equal([true, false]);
    const log = inspector.shadowRoot!.querySelector<HTMLElement>('[part~="log"]')!;
    expect(log.getAttribute('role')).to.equal('log');
    expect(log.tabIndex, 'the scrolling log is reachable by keyboard').to.equal(0);
  });
});
