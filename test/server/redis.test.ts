// Scale-out: two server processes share rooms through a real redis-server (Redis Streams adapter plus
// membership in Redis). One server runs in this process, the other is the CLI in a child process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import type { ErrorNotice, PeerNotice, SignalDelivery } from '../../src/net/signaling-protocol.js';
import type { HealthReport, SignalingServer } from '../../server/index.js';
import { waitFor } from '../support/wait.js';
import {
  WAIT_MS, cliPort, collect, connect, exitCode, get, join, next, peer, spawnCli, startRedis, startServer, stopChild, within,
  type ClientSocket,
} from './helpers.js';

describe('two processes over Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let a: { server: SignalingServer; url: string };
  let b: { child: ChildProcess; url: string };
  const sockets: ClientSocket[] = [];
  const on = async (url: string, room: string, nodeId: string) => {
    const p = await peer(url, room, nodeId);
    sockets.push(p.socket);
    return p;
  };

  before(async () => {
    redis = await startRedis();
    a = await startServer({ redisUrl: redis.url, maxRoomSize: 3 });
    const cli = spawnCli(['--port', '0', '--host', '127.0.0.1', '--redis-url', redis.url, '--max-room-size', '3', '--log-level', 'info']);
    b = { child: cli.child, url: `http://127.0.0.1:${await cliPort(cli.output, cli.child)}` };
  });
  after(async () => {
    for (const s of sockets) s.close();
    await Promise.allSettled([a?.server.close(), b && stopChild(b.child)]);
    await redis?.stop();
  });

  test('/healthz reports Redis as up', async () => {
    const health = (await (await get(a.url, '/healthz')).json()) as HealthReport;
    assert.equal(health.redis, 'up');
  });

  test('a peer on B sees the peer on A, both are told, and signals cross both ways', async () => {
    const alice = await on(a.url, 'cross', 'alice-cross');
    const joined = next<PeerNotice>(alice.socket, 'peer-joined');
    const bob = await on(b.url, 'cross', 'bob-cross-1');
    assert.deepEqual(bob.ack.ok && bob.ack.peers, ['alice-cross']);
    assert.deepEqual(await joined, { nodeId: 'bob-cross-1' });

    let got = next<SignalDelivery>(bob.socket, 'signal');
    alice.socket.emit('signal', { to: 'bob-cross-1', data: { type: 'offer', sdp: 'a→b' } });
    assert.deepEqual(await got, { from: 'alice-cross', data: { type: 'offer', sdp: 'a→b' } });
    got = next<SignalDelivery>(alice.socket, 'signal');
    bob.socket.emit('signal', { to: 'alice-cross', data: { type: 'answer', sdp: 'b→a' } });
    assert.deepEqual(await got, { from: 'bob-cross-1', data: { type: 'answer', sdp: 'b→a' } });

    // Order holds across processes too.
    const seen = collect<SignalDelivery>(bob.socket, 'signal');
    for (let i = 0; i < 50; i++) alice.socket.emit('signal', { to: 'bob-cross-1', data: i });
    await waitFor(() => seen.length >= 50, '50 cross-process signals', WAIT_MS);
    assert.deepEqual(seen.map((s) => s.data), [...Array(50).keys()]);
  });

  test('id-taken holds across processes, also under concurrent claims', async () => {
    await on(a.url, 'ids', 'alice-ids01');
    const twin = await connect(b.url);
    sockets.push(twin);
    const ack = await join(twin, 'ids', 'alice-ids01');
    assert.equal(!ack.ok && ack.error.code, 'id-taken');

    // Eight sockets, half on each process, race for one id: exactly one wins.
    const racers = await Promise.all([...Array(8).keys()].map((i) => connect(i % 2 ? a.url : b.url)));
    sockets.push(...racers);
    const acks = await Promise.all(racers.map((s) => join(s, 'race', 'contested-id')));
    assert.equal(acks.filter((x) => x.ok).length, 1);
    assert.ok(acks.every((x) => x.ok || x.error.code === 'id-taken'));
  });

  test('resume takes a node id over across processes: the old socket is dropped on its own process, no leave', async () => {
    const alice = await on(a.url, 'moves', 'alice-move1');
    const bob = await on(a.url, 'moves', 'bob-move-01');
    const key = alice.ack.ok ? alice.ack.resume : undefined;
    const bLeaves = collect<PeerNotice>(bob.socket, 'peer-left');
    const twin = await connect(b.url);
    sockets.push(twin);
    assert.equal(await join(twin, 'moves', 'alice-move1', undefined, 'B'.repeat(22)).then((x) => !x.ok && x.error.code), 'id-taken');
    const oldGone = next(alice.socket, 'disconnect');
    const ack = await join(twin, 'moves', 'alice-move1', undefined, key);
    assert.deepEqual(ack.ok && ack.peers, ['bob-move-01']);
    assert.equal(await oldGone, 'io server disconnect');
    const got = next<SignalDelivery>(twin, 'signal');
    bob.socket.emit('signal', { to: 'alice-move1', data: 'moved?' });
    assert.deepEqual(await got, { from: 'bob-move-01', data: 'moved?' });
    assert.deepEqual(bLeaves, []);
  });

  test('room-full counts the peers of both processes', async () => {
    await on(a.url, 'cap', 'p1-cap-0001');
    await on(b.url, 'cap', 'p2-cap-0001');
    await on(a.url, 'cap', 'p3-cap-0001');
    const late = await connect(b.url);
    sockets.push(late);
    const ack = await join(late, 'cap', 'p4-cap-0001');
    assert.equal(!ack.ok && ack.error.code, 'room-full');
  });

  test('rooms stay isolated across processes; leaving is seen across processes', async () => {
    const alice = await on(a.url, 'iso-1', 'alice-iso01');
    const carol = await on(b.url, 'iso-2', 'carol-iso01');
    const err = next<ErrorNotice>(carol.socket, 'error');
    carol.socket.emit('signal', { to: 'alice-iso01', data: 'psst' });
    assert.equal((await err).code, 'no-such-peer');
    const bob = await on(b.url, 'iso-1', 'bob-iso-001');
    const left = next<PeerNotice>(alice.socket, 'peer-left');
    bob.socket.disconnect();
    assert.deepEqual(await left, { nodeId: 'bob-iso-001' });
    // The id is free again, on either process.
    assert.equal((await join(await connect(a.url).then((s) => (sockets.push(s), s)), 'iso-1', 'bob-iso-001')).ok, true);
  });

  test('claims of a crashed process (no liveness key) are dropped, not counted', async () => {
    // What a process killed with SIGKILL leaves behind: room entries whose owner stopped beating.
    const raw = createClient({ url: redis.url, RESP: 2 });
    await raw.connect();
    try {
      await raw.hSet('paxos-video:room:crash', { 'ghost-node-1': 'dead-process sock1', 'ghost-node-2': 'dead-process sock2' });
      const alice = await on(a.url, 'crash', 'ghost-node-1');
      assert.deepEqual(alice.ack.ok && alice.ack.peers, [], 'the ghost is neither taken nor listed');
      const err = next<ErrorNotice>(alice.socket, 'error');
      alice.socket.emit('signal', { to: 'ghost-node-2', data: 'anyone?' });
      assert.equal((await err).code, 'no-such-peer');
      assert.deepEqual(Object.keys(await raw.hGetAll('paxos-video:room:crash')), ['ghost-node-1']);
    } finally {
      await raw.close();
    }
  });

  test('when B stops, A’s peers hear peer-left for B’s peers and their ids are free', async () => {
    const alice = await on(a.url, 'stop', 'alice-stop1');
    await on(b.url, 'stop', 'bob-stop-01');
    const left = next<PeerNotice>(alice.socket, 'peer-left');
    b.child.kill('SIGTERM');
    assert.deepEqual(await left, { nodeId: 'bob-stop-01' });
    assert.equal(await exitCode(b.child, 10_000), 0);
    const s = await connect(a.url);
    sockets.push(s);
    assert.equal((await join(s, 'stop', 'bob-stop-01')).ok, true);
  });
});

