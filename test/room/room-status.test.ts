// deriveStatus: the room's status from what it knows, every combination that matters.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveStatus } from '../../src/room/room-status.js';

test('status from started, joined to the server, a peer up, quorum lost, state known', () => {
  const cases: Array<[[boolean, boolean, boolean, boolean, boolean], string]> = [
    // Not joined yet, no peer: still connecting; once the node exists, a lost connection is offline.
    [[false, false, false, false, false], 'connecting'],
    [[true, false, false, false, true], 'offline'],
    [[true, false, false, true, true], 'offline'],
    // Peers reachable over the mesh keep the room going without the server.
    [[true, false, true, false, true], 'synced'],
    [[true, false, true, false, false], 'joined'],
    // Joined: no quorum wins over the rest; then known or not.
    [[true, true, false, true, true], 'no-quorum'],
    [[true, true, true, true, false], 'no-quorum'],
    [[true, true, false, false, false], 'joined'],
    [[true, true, true, false, true], 'synced'],
    [[false, true, false, false, false], 'joined'],
  ];
  for (const [args, want] of cases) assert.equal(deriveStatus(...args), want, JSON.stringify(args));
});
