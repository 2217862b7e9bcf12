// The small socket.io client (wire-socket.ts) in Node, with the `ws` package as its WebSocket: against the
// real signaling server (socket.io 4) on loopback, and against raw WebSocket servers that misbehave in ways
// a real server would not (stop pinging, never answer, send malformed frames).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { createSignalingServer } from '../../server/index.js';
import { SignalingError } from '../../src/net/signaling-error.js';
import { WireSocket, type WireSocketEvents, type WireSocketOptions } from '../../src/net/wire-socket.js';
import { waitFor } from '../support/wait.js';
import { openFrame, rawServer, type RawScript, type RawServer } from './raw-socket-io-server.js';

const sockets: WireSocket[] = [];
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const s of sockets) s.disconnect();
  for (const c of closers) await c();
});

async function startServer(options: Parameters<typeof createSignalingServer>[0] = {}) {
  const server = createSignalingServer({ logLevel: 'silent', ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  closers.push(() => server.close());
  return { server, url: `http://127.0.0.1:${port}` };
}

function wire(url: string, options: Partial<WireSocketOptions> = {}): WireSocket {
  const s = new WireSocket(url, { WebSocket, connectTimeoutMs: 3_000, ...options });
  sockets.push(s);
  return s;
}

/** The next `event` of `s`, or a clear timeout error. */
function next<K extends keyof WireSocketEvents>(s: WireSocket, event: K, timeoutMs = 5_000): Promise<WireSocketEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    s.on(
      event,
      (detail) => {
        clearTimeout(timer);
        resolve(detail);
      },
      { once: true },
    );
  });
}

async function connected(s: WireSocket): Promise<void> {
  const failed = next(s, 'connect_error').then(({ message }) => Promise.reject(new Error(`connect_error: ${message}`)));
  failed.catch(() => {});
  s.connect();
  await Promise.race([next(s, 'connect'), failed]);
}

/** `request` as a Promise. */
function request(s: WireSocket, name: string, args: unknown[] = [], timeoutMs = 2_000): Promise<unknown> {
  return new Promise((resolve, reject) => s.request(name, args, timeoutMs, (err, reply) => (err ? reject(err) : resolve(reply))));
}

async function rejection(p: Promise<unknown>): Promise<SignalingError> {
  const err = await p.then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SignalingError, `expected a SignalingError, got ${String(err)}`);
  return err;
}

async function startRaw(script: RawScript = {}): Promise<RawServer> {
  const server = await rawServer(script);
  closers.push(() => server.close());
  return server;
}

test('connects to the real server over WebSocket, requests with acks, sends, and disconnects', async () => {
  const { server, url } = await startServer();
  const s = wire(url);
  assert.equal(s.connected, false);
  assert.equal(s.active, false);
  const connecting = next(s, 'connect');
  s.connect();
  assert.equal(s.active, true);
  assert.equal(s.connected, false);
  const { sid } = await connecting;
  assert.ok(sid.length > 0);
  assert.equal(s.connected, true);
  assert.equal(server.io.of('/').sockets.get(sid)?.conn.transport.name, 'websocket');

  const serverTime = await request(s, 'time');
  assert.equal(typeof serverTime, 'number');
  const ack = (await request(s, 'join', [{ room: 'wire-room', nodeId: 'wire-node-1' }], 2_000)) as { ok: boolean; peers: string[] };
  assert.deepEqual({ ok: ack.ok, peers: ack.peers }, { ok: true, peers: [] });
  // Requests are matched to their acks by id, in any order.
  const both = await Promise.all([request(s, 'time'), request(s, 'leave', [], 2_000)]);
  assert.equal(typeof both[0], 'number');
  assert.deepEqual(both[1], { ok: true, left: true });
  // An event the server refuses comes back as an `error` event, and the socket stays usable.
  const refused = next(s, 'event');
  assert.equal(s.send('no-such-event', 1), true);
  const { name, args } = await refused;
  assert.equal(name, 'error');
  assert.equal((args[0] as { code: string }).code, 'unknown-event');

  // Our disconnect: the server sees the socket go, we report `io client disconnect`.
  const gone = new Promise<void>((resolve) => server.io.of('/').sockets.get(sid)?.once('disconnect', () => resolve()));
  const disconnected = next(s, 'disconnect');
  s.disconnect();
  assert.equal((await disconnected).reason, 'io client disconnect');
  await gone;
  assert.equal(s.connected, false);
  assert.equal(s.active, false);
  assert.equal(s.send('time'), false);
  assert.equal((await rejection(request(s, 'time', [], 1_000))).code, 'disconnected');

  // And it connects again on demand.
  await connected(s);
  assert.equal(typeof (await request(s, 'time')), 'number');
});

