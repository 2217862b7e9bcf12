/** Pure rules: ballot order, quorum size, and the acceptor-set planning of membership changes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayAccept, mayPromise } from '../../src/consensus/acceptor.js';
import { compareBallots, NO_BALLOT, nextBallot } from '../../src/consensus/ballot.js';
import { quorumSize } from '../../src/consensus/quorum.js';
import { planAcceptors, type PeerStatus } from '../../src/consensus/membership.js';
import { A, B, C, D, ballot } from './helpers.js';

const E = 'node-eee';
const F = 'node-fff';
const peer = (id: string, over: Partial<PeerStatus> = {}): PeerStatus => ({ id, left: false, alive: true, caughtUp: true, ...over });

describe('ballots', () => {
  it('order by round, then by node id, and every real ballot is above NO_BALLOT', () => {
    assert.ok(compareBallots(ballot(2, A), ballot(1, B)) > 0);
    assert.ok(compareBallots(ballot(1, B), ballot(1, A)) > 0);
    assert.equal(compareBallots(ballot(3, C), ballot(3, C)), 0);
    assert.ok(compareBallots(ballot(1, A), NO_BALLOT) > 0);
  });

  it('a next ballot is above the one it jumps past, whoever owned it', () => {
    const seen = ballot(7, D);
    const mine = nextBallot(seen, A);
    assert.deepEqual(mine, ballot(8, A));
    assert.ok(compareBallots(mine, seen) > 0);
  });
});

describe('acceptor rules', () => {
  it('P1a: promise a ballot not below the promised one; P2b: accept likewise', () => {
    assert.equal(mayPromise(ballot(2, A), ballot(3, B)), true);
    assert.equal(mayPromise(ballot(2, A), ballot(2, A)), true, 'a retransmitted prepare gets the same answer');
    assert.equal(mayPromise(ballot(2, B), ballot(2, A)), false);
    assert.equal(mayAccept(ballot(4, A), ballot(3, D)), false);
    assert.equal(mayAccept(ballot(4, A), ballot(4, A)), true);
  });
});

describe('quorums', () => {
  it('are majorities', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 7].map(quorumSize), [1, 2, 2, 3, 3, 4]);
  });
});

describe('planAcceptors', () => {
  it('promotes live caught-up learners while there is room, lowest id first', () => {
    const plan = planAcceptors({ acceptors: [A], maxAcceptors: 3, self: A, peers: [peer(D), peer(C), peer(B, { caughtUp: false })] });
    assert.deepEqual(plan, [A, C, D]);
  });

  it('replaces an acceptor that left, or shrinks when no learner can replace it', () => {
    assert.deepEqual(planAcceptors({ acceptors: [A, B, C], maxAcceptors: 3, self: A, peers: [peer(B, { left: true }), peer(C), peer(D)] }), [A, C, D]);
    assert.deepEqual(planAcceptors({ acceptors: [A, B, C], maxAcceptors: 3, self: A, peers: [peer(B, { left: true }), peer(C)] }), [A, C]);
  });

  it('replaces a silent acceptor only when a live learner exists, never shrinks on suspicion', () => {
    const silent = peer(B, { alive: false });
    assert.equal(planAcceptors({ acceptors: [A, B, C], maxAcceptors: 3, self: A, peers: [silent, peer(C)] }), undefined);
    assert.deepEqual(planAcceptors({ acceptors: [A, B, C], maxAcceptors: 3, self: A, peers: [silent, peer(C), peer(E)] }), [A, C, E]);
  });

  it('never proposes an empty set: a learner that leads replaces departed acceptors with itself', () => {
    // Issue 14, item 3: every acceptor the leading learner knows has left, and no other learner is live.
    assert.deepEqual(planAcceptors({ acceptors: [B, C], maxAcceptors: 3, self: A, peers: [peer(B, { left: true }), peer(C, { left: true })] }), [A]);
    assert.deepEqual(planAcceptors({ acceptors: [B], maxAcceptors: 3, self: A, peers: [peer(B, { left: true }), peer(D, { alive: false })] }), [A]);
    // An acceptor that leads keeps itself when everyone else left.
    assert.deepEqual(planAcceptors({ acceptors: [A, B], maxAcceptors: 3, self: A, peers: [peer(B, { left: true })] }), [A]);
  });

  it('keeps a full healthy set, and never removes the leader itself', () => {
    assert.equal(planAcceptors({ acceptors: [A, B, C], maxAcceptors: 3, self: A, peers: [peer(B), peer(C), peer(D), peer(E), peer(F)] }), undefined);
  });

  it('leaves a set above its own limit as it is (another tab with a larger limit made it), and still replaces in it', () => {
    assert.equal(planAcceptors({ acceptors: [A, B, C, D, E], maxAcceptors: 3, self: A, peers: [peer(B), peer(C), peer(D), peer(E)] }), undefined);
    assert.deepEqual(planAcceptors({ acceptors: [A, B, C, D, E], maxAcceptors: 3, self: A, peers: [peer(B), peer(C, { left: true }), peer(D), peer(E), peer(F)] }), [A, B, D, E, F]);
  });
});
