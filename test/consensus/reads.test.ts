/** Linearizable reads: the state once a quorum confirmed the leader's ballot, including every earlier decision. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, nodeIds } from '../sim/cluster.js';

describe('reads', () => {
  it('a read at the leader and at a follower returns a state that includes every decided proposal', () => {
    const cluster = new Cluster(nodeIds(3), { seed: 41 });
    const leader = cluster.awaitLeader();
    const follower = cluster.up().find((id) => id !== leader) as string;
    cluster.propose(follower, 'w1');
    cluster.act(leader, (n) => n.read('r-leader'));
    cluster.act(follower, (n) => n.read('r-follower'));
    for (const [id, rid] of [[leader, 'r-leader'], [follower, 'r-follower']] as const) {
      const read = cluster.member(id).reads.find((r) => r.id === rid);
      assert.ok(read?.ok, `${rid} answered`);
      assert.deepEqual(read.state, cluster.node(leader).state);
      assert.ok(read.slot >= (cluster.outcome(follower, 'w1') as { slot: number }).slot);
    }
    const confirm = cluster.sent.filter((s) => s.message.type === 'read-index');
    assert.equal(confirm.length, 1);
  });

  it('a read fails when no quorum can confirm it, instead of returning a possibly stale state', () => {
    const ids = nodeIds(3);
    const cluster = new Cluster(ids, { seed: 42, node: { readTimeoutTicks: 20 } });
    const leader = cluster.awaitLeader();
    cluster.partition([leader], ids.filter((id) => id !== leader));
    cluster.tick();
    cluster.act(leader, (n) => n.read('r-alone'));
    cluster.tickUntil(() => cluster.member(leader).reads.length > 0, 30);
    assert.deepEqual(cluster.member(leader).reads[0], { id: 'r-alone', ok: false, code: 'no-quorum', reason: 'a majority of the acceptors is unreachable' });
  });

  it("covers the leader's slot in flight: a follower may have learned it chosen (and its proposer completed) before the leader did", () => {
    const cluster = new Cluster(nodeIds(3), { seed: 43 });
    const leader = cluster.awaitLeader();
    const [follower] = cluster.up().filter((id) => id !== leader) as [string];
    // The leader can neither count the slot's acceptances nor catch up on it from the follower that learned it.
    cluster.drop = (s) => (s.message.type === 'accepted' || s.message.type === 'entries') && s.to === leader;
    cluster.propose(follower, 'w1');
    const done = cluster.outcome(follower, 'w1');
    assert.ok(done?.ok, 'the proposer saw its command complete, from the acceptors');
    cluster.act(leader, (n) => n.read('r-after'));
    cluster.tick(3);
    assert.equal(cluster.member(leader).reads.length, 0, 'no answer before the leader has the slot');
    cluster.drop = undefined;
    cluster.tickUntil(() => cluster.member(leader).reads.length > 0, 40, 'the read');
    const read = cluster.member(leader).reads[0];
    assert.ok(read?.ok, 'the read answered');
    assert.ok(read.slot >= done.slot, `read slot ${read.slot}, the command completed at slot ${done.slot}`);
  });
});
