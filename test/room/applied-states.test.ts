// AppliedStates: the room reports each decided slot's state from what the node's log computed, and the
// log applies each command once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStorage, PaxosNode, type StateMachine } from '../../src/consensus/index.js';
import { AppliedStates } from '../../src/room/applied-states.js';

/** A counter: a command adds its number; every apply is counted. */
const counting = (): StateMachine<number, number> & { calls: number } => {
  const m = {
    calls: 0,
    initial: () => 0,
    apply: (s: number, c: number) => {
      m.calls += 1;
      return s + c;
    },
    parseCommand: (raw: unknown) => raw as number,
    parseState: (raw: unknown) => raw as number,
  };
  return m;
};

test('each applied slot gets the state after its last command; slots without commands keep the state', () => {
  const inner = counting();
  const applied = new AppliedStates(inner);
  const node = new PaxosNode<number, number>({ id: 'node-0001', stateMachine: applied.machine, storage: new MemoryStorage(), random: () => 0.5, bootstrap: ['node-0001'] });
  for (let i = 0; i < 20 && node.role !== 'leader'; i++) node.tick();
  node.drain();
  let state = node.state;
  const seen: number[] = [];
  for (const batch of [[1], [2, 3], [4]]) {
    for (const [i, c] of batch.entries()) node.propose(c, `p${c}-${i}`);
    for (let i = 0; i < 5; i++) node.tick();
    for (const entry of node.drain().applied) {
      state = applied.after(entry, state);
      seen.push(state);
    }
  }
  assert.equal(state, node.state, 'the last reported state is the node\'s');
  assert.equal(state, 10);
  // Every command adds a positive number, so the reported states only grow; a no-op slot repeats one.
  assert.deepEqual(seen, [...seen].sort((x, y) => x - y));
  assert.ok(seen.includes(1) && seen.at(-1) === 10, String(seen));
  assert.equal(inner.calls, 4, 'every command applied once, by the log');
});
