/**
 * The inspector's model folds a room's events into what the panel shows: roles, ballots, decided slots, the
 * log with its commands and proposers, the quorum, histories; it rejects malformed input and stays bounded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInspectorEvent, readTarget, type InspectorEvent } from '../../src/inspector/event-schemas.js';
import { InspectorModel, type SlotEntry } from '../../src/inspector/inspector-model.js';

const SELF = 'self-node-aaaa';
const B = 'peer-bbbbbbbb';
const C = 'peer-cccccccc';
const D = 'peer-dddddddd';

/** Validates like the element does, failing the test on a detail the schema refuses. */
function ev(name: string, detail: unknown): InspectorEvent {
  const event = parseInspectorEvent(name, detail);
  assert.ok(event, `${name} ${JSON.stringify(detail)} should be valid`);
  return event;
}

function fold(model: InspectorModel, ...events: [string, unknown][]): void {
  for (const [name, detail] of events) model.fold(ev(name, detail));
}

function node(model: InspectorModel, id: string) {
  const n = model.view().nodes.find((x) => x.id === id);
  assert.ok(n, `node ${id} is in the view`);
  return n;
}

/** A room of three acceptors led by SELF, as the founder's inspector sees it form. */
function formedRoom(): InspectorModel {
  const model = new InspectorModel();
  model.setSelf(SELF);
  fold(
    model,
    ['paxos-state', { slot: 0, commands: [], state: {} }],
    ['paxos-leader', { leader: SELF, ballot: { round: 1, node: SELF } }],
    ['paxos-config', { acceptors: [SELF], learners: [B, C], slot: 1 }],
    ['paxos-config', { acceptors: [SELF, B, C], learners: [], slot: 2 }],
    ['paxos-state', { slot: 1, commands: [], state: {} }],
  );
  return model;
}

describe('inspector model: roles', () => {
  it('derives leader, acceptor and learner from paxos-leader and paxos-config', () => {
    const model = new InspectorModel();
    model.setSelf(SELF);
    fold(model, ['paxos-config', { acceptors: [SELF, B], learners: [C], slot: 0 }], ['paxos-leader', { leader: B, ballot: { round: 2, node: B } }]);
    assert.equal(node(model, SELF).role, 'acceptor');
    assert.equal(node(model, B).role, 'leader');
    assert.equal(node(model, C).role, 'learner');
    // The leader's ballot is what it promised itself.
    assert.deepEqual(node(model, B).promised, { round: 2, node: B });

    fold(model, ['paxos-leader', { leader: SELF, ballot: { round: 3, node: SELF } }]);
    assert.equal(node(model, SELF).role, 'leader');
    assert.equal(node(model, B).role, 'acceptor');
    assert.equal(model.view().leader, SELF);
  });

  it('lists self first, then the others by id, and drops nodes the configuration no longer names', () => {
    const model = new InspectorModel();
    model.setSelf(SELF);
    fold(model, ['paxos-config', { acceptors: [D, SELF], learners: [C, B], slot: 0 }]);
    assert.deepEqual(
      model.view().nodes.map((n) => n.id),
      [SELF, B, C, D],
    );
    fold(model, ['paxos-config', { acceptors: [SELF, B], learners: [], slot: 3 }]);
    assert.deepEqual(
      model.view().nodes.map((n) => n.id),
      [SELF, B],
    );
  });

  it('keeps a departed acceptor, greyed, until the configuration replaces it; drops a departed learner', () => {
    const model = new InspectorModel();
    model.setSelf(SELF);
    fold(model, ['paxos-config', { acceptors: [SELF, B, C], learners: [D], slot: 0 }], ['paxos-peer-leave', { peer: C }], ['paxos-peer-leave', { peer: D }]);
    assert.equal(node(model, C).left, true);
    assert.equal(node(model, C).connected, false);
    assert.equal(
      model.view().nodes.some((n) => n.id === D),
      false,
    );
    fold(model, ['paxos-config', { acceptors: [SELF, B], learners: [], slot: 5 }]);
    assert.equal(
      model.view().nodes.some((n) => n.id === C),
      false,
    );
  });

  it('uses the roles of `peers` until a configuration event arrives (attached to a running room)', () => {
    const model = new InspectorModel();
    model.seed({
      nodeId: SELF,
      role: 'acceptor',
      leader: B,
      status: 'synced',
      slot: 17,
      peers: [
        { id: B, role: 'leader', connected: true, relayed: false, rtt: 0.4 },
        { id: C, role: 'learner', connected: true, relayed: true, rtt: null },
      ],
    });
    assert.equal(node(model, SELF).role, 'acceptor');
    assert.equal(node(model, B).role, 'leader');
    assert.equal(node(model, C).role, 'learner');
    assert.equal(node(model, C).relayed, true);
    assert.equal(node(model, SELF).decided, 17);
    assert.equal(model.view().quorum.state, 'ok');
    // The slot after the seeded one is an ordinary slot, not a snapshot.
    fold(model, ['paxos-state', { slot: 18, commands: [], state: {} }]);
    assert.equal((model.view().log[0] as SlotEntry).value, 'noop');
  });
});

