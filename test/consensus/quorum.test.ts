/** Loss of quorum: reported, nothing unsafe, recovery when it heals; the unsafe forced reconfiguration. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, nodeIds } from '../sim/cluster.js';

describe('quorum', () => {
  it('reports quorum lost with reachable and needed, fails proposals with no-quorum, and recovers after healing', () => {
    const ids = nodeIds(3);
    const cluster = new Cluster(ids, { seed: 21, node: { proposalTimeoutTicks: 30 } });
    const leader = cluster.awaitLeader();
    const others = ids.filter((id) => id !== leader);
    cluster.partition([leader], others);
    cluster.tick();
    assert.deepEqual(cluster.member(leader).events.filter((e) => e.type === 'quorum-lost'), [{ type: 'quorum-lost', reachable: 1, needed: 2 }]);
    const before = cluster.node(leader).applied;
    cluster.propose(leader, 'isolated');
    cluster.tickUntil(() => cluster.outcome(leader, 'isolated') !== undefined, 40);
    assert.deepEqual(cluster.outcome(leader, 'isolated'), { id: 'isolated', ok: false, code: 'no-quorum', reason: 'a majority of the acceptors is unreachable' });
    assert.equal(cluster.node(leader).applied, before, 'the isolated node decided nothing');
    cluster.heal();
    cluster.tick();
    assert.ok(cluster.member(leader).events.some((e) => e.type === 'quorum-restored'));
    const now = cluster.awaitLeader();
    cluster.propose(now, 'healed');
    assert.equal(cluster.outcome(now, 'healed')?.ok, true);
  });

  it('the majority side of a partition elects a leader and keeps deciding', () => {
    const ids = nodeIds(5);
    const cluster = new Cluster(ids, { seed: 22 });
    const leader = cluster.awaitLeader();
    const minority = [leader, ids.find((id) => id !== leader) as string];
    const majority = ids.filter((id) => !minority.includes(id));
    cluster.partition(minority, majority);
    const proposer = majority[0] as string;
    cluster.propose(proposer, 'majority');
    cluster.tickUntil(() => cluster.outcome(proposer, 'majority')?.ok === true, 60, 'decision on the majority side');
    assert.ok(!cluster.tags(leader).includes('majority'));
    cluster.heal();
    // It learns the slot itself, or (the new leader not knowing how far it got) the state after it.
    cluster.tickUntil(() => JSON.stringify(cluster.node(leader).state) === JSON.stringify(cluster.node(proposer).state), 40, 'the old leader learns');
  });

  it('forceReconfigure restarts a room from a survivor after a majority is lost for good (unsafe, explicit)', () => {
    const ids = nodeIds(3);
    const cluster = new Cluster(ids, { seed: 23 });
    const leader = cluster.awaitLeader();
    cluster.propose(leader, 'kept');
    const survivor = ids.find((id) => id !== leader) as string;
    const dead = ids.filter((id) => id !== survivor);
    for (const id of dead) cluster.crash(id);
    for (const id of dead) cluster.node(survivor).peerLeft(id);
    cluster.tick(40);
    assert.equal(cluster.node(survivor).role === 'leader', false, 'no quorum, no leader');
    cluster.act(survivor, (node) => node.forceReconfigure());
    assert.deepEqual(cluster.node(survivor).acceptors, [survivor]);
    cluster.tick();
    cluster.propose(survivor, 'after-force');
    assert.equal(cluster.outcome(survivor, 'after-force')?.ok, true);
    assert.deepEqual(cluster.tags(survivor), ['kept', 'after-force']);
  });

  it('forceReconfigure refuses a bad acceptor list', () => {
    const cluster = new Cluster(nodeIds(1), { seed: 2 });
    assert.throws(() => cluster.node('node-000').forceReconfigure(['bad']), /node id/);
    assert.throws(() => cluster.node('node-000').forceReconfigure([]), /1 to 5/);
    cluster.node('node-000').setEligible(false);
    assert.throws(() => cluster.node('node-000').forceReconfigure(), /hidden tab may not lead/);
  });
});
