/**
 * Routing of a peer's descriptions and candidates to our link by incarnation (src/net/mesh-signals.ts): what
 * makes a new connection, what our link takes, and what is dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeSignal, type RoutedLink } from '../../src/net/mesh-signals.js';

const link = (remoteId_: string | undefined, negotiated_: boolean): RoutedLink => ({ localId_: 'ours', remoteId_, negotiated_ });

describe('routeSignal', () => {
  it('makes a link for a peer without one', () => {
    assert.equal(routeSignal(undefined, { s: 'p1', type: 'offer' }), 'new');
  });

  it('hands our link what its remote incarnation sends, or what a not yet known one sends it', () => {
    assert.equal(routeSignal(link('p1', true), { s: 'p1', r: 'ours' }), 'current');
    assert.equal(routeSignal(link(undefined, false), { s: 'p2', type: 'answer', r: 'ours' }), 'current');
    assert.equal(routeSignal(link(undefined, false), { s: 'p2', type: 'offer' }), 'current');
  });

  it('drops what was meant for another of our incarnations', () => {
    assert.equal(routeSignal(link('p1', true), { s: 'p1', r: 'older' }), 'stale');
    assert.equal(routeSignal(link(undefined, false), { s: 'p1', type: 'offer', r: 'older' }), 'stale');
  });

  it('replaces our link for an offer from a new incarnation of the peer (it reloaded or recovered)', () => {
    assert.equal(routeSignal(link('p1', true), { s: 'p2', type: 'offer' }), 'replace');
    assert.equal(routeSignal(link('p1', false), { s: 'p2', type: 'offer', r: 'ours' }), 'replace');
  });

  it('never replaces our link for an answer or a candidate: a new link cannot use them and would offer itself', () => {
    // Our link offered and a new incarnation answered it: taken while our link has negotiated with no one ...
    assert.equal(routeSignal(link('p1', false), { s: 'p2', type: 'answer', r: 'ours' }), 'rebind');
    assert.equal(routeSignal(link('p1', false), { s: 'p2', r: 'ours' }), 'rebind');
    // ... and dropped once it is bound to the old incarnation's DTLS.
    assert.equal(routeSignal(link('p1', true), { s: 'p2', type: 'answer', r: 'ours' }), 'stale');
    assert.equal(routeSignal(link('p1', true), { s: 'p2', r: 'ours' }), 'stale');
  });
});
