/** Membership through consensus: joins promote learners, failed acceptors are replaced, changes apply from the next slot. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, nodeIds } from '../sim/cluster.js';

describe('membership', () => {
  it('joins promote learners up to maxAcceptors; the rest stay learners', () => {
    const ids = nodeIds(1);
    const cluster = new Cluster(ids, { seed: 8, node: { maxAcceptors: 3 } });
    const leader = cluster.awaitLeader(5);
    for (const id of ['node-j01', 'node-j02', 'node-j03']) cluster.join(id);
    cluster.tickUntil(() => cluster.node(leader).acceptors.length === 3, 60, 'two learners promoted');
    cluster.tick(20);
    assert.equal(cluster.node(leader).acceptors.length, 3);
    const roles = cluster.up().map((id) => cluster.node(id).role).sort();
    assert.deepEqual(roles, ['acceptor', 'acceptor', 'leader', 'learner']);
    const configs = cluster.member(leader).applied.filter((e) => e.value.kind === 'config');
    assert.ok(configs.length >= 1);
  });

  it('a configuration change takes effect from the next slot', () => {
    const cluster = new Cluster(nodeIds(1), { seed: 8, node: { maxAcceptors: 3 } });
    const leader = cluster.awaitLeader(5);
    cluster.join('node-j01');
    cluster.tickUntil(() => cluster.node(leader).acceptors.length === 2, 60);
    const applied = cluster.member(leader).applied;
    const change = applied.findIndex((e) => e.value.kind === 'config');
    const at = applied[change];
    assert.deepEqual(at?.acceptors, [leader], 'the change itself was decided by the old set');
    cluster.propose(leader, 'next');
    const next = cluster.member(leader).applied.at(-1);
    assert.deepEqual(next?.acceptors, [leader, 'node-j01'].sort());
  });

  it('a crashed acceptor is replaced by a live learner through consensus', () => {
    const cluster = new Cluster(nodeIds(4), { seed: 12, node: { maxAcceptors: 3 } });
    const leader = cluster.awaitLeader();
    const victim = cluster.node(leader).acceptors.find((id) => id !== leader) as string;
    const learner = cluster.up().find((id) => !cluster.node(leader).acceptors.includes(id)) as string;
    cluster.crash(victim);
    cluster.tickUntil(() => cluster.node(leader).acceptors.includes(learner), 80, 'replacement');
    assert.ok(!cluster.node(leader).acceptors.includes(victim));
    cluster.propose(leader, 'still-live');
    assert.equal(cluster.outcome(leader, 'still-live')?.ok, true);
  });

  it('an acceptor that leaves is removed even when no learner can replace it', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 12 });
    const leader = cluster.awaitLeader();
    const gone = cluster.up().find((id) => id !== leader) as string;
    cluster.crash(gone);
    for (const id of cluster.up()) cluster.node(id).peerLeft(gone);
    cluster.tickUntil(() => cluster.node(leader).acceptors.length === 2, 30, 'removal');
    const events = cluster.member(leader).events.filter((e) => e.type === 'config');
    assert.deepEqual(events.at(-1)?.type === 'config' ? events.at(-1) : undefined, {
      type: 'config',
      slot: cluster.node(leader).applied + 1,
      acceptors: cluster.node(leader).acceptors,
      learners: [],
    });
  });

  it('a leader replaces an acceptor it never heard of (gone while the leader was reloading)', () => {
    const cluster = new Cluster(nodeIds(4), { seed: 13, node: { maxAcceptors: 3 } });
    cluster.awaitLeader();
    cluster.crash('node-002');
    cluster.crash('node-000');
    cluster.restart('node-000'); // its peers are the live nodes: it never hears of node-002
    for (const id of ['node-001', 'node-003']) cluster.act(id, (n) => n.setEligible(false));
    cluster.tickUntil(() => cluster.node('node-000').role === 'leader', 60, 'node-000 leads');
    cluster.tickUntil(() => cluster.node('node-000').acceptors.includes('node-003'), 80, 'replacement of the unknown acceptor');
    assert.deepEqual(cluster.node('node-000').acceptors, ['node-000', 'node-001', 'node-003']);
  });
});
