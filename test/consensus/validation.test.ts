/** Every message from a peer is validated: a malformed one is refused with a reason, counted, and harmless. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGE_TYPES, PROTOCOL_VERSION, parseMessage, parseWire, summarizeMessage, toWire } from '../../src/consensus/index.js';
import { digestMachine } from '../sim/digest-machine.js';
import { A, B, C, ballot, commands, makeNode } from './helpers.js';

const accept = { type: 'accept', ballot: ballot(2, B), slot: 1, value: commands('x') };

const malformed: [string, unknown, RegExp][] = [
  ['not an object', 'prepare', /unknown type undefined/],
  ['an array', [1, 2], /unknown type undefined/],
  ['no type', { ballot: ballot(1, B), slot: 1 }, /unknown type/],
  ['an unknown type', { type: 'gossip' }, /unknown type "gossip"/],
  ['a negative slot', { type: 'prepare', ballot: ballot(1, B), slot: -1 }, /at slot/],
  ['a fractional slot', { type: 'accepted', ballot: ballot(1, A), slot: 1.5 }, /at slot/],
  ['a round of 0', { type: 'prepare', ballot: ballot(0, B), slot: 1 }, /at ballot\.round/],
  ['a malformed node id', { type: 'heartbeat', ballot: ballot(1, 'x'), seq: 1, applied: 0 }, /ballot\.node/],
  ['a missing value', { type: 'accept', ballot: ballot(2, B), slot: 1 }, /value/],
  ['an unknown value kind', { ...accept, value: { kind: 'magic' } }, /value/],
  ['an empty batch', { ...accept, value: { kind: 'commands', commands: [] } }, /commands/],
  ['duplicate acceptors', { ...accept, value: { kind: 'config', acceptors: [A, A] } }, /distinct/],
  ['a command the application rejects', { ...accept, value: { kind: 'commands', commands: [{ id: 'p', proposer: B, seq: 0, lowest: 0, command: { tag: 7 } }] } }, /invalid application data/],
  ['a command without a sequence number', { ...accept, value: { kind: 'commands', commands: [{ id: 'p', proposer: B, command: { tag: 'x' } }] } }, /seq/],
  ['a snapshot state the application rejects', { type: 'entries', snapshot: { slot: 3, state: { length: -1, hash: 0 }, acceptors: [A], sessions: [] }, entries: [] }, /invalid application data/],
  ['a snapshot without sessions', { type: 'entries', snapshot: { slot: 3, state: { length: 1, hash: 0 }, acceptors: [A] }, entries: [] }, /sessions/],
  ['a leader message with another node\'s ballot', { ...accept, ballot: ballot(2, C) }, /not the sender's ballot/],
  ['a forward of another proposer\'s command', { type: 'forward', commands: [{ id: 'p', proposer: C, seq: 0, lowest: 0, command: { tag: 'x' } }] }, /not the sender's command/],
  ['an oversized promise', { type: 'promise', ballot: ballot(1, A), slot: 1, applied: 0, accepted: [], decided: Array.from({ length: 2000 }, (_, i) => ({ slot: i + 1, value: { kind: 'noop' } })) }, /decided/],
];

describe('message validation', () => {
  for (const [what, raw, reason] of malformed) {
    it(`refuses ${what}`, () => {
      const result = parseMessage(raw, B, digestMachine);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    });
  }

  it('accepts a well-formed message and returns a validated copy', () => {
    const result = parseMessage({ ...accept, extra: 'dropped' }, B, digestMachine);
    assert.ok(result.ok);
    assert.deepEqual(result.value, accept);
    assert.notEqual(result.value, accept);
  });

  it('a node refuses, counts, and changes nothing; it never throws', () => {
    const { node, storage } = makeNode(A, [A, B, C]);
    node.drain();
    const saves = storage.saves;
    const before = JSON.stringify(storage.load());
    for (const [, raw] of malformed) {
      const result = node.step(B, toWire(raw as never));
      assert.equal(result.ok, false);
    }
    assert.equal(node.step('bad id', toWire(accept as never)).ok, false);
    assert.equal(node.step(A, toWire(accept as never)).ok, false, 'a message claiming to come from the node itself');
    const out = node.drain();
    assert.equal(out.messages.length, 0);
    assert.equal(storage.saves, saves);
    assert.equal(JSON.stringify(storage.load()), before);
    assert.equal(node.stats.rejected, malformed.length + 2);
    assert.equal(node.stats.received, 0);
    assert.ok(Object.keys(node.stats.rejectedByReason).length > 5);
  });

  it('summarizes any message for reporting: type, and ballot and slot where they apply', () => {
    assert.deepEqual(summarizeMessage(accept as never), { type: 'accept', ballot: ballot(2, B), slot: 1 });
    assert.deepEqual(summarizeMessage({ type: 'catchup', slot: 4 }), { type: 'catchup', slot: 4 });
    assert.deepEqual(summarizeMessage({ type: 'read', readId: 'r1' }), { type: 'read' });
    assert.deepEqual(summarizeMessage({ type: 'ack', ballot: ballot(2, B), seq: 3, applied: 7, eligible: true }), { type: 'ack', ballot: ballot(2, B), decidedThrough: 7 });
    assert.ok(MESSAGE_TYPES.includes('pre-prepare') && MESSAGE_TYPES.length === 16);
  });
});

describe('protocol version', () => {
  const v1Prepare = { type: 'prepare', ballot: ballot(3, B), slot: 1 };

  it('puts every message in an envelope with the version, which a version-1 build refuses (no type)', () => {
    const envelope = toWire(v1Prepare as never);
    assert.deepEqual(envelope, { v: PROTOCOL_VERSION, m: v1Prepare });
    assert.equal(PROTOCOL_VERSION, 3);
    // What a build of version 1 checks first: a known `type` at the top level.
    assert.equal((envelope as { type?: unknown }).type, undefined);
  });

  it('refuses a message of an older or newer build with a reason that says so, and counts it', () => {
    assert.deepEqual(parseWire(v1Prepare, B, digestMachine), { ok: false, reason: 'protocol version: got 1, this build speaks 3' });
    assert.deepEqual(parseWire({ v: 2, m: v1Prepare }, B, digestMachine), { ok: false, reason: 'protocol version: got 2, this build speaks 3' });
    const { node, storage } = makeNode(A, [A, B, C]);
    node.drain();
    const before = JSON.stringify(storage.load());
    assert.equal(node.step(B, v1Prepare).ok, false);
    assert.equal(node.step(B, { v: 2, m: v1Prepare }).ok, false);
    assert.deepEqual(node.drain().messages, []);
    assert.equal(JSON.stringify(storage.load()), before, 'nothing promised');
    assert.equal(node.stats.rejectedByReason['protocol version: got 1, this build speaks 3'], 1);
    assert.equal(node.stats.rejectedByReason['protocol version: got 2, this build speaks 3'], 1);
    assert.equal(node.step(B, toWire(v1Prepare as never)).ok, true, 'the same message in a version-3 envelope is taken');
  });
});
