/** Proposer sessions: the replicated memory that makes each command take effect once (sessions.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DONE, MAX_SESSIONS, Sessions } from '../../src/consensus/sessions.js';
import { A, B, C, ballot, makeNode, wire } from './helpers.js';

const cmd = (proposer: string, seq: number, lowest = 0) => ({ proposer, seq, lowest });

describe('sessions', () => {
  it('tell a copy from a new command, and remember where a command first took effect', () => {
    const s = new Sessions();
    assert.equal(s.isCopy(cmd(A, 0)), false);
    s.record(cmd(A, 0), 5);
    assert.equal(s.isCopy(cmd(A, 0)), true);
    assert.equal(s.firstEffect_(A, 0), 5);
    assert.equal(s.isCopy(cmd(A, 1)), false, 'the next command of the same proposer is new');
    assert.equal(s.isCopy(cmd(B, 0)), false, 'numbers are per proposer');
  });

  it('forget what the proposer settled (below `lowest`), and still refuse copies of it', () => {
    const s = new Sessions();
    s.record(cmd(A, 0), 1);
    s.record(cmd(A, 1), 2);
    s.record(cmd(A, 2, 2), 3); // A waits on nothing below 2: 0 and 1 settled
    assert.deepEqual(s.snapshot(), [{ proposer: A, below: 2, done: [[2, 3]] }]);
    assert.equal(s.isCopy(cmd(A, 0)), true, 'a very old copy is refused by `below` alone');
    assert.equal(s.firstEffect_(A, 0), undefined);
  });

  it('stay bounded: past the bound the earliest go and count as settled; the least recently active session goes', () => {
    const s = new Sessions();
    for (let seq = 0; seq <= MAX_DONE; seq++) s.record(cmd(A, seq), seq + 1);
    const [session] = s.snapshot();
    assert.equal(session?.done.length, MAX_DONE);
    assert.equal(session?.below, 1);
    assert.equal(s.isCopy(cmd(A, 0)), true);
    for (let i = 0; i < MAX_SESSIONS; i++) s.record(cmd(`node-${String(i).padStart(4, '0')}`, 0), 100 + i);
    assert.equal(s.snapshot().length, MAX_SESSIONS);
    assert.equal(s.firstEffect_(A, 5), undefined, "A's session, the least recently active, was dropped");
  });

  it('travel in snapshots: a node that installs one agrees with those that applied every slot', () => {
    const s = new Sessions();
    s.record(cmd(A, 3, 1), 7);
    s.record(cmd(B, 0), 8);
    const copy = new Sessions(JSON.parse(JSON.stringify(s.snapshot())));
    assert.deepEqual(copy.snapshot(), s.snapshot());
    assert.equal(copy.isCopy(cmd(A, 3)), true);
    assert.equal(copy.firstEffect_(B, 0), 8);
  });

  it('a command decided twice takes effect once, and its proposer is told the first slot', () => {
    // A proposes X; the room decides X at slot 1 and a copy of it again at slot 2 (two leaders' races).
    const { node } = makeNode(A, [A, B, C]);
    node.propose({ tag: 'X' }, 'x');
    node.drain();
    const x = { id: 'x', proposer: A, seq: 0, lowest: 0, command: { tag: 'X' } };
    const y = { id: 'y', proposer: B, seq: 0, lowest: 0, command: { tag: 'Y' } };
    node.step(B, wire({ type: 'decide', ballot: ballot(1, B), slot: 1, value: { kind: 'commands', commands: [x] } }));
    node.step(B, wire({ type: 'decide', ballot: ballot(1, B), slot: 2, value: { kind: 'commands', commands: [x, y] } }));
    const out = node.drain();
    assert.deepEqual(out.proposals, [{ id: 'x', ok: true, slot: 1 }]);
    assert.deepEqual(out.applied.map((e) => e.value), [{ kind: 'commands', commands: [x] }, { kind: 'commands', commands: [y] }]);
    assert.equal(node.state.length, 2, 'X once, then Y');
  });
});

describe('timing', () => {
  it('setTiming changes the heartbeat period from now on, and a bad value changes nothing', () => {
    const { node } = makeNode(A, [A], { heartbeatTicks: 2 });
    node.drain();
    node.tick(); // a lone acceptor leads at once
    const heartbeatsIn = (ticks: number) => {
      let beats = 0;
      for (let i = 0; i < ticks; i++) {
        node.tick();
        node.peerJoined(B);
        beats += node.drain().messages.filter((m) => m.message.type === 'heartbeat').length;
      }
      return beats;
    };
    assert.equal(heartbeatsIn(20), 10);
    node.setTiming({ heartbeatTicks: 5 });
    assert.equal(heartbeatsIn(20), 4);
    assert.throws(() => node.setTiming({ heartbeatTicks: 0 }), /heartbeatTicks must be a positive integer, got 0/);
    assert.equal(heartbeatsIn(20), 4, 'the period stayed');
  });
});