test('a kick by the server is `io server disconnect`; pending requests fail at once', async () => {
  const { server, url } = await startServer();
  const s = wire(url);
  await connected(s);
  const disconnected = next(s, 'disconnect');
  for (const socket of server.io.of('/').sockets.values()) socket.disconnect(true);
  assert.equal((await disconnected).reason, 'io server disconnect');
  assert.equal(s.active, false);

  // A request in flight when the connection drops is rejected right away, not after its timeout.
  const raw = await startRaw({ onFrame: (frame, ws) => frame.startsWith('42') && ws.terminate() });
  const r = wire(raw.url);
  await connected(r);
  const started = Date.now();
  const err = await rejection(request(r, 'time', [], 10_000));
  assert.equal(err.code, 'disconnected');
  assert.ok(Date.now() - started < 5_000);
});

test('the server stopping: its shutdown notice, then a disconnect, then nothing to connect to', async () => {
  const { server, url } = await startServer();
  const s = wire(url);
  await connected(s);
  const events: string[] = [];
  s.on('event', ({ name }) => events.push(name));
  const disconnected = next(s, 'disconnect');
  await server.close();
  const { reason } = await disconnected;
  assert.ok(['io server disconnect', 'transport close'].includes(reason), reason);
  assert.deepEqual(events, ['shutdown']);
  // Nothing listens any more: connecting fails with a transport reason, no exception.
  const failed = next(s, 'connect_error');
  s.connect();
  assert.match((await failed).message, /^transport (error|close)$/);
});

test('a server middleware refusing the connection is a connect_error with its message; auth reaches it', async () => {
  const { server, url } = await startServer();
  server.io.use((socket, nextStep) => {
    const auth = socket.handshake.auth as { key?: unknown };
    nextStep(auth.key === 'open-sesame' ? undefined : new Error('wrong key'));
  });
  const refused = wire(url, { auth: () => ({ key: 'guess' }) });
  const failed = next(refused, 'connect_error');
  refused.connect();
  assert.equal((await failed).message, 'wrong key');
  assert.equal(refused.active, false);
  assert.equal(refused.connected, false);

  const admitted = wire(url, { auth: () => ({ key: 'open-sesame' }) });
  await connected(admitted);
  assert.equal(typeof (await request(admitted, 'time')), 'number');
});

test('a request without an ack in time rejects with timeout; a late ack is ignored', async () => {
  let lateAck: (() => void) | undefined;
  const raw = await startRaw({
    onFrame: (frame, ws) => {
      const m = /^42(\d+)\["slow"\]$/.exec(frame);
      if (m) lateAck = () => ws.send(`43${m[1]}[42]`);
      // Answered at once: its reply comes after the late ack on the same ordered socket.
      const echo = /^42(\d+)\["echo"\]$/.exec(frame);
      if (echo) ws.send(`43${echo[1]}["echoed"]`);
    },
  });
  const s = wire(raw.url);
  const malformed: string[] = [];
  s.on('malformed', ({ reason }) => malformed.push(reason));
  await connected(s);
  const err = await rejection(request(s, 'slow', [], 200));
  assert.equal(err.code, 'timeout');
  assert.match(err.message, /no reply to slow within 200 ms/);
  lateAck!();
  // Still connected and working: a round trip after the late ack proves the client has read it, and it
  // was neither delivered nor counted as malformed.
  s.send('ping-me');
  assert.equal(await request(s, 'echo'), 'echoed');
  assert.equal(s.connected, true);
  assert.deepEqual(malformed, []);
  assert.deepEqual(raw.received, ['40', '420["slow"]', '42["ping-me"]', '421["echo"]']);
  assert.match(raw.paths[0]!, /^\/socket\.io\/\?EIO=4&transport=websocket$/);
});

test('answers pings with pongs and stays connected; a server that stops pinging is a ping timeout', async () => {
  let pinging = true;
  const raw = await startRaw({
    open: openFrame(100, 100),
    onConnect: (ws) => {
      const timer = setInterval(() => (pinging ? ws.send('2') : clearInterval(timer)), 100);
      ws.once('close', () => clearInterval(timer));
    },
  });
  const s = wire(raw.url);
  let disconnects = 0;
  s.on('disconnect', () => (disconnects += 1));
  await connected(s);
  // Three pongs cover 300 ms, past the 200 ms a ping may be late (interval 100 + timeout 100): connected all along.
  await waitFor(() => raw.received.filter((f) => f === '3').length >= 3, 'three pongs', 5_000);
  assert.equal(s.connected, true);
  assert.equal(disconnects, 0);

  const disconnected = next(s, 'disconnect');
  const stopped = Date.now();
  pinging = false;
  assert.equal((await disconnected).reason, 'ping timeout');
  assert.ok(Date.now() - stopped < 1_000);
  assert.equal(s.active, false);
});

test('a ping overdue when something is sent (its timer could not run: a sleeping device) is a dead socket, not a send into nothing', async () => {
  const raw = await startRaw({ open: openFrame(100, 100) }); // connected, then never pings
  const s = wire(raw.url);
  await connected(s);
  const disconnected = next(s, 'disconnect');
  // Hold the event loop past the 200 ms the next ping may take, as a suspended tab's timers are held.
  const until = Date.now() + 300;
  while (Date.now() < until);
  assert.equal(s.send('after-sleep'), false);
  assert.equal((await disconnected).reason, 'ping timeout');
  assert.ok(!raw.received.includes('42["after-sleep"]'));
  const err = await rejection(request(s, 'echo'));
  assert.equal(err.code, 'disconnected');
});

