/**
 * The acceptor's durable state in the browser's real sessionStorage (src/room/session-store.ts): what a
 * reloaded tab reads back under its room and node id, a corrupt record refused (never trusted), and a save
 * that cannot be made reported to the caller (the consensus core then sends nothing).
 */
import { expect } from '@open-wc/testing';
import { MemoryStorage, PaxosNode, type PersistentState } from '../../../src/consensus/index.js';
import { videoStateMachine, type VideoCommand, type VideoState } from '../../../src/playback/video-state.js';
import { SessionStore } from '../../../src/room/session-store.js';
import { nodeId, uniqueRoom } from '../net/helpers.js';

/** A real persistent state: what a founder's node saves. */
function foundedState(id: string): PersistentState<VideoState, VideoCommand> {
  const storage = new MemoryStorage<VideoState, VideoCommand>();
  const node = new PaxosNode<VideoState, VideoCommand>({ id, stateMachine: videoStateMachine, storage, random: () => 0.5, bootstrap: [id] });
  node.drain();
  return storage.load()!;
}

describe('SessionStore', () => {
  it('reads back what it saved, under its room and node id only', () => {
    const room = uniqueRoom('store');
    const id = nodeId('store');
    const state = foundedState(id);
    new SessionStore(sessionStorage, room, id, videoStateMachine).save(state);
    expect(new SessionStore(sessionStorage, room, id, videoStateMachine).load()).to.deep.equal(state);
    expect(new SessionStore(sessionStorage, room, nodeId('other'), videoStateMachine).load()).to.equal(undefined);
    expect(new SessionStore(sessionStorage, uniqueRoom('other'), id, videoStateMachine).load()).to.equal(undefined);
  });

  it('refuses a corrupt record and says why, so the host starts afresh', () => {
    const room = uniqueRoom('store');
    const id = nodeId('store');
    sessionStorage.setItem(`paxos-video:acceptor:${room}:${id}`, JSON.stringify({ version: 1, promised: { round: -3, node: 'x' }, entries: [] }));
    const store = new SessionStore(sessionStorage, room, id, videoStateMachine);
    expect(store.load()).to.equal(undefined);
    expect(store.discarded).to.be.a('string').and.not.equal('');
  });

  it('without storage it keeps the state in memory; a save that fails throws to the caller', () => {
    const id = nodeId('store');
    const state = foundedState(id);
    const memory = new SessionStore(undefined, uniqueRoom('store'), id, videoStateMachine);
    memory.save(state);
    expect(memory.load()).to.equal(state);
    const full = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('quota', 'QuotaExceededError');
      },
    } as unknown as Storage;
    expect(() => new SessionStore(full, uniqueRoom('store'), id, videoStateMachine).save(state)).to.throw('quota');
  });
});