describe('inspector model: ballots and slots from messages', () => {
  it('takes the highest ballot a node sent as its promised ballot', () => {
    const model = formedRoom();
    fold(
      model,
      ['paxos-message', { direction: 'receive', type: 'promise', from: B, to: SELF, ballot: { round: 4, node: SELF }, slot: 2 }],
      ['paxos-message', { direction: 'receive', type: 'accepted', from: B, to: SELF, ballot: { round: 3, node: C }, slot: 2 }],
      ['paxos-message', { direction: 'receive', type: 'promise', from: C, to: SELF, ballot: { round: 4, node: B }, slot: 2 }],
    );
    assert.deepEqual(node(model, B).promised, { round: 4, node: SELF });
    // Same round, higher node id wins.
    assert.deepEqual(node(model, C).promised, { round: 4, node: B });
  });

  it('tracks decided slots from paxos-state, decide messages and decidedThrough', () => {
    const model = formedRoom();
    assert.equal(node(model, SELF).decided, 1);
    fold(model, ['paxos-message', { direction: 'send', type: 'decide', from: SELF, to: B, ballot: { round: 1, node: SELF }, slot: 2 }]);
    assert.equal(node(model, B).decided, 2);
    assert.equal(node(model, C).decided, null);
    fold(model, ['paxos-message', { direction: 'receive', type: 'ack', from: C, to: SELF, ballot: { round: 1, node: SELF }, decidedThrough: 1 }]);
    assert.equal(node(model, C).decided, 1);
    // Never goes backwards.
    fold(model, ['paxos-message', { direction: 'receive', type: 'ack', from: B, to: SELF, ballot: { round: 1, node: SELF }, decidedThrough: 0 }]);
    assert.equal(node(model, B).decided, 2);
    fold(model, ['paxos-state', { slot: 2, commands: [{ type: 'play', proposer: B, id: 'p1' }], state: {} }]);
    assert.equal(node(model, SELF).decided, 2);
  });

  it('counts messages by type and learns its own id from the first message it sends', () => {
    const model = new InspectorModel();
    fold(
      model,
      ['paxos-message', { direction: 'send', type: 'heartbeat', from: SELF, to: B, ballot: { round: 1, node: SELF } }],
      ['paxos-message', { direction: 'send', type: 'heartbeat', from: SELF, to: C, ballot: { round: 1, node: SELF } }],
      ['paxos-message', { direction: 'receive', type: 'ack', from: B, to: SELF, ballot: { round: 1, node: SELF } }],
    );
    const view = model.view();
    assert.equal(view.self, SELF);
    assert.deepEqual(view.messages, { heartbeat: 2, ack: 1 });
    assert.equal(view.totalMessages, 3);
    assert.equal(node(model, B).connected, true);
  });
});

describe('inspector model: the decided log', () => {
  it('lists slots newest first with their commands and proposers, and labels snapshots, no-ops and config changes', () => {
    const model = formedRoom();
    fold(
      model,
      ['paxos-state', { slot: 2, commands: [{ type: 'play', proposer: B, id: 'p1' }, { type: 'seek', proposer: C, id: 'p2' }], state: {} }],
      ['paxos-state', { slot: 3, commands: [], state: {} }],
    );
    const log = model.view().log as SlotEntry[];
    assert.deepEqual(
      log.map((e) => [e.slot, e.value]),
      [
        [3, 'noop'],
        [2, 'commands'],
        [1, 'config'],
        [0, 'snapshot'],
      ],
    );
    assert.deepEqual(log[1]!.commands.map((c) => [c.type, c.proposer]), [
      ['play', B],
      ['seek', C],
    ]);
    assert.deepEqual(log[2]!.acceptors, [SELF, B, C]);
  });

  it('labels a configuration slot whichever of paxos-config and paxos-state comes first', () => {
    const model = formedRoom();
    fold(model, ['paxos-state', { slot: 2, commands: [], state: {} }], ['paxos-config', { acceptors: [SELF, B], learners: [C], slot: 3 }]);
    const entry = model.view().log.find((e) => e.kind === 'slot' && e.slot === 2) as SlotEntry;
    assert.equal(entry.value, 'config');
    assert.deepEqual(entry.acceptors, [SELF, B]);
  });

  it('does not label a no-op as a configuration when only the learners changed', () => {
    const model = formedRoom();
    fold(model, ['paxos-state', { slot: 2, commands: [], state: {} }], ['paxos-config', { acceptors: [SELF, B, C], learners: [D], slot: 3 }]);
    assert.equal((model.view().log[0] as SlotEntry).value, 'noop');
  });

  it('marks quorum lost and restored between slots, and counts the losses', () => {
    const model = formedRoom();
    fold(model, ['paxos-quorum-lost', { reachable: 1, needed: 2 }]);
    assert.deepEqual(model.view().quorum, { state: 'lost', reachable: 1, needed: 2, losses: 1 });
    fold(model, ['paxos-quorum-restored', { reachable: 3, needed: 2 }], ['paxos-state', { slot: 2, commands: [], state: {} }]);
    const kinds = model.view().log.map((e) => (e.kind === 'quorum' ? (e.lost ? 'lost' : 'restored') : e.slot));
    assert.deepEqual(kinds.slice(0, 3), [2, 'restored', 'lost']);
    assert.equal(model.view().quorum.state, 'ok');
    assert.equal(model.view().quorum.losses, 1);
  });

  it('keeps one line per slot when a snapshot re-installs a slot', () => {
    const model = formedRoom();
    fold(model, ['paxos-state', { slot: 1, commands: [], state: {} }]);
    assert.equal(model.view().log.filter((e) => e.kind === 'slot' && e.slot === 1).length, 1);
  });
});

