/** Learning: strictly in slot order, catch-up from a snapshot, and a log that stays bounded. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, nodeIds } from '../sim/cluster.js';
import { digestMachine } from '../sim/digest-machine.js';
import { A, B, C, D, ballot, commands, exchange, makeNode, ofType, wire } from './helpers.js';

describe('learner', () => {
  it('applies a slot decided out of order only after the gap before it fills, each slot once', () => {
    const { node } = makeNode(A, [A, B, C]);
    node.drain();
    const decide = (slot: number, tag: string) => node.step(B, wire({ type: 'decide', ballot: ballot(1, B), slot, value: commands(tag) }));
    decide(3, 'c');
    decide(2, 'b');
    assert.equal(node.drain().applied.length, 0);
    decide(1, 'a');
    decide(2, 'b');
    const applied = node.drain().applied;
    assert.deepEqual(applied.map((e) => e.slot), [1, 2, 3]);
    assert.equal(node.applied, 3);
    let expected = digestMachine.initial();
    for (const tag of ['a', 'b', 'c']) expected = digestMachine.apply(expected, { tag });
    assert.deepEqual(node.state, expected);
  });

  it('a lagging node asks for what it missed when a heartbeat shows it is behind', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 4 });
    const leader = cluster.awaitLeader();
    const lagging = cluster.up().find((id) => id !== leader) as string;
    cluster.drop = (s) => s.to === lagging && (s.message.type === 'decide' || s.message.type === 'accepted');
    for (let i = 0; i < 5; i++) cluster.propose(leader, `t${i}`);
    cluster.drop = undefined;
    assert.deepEqual(cluster.tags(lagging), []);
    cluster.tickUntil(() => cluster.node(lagging).applied === cluster.node(leader).applied, 20, 'catch-up');
    assert.deepEqual(cluster.tags(lagging), cluster.tags(leader));
  });

  it('compacts the log behind snapshots, and a node behind the snapshot installs it', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 4, node: { snapshotEvery: 8 } });
    const leader = cluster.awaitLeader();
    const other = cluster.up().find((id) => id !== leader) as string;
    cluster.crash(other);
    for (let i = 0; i < 100; i++) cluster.propose(leader, `s${i}`);
    const stored = cluster.member(leader).storage.load();
    assert.ok((stored?.snapshot?.slot ?? 0) >= 90, 'the leader snapshotted');
    assert.ok((stored?.entries.length ?? 999) <= 8, `the log kept ${stored?.entries.length} entries`);
    cluster.restart(other);
    cluster.tickUntil(() => cluster.node(other).applied === cluster.node(leader).applied, 30, 'catch-up from a snapshot');
    assert.ok(cluster.member(other).events.some((e) => e.type === 'restored' && e.slot >= 90));
    assert.deepEqual(cluster.node(other).state, cluster.node(leader).state);
  });

  it('a joining node asks the first peer it learns of for the room state at once, before its first tick', () => {
    const { node } = makeNode(D, undefined);
    node.drain();
    node.peerJoined(A);
    node.peerJoined(B);
    const sent = node.drain().messages;
    assert.deepEqual(sent.map((e) => [e.to, e.message.type]), [[A, 'catchup']], 'one request, to the first peer');
    node.tick();
    assert.deepEqual(ofType(node.drain().messages, 'catchup'), [], 'the tick does not ask again within the retry time');
  });

  it('a joining node with no state gets the room state from a peer, then learns new slots', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 6 });
    const leader = cluster.awaitLeader();
    cluster.propose(leader, 'before');
    cluster.join('node-new');
    assert.equal(cluster.node('node-new').known, false);
    cluster.tickUntil(() => cluster.node('node-new').known, 20, 'state received');
    cluster.propose(leader, 'after');
    cluster.tickUntil(() => cluster.tags('node-new').includes('after'), 10);
    assert.deepEqual(cluster.node('node-new').state, cluster.node(leader).state);
  });

  it('a newcomer gets the state after the applied slot in one piece, not the last snapshot and every slot since', () => {
    const { node } = makeNode(A, [A]);
    node.drain();
    node.tick();
    for (let i = 0; i < 60; i++) node.propose({ tag: `t${i}` }, `p${i}`);
    node.drain();
    assert.equal(node.applied, 60, 'a room of one decides each command at once');
    node.peerJoined(D);
    node.peerReachable(D, false);
    node.drain();
    node.peerReachable(D, true);
    const pushed = node.drain().messages.filter((e) => e.to === D && e.message.type === 'entries');
    assert.equal(pushed.length, 1);
    const [entries] = ofType(pushed, 'entries');
    assert.equal(entries?.snapshot?.slot, 60);
    assert.deepEqual(entries.entries, []);
    // The relay sends a frame in parts of RELAY_PART_CHARS (4000): the last snapshot (slot 0) and 60 slots
    // were 11,292 characters, three parts; the state and its sessions are 184.
    const chars = JSON.stringify(pushed[0]!.message).length;
    assert.ok(chars < 4000, `the push is ${chars} characters`);
    const { node: newcomer } = makeNode(D, undefined);
    newcomer.drain();
    assert.ok(newcomer.step(A, wire(entries)).ok);
    assert.deepEqual(newcomer.state, node.state);
    assert.equal(newcomer.applied, 60);
    // Exactly once across the snapshot: a copy of a command applied before it takes no effect.
    newcomer.step(A, wire({ type: 'decide', ballot: ballot(1, A), slot: 61, value: { kind: 'commands', commands: [{ id: 'p59', proposer: A, seq: 59, lowest: 59, command: { tag: 't59' } }] } }));
    assert.equal(newcomer.drain().applied[0]?.value.kind, 'noop');
    assert.deepEqual(newcomer.state, node.state);
  });

  it('a leader sends a newcomer the room state as soon as the host says it can reach it', () => {
    const { node } = makeNode(A, [A]);
    node.drain();
    node.tick();
    node.propose({ tag: 'before' }, 'p1');
    node.drain();
    assert.equal(node.leader, A);
    node.peerJoined(D);
    node.peerReachable(D, false);
    node.drain();
    node.peerReachable(D, true);
    const [entries] = ofType(node.drain().messages.filter((e) => e.to === D), 'entries');
    assert.equal(entries?.snapshot?.slot, 1, 'the newcomer gets the state after the applied slot, unasked');
    assert.deepEqual(entries.entries, [], 'in one piece: no slot decided before it follows');
    // A peer that has acknowledged a slot is not new: it catches up by asking, as any lagging node does.
    node.peerJoined(B);
    exchange(node, B, { type: 'ack', ballot: ballot(1, A), seq: 0, applied: 1, eligible: true });
    node.peerReachable(B, false);
    node.drain();
    node.peerReachable(B, true);
    assert.equal(ofType(node.drain().messages, 'entries').length, 0);
  });

  it('a promise to a proposer behind the snapshot comes with the snapshot', () => {
    const { node } = makeNode(A, [A], { snapshotEvery: 2 });
    node.drain();
    node.tick();
    for (let i = 0; i < 5; i++) node.propose({ tag: `x${i}` }, `p${i}`);
    node.drain();
    const out = exchange(node, C, { type: 'prepare', ballot: ballot(50, C), slot: 1 });
    const [entries] = ofType(out, 'entries');
    assert.ok(entries?.snapshot !== undefined && entries.snapshot.slot >= 4);
    assert.equal(ofType(out, 'promise')[0]?.applied, 5);
  });
});
