/** Proposers and the leader: election, phase 1 over every undecided slot, steady-state phase 2, forwarding. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStorage } from '../../src/consensus/index.js';
import { Cluster, nodeIds } from '../sim/cluster.js';
import { Rng } from '../sim/rng.js';
import { A, B, C, D, ballot, campaign, commands, exchange, makeNode, ofType, wire } from './helpers.js';

const E = 'node-eee';

describe('leader', () => {
  it('a lone node leads at its first tick and decides alone', () => {
    const { node } = makeNode(A, [A]);
    node.drain();
    node.tick();
    assert.equal(node.role, 'leader');
    node.propose({ tag: 'solo' }, 'p1');
    const out = node.drain();
    assert.equal(out.messages.length, 0);
    assert.deepEqual(out.proposals, [{ id: 'p1', ok: true, slot: 1 }]);
    assert.deepEqual(node.state.length, 1);
  });

  it('elects one leader that every node recognizes, within the election timeout', () => {
    const cluster = new Cluster(nodeIds(5), { seed: 3 });
    const leader = cluster.awaitLeader(40);
    assert.equal(cluster.leaders().length, 1);
    const events = cluster.member(leader).events.filter((e) => e.type === 'role');
    assert.deepEqual(events.at(-1), { type: 'role', role: 'leader' });
  });

  it('decides in one round trip from the leader: accept, accepted to the leader and every acceptor, then decide to every other node', () => {
    const cluster = new Cluster(nodeIds(5), { seed: 3 });
    const leader = cluster.awaitLeader();
    const start = cluster.sent.length;
    cluster.propose(leader, 'one');
    assert.deepEqual(cluster.outcome(leader, 'one'), { id: 'one', ok: true, slot: cluster.node(leader).applied });
    const types = cluster.sent.slice(start).map((s) => s.message.type);
    assert.deepEqual(types.slice(0, 4), ['accept', 'accept', 'accept', 'accept']);
    assert.deepEqual(cluster.countByType(start), { accept: 4, accepted: 16, decide: 4 });
    // No tick was needed for learners to apply it.
    for (const id of cluster.up()) assert.deepEqual(cluster.tags(id).at(-1), 'one');
  });

  it('a leader that leaves the room is replaced within a few ticks, not after an election timeout', () => {
    // A long election timeout (a slow room's, from its round trips) would keep the room without a leader.
    const cluster = new Cluster(nodeIds(3), { seed: 7, node: { electionTicks: 60 } });
    const old = cluster.awaitLeader(400);
    cluster.crash(old);
    for (const id of cluster.up()) cluster.act(id, (n) => n.peerLeft(old));
    const ticks = cluster.tickUntil(() => cluster.leaders().length === 1, 60, 'a new leader');
    assert.ok(ticks <= 5, `a new leader after ${ticks} ticks`);
    assert.notEqual(cluster.leaders()[0], old);
  });

  it('a follower still hearing its leader refuses the pre-vote of one told that the leader left', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 7, node: { electionTicks: 60 } });
    const leader = cluster.awaitLeader(400);
    const [told] = cluster.up().filter((id) => id !== leader) as [string];
    cluster.act(told, (n) => n.peerLeft(leader)); // its signaling said so, but the leader is alive
    cluster.tick(30);
    assert.deepEqual(cluster.leaders(), [leader]);
  });

  it('a follower forwards its proposal to the leader: one extra hop', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 5 });
    const leader = cluster.awaitLeader();
    const follower = cluster.up().find((id) => id !== leader) as string;
    const start = cluster.sent.length;
    cluster.propose(follower, 'fwd');
    assert.equal(cluster.outcome(follower, 'fwd')?.ok, true);
    assert.deepEqual(cluster.countByType(start), { forward: 1, accept: 2, accepted: 4, decide: 2 });
  });

  it("a follower learns a slot from the acceptors' accepted, without the leader's decide (1.5 round trips for a forwarded command)", () => {
    const cluster = new Cluster(nodeIds(3), { seed: 5 });
    const leader = cluster.awaitLeader();
    const [follower, other] = cluster.up().filter((id) => id !== leader) as [string, string];
    cluster.drop = (s) => s.message.type === 'decide';
    cluster.propose(follower, 'fast');
    assert.equal(cluster.outcome(follower, 'fast')?.ok, true);
    for (const id of [leader, follower, other]) assert.equal(cluster.tags(id).at(-1), 'fast', id);
    // One acceptor's word is not a majority: a follower that hears only from the leader waits for the decide.
    cluster.drop = (s) => s.message.type === 'decide' || (s.message.type === 'accepted' && s.to !== leader);
    cluster.propose(leader, 'slow');
    assert.equal(cluster.tags(follower).at(-1), 'fast');
  });

  it('batches the commands that arrive while a slot is in flight into the next slot', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 5 });
    const leader = cluster.awaitLeader();
    cluster.drop = (s) => s.message.type === 'accepted'; // hold the first slot in flight
    cluster.propose(leader, 'first');
    cluster.propose(leader, 'second');
    cluster.propose(leader, 'third');
    cluster.drop = undefined;
    cluster.tickUntil(() => cluster.outcome(leader, 'third')?.ok === true, 50);
    const slots = cluster.member(leader).applied.filter((e) => e.value.kind === 'commands').map((e) => e.value.kind === 'commands' ? e.value.commands.map((c) => c.command.tag) : []);
    assert.deepEqual(slots.slice(-2), [['first'], ['second', 'third']]);
  });

  it('P2c: a new leader proposes the value of the highest ballot its promises report', () => {
    // A (the candidate, one of five acceptors) needs B and C too: C accepted v2 in ballot 2, B v1 in ballot 1.
    const { node } = makeNode(A, [A, B, C, D, E], { electionTicks: 2 });
    node.drain();
    const prepares = campaign(node, [B, C]);
    assert.equal(prepares.length, 4);
    const b = prepares[0]?.ballot ?? ballot(0, A);
    const v2 = commands('v2');
    assert.deepEqual(exchange(node, B, { type: 'promise', ballot: b, slot: 1, applied: 0, accepted: [{ slot: 1, ballot: ballot(1, B), value: commands('v1') }], decided: [] }), []);
    const out = exchange(node, C, { type: 'promise', ballot: b, slot: 1, applied: 0, accepted: [{ slot: 1, ballot: ballot(2, C), value: v2 }], decided: [] });
    const accepts = ofType(out, 'accept');
    assert.equal(accepts.length, 4);
    assert.deepEqual(accepts[0]?.value, v2);
    assert.equal(accepts[0]?.slot, 1);
  });

  it('jumps past a higher ballot it was refused with, and steps down', () => {
    const { node } = makeNode(A, [A, B, C], { electionTicks: 2 });
    node.drain();
    campaign(node, [B]);
    assert.equal(node.role, 'acceptor');
    node.step(B, wire({ type: 'nack', ballot: node.promisedBallot, promised: ballot(40, C), slot: 1 }));
    node.drain();
    const [prepare] = campaign(node, [B]);
    assert.ok(prepare !== undefined);
    assert.equal(prepare.ballot.round, 41);
  });

  it('fills a gap found by phase 1 with a no-op and then decides what was accepted after it', () => {
    const { node } = makeNode(A, [A, B, C, D, E], { electionTicks: 2 });
    node.drain();
    const b = campaign(node, [B, C])[0]?.ballot ?? ballot(0, A);
    const late = commands('late');
    exchange(node, B, { type: 'promise', ballot: b, slot: 1, applied: 0, accepted: [{ slot: 2, ballot: ballot(1, B), value: late }], decided: [] });
    const out = exchange(node, C, { type: 'promise', ballot: b, slot: 1, applied: 0, accepted: [], decided: [] });
    assert.deepEqual(ofType(out, 'accept')[0]?.value, { kind: 'noop' });
    exchange(node, B, { type: 'accepted', ballot: b, slot: 1 });
    const next = exchange(node, C, { type: 'accepted', ballot: b, slot: 1 });
    assert.deepEqual(ofType(next, 'accept')[0], { type: 'accept', ballot: b, slot: 2, value: late });
  });

  it('retransmits under message loss until the proposal is decided', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 9 });
    const leader = cluster.awaitLeader();
    const rng = new Rng(9); // random loss: a fixed pattern can hit the same message of every retry
    cluster.drop = (s) => s.message.type !== 'heartbeat' && rng.next() < 0.5;
    cluster.propose(leader, 'lossy');
    cluster.tickUntil(() => cluster.outcome(leader, 'lossy')?.ok === true, 100, 'decision under loss');
  });

  it('rejects invalid proposals at once, and settles every proposal exactly once', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 2 });
    const leader = cluster.awaitLeader();
    cluster.act(leader, (node) => {
      node.propose({ tag: '' }, 'bad-command');
      node.propose({ tag: 'ok' }, '');
      node.propose({ tag: 'ok' }, 'dup');
      node.propose({ tag: 'ok2' }, 'dup');
    });
    const outcomes = cluster.member(leader).proposals;
    assert.equal(outcomes.find((p) => p.id === 'bad-command')?.ok, false);
    assert.equal(outcomes.filter((p) => p.id === 'dup').length, 2);
    assert.ok(outcomes.every((p) => p.ok || (p as { code: string }).code === 'invalid'));
    assert.equal(new MemoryStorage().load(), undefined);
  });

  it('refuses bad construction options with a clear error', () => {
    assert.throws(() => makeNode('short', [A]), /id: a node id is 8-64 characters/);
    assert.throws(() => makeNode(A, [A], { electionTicks: 0 }), /electionTicks must be a positive integer/);
    assert.throws(() => makeNode(A, [A], { maxAcceptors: 99 }), /at most 15/);
    assert.throws(() => makeNode(A, [A, B, C], { maxAcceptors: 2 }), /bootstrap must be 1 to 2 acceptors, got 3/);
  });

  it('never proposes two values for one slot in one ballot, even when it takes over with proposals pending', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ids = nodeIds(3);
      const cluster = new Cluster(ids, { seed });
      // Proposals made before any leader exists wait at their proposers; whoever wins re-submits its own.
      for (const id of ids) for (let i = 0; i < 3; i++) cluster.act(id, (n) => n.propose({ tag: `${id}-${i}` }, `early-${i}`));
      cluster.awaitLeader();
      cluster.tick(30);
      const valueOf = new Map<string, string>();
      for (const { message } of cluster.sent) {
        if (message.type !== 'accept') continue;
        const key = `${message.ballot.round}.${message.ballot.node}@${message.slot}`;
        const value = JSON.stringify(message.value);
        assert.equal(valueOf.get(key) ?? value, value, `seed ${seed}: two values for ${key}`);
        valueOf.set(key, value);
      }
      for (const id of ids) assert.equal(cluster.member(id).proposals.filter((p) => p.ok).length, 3, `seed ${seed}: ${id}'s proposals decided`);
    }
  });
});
