// The signaling client in Node (its own socket.io wire client, with the `ws` package as WebSocket) against
// the real signaling server on loopback: joins, refusals, timeouts, and getting back after every kind of
// loss (server restart, kick, network drop, ping timeout, a refusing middleware). Plus hostile servers (a
// real socket.io one, and raw ones) for the validation of what the client receives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocket } from 'ws';
import { createSignalingServer, type SignalingServer } from '../../server/index.js';
import { SignalingClient, SignalingError, type SignalingClientOptions } from '../../src/net/signaling-client.js';
import { waitFor } from '../support/wait.js';
import { ackJoin, cuttableProxy, openFrame, rawServer } from './raw-socket-io-server.js';

const clients: SignalingClient[] = [];
const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
});

let seq = 0;
const id = (label: string): string => `${label}-${process.pid}-${++seq}-node`;
const room = (): string => `room-${process.pid}-${++seq}`;

async function startServer(options: Parameters<typeof createSignalingServer>[0] = {}, port = 0) {
  const server = createSignalingServer({ logLevel: 'silent', ...options });
  const address = await server.listen(port, '127.0.0.1');
  servers.push(server);
  return { server, port: address.port, url: `http://127.0.0.1:${address.port}` };
}

function client(url: string, options: SignalingClientOptions = {}): SignalingClient {
  const c = new SignalingClient(url, { joinTimeoutMs: 5_000, WebSocket, ...options });
  clients.push(c);
  return c;
}

function next<T>(c: SignalingClient, event: Parameters<SignalingClient['on']>[0], timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    c.on(event, (detail) => {
      clearTimeout(timer);
      resolve(detail as T);
    }, { once: true });
  });
}


async function refusal(p: Promise<unknown>): Promise<SignalingError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SignalingError, `expected a SignalingError, got ${String(err)}`);
  return err;
}

test('a server token: a wrong or missing one is unauthorized, the right one joins', async () => {
  const { url } = await startServer({ token: 'let-me-in' });
  const r = room();
  assert.equal((await refusal(client(url).join(r, id('n')))).code, 'unauthorized');
  assert.equal((await refusal(client(url).join(r, id('n'), 'nope'))).code, 'unauthorized');
  assert.deepEqual(await client(url).join(r, id('n'), 'let-me-in'), []);
});

test('a full room is room-full', async () => {
  const { url } = await startServer({ maxRoomSize: 2 });
  const r = room();
  await client(url).join(r, id('a'));
  await client(url).join(r, id('b'));
  assert.equal((await refusal(client(url).join(r, id('c')))).code, 'room-full');
});

test('joining twice without leaving is refused locally', async () => {
  const { url } = await startServer();
  const c = client(url);
  await c.join(room(), id('a'));
  assert.equal((await refusal(c.join(room(), id('b')))).code, 'already-joined');
});

test('after a server restart both clients re-join by themselves and queued signals go through', async () => {
  const first = await startServer();
  const r = room();
  const aId = id('a');
  const bId = id('b');
  const a = client(first.url);
  const b = client(first.url);
  await a.join(r, aId);
  await b.join(r, bId);
  const shutdown = next<{ reason: string }>(a, 'shutdown');
  const disconnected = next<{ reason: string }>(a, 'disconnect');
  await first.server.close();
  assert.equal((await shutdown).reason, 'server-stopping');
  await disconnected;
  assert.equal(a.joined, false);

  // Sent while the server is down: queued, then delivered after the re-join.
  assert.equal(a.signal(bId, { queued: true }), true);
  const signalled = next<{ from: string; data: unknown }>(b, 'signal', 20_000);
  const aBack = next<{ peers: string[] }>(a, 'joined', 20_000);
  const bBack = next<{ peers: string[] }>(b, 'joined', 20_000);
  await startServer({}, first.port);
  const [ra, rb] = await Promise.all([aBack, bBack]);
  // Whoever re-joins first sees an empty room; the other sees it.
  assert.deepEqual([...ra.peers, ...rb.peers].sort(), [aId, bId].filter((x) => ra.peers.includes(x) || rb.peers.includes(x)).sort());
  assert.equal(ra.peers.length + rb.peers.length, 1);
  assert.deepEqual(await signalled, { from: aId, data: { queued: true } });
  assert.equal(a.joined && b.joined, true);
});