describe('inspector model: bounds and input', () => {
  it('keeps at most logSize log lines and historySize samples', () => {
    const model = new InspectorModel({ logSize: 10, historySize: 5 });
    model.setSelf(SELF);
    for (let slot = 0; slot < 1000; slot++) model.fold(ev('paxos-state', { slot, commands: [{ type: 'seek', proposer: B, id: `p${slot}` }], state: {} }));
    for (let i = 0; i < 100; i++) model.fold(ev('paxos-sync', { drift: i, action: 'none', rate: 1 }));
    for (let i = 0; i < 100; i++) model.updatePeers([{ id: B, role: 'acceptor', connected: true, relayed: false, rtt: i }]);
    const view = model.view();
    assert.equal(view.log.length, 10);
    assert.equal((view.log[0] as SlotEntry).slot, 999);
    assert.deepEqual(node(model, SELF).history, [95, 96, 97, 98, 99]);
    assert.equal(node(model, SELF).historyKind, 'drift');
    assert.deepEqual(node(model, B).history, [95, 96, 97, 98, 99]);
    assert.equal(node(model, B).historyKind, 'rtt');
    assert.equal(view.drift, 99);
  });

  it('caps the number of distinct message types counted', () => {
    const model = new InspectorModel();
    for (let i = 0; i < 100; i++) model.fold(ev('paxos-message', { direction: 'receive', type: `t${String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26))}`, from: B, to: SELF }));
    const counts = model.view().messages;
    assert.ok(Object.keys(counts).length <= 25, `${Object.keys(counts).length} keys`);
    assert.equal(
      Object.values(counts).reduce((a, b) => a + b, 0),
      100,
    );
  });

  it('refuses malformed details and unknown names, and counts what the element drops', () => {
    assert.equal(parseInspectorEvent('paxos-state', { slot: 'one', commands: [] }), null);
    assert.equal(parseInspectorEvent('paxos-message', { direction: 'sideways', type: 'prepare', from: B, to: SELF }), null);
    assert.equal(parseInspectorEvent('paxos-message', { direction: 'send', type: '<script>', from: B, to: SELF }), null);
    assert.equal(parseInspectorEvent('paxos-leader', { leader: 42 }), null);
    assert.equal(parseInspectorEvent('paxos-quorum-lost', { reachable: -1, needed: 2 }), null);
    assert.equal(parseInspectorEvent('paxos-sync', { drift: Number.NaN, action: 'none', rate: 1 }), null);
    assert.equal(parseInspectorEvent('toString', {}), null);
    assert.equal(parseInspectorEvent('paxos-autoplay-blocked', { mutedFallback: true }), null);
    assert.equal(parseInspectorEvent('paxos-state', null), null);
    const model = new InspectorModel();
    model.reject();
    assert.equal(model.view().rejected, 1);
  });

  it('reads a target only when it looks like a <paxos-video>', () => {
    assert.equal(readTarget({}), null);
    assert.equal(readTarget(null), null);
    assert.equal(readTarget({ nodeId: 'x', paxosRole: 'boss', leader: null, status: 'synced', state: { slot: 1 }, peers: [] }), null);
    const ok = readTarget({ nodeId: '', paxosRole: 'learner', leader: null, status: 'connecting', state: { slot: -1 }, peers: [] });
    assert.deepEqual(ok, { nodeId: '', role: 'learner', leader: null, status: 'connecting', slot: -1, peers: [] });
    const throwing = {
      get state(): never {
        throw new Error('boom');
      },
    };
    assert.equal(readTarget(throwing), null);
  });

  it('rejects out-of-range options with a clear error', () => {
    assert.throws(() => new InspectorModel({ logSize: 0 }), /logSize must be an integer from 1/);
    assert.throws(() => new InspectorModel({ historySize: 1.5 }), /historySize must be an integer/);
  });

  it('returns the same view object until something changes', () => {
    const model = formedRoom();
    const a = model.view();
    assert.equal(model.view(), a);
    fold(model, ['paxos-sync', { drift: 3, action: 'none', rate: 1 }]);
    const b = model.view();
    assert.notEqual(b, a);
    assert.ok(b.version > a.version);
    // The log did not change: same array, same logVersion (the element skips re-rendering it).
    assert.equal(b.log, a.log);
    assert.equal(b.logVersion, a.logVersion);
  });
});