describe('Redis restart', () => {
  test('rooms and relays recover after Redis restarts on the same port', async () => {
    let redis = await startRedis();
    const port = redis.port;
    const opts = { redisUrl: redis.url, heartbeatMs: 200 };
    const one = await startServer(opts);
    const two = await startServer(opts);
    const sockets: ClientSocket[] = [];
    try {
      const alice = await peer(one.url, 'restart', 'alice-rst01');
      const bob = await peer(two.url, 'restart', 'bob-rst-001');
      sockets.push(alice.socket, bob.socket);
      await redis.stop();
      redis = await startRedis(port);
      // Retry until the relay works again: the adapter reconnects and the heartbeat re-asserts claims.
      const received = collect<SignalDelivery>(bob.socket, 'signal');
      let sent = 0;
      await waitFor(
        () => {
          if (received.length > 0) return true;
          alice.socket.emit('signal', { to: 'bob-rst-001', data: sent++ });
          return false;
        },
        'a relay after the restart',
        { timeoutMs: 15_000, intervalMs: 100 },
      );
      assert.equal(received[0]!.from, 'alice-rst01');
      // The claims are back too: bob's id is taken again.
      const twin = await connect(one.url);
      sockets.push(twin);
      const ack = await join(twin, 'restart', 'bob-rst-001');
      assert.equal(!ack.ok && ack.error.code, 'id-taken');
    } finally {
      for (const s of sockets) s.close();
      await Promise.allSettled([one.server.close(), two.server.close()]);
      await redis.stop();
    }
  });
});