test('no ping at all after the open, before CONNECT is answered, is a connect_error', async () => {
  const raw = await startRaw({ open: openFrame(100, 100), answerConnect: false });
  const s = wire(raw.url);
  const failed = next(s, 'connect_error');
  s.connect();
  assert.equal((await failed).message, 'ping timeout');
});

test('a server that accepts the WebSocket but never opens the engine is a connect timeout, after the whole of it', async () => {
  const raw = await startRaw({ open: null });
  const s = wire(raw.url, { connectTimeoutMs: 600 });
  const failed = next(s, 'connect_error');
  const started = performance.now();
  s.connect();
  assert.equal((await failed).message, 'timeout');
  // The WebSocket opened: only its opening has half the timeout.
  assert.ok(performance.now() - started >= 590, 'given up before the whole timeout');
  assert.equal(s.active, false);
});

test('a WebSocket that does not open within half the connect timeout (TCP retrying its first packet) is given up then', async () => {
  // A server that takes the TCP connection and never answers the WebSocket's upgrade request: the socket
  // stays CONNECTING, as one whose first packets go into a network that is down.
  const held = new Set<Socket>();
  const silent = createServer((c) => held.add(c));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of held) c.destroy();
        silent.close(() => resolve());
      }),
  );
  const s = wire(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, { connectTimeoutMs: 2_000 });
  const failed = next(s, 'connect_error');
  const started = performance.now();
  s.connect();
  assert.equal((await failed).message, 'timeout');
  const took = performance.now() - started;
  assert.ok(took >= 950 && took < 1_800, `given up after ${took.toFixed(0)} ms, not half the 2 s timeout`);
  assert.equal(s.active, false);
});

test('nothing listening, or no WebSocket at all, is a connect_error, never an exception', async () => {
  const probe = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => probe.once('listening', () => resolve()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const s = wire(`http://127.0.0.1:${port}`);
  const failed = next(s, 'connect_error');
  s.connect();
  assert.match((await failed).message, /^transport (error|close)$/);

  if (typeof globalThis.WebSocket === 'undefined') {
    // Node 20 has no global WebSocket: the default constructor is missing.
    const none = new WireSocket(`http://127.0.0.1:${port}`, { connectTimeoutMs: 3_000 });
    const noWs = next(none, 'connect_error');
    none.connect();
    assert.match((await noWs).message, /^cannot open a WebSocket: ReferenceError: WebSocket is not defined$/);
    assert.equal(none.active, false);
  }
});

test('malformed frames are dropped and reported, the connection stays usable', async () => {
  const bad = [
    '42["x"',
    '42[]',
    '42[7]',
    '451-["x",{"_placeholder":true,"num":0}]',
    '42/admin,["x"]',
    '0{"sid":"again","pingInterval":1,"pingTimeout":1}',
    '40{"sid":"again"}',
    '43[1]',
    '9',
    '2probe',
    `42["big","${'x'.repeat(3000)}"]`,
  ];
  const raw = await startRaw({
    onConnect: (ws) => {
      for (const f of bad) ws.send(f);
      ws.send(Buffer.from([1, 2, 3]));
      ws.send('42["good",{"n":1}]');
    },
  });
  const s = wire(raw.url, { maxFrameChars: 2048 });
  const malformed: string[] = [];
  s.on('malformed', ({ reason }) => malformed.push(reason));
  const good = next(s, 'event');
  await connected(s);
  assert.deepEqual(await good, { name: 'good', args: [{ n: 1 }] });
  assert.deepEqual(malformed, [
    'not-json',
    'bad-event',
    'bad-event',
    'binary',
    'namespace',
    'second-open',
    'unexpected-connect',
    'bad-ack',
    'engine-type',
    'bad-ping',
    'too-large',
    'binary',
  ]);
  assert.equal(s.connected, true);
  assert.equal(s.send('still-here'), true);
});

test('events before CONNECT is accepted are refused; an engine close is a transport close', async () => {
  const raw = await startRaw({
    answerConnect: false,
    onFrame: (frame, ws) => {
      if (frame !== '40') return;
      ws.send('42["too-early"]');
      ws.send('40{"sid":"late"}');
      ws.send('42["in-time"]');
      ws.send('1');
    },
  });
  const s = wire(raw.url);
  const malformed: string[] = [];
  const events: string[] = [];
  s.on('malformed', ({ reason }) => malformed.push(reason));
  s.on('event', ({ name }) => events.push(name));
  const disconnected = next(s, 'disconnect');
  s.connect();
  assert.equal((await disconnected).reason, 'transport close');
  assert.deepEqual(malformed, ['event-before-connect']);
  assert.deepEqual(events, ['in-time']);
});
