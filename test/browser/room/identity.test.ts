/**
 * A tab's node identity (src/room/identity.ts) with the browser's real sessionStorage and Web Locks: a
 * claimed id is held while its owner lives, given back on release (a reload takes it again and may recover
 * its acceptor state), never shared by two live owners (a duplicated tab, two elements of one page).
 */
import { expect } from '@open-wc/testing';
import { isNodeId } from '../../../src/consensus/index.js';
import { claimIdentity, newNodeId } from '../../../src/room/identity.js';
import { uniqueRoom, waitFor } from '../net/helpers.js';

describe('node identity', () => {
  it('mints a fresh id, stores it for a reload, and keeps it from a second live owner', async () => {
    const room = uniqueRoom('id');
    const first = await claimIdentity(room);
    expect(isNodeId(first.id)).to.equal(true);
    expect(first.recovered_).to.equal(false);
    expect(JSON.parse(sessionStorage.getItem(`paxos-video:ids:${room}`)!)).to.deep.equal([first.id]);
    // While the first owner lives, another claim in the same storage gets its own id.
    const second = await claimIdentity(room);
    expect(second.id).to.not.equal(first.id);
    first.release_();
    second.release_();
  });

  it('gives a released id back to the next claim (a reload), as recovered', async () => {
    const room = uniqueRoom('id');
    const first = await claimIdentity(room);
    first.release_();
    // The lock manager lets go once the holder's promise settles, a moment later (a reload unloads first).
    const lock = `paxos-video:node:${room}:${first.id}`;
    await waitFor(async () => !(await navigator.locks.query()).held?.some((l) => l.name === lock), 'the lock to be free');
    const again = await claimIdentity(room);
    expect(again.id).to.equal(first.id);
    expect(again.recovered_).to.equal(true);
    again.release_();
  });

  it('treats unreadable or missing storage as empty: a fresh id, never an exception', async () => {
    const room = uniqueRoom('id');
    sessionStorage.setItem(`paxos-video:ids:${room}`, '{not json');
    const fromGarbage = await claimIdentity(room);
    expect(fromGarbage.recovered_).to.equal(false);
    sessionStorage.setItem(`paxos-video:ids:${room}`, JSON.stringify(['bad id!', 42]));
    const fromBadIds = await claimIdentity(room);
    expect(fromBadIds.recovered_).to.equal(false);
    const withoutStorage = await claimIdentity(room, undefined);
    expect(isNodeId(withoutStorage.id)).to.equal(true);
    for (const c of [fromGarbage, fromBadIds, withoutStorage]) c.release_();
  });

  it('mints ids of 16 URL-safe characters, all different', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newNodeId()));
    expect(ids.size).to.equal(200);
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9_-]{16}$/);
  });
});