test('invalid server messages are dropped and counted, never thrown', async () => {
  // A hostile server: real socket.io, but it sends what the protocol forbids.
  const http = createServer();
  const io = new Server(http);
  servers.push({ close: () => new Promise<void>((resolve) => io.close(() => resolve())) });
  io.on('connection', (socket) => {
    const join = (req: { nodeId: string }, ack: (reply: unknown) => void) => {
      ack({ ok: true, self: req.nodeId, peers: [], serverTime: Date.now() });
      socket.emit('peer-joined', { nodeId: 5 });
      socket.emit('peer-joined', JSON.parse('{"nodeId":"valid-peer-id","__proto__":{"x":1}}'));
      socket.emit('signal', { from: 'short', data: {} });
      socket.emit('signal', { from: 'valid-peer-id', data: JSON.parse('{"__proto__":{"polluted":1}}') });
      socket.emit('error', { code: 'made-up', message: 'x' });
      socket.emit('surprise', 1);
      socket.emit('peer-joined', { nodeId: 'good-peer-id' }); // the one valid message, last
    };
    // The join the CONNECT carried (answered by `joined`), or one sent as an event.
    const { j } = socket.handshake.auth as { j?: { nodeId: string } };
    if (j) join(j, (reply) => socket.emit('joined', reply));
    socket.on('join', join);
    socket.on('time', (ack: (t: unknown) => void) => ack('noon'));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const c = client(url);
  const joined: string[] = [];
  c.on('peer-joined', ({ nodeId }) => joined.push(nodeId));
  const signals: unknown[] = [];
  c.on('signal', (s) => signals.push(s));
  await c.join(room(), id('victim'));
  await waitFor(() => joined.includes('good-peer-id'), 'the valid peer-joined', 10_000);
  // The __proto__-keyed notice is valid apart from that key; the schema copies out only `nodeId`.
  assert.deepEqual(joined, ['valid-peer-id', 'good-peer-id']);
  assert.deepEqual(signals, []);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((await refusal(c.timeSample())).code, 'bad-request');
  assert.deepEqual(c.invalid.byReason, { 'peer-joined': 1, signal: 2, error: 1, 'unknown-event': 1, time: 1 });
  assert.equal(c.invalid.total, 6);
});

/** The real server with its heartbeat shortened (engine.io reads these per new connection), so a dead peer shows within a second. */
function fastHeartbeat(server: SignalingServer): void {
  Object.assign(server.io.engine.opts, { pingInterval: 300, pingTimeout: 300 });
}

test('joins with an ack listing the room, relays signals, takes clock samples, leaves', async () => {
  const { url } = await startServer();
  const r = room();
  const aId = id('a');
  const bId = id('b');
  const a = client(url);
  const b = client(url);
  const aJoined = next<{ sample: { t0: number; serverTime: number; t1: number } }>(a, 'joined');
  assert.deepEqual(await a.join(r, aId), []);
  // The join's answer is a clock sample; server and client share this process's clock: the server's time
  // lies within the round trip.
  const { t0, serverTime, t1 } = (await aJoined).sample;
  assert.ok(t0 <= serverTime && serverTime <= t1, `${t0} <= ${serverTime} <= ${t1}`);
  const aSees = next<{ nodeId: string }>(a, 'peer-joined');
  assert.deepEqual(await b.join(r, bId), [aId]);
  assert.equal((await aSees).nodeId, bId);
  assert.deepEqual(a.peers, [bId]);
  assert.equal(a.joined && a.connected, true);

  const got = next<{ from: string; data: unknown }>(b, 'signal');
  assert.equal(a.signal(bId, { sdp: 'v=0', n: [1, 2] }), true);
  assert.deepEqual(await got, { from: aId, data: { sdp: 'v=0', n: [1, 2] } });

  const sample = await a.timeSample();
  assert.ok(sample.t0 <= sample.t1);
  assert.ok(Math.abs(sample.serverTime - Date.now()) < 60_000);

  // A signal to a peer that is not in the room: the server's error comes back as an `error` event.
  const refused = next<{ error: SignalingError }>(a, 'error');
  a.signal(id('ghost'), {});
  assert.equal((await refused).error.code, 'no-such-peer');

  const left = next<{ nodeId: string }>(a, 'peer-left');
  b.leave();
  assert.equal((await left).nodeId, bId);
  assert.deepEqual(a.peers, []);
  assert.equal(b.joined, false);
  assert.equal(b.connected, true, 'leaving keeps the connection for a later join');
  assert.deepEqual(await b.join(r, bId), [aId]);
});

test('the join rides in the CONNECT; one asked for once connected, or left unanswered by the server, goes as a join event', async () => {
  const raw = await rawServer({ onFrame: (frame, ws) => void ackJoin(frame, ws) });
  servers.push(raw);
  const c = client(raw.url);
  const r = room();
  const self = id('quick');
  assert.deepEqual(await c.join(r, self), []);
  // One frame from the client, the CONNECT with the join: no round trip of its own for the join.
  assert.equal(raw.received.length, 1);
  assert.deepEqual(JSON.parse(raw.received[0]!.slice(2)), { j: { room: r, nodeId: self } });
  // Connected already: the next join is an event.
  c.leave();
  assert.deepEqual(await c.join(r, self), []);
  assert.match(raw.received.at(-1)!, /^42\d+\["join",\{"room":"[^"]+","nodeId":"[^"]+"/);

  // A server that ignores what the CONNECT carried (answers join events only): the event after the ack timeout.
  const deaf = await rawServer({ onFrame: (frame, ws) => frame.startsWith('42') && ackJoin(frame, ws) });
  servers.push(deaf);
  const d = client(deaf.url, { ackTimeoutMs: 200 });
  assert.deepEqual(await d.join(room(), id('patient')), []);
  assert.match(deaf.received[0]!, /^40\{"j":/);
  assert.equal(deaf.received.filter((f) => /^42\d+\["join"/.test(f)).length, 1);
});

test("a join's answer is a clock sample: sent when the CONNECT went out, the server's clock, received at the answer (none for a join event)", async () => {
  // The server answers each join 120 ms after it came, stamped with the time it came (a clock 5 s ahead).
  const SKEW_MS = 5000;
  const raw = await rawServer({
    onFrame: (frame, ws) => {
      const serverTime = performance.timeOrigin + performance.now() + SKEW_MS;
      if (/^4[02]/.test(frame)) setTimeout(() => ackJoin(frame, ws, [], { serverTime }), 120);
    },
  });
  servers.push(raw);
  const c = client(raw.url);
  const joined = next<{ sample: { t0: number; serverTime: number; t1: number } }>(c, 'joined');
  await c.join(room(), id('timed'));
  const { t0, serverTime, t1 } = (await joined).sample;
  assert.ok(t1 - t0 >= 115, `the round trip includes the server's 120 ms (got ${t1 - t0})`);
  // The server stamped the join as it came in: between the send and the answer, on its clock.
  assert.ok(serverTime - SKEW_MS >= t0 - 1 && serverTime - SKEW_MS <= t0 + 40, `t0 ${t0} is when the join went out (server saw it at ${serverTime - SKEW_MS})`);
  // Connected already, the next join goes as an event: its answer may be to an earlier one, so no send time.
  c.leave();
  const again = next<{ sample: { t0: number } }>(c, 'joined');
  await c.join(room(), id('timed'));
  assert.ok(Number.isNaN((await again).sample.t0), 'a join event gives no send time');
  assert.ok(raw.received.some((f) => /^42\d+\["join"/.test(f)), 'the second join went as an event');
});

test('a server that never acks: join rejects as unreachable, time samples time out, and the join gets through later', async () => {
  let ackJoins = false;
  const raw = await rawServer({ onFrame: (frame, ws) => ackJoins && ackJoin(frame, ws) });
  servers.push(raw);
  const c = client(raw.url, { joinTimeoutMs: 800, ackTimeoutMs: 200 });
  const joinedLater = next<{ peers: string[]; rejoin: boolean; sample?: unknown }>(c, 'joined', 15_000);
  const err = await refusal(c.join(room(), id('slow')));
  assert.equal(err.code, 'unreachable');
  assert.equal((await refusal(c.timeSample())).code, 'timeout');
  ackJoins = true;
  // The client kept re-sending the join (with backoff): the first one acked joins.
  const { sample: _, ...joined } = await joinedLater;
  assert.deepEqual(joined, { peers: [], rejoin: false });
  assert.equal(c.joined, true);
  assert.ok(raw.received.filter((f) => /^42\d+\["join"/.test(f)).length >= 2);
});

test('a kick by the server: the clients reconnect and re-join by themselves', async () => {
  const { server, url } = await startServer();
  const r = room();
  const aId = id('a');
  const bId = id('b');
  const a = client(url);
  const b = client(url);
  await a.join(r, aId);
  await b.join(r, bId);
  const disconnected = next<{ reason: string }>(a, 'disconnect');
  const aBack = next<{ peers: string[] }>(a, 'joined');
  const bBack = next<{ peers: string[] }>(b, 'joined');
  for (const socket of server.io.of('/').sockets.values()) socket.disconnect(true);
  assert.equal((await disconnected).reason, 'io server disconnect');
  const [ra, rb] = await Promise.all([aBack, bBack]);
  // Whoever re-joins first sees an empty room, the other sees it.
  assert.deepEqual([...ra.peers, ...rb.peers].sort(), [aId, bId].filter((x) => ra.peers.includes(x) || rb.peers.includes(x)).sort());
  assert.equal(ra.peers.length + rb.peers.length, 1);
  await waitFor(() => a.peers.includes(bId) && b.peers.includes(aId), 'both see each other again', 10_000);
  assert.equal(a.joined && b.joined, true);
});

test('a dropped network (nothing closes, pings stop): ping timeout, then back through the restored network', async () => {
  const { server, port } = await startServer();
  fastHeartbeat(server);
  const proxy = await cuttableProxy(port);
  servers.push(proxy);
  const r = room();
  const aId = id('a');
  const bId = id('b');
  const a = client(proxy.url);
  const b = client(`http://127.0.0.1:${port}`);
  await a.join(r, aId);
  await b.join(r, bId);

  const disconnected = next<{ reason: string }>(a, 'disconnect');
  proxy.cut();
  assert.equal((await disconnected).reason, 'ping timeout');
  assert.equal(a.joined, false);
  // The server noticed too. Read b's view of the room rather than wait for its `peer-left`: with a 600 ms
  // heartbeat, a loaded machine can stall b past its own ping timeout, and b then learns the room from its
  // re-join instead of the event.
  await waitFor(() => !b.peers.includes(aId), 'b to see a leave', 15_000);
  // While the network is down, connection attempts hang (and time out); queued signals wait.
  assert.equal(a.signal(bId, { while: 'down' }), true);
  await waitFor(() => proxy.hung >= 1, 'a connection attempt to hang in the cut network', 15_000);

  const back = next<{ peers: string[] }>(a, 'joined', 20_000);
  const signalled = next<{ from: string; data: unknown }>(b, 'signal', 20_000);
  proxy.restore();
  assert.deepEqual((await back).peers, [bId]);
  assert.deepEqual(await signalled, { from: aId, data: { while: 'down' } });
});

test('back from a dropped network before the server noticed: the re-join takes the node id over with its resume key', async () => {
  // The server's own heartbeat (10 s + 10 s): it holds a's old socket for 10-20 s after the cut.
  const { port } = await startServer();
  const proxy = await cuttableProxy(port);
  servers.push(proxy);
  const r = room();
  const aId = id('a');
  const bId = id('b');
  const a = client(proxy.url, { connectTimeoutMs: 1_000 });
  const b = client(`http://127.0.0.1:${port}`);
  await a.join(r, aId);
  await b.join(r, bId);
  const bSaw: string[] = [];
  b.on('peer-left', ({ nodeId }) => bSaw.push(`left ${nodeId}`));
  b.on('peer-joined', ({ nodeId }) => bSaw.push(`joined ${nodeId}`));
  const refusals: string[] = [];
  a.on('error', ({ error }) => refusals.push(error.code));

  const cutAt = Date.now();
  const disconnected = next<{ reason: string }>(a, 'disconnect');
  proxy.cut();
  // An unanswered time sample: a takes its socket for dead at once (the server keeps its end).
  await a.timeSample().catch(() => undefined);
  await disconnected;
  const back = next<{ peers: string[] }>(a, 'joined');
  proxy.restore();
  assert.deepEqual((await back).peers, [bId]);
  assert.ok(Date.now() - cutAt < 10_000, 'back before the server could have noticed the old socket gone');
  await waitFor(() => bSaw.length > 0, 'b to hear of a again', 5_000);
  assert.deepEqual(bSaw, [`joined ${aId}`], 'the room saw a come back, never leave');
  assert.deepEqual(refusals, []);
});

test('a server that stops pinging (a raw one): ping timeout, reconnect, re-join', async () => {
  let connections = 0;
  const raw = await rawServer({
    open: openFrame(100, 100),
    onConnect: (ws) => {
      connections += 1;
      // The first connection is pinged twice, then never again; later ones keep being pinged.
      let pings = 0;
      const first = connections === 1;
      const timer = setInterval(() => (first && pings >= 2 ? clearInterval(timer) : (pings++, ws.send('2'))), 100);
      ws.once('close', () => clearInterval(timer));
    },
    onFrame: (frame, ws) => void ackJoin(frame, ws),
  });
  servers.push(raw);
  const c = client(raw.url);
  await c.join(room(), id('pinged'));
  const disconnected = next<{ reason: string }>(c, 'disconnect');
  const back = next<{ peers: string[]; rejoin: boolean }>(c, 'joined');
  assert.equal((await disconnected).reason, 'ping timeout');
  assert.deepEqual((await back).peers, []);
  assert.equal((await back).rejoin, true);
  assert.equal(connections, 2);
  assert.equal(c.joined, true);
});

test('a refusing middleware (connect_error) is retried until it lets the client in', async () => {
  const { server, url } = await startServer();
  let refusals = 0;
  server.io.use((_socket, nextStep) => (refusals < 2 ? (refusals++, nextStep(new Error('maintenance'))) : nextStep()));
  const c = client(url);
  assert.deepEqual(await c.join(room(), id('patient')), []);
  assert.equal(refusals, 2);

  // One that never lets it in: the join's rejection carries the middleware's message.
  const closed = await startServer();
  closed.server.io.use((_socket, nextStep) => nextStep(new Error('closed for good')));
  const d = client(closed.url, { joinTimeoutMs: 1_000 });
  const err = await refusal(d.join(room(), id('hopeless')));
  assert.equal(err.code, 'unreachable');
  assert.match(err.message, /closed for good/);
});

test('malformed frames are dropped and counted as frame-<reason>; the session carries on', async () => {
  const raw = await rawServer({
    onFrame: (frame, ws) => {
      if (!ackJoin(frame, ws)) return;
      // Queued behind the join's answer, which comes after the CONNECT's.
      queueMicrotask(() => {
        ws.send('42["peer-joined"');
        ws.send('42/other,["peer-joined",{"nodeId":"other-peer-id"}]');
        ws.send(Buffer.from('binary'));
        ws.send(`42["signal","${'x'.repeat(2 << 20)}"]`);
        ws.send('42["peer-joined",{"nodeId":"good-peer-id"}]');
      });
    },
  });
  servers.push(raw);
  const c = client(raw.url);
  const joined = next<{ nodeId: string }>(c, 'peer-joined');
  await c.join(room(), id('victim'));
  assert.equal((await joined).nodeId, 'good-peer-id');
  assert.deepEqual(c.invalid.byReason, { 'frame-not-json': 1, 'frame-namespace': 1, 'frame-binary': 1, 'frame-too-large': 1 });
  assert.equal(c.joined, true);
});

test('a time sample unanswered by a server that says nothing at all: the socket is taken for dead and made again at once', async () => {
  let answerTime = false;
  // Pings far apart (60 s): without this rule the socket would be trusted for a minute.
  const raw = await rawServer({
    open: openFrame(30_000, 30_000),
    onFrame: (frame, ws) => {
      ackJoin(frame, ws);
      const m = /^42(\d+)\["time"/.exec(frame);
      if (m && answerTime) ws.send(`43${m[1]}[${Date.now()}]`);
    },
  });
  servers.push(raw);
  const c = client(raw.url, { ackTimeoutMs: 300 });
  await c.join(room(), id('probe'));
  const disconnected = next<{ reason: string }>(c, 'disconnect', 5_000);
  const rejoined = next<{ peers: string[] }>(c, 'joined', 5_000);
  assert.equal((await refusal(c.timeSample())).code, 'timeout');
  const lost = Date.now();
  assert.equal((await disconnected).reason, 'ping timeout');
  await rejoined;
  assert.ok(Date.now() - lost < 1_000, `re-joined ${Date.now() - lost} ms after the loss: at once, not after a backoff`);
  answerTime = true;
  assert.equal(typeof (await c.timeSample()).serverTime, 'number');
});

test('a connection attempt that gets no answer at all is given up after connectTimeoutMs and made again at once, not after a growing backoff', async () => {
  // A black hole: it accepts TCP connections and never says a word (as a network that drops everything would,
  // once the connection is made). Every attempt times out.
  const { createServer: createTcpServer } = await import('node:net');
  const attempts: number[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const hole = createTcpServer((socket) => {
    attempts.push(Date.now());
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        hole.close(() => resolve());
      }),
  });
  const c = client(`http://127.0.0.1:${(hole.address() as AddressInfo).port}`, { connectTimeoutMs: 300, joinTimeoutMs: 20_000 });
  void c.join(room(), id('hole')).catch(() => undefined);
  // Five attempts: with the backoff between them (0.25-0.5 s, then 0.5-1 s, 1-2 s, 2-4 s) they would need at
  // least 5.25 s; made again at once, about 1.5 s.
  await waitFor(() => attempts.length >= 5, 'five connection attempts', 5_000);
  const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
  assert.ok(Math.max(...gaps) < 2_000, `gaps between attempts: ${gaps.join(', ')} ms`);
});

test("the browser's offline event drops the socket at once; online makes it again", async () => {
  // Node has no window events: a stand-in target plays the browser's global one.
  const target = new EventTarget();
  const g = globalThis as unknown as Record<string, unknown>;
  g['addEventListener'] = target.addEventListener.bind(target);
  g['removeEventListener'] = target.removeEventListener.bind(target);
  try {
    const { url } = await startServer();
    const c = client(url);
    await c.join(room(), id('net'));
    const down = next<{ reason: string }>(c, 'disconnect', 2_000);
    target.dispatchEvent(new Event('offline'));
    assert.equal((await down).reason, 'io client disconnect');
    assert.equal(c.joined, false);
    const back = next<{ peers: string[] }>(c, 'joined', 5_000);
    target.dispatchEvent(new Event('online'));
    await back;
    assert.equal(c.joined, true);
  } finally {
    delete g['addEventListener'];
    delete g['removeEventListener'];
  }
});

test('connect comes before the join is answered, and a time sample can be taken then (a round trip sooner)', async () => {
  const { url } = await startServer();
  const c = client(url);
  const order: string[] = [];
  let sample: Promise<unknown> | undefined;
  c.on('connect', () => {
    order.push(`connect joined=${c.joined}`);
    sample = c.timeSample();
  });
  c.on('joined', () => order.push('joined'));
  await c.join(room(), id('early'));
  assert.deepEqual(order, ['connect joined=false', 'joined']);
  const s = (await sample) as { t0: number; serverTime: number; t1: number };
  assert.ok(s.t0 <= s.t1 && Number.isFinite(s.serverTime));
});
