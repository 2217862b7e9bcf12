/**
 * Membership in a live room: a late joiner takes the room's state mid-playback (and never resets it), an
 * element removed from the page leaves the configuration while the rest keep deciding, and removing the
 * leader fails over to a new one.
 */
import { expect } from '@open-wc/testing';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { addElement, cleanup, makeRoom, nextEvent, spreadMs, waitFor } from './helpers.js';

const TOLERANCE_MS = 100;

describe('<paxos-video> membership', () => {
  afterEach(cleanup);

  it('brings a late joiner to the room state mid-playback without resetting it', async () => {
    const els = await makeRoom(2);
    await els[0]!.seek(12);
    await els[0]!.play();
    await waitFor(() => els.every((e) => !e.video!.paused && e.video!.currentTime > 12.3), 'the room playing');
    const slotBefore = els[0]!.state.slot;
    const late = addElement({ room: els[0]!.getAttribute('room')! });
    await waitFor(() => late.status === 'synced' && !late.state.paused, 'the late joiner synced to a playing room');
    await waitFor(() => !late.video!.paused && late.video!.currentTime > 12.3, 'the late joiner playing from the room position');
    const all = [...els, late];
    await waitFor(() => spreadMs(all) < TOLERANCE_MS, `the late joiner within ${TOLERANCE_MS} ms of the room`);
    // It took the state: nothing new was decided by its arrival except configuration changes.
    expect(els[0]!.state.paused).to.equal(false);
    expect(els[0]!.state.position).to.be.at.least(12);
    expect(late.state.slot).to.be.at.least(slotBefore);
  });

  it('removes a departed acceptor from the configuration and keeps deciding', async () => {
    const els = await makeRoom(3);
    const leaving = els.find((e) => e.paxosRole === 'acceptor')!;
    const stay = els.filter((e) => e !== leaving);
    const goneId = leaving.nodeId;
    const config = nextEvent<{ acceptors: string[] }>(stay[0]!, 'paxos-config', (d) => !d.acceptors.includes(goneId), 20_000);
    leaving.remove();
    const detail = await config;
    expect(detail.acceptors).to.not.include(goneId);
    await stay[1]!.seek(7);
    await waitFor(() => stay.every((e) => e.state.position === 7), 'the two remaining decide');
  });

  it('fails over when the leader is removed', async () => {
    const els = await makeRoom(3);
    const leader = els.find((e) => e.paxosRole === 'leader')!;
    const rest = els.filter((e) => e !== leader);
    const oldLeader = leader.nodeId;
    leader.remove();
    await waitFor(() => rest.every((e) => e.leader !== null && e.leader !== oldLeader && e.leader === rest[0]!.leader), 'a new leader', 20_000);
    await rest[0]!.seek(9);
    await waitFor(() => rest.every((e) => e.state.position === 9), 'the new leader decides');
  });

  it('keeps an acceptor identity and its promises across a reload', async () => {
    const els = await makeRoom(3);
    await els[0]!.seek(2); // every acceptor accepts a value, so each has promised a ballot
    const target = els.find((e) => e.paxosRole === 'acceptor')!;
    const room = target.getAttribute('room')!;
    const id = target.nodeId;
    // The acceptor state is stored per history; the key without one names the history the tab is in.
    const key = `paxos-video:acceptor:${room}:${id}:${sessionStorage.getItem(`paxos-video:acceptor:${room}:${id}`)}`;
    const before = JSON.parse(sessionStorage.getItem(key)!) as { promised: { round: number; node: string } };
    expect(before.promised.round).to.be.above(0);
    target.remove(); // like a reload: the tab goes away with its sessionStorage intact...
    const back: PaxosVideo = addElement({ room }); // ...and the new page claims the same identity
    await waitFor(() => back.nodeId !== '', 'the new element to claim an identity');
    expect(back.nodeId).to.equal(id);
    await waitFor(() => back.status === 'synced', 'the reloaded element synced');
    const after = JSON.parse(sessionStorage.getItem(key)!) as { promised: { round: number; node: string } };
    // Never below what it promised before the reload.
    expect(after.promised.round > before.promised.round || (after.promised.round === before.promised.round && after.promised.node >= before.promised.node)).to.equal(true);
    await els.find((e) => e !== target)!.seek(3);
    await waitFor(() => back.state.position === 3, 'the reloaded element learns new decisions');
  });
});
