// The signaling client in Node (socket.io-client's Node build) against the real signaling server on
// loopback, plus a hostile socket.io server for the validation of what the client receives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { createSignalingServer } from '../../server/index.js';
import { SignalingClient, SignalingError } from '../../src/net/signaling-client.js';

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

function client(url: string, options = {}): SignalingClient {
  const c = new SignalingClient(url, { joinTimeoutMs: 5_000, ...options });
  clients.push(c);
  return c;
}

function next<T>(c: SignalingClient, event: Parameters<SignalingClient['once']>[0], timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    c.once(event, (detail) => {
      clearTimeout(timer);
      resolve(detail as T);
    });
  });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
  const aBack = next<{ peers: string[] }>(a, 'reconnect', 20_000);
  const bBack = next<{ peers: string[] }>(b, 'reconnect', 20_000);
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
    socket.on('join', (req: { nodeId: string }, ack: (reply: unknown) => void) => {
      ack({ ok: true, self: req.nodeId, peers: [], serverTime: Date.now() });
      socket.emit('peer-joined', { nodeId: 5 });
      socket.emit('peer-joined', JSON.parse('{"nodeId":"valid-peer-id","__proto__":{"x":1}}'));
      socket.emit('signal', { from: 'short', data: {} });
      socket.emit('signal', { from: 'valid-peer-id', data: JSON.parse('{"__proto__":{"polluted":1}}') });
      socket.emit('error', { code: 'made-up', message: 'x' });
      socket.emit('surprise', 1);
      socket.emit('peer-joined', { nodeId: 'good-peer-id' }); // the one valid message, last
    });
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
  await until(() => joined.includes('good-peer-id'), 'the valid peer-joined');
  // The __proto__-keyed notice is valid apart from that key; the schema copies out only `nodeId`.
  assert.deepEqual(joined, ['valid-peer-id', 'good-peer-id']);
  assert.deepEqual(signals, []);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  assert.equal((await refusal(c.timeSample())).code, 'bad-request');
  assert.deepEqual(c.invalid.byReason, { 'peer-joined': 1, signal: 2, error: 1, 'unknown-event': 1, time: 1 });
  assert.equal(c.invalid.total, 6);
});
