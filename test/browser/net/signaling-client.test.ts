import { expect } from '@open-wc/testing';
import { SignalingClient, SignalingError } from '../../../src/net/signaling-client.js';
import { nodeId, signalingUrl, uniqueRoom, waitFor } from './helpers.js';

describe('SignalingClient against the real server', () => {
  let clients: SignalingClient[] = [];
  const client = (options = {}): SignalingClient => {
    const c = new SignalingClient(signalingUrl(), options);
    clients.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of clients) c.close();
    clients = [];
  });

  it('joins, lists peers, sees joins and leaves, and relays signals', async () => {
    const room = uniqueRoom();
    const a = client();
    const b = client();
    const aId = nodeId('a');
    const bId = nodeId('b');
    expect(await a.join(room, aId)).to.deep.equal([]);
    const joinedA: string[] = [];
    a.on('peer-joined', ({ nodeId: id }) => joinedA.push(id));
    expect(await b.join(room, bId)).to.deep.equal([aId]);
    await waitFor(() => joinedA.includes(bId), 'peer-joined');
    expect(a.peers).to.deep.equal([bId]);

    const got: Array<{ from: string; data: unknown }> = [];
    b.on('signal', (s) => got.push(s));
    expect(a.signal(bId, { hello: [1, 2, 3] })).to.equal(true);
    await waitFor(() => got.length === 1, 'a relayed signal');
    expect(got[0]).to.deep.equal({ from: aId, data: { hello: [1, 2, 3] } });

    const left: string[] = [];
    a.on('peer-left', ({ nodeId: id }) => left.push(id));
    b.leave();
    await waitFor(() => left.includes(bId), 'peer-left');
    expect(a.peers).to.deep.equal([]);
  });

  it('takes clock samples with the injected local clock', async () => {
    let fake = 1_000;
    const c = client({ now: () => (fake += 5) });
    await c.join(uniqueRoom(), nodeId('t'));
    const s = await c.timeSample();
    // t0 and t1 are consecutive readings of the injected clock, taken around the round trip.
    expect(s.t0).to.be.above(1_000);
    expect(s.t1 - s.t0).to.equal(5);
    // The server's clock is a real epoch time in ms.
    expect(Math.abs(s.serverTime - Date.now())).to.be.below(60_000);
  });

  it('surfaces id-taken and bad input as typed errors', async () => {
    const room = uniqueRoom();
    const id = nodeId('dup');
    await client().join(room, id);
    const err = await client().join(room, id).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(SignalingError);
    expect((err as SignalingError).code).to.equal('id-taken');

    const bad = await client().join('bad room!', nodeId('x')).then(() => null, (e: unknown) => e);
    expect((bad as SignalingError).code).to.equal('bad-request');
    const short = await client().join(room, 'short').then(() => null, (e: unknown) => e);
    expect((short as SignalingError).code).to.equal('bad-request');
  });

  it('reports an unreachable server as a typed error without throwing into the page', async function () {
    // A loopback port nothing listens on (the server's port + 1 is as good a guess as any; checked below).
    const url = new URL(signalingUrl());
    url.port = String(Number(url.port) + 1);
    const alive = await fetch(`${url.origin}/healthz`).then(() => true, () => false);
    if (alive) this.skip(); // something listens there after all
    const c = new SignalingClient(url.origin, { joinTimeoutMs: 1_500 });
    clients.push(c);
    const err = await c.join(uniqueRoom(), nodeId('u')).then(() => null, (e: unknown) => e);
    expect((err as SignalingError).code).to.equal('unreachable');
  });

  it('refuses a payload the server would refuse, before sending it', async () => {
    const c = client();
    const other = nodeId('o');
    await c.join(uniqueRoom(), nodeId('p'));
    expect(() => c.signal(other, { pad: 'x'.repeat(17 * 1024) })).to.throw(SignalingError, /larger than/);
    expect(() => c.signal('bad id', {})).to.throw(SignalingError);
  });
});
