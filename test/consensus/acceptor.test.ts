/** The acceptor side of a real node, driven message by message (Paxos Made Simple, P1a and P2b). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from '../../src/consensus/index.js';
import type { AppendCommand, Digest } from '../sim/digest-machine.js';
import { A, B, C, ballot, commands, exchange, makeNode, ofType, wire } from './helpers.js';

describe('acceptor', () => {
  it('promises a higher ballot and reports what it accepted from the asked slot on', () => {
    const { node } = makeNode(A, [A, B, C]);
    node.drain();
    const v = commands('x');
    // Phase 2b to the leader and to every other acceptor (each learns the slot from a majority of them).
    const out = exchange(node, B, { type: 'accept', ballot: ballot(1, B), slot: 1, value: v });
    assert.deepEqual(out.filter((e) => e.message.type === 'accepted').map((e) => e.to), [B, C]);
    const [promise] = ofType(exchange(node, C, { type: 'prepare', ballot: ballot(2, C), slot: 1 }), 'promise');
    assert.deepEqual(promise?.ballot, ballot(2, C));
    assert.deepEqual(promise?.accepted, [{ slot: 1, ballot: ballot(1, B), value: v }]);
    assert.deepEqual(node.promisedBallot, ballot(2, C));
  });

  it('refuses a lower prepare and a lower accept with a nack carrying the promised ballot', () => {
    const { node } = makeNode(A, [A, B, C]);
    exchange(node, C, { type: 'prepare', ballot: ballot(5, C), slot: 1 });
    const [nack1] = ofType(exchange(node, B, { type: 'prepare', ballot: ballot(4, B), slot: 1 }), 'nack');
    assert.deepEqual(nack1?.promised, ballot(5, C));
    const [nack2] = ofType(exchange(node, B, { type: 'accept', ballot: ballot(4, B), slot: 1, value: commands('y') }), 'nack');
    assert.deepEqual(nack2?.promised, ballot(5, C));
    const [promise] = ofType(exchange(node, C, { type: 'prepare', ballot: ballot(5, C), slot: 1 }), 'promise');
    assert.deepEqual(promise?.accepted, [], 'the refused accept left no trace');
  });

  it('answers a retransmitted prepare again, and accepts in the promised ballot', () => {
    const { node } = makeNode(A, [A, B, C]);
    exchange(node, B, { type: 'prepare', ballot: ballot(3, B), slot: 1 });
    assert.equal(ofType(exchange(node, B, { type: 'prepare', ballot: ballot(3, B), slot: 1 }), 'promise').length, 1);
    assert.equal(ofType(exchange(node, B, { type: 'accept', ballot: ballot(3, B), slot: 1, value: commands('z') }), 'accepted').length, 2);
  });

  it('persists a promise before the promise can leave: drain saves first, and a failed save releases nothing', () => {
    const { node, storage } = makeNode(A, [A, B, C]);
    node.drain();
    node.step(B, wire({ type: 'prepare', ballot: ballot(9, B), slot: 1 }));
    const realSave = storage.save.bind(storage);
    let failing = true;
    storage.save = (state) => {
      if (failing) throw new Error('quota exceeded');
      realSave(state);
    };
    assert.throws(() => node.drain(), /quota exceeded/);
    failing = false;
    const out = node.drain();
    assert.equal(ofType(out.messages, 'promise').length, 1, 'the promise was kept, not lost');
    assert.deepEqual(storage.load()?.promised, ballot(9, B));
  });

  it('keeps its promise across a restart from storage', () => {
    const first = makeNode(A, [A, B, C]);
    exchange(first.node, C, { type: 'prepare', ballot: ballot(6, C), slot: 1 });
    const kept = commands('kept');
    exchange(first.node, C, { type: 'accept', ballot: ballot(6, C), slot: 1, value: kept });
    const again = makeNode(A, undefined, {}, first.storage);
    again.node.drain();
    assert.deepEqual(again.node.promisedBallot, ballot(6, C));
    assert.equal(ofType(exchange(again.node, B, { type: 'accept', ballot: ballot(5, B), slot: 1, value: commands('lost') }), 'nack').length, 1);
    const [promise] = ofType(exchange(again.node, B, { type: 'prepare', ballot: ballot(7, B), slot: 1 }), 'promise');
    assert.deepEqual(promise?.accepted.map((e) => e.value), [kept]);
  });

  it('refuses to start from a corrupt stored state with a clear error', () => {
    const { storage } = makeNode(A, [A, B, C]);
    const { node } = makeNode(A, [A, B, C]);
    node.drain();
    storage.save({ version: 2, promised: { round: -3, node: B }, seq: 0, entries: [] });
    assert.throws(() => makeNode(A, undefined, {}, storage), /invalid persisted consensus state at promised/);
  });

  it('refuses a state stored by an older build (format 1), saying so', () => {
    const storage = new MemoryStorage<Digest, AppendCommand>({ version: 1, promised: ballot(2, B), entries: [] } as never);
    assert.throws(() => makeNode(A, undefined, {}, storage), /at version: expected 2, got 1/);
  });
});
