/** A hidden tab must not lead: it never starts phase 1, and a leader that is hidden hands over. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, nodeIds } from '../sim/cluster.js';

describe('eligibility', () => {
  it('a leader made ineligible hands leadership to another node at once', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 31 });
    const leader = cluster.awaitLeader();
    cluster.tick(4); // acks tell the leader who is eligible
    cluster.act(leader, (node) => node.setEligible(false));
    assert.notEqual(cluster.node(leader).role, 'leader');
    const next = cluster.leaders();
    assert.equal(next.length, 1, 'the successor took over without waiting for an election timeout');
    assert.notEqual(next[0], leader);
    const start = cluster.sent.length;
    cluster.tick(60);
    assert.ok(!cluster.sent.slice(start).some((s) => s.from === leader && s.message.type === 'prepare'), 'the hidden node never campaigns');
  });

  it('with every node hidden there is no leader; one visible node becomes leader', () => {
    const ids = nodeIds(3);
    const cluster = new Cluster(ids, { seed: 32, node: { eligible: false } });
    cluster.tick(80);
    assert.deepEqual(cluster.leaders(), []);
    cluster.act(ids[1] as string, (node) => node.setEligible(true));
    assert.equal(cluster.awaitLeader(), ids[1]);
  });
});
