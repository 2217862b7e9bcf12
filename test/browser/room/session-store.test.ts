/**
 * The acceptor's durable state in the browser's real sessionStorage (src/room/session-store.ts): what a
 * reloaded tab reads back under its room, node id and history, a corrupt record refused (never trusted), and a save
 * that cannot be made reported to the caller (the consensus core then sends nothing).
 */
import { expect } from '@open-wc/testing';
import { MemoryStorage, PaxosNode, type PersistentState } from '../../../src/consensus/index.js';
import { videoStateMachine, type VideoCommand, type VideoState } from '../../../src/playback/video-state.js';
import { newHistory } from '../../../src/room/history.js';
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

  it('keeps one state per room history, and the history the node is in, for a reload', () => {
    const room = uniqueRoom('store');
    const id = nodeId('store');
    const [h1, h2] = [newHistory(1000), newHistory(2000)];
    const store = new SessionStore(sessionStorage, room, id, videoStateMachine);
    expect(store.history).to.equal(undefined);
    store.history = h1;
    const state = foundedState(id);
    store.save(state);
    const reloaded = new SessionStore(sessionStorage, room, id, videoStateMachine);
    expect(reloaded.history).to.equal(h1);
    expect(reloaded.load()).to.deep.equal(state);
    // Another history starts empty; the state of the one left stays (a return comes back with its promises).
    reloaded.history = h2;
    expect(reloaded.load()).to.equal(undefined);
    expect(new SessionStore(sessionStorage, room, id, videoStateMachine).history).to.equal(h2);
    reloaded.history = h1;
    expect(reloaded.load()).to.deep.equal(state);
  });

  it('refuses a corrupt record and says why, so the host starts afresh', () => {
    const room = uniqueRoom('store');
    const id = nodeId('store');
    const h = newHistory(1000);
    sessionStorage.setItem(`paxos-video:acceptor:${room}:${id}`, h);
    sessionStorage.setItem(`paxos-video:acceptor:${room}:${id}:${h}`, JSON.stringify({ version: 1, promised: { round: -3, node: 'x' }, entries: [] }));
    const store = new SessionStore(sessionStorage, room, id, videoStateMachine);
    expect(store.load()).to.equal(undefined);
    expect(store.discarded_).to.be.a('string').and.not.equal('');
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
