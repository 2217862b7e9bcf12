// Joining, peer lists, relaying and every join error, against a real server and real socket.io clients.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import type { ErrorNotice, JoinAck, PeerNotice, SignalDelivery } from '../../src/net/signaling-protocol.js';
import type { SignalingServer } from '../../server/index.js';
import { waitFor } from '../support/wait.js';
import { WAIT_MS, collect, connect, join, next, peer, ping, startServer, within, type ClientSocket } from './helpers.js';

describe('signaling', () => {
  let server: SignalingServer;
  let url: string;
  const sockets: ClientSocket[] = [];
  const track = <T extends { socket: ClientSocket }>(p: T) => (sockets.push(p.socket), p);

  before(async () => ({ server, url } = await startServer({ maxRoomSize: 3 })));
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  test('join lists the peers already there and tells them about the newcomer', async () => {
    const a = track(await peer(url, 'lobby', 'alice-0001'));
    assert.deepEqual({ ...a.ack, serverTime: 0, resume: 'k' }, { ok: true, self: 'alice-0001', peers: [], serverTime: 0, resume: 'k' });
    assert.ok(a.ack.ok && Math.abs(a.ack.serverTime - (performance.timeOrigin + performance.now())) < 1000);
    const joined = next<PeerNotice>(a.socket, 'peer-joined');
    const b = track(await peer(url, 'lobby', 'bob-00001'));
    assert.deepEqual(b.ack.ok && b.ack.peers, ['alice-0001']);
    assert.deepEqual(await joined, { nodeId: 'bob-00001' });
  });

  test('a join in the CONNECT (auth `j`) is answered by `joined`, refusals included; peers hear of it as of any join', async () => {
    const a = track(await peer(url, 'in-connect', 'alice-0011'));
    const aHears = next<PeerNotice>(a.socket, 'peer-joined');
    // Listening before connecting: `joined` comes right behind the CONNECT answer.
    const connectWith = (j: unknown) => {
      const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, autoConnect: false, auth: { j } });
      sockets.push(socket);
      const joined = next<JoinAck>(socket, 'joined');
      socket.connect();
      return { socket, joined };
    };
    const b = connectWith({ room: 'in-connect', nodeId: 'bob-00011' });
    const ack = await b.joined;
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.deepEqual({ ...ack, serverTime: 0, resume: 'k' }, { ok: true, self: 'bob-00011', peers: ['alice-0011'], serverTime: 0, resume: 'k' });
    assert.deepEqual(await aHears, { nodeId: 'bob-00011' });
    // The membership is the socket's: a second join is already-joined, signals go through.
    assert.equal((await join(b.socket, 'in-connect', 'bob-00011')).ok, false);
    const got = next<SignalDelivery>(a.socket, 'signal');
    b.socket.emit('signal', { to: 'alice-0011', data: 'hi' });
    assert.deepEqual(await got, { from: 'bob-00011', data: 'hi' });

    // Invalid or refused: the same errors as a join event's ack, and the socket stays usable.
    const bad = connectWith({ room: 'in connect!', nodeId: 'carol-0011' });
    const refused = await bad.joined;
    assert.equal(!refused.ok && refused.error.code, 'bad-request');
    assert.equal((await join(bad.socket, 'in-connect', 'carol-0011')).ok, true);
    const taken = connectWith({ room: 'in-connect', nodeId: 'alice-0011' });
    const idTaken = await taken.joined;
    assert.equal(!idTaken.ok && idTaken.error.code, 'id-taken');
    assert.equal((await connectWith('not a join').joined).ok, false);
  });

  test('signal is relayed to the addressed peer with `from` stamped by the server', async () => {
    const a = track(await peer(url, 'relay', 'alice-0002'));
    const b = track(await peer(url, 'relay', 'bob-00002'));
    const got = next<SignalDelivery>(b.socket, 'signal');
    // The payload pretends to come from someone else: the server must not care.
    const data = { type: 'offer', sdp: 'v=0…', from: 'mallory-1', nested: { ok: [1, 'two', null] } };
    a.socket.emit('signal', { to: 'bob-00002', data });
    assert.deepEqual(await got, { from: 'alice-0002', data });
  });

  test('a spoofed top-level `from` is refused, never relayed', async () => {
    const a = track(await peer(url, 'spoof', 'alice-0003'));
    const b = track(await peer(url, 'spoof', 'bob-00003'));
    const received = collect<SignalDelivery>(b.socket, 'signal');
    const err = next<ErrorNotice>(a.socket, 'error');
    (a.socket as unknown as { emit: (...x: unknown[]) => void }).emit('signal', { to: 'bob-00003', from: 'bob-00003', data: 1 });
    assert.equal((await err).code, 'bad-request');
    // A later, honest signal is the first thing b receives: the spoofed one never went out.
    const honest = next<SignalDelivery>(b.socket, 'signal');
    a.socket.emit('signal', { to: 'bob-00003', data: 'honest' });
    assert.deepEqual(await honest, { from: 'alice-0003', data: 'honest' });
    assert.equal(received.length, 1);
  });

  test('signals keep their order', async () => {
    const a = track(await peer(url, 'order', 'alice-0004'));
    const b = track(await peer(url, 'order', 'bob-00004'));
    const received = collect<SignalDelivery>(b.socket, 'signal');
    for (let i = 0; i < 100; i++) a.socket.emit('signal', { to: 'bob-00004', data: i });
    await waitFor(() => received.length >= 100, '100 signals', WAIT_MS);
    assert.deepEqual(
      received.map((r) => r.data),
      [...Array(100).keys()],
    );
  });

  test('rooms are isolated: no relay into another room, no notices from it', async () => {
    const a = track(await peer(url, 'room-one', 'alice-0005'));
    const seenByA = collect<PeerNotice>(a.socket, 'peer-joined');
    const c = track(await peer(url, 'room-two', 'carol-0005'));
    assert.deepEqual(c.ack.ok && c.ack.peers, []);
    // carol cannot reach alice although she knows her id
    const err = next<ErrorNotice>(c.socket, 'error');
    c.socket.emit('signal', { to: 'alice-0005', data: 'psst' });
    assert.deepEqual(await err, { code: 'no-such-peer', message: 'no peer "alice-0005" in this room', event: 'signal', peer: 'alice-0005' });
    // The server sends to one socket in order: if dave's join is the first notice alice sees, carol's never came.
    const first = next<PeerNotice>(a.socket, 'peer-joined');
    track(await peer(url, 'room-one', 'dave-00005'));
    assert.deepEqual(await first, { nodeId: 'dave-00005' });
    assert.deepEqual(seenByA, [{ nodeId: 'dave-00005' }]);
  });

  test('leave and disconnect tell the room, and free the id', async () => {
    const a = track(await peer(url, 'exits', 'alice-0006'));
    const b = track(await peer(url, 'exits', 'bob-00006'));
    const c = track(await peer(url, 'exits', 'carol-0006'));
    let left = next<PeerNotice>(a.socket, 'peer-left');
    const reply = await within(b.socket.emitWithAck('leave'), 'leave ack');
    assert.deepEqual(reply, { ok: true, left: true });
    assert.deepEqual(await left, { nodeId: 'bob-00006' });
    left = next<PeerNotice>(a.socket, 'peer-left');
    c.socket.disconnect();
    assert.deepEqual(await left, { nodeId: 'carol-0006' });
    // Both ids are free again; the one who left may rejoin on the same socket.
    const again = await join(b.socket, 'exits', 'bob-00006');
    assert.deepEqual(again.ok && again.peers, ['alice-0006']);
    const d = track(await peer(url, 'exits', 'carol-0006'));
    assert.deepEqual(d.ack.ok && d.ack.peers.sort(), ['alice-0006', 'bob-00006']);
  });

  test('id-taken: a live node id cannot be joined twice', async () => {
    track(await peer(url, 'dupes', 'alice-0007'));
    const twin = await connect(url);
    sockets.push(twin);
    const ack = await join(twin, 'dupes', 'alice-0007');
    assert.equal(ack.ok, false);
    assert.equal(!ack.ok && ack.error.code, 'id-taken');
    // The same id in another room is another peer.
    assert.equal((await join(twin, 'dupes-2', 'alice-0007')).ok, true);
  });

  test('resume: a join with the resume key of a live claim takes the node id over, without a leave for the room', async () => {
    const a = track(await peer(url, 'resumes', 'alice-0010'));
    const b = track(await peer(url, 'resumes', 'bob-00010'));
    assert.ok(a.ack.ok && b.ack.ok);
    const key = a.ack.ok ? a.ack.resume : undefined;
    assert.match(String(key), /^[\w-]{22}$/);
    assert.notEqual(key, b.ack.ok && b.ack.resume, 'a key per claim');
    const bLeaves = collect<PeerNotice>(b.socket, 'peer-left');
    const bJoins = collect<PeerNotice>(b.socket, 'peer-joined');
    const twin = await connect(url);
    sockets.push(twin);
    // Bob's key, a made-up one and a malformed one do not take Alice's id.
    assert.equal(await join(twin, 'resumes', 'alice-0010', undefined, b.ack.ok ? b.ack.resume : '').then((x) => !x.ok && x.error.code), 'id-taken');
    assert.equal(await join(twin, 'resumes', 'alice-0010', undefined, 'A'.repeat(22)).then((x) => !x.ok && x.error.code), 'id-taken');
    assert.equal(await join(twin, 'resumes', 'alice-0010', undefined, 'short').then((x) => !x.ok && x.error.code), 'bad-request');
    assert.equal(a.socket.connected, true);

    const oldGone = next(a.socket, 'disconnect');
    const ack = await join(twin, 'resumes', 'alice-0010', undefined, key);
    assert.deepEqual(ack.ok && ack.peers, ['bob-00010']);
    assert.ok(ack.ok && ack.resume !== key, 'a new key for the new claim');
    assert.equal(await oldGone, 'io server disconnect', 'the server dropped the old socket');
    // Signals to Alice reach the new socket; Bob saw her join again and never leave.
    const got = next<SignalDelivery>(twin, 'signal');
    b.socket.emit('signal', { to: 'alice-0010', data: 'still there?' });
    assert.deepEqual(await got, { from: 'bob-00010', data: 'still there?' });
    await ping(b.socket);
    assert.deepEqual(bJoins, [{ nodeId: 'alice-0010' }]);
    assert.deepEqual(bLeaves, []);
    // The spent key takes nothing any more; the new socket's leave is a leave.
    const third = await connect(url);
    sockets.push(third);
    assert.equal(await join(third, 'resumes', 'alice-0010', undefined, key).then((x) => !x.ok && x.error.code), 'id-taken');
    const left = next<PeerNotice>(b.socket, 'peer-left');
    twin.disconnect();
    assert.deepEqual(await left, { nodeId: 'alice-0010' });
  });

  test('room-full: the room cap holds, and frees up when someone leaves', async () => {
    const members = [];
    for (const id of ['p1-000008', 'p2-000008', 'p3-000008']) members.push(track(await peer(url, 'full', id)));
    const late = await connect(url);
    sockets.push(late);
    const ack = await join(late, 'full', 'p4-000008');
    assert.equal(!ack.ok && ack.error.code, 'room-full');
    const left = next<PeerNotice>(members[1]!.socket, 'peer-left');
    members[0]!.socket.disconnect();
    await left;
    assert.equal((await join(late, 'full', 'p4-000008')).ok, true);
  });

  test('already-joined: one room per socket', async () => {
    const a = track(await peer(url, 'once', 'alice-0009'));
    const ack = await join(a.socket, 'twice', 'alice-0009');
    assert.equal(!ack.ok && ack.error.code, 'already-joined');
    assert.ok(await ping(a.socket));
  });

  test('time answers the server clock in float ms', async () => {
    const s = await connect(url);
    sockets.push(s);
    const before = performance.timeOrigin + performance.now();
    const t = await ping(s);
    const afterT = performance.timeOrigin + performance.now();
    assert.equal(typeof t, 'number');
    assert.ok(t >= before - 1 && t <= afterT + 1, `${t} within [${before}, ${afterT}]`);
  });
});

describe('token', () => {
  let server: SignalingServer;
  let url: string;
  const sockets: ClientSocket[] = [];
  before(async () => ({ server, url } = await startServer({ token: 's3cret-token' })));
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  test('unauthorized without the token or with a wrong one; joined with it', async () => {
    const s = await connect(url);
    sockets.push(s);
    const none = await join(s, 'private', 'alice-0010');
    assert.equal(!none.ok && none.error.code, 'unauthorized');
    const wrong = await join(s, 'private', 'alice-0010', 's3cret-tokeX');
    assert.equal(!wrong.ok && wrong.error.code, 'unauthorized');
    const longer = await join(s, 'private', 'alice-0010', 's3cret-token-and-more');
    assert.equal(!longer.ok && longer.error.code, 'unauthorized');
    const right = await join(s, 'private', 'alice-0010', 's3cret-token');
    assert.equal(right.ok, true);
  });
});
