/**
 * Signaling server benchmark: memory per idle socket (1,000 and 5,000 sockets), relay latency p50/p99 under
 * a steady relay load, and connect+join rate; side by side with the PeerJS server (npm `peer`) doing the same
 * job: clients connect and register an id, then relay an offer-sized message to one peer.
 *
 * Each server runs alone in a child process (started with --expose-gc, so its heap is measured after a full
 * collection). The idle sockets are held by other child processes (one per step), so the relay pairs, which
 * run in this process, measure the server rather than a client process crowded with thousands of sockets.
 * Loopback only. Prints a table and writes bench/results/server.json.
 *
 *   npm run bench:server                 # full run
 *   npm run bench:server -- --quick      # 200 / 1,000 sockets, shorter relay phase (a smoke run)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';

type Impl = 'paxos-video' | 'peerjs';
const IMPLS: Impl[] = ['paxos-video', 'peerjs'];
const QUICK = process.argv.includes('--quick');
const SOCKET_COUNTS = QUICK ? [200, 1000] : [1000, 5000];
const RELAY_PAIRS = 100;
const RELAY_HZ_PER_PAIR = 10;
const RELAY_SECONDS = QUICK ? 2 : 5;
const CONNECT_CONCURRENCY = 100;
const ROOM_SIZE = 10;
const STEP_TIMEOUT_MS = 120_000;
/** A typical WebRTC offer with a data channel and audio/video sections is 2–6 KB; 4 KB is the middle. */
const OFFER_SDP = `v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=candidate:1 1 udp 2122260223 10.77.0.1 54321 typ host generation 0\r\n'.repeat(50)}`.slice(0, 4096);

// ------------------------------------------------------------------------------------------------------------
// Child: one server, answering memory probes over IPC.

interface Probe {
  heapUsed: number;
  rss: number;
  external: number;
}

async function child(impl: Impl): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the server child needs --expose-gc');
  let port: number;
  if (impl === 'paxos-video') {
    const { createSignalingServer } = await import('../server/index.js');
    // Rooms of ROOM_SIZE; rate limit as shipped.
    const server = createSignalingServer({ logLevel: 'silent', maxRoomSize: 32 });
    port = (await server.listen(0, '127.0.0.1')).port;
  } else {
    const { PeerServer } = await import('peer');
    port = await new Promise<number>((resolve) => {
      PeerServer({ port: 0, host: '127.0.0.1', path: '/', concurrent_limit: 100_000 }, (srv) => resolve((srv.address() as { port: number }).port));
    });
  }
  process.on('message', (msg: { probe?: boolean }) => {
    if (!msg.probe) return;
    gc();
    gc();
    const m = process.memoryUsage();
    process.send!({ probe: { heapUsed: m.heapUsed, rss: m.rss, external: m.external } satisfies Probe });
  });
  process.send!({ ready: port });
}

// ------------------------------------------------------------------------------------------------------------
// Parent: clients and measurements.

function withTimeout<T>(p: Promise<T>, what: string, ms = STEP_TIMEOUT_MS): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timeout: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

function startChild(impl: Impl): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(fileURLToPath(import.meta.url), ['--child', impl], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`${impl} server exited (${code})`)));
      proc.on('message', (m: { ready?: number }) => m.ready && resolve({ proc, port: m.ready }));
    }),
    `${impl} server start`,
  );
}

function probe(proc: ChildProcess): Promise<Probe> {
  return withTimeout(
    new Promise((resolve) => {
      const on = (m: { probe?: Probe }) => {
        if (!m.probe) return;
        proc.off('message', on);
        resolve(m.probe);
      };
      proc.on('message', on);
      proc.send({ probe: true });
    }),
    'memory probe',
  );
}

/** A connected, registered client of either server. */
interface Client {
  id: string;
  send(to: string, sdp: string, sentAt: number): void;
  onOffer(handler: (sentAt: number) => void): void;
  close(): void;
}

async function connectPaxos(port: number, index: number): Promise<Client> {
  const id = `bench-${String(index).padStart(6, '0')}`;
  const socket: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(30_000).emitWithAck('join', { room: `bench-${Math.floor(index / ROOM_SIZE)}`, nodeId: id })) as { ok: boolean };
  if (!ack.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
  return {
    id,
    send: (to, sdp, sentAt) => socket.emit('signal', { to, data: { type: 'offer', sdp, sentAt } }),
    onOffer: (handler) => socket.on('signal', (m: { data: { sentAt: number } }) => handler(m.data.sentAt)),
    close: () => socket.close(),
  };
}

async function connectPeerJs(port: number, index: number): Promise<Client> {
  const id = `bench-${String(index).padStart(6, '0')}`;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${index}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { type: string };
      if (m.type === 'OPEN') resolve();
      else reject(new Error(`peerjs said ${m.type}`));
    });
  });
  return {
    id,
    send: (to, sdp, sentAt) => ws.send(JSON.stringify({ type: 'OFFER', dst: to, payload: { type: 'offer', sdp, sentAt } })),
    onOffer: (handler) =>
      ws.on('message', (raw) => {
        const m = JSON.parse(raw.toString()) as { type: string; payload?: { sentAt: number } };
        if (m.type === 'OFFER' && m.payload) handler(m.payload.sentAt);
      }),
    close: () => ws.close(),
  };
}

/** Connects clients `from`..`to`-1, CONNECT_CONCURRENCY at a time; returns them and the rate. */
async function connectMany(impl: Impl, port: number, from: number, to: number): Promise<{ clients: Client[]; perSecond: number }> {
  const connectOne = impl === 'paxos-video' ? connectPaxos : connectPeerJs;
  const clients: Client[] = [];
  let nextIndex = from;
  const t0 = performance.now();
  await withTimeout(
    Promise.all(
      [...Array(CONNECT_CONCURRENCY).keys()].map(async () => {
        while (nextIndex < to) {
          const index = nextIndex++;
          // Slot by index: pairs for the relay phase are neighbours in one room.
          clients[index - from] = await connectOne(port, index);
        }
      }),
    ),
    `${impl}: connecting ${to - from} clients`,
  );
  return { clients, perSecond: (to - from) / ((performance.now() - t0) / 1000) };
}

/** Child: holds idle clients `from`..`to`-1 until killed; reports the connect+join rate. */
async function holder(impl: Impl, port: number, from: number, to: number): Promise<void> {
  const { perSecond } = await connectMany(impl, port, from, to);
  process.send!({ held: to - from, perSecond });
}

/** Starts a holder child for clients `from`..`to`-1 and waits until they are all connected. */
function hold(impl: Impl, port: number, from: number, to: number): Promise<{ proc: ChildProcess; perSecond: number }> {
  const proc = fork(fileURLToPath(import.meta.url), ['--holder', impl, String(port), String(from), String(to)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return withTimeout(
    new Promise((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`${impl} holder exited (${code})`)));
      proc.on('message', (m: { perSecond?: number }) => m.perSecond !== undefined && resolve({ proc, perSecond: m.perSecond }));
    }),
    `${impl}: holding ${to - from} idle clients`,
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Steady relay load among RELAY_PAIRS pairs (sender and receiver share a room); one-way latencies in ms. */
async function relay(clients: Client[], seconds: number): Promise<number[]> {
  const pairs: Array<[Client, Client]> = [];
  // Clients 2k and 2k+1 always share a room (rooms are runs of ROOM_SIZE, an even number, of indices).
  for (let i = 0; i + 1 < clients.length && pairs.length < RELAY_PAIRS; i += 2) pairs.push([clients[i]!, clients[i + 1]!]);
  const latencies: number[] = [];
  let expected = 0;
  let received = 0;
  let recording = false;
  for (const [, receiver] of pairs) {
    receiver.onOffer((sentAt) => {
      received += 1;
      if (recording) latencies.push(performance.now() - sentAt);
    });
  }
  const run = async (secs: number) => {
    const tickMs = 10;
    const perTick = (pairs.length * RELAY_HZ_PER_PAIR * tickMs) / 1000;
    let cursor = 0;
    const ticks = (secs * 1000) / tickMs;
    for (let t = 0; t < ticks; t++) {
      for (let k = 0; k < perTick; k++) {
        const [sender, receiver] = pairs[cursor++ % pairs.length]!;
        sender.send(receiver.id, OFFER_SDP, performance.now());
        expected += 1;
      }
      await new Promise((r) => setTimeout(r, tickMs));
    }
    await withTimeout(
      (async () => {
        while (received < expected) await new Promise((r) => setTimeout(r, 5));
      })(),
      'relay drain',
      30_000,
    );
  };
  await run(1); // warm-up, not recorded
  recording = true;
  await run(seconds);
  return latencies.sort((a, b) => a - b);
}

interface ImplResult {
  baseline: Probe;
  sockets: Record<string, { heapBytesPerSocket: number; rssBytesPerSocket: number; connectJoinPerSecond: number }>;
  relay: { messages: number; p50Ms: number; p99Ms: number; meanMs: number; load: string };
}

async function benchImpl(impl: Impl): Promise<ImplResult> {
  const { proc, port } = await startChild(impl);
  const holders: ChildProcess[] = [];
  let pairs: Client[] = [];
  try {
    const baseline = await probe(proc);
    const sockets: ImplResult['sockets'] = {};
    let held = 0;
    for (const n of SOCKET_COUNTS) {
      const step = await hold(impl, port, held, n);
      holders.push(step.proc);
      held = n;
      const m = await probe(proc);
      sockets[n] = {
        heapBytesPerSocket: Math.round((m.heapUsed - baseline.heapUsed) / n),
        rssBytesPerSocket: Math.round((m.rss - baseline.rss) / n),
        connectJoinPerSecond: Math.round(step.perSecond),
      };
      console.log(`${impl}: ${n} idle sockets, heap ${(sockets[n]!.heapBytesPerSocket / 1024).toFixed(1)} KiB/socket, rss ${(sockets[n]!.rssBytesPerSocket / 1024).toFixed(1)} KiB/socket, ${sockets[n]!.connectJoinPerSecond} connect+join/s`);
    }
    // Relay pairs of their own, after the idle ones (ids and rooms continue from there).
    const first = Math.ceil(held / ROOM_SIZE) * ROOM_SIZE;
    pairs = (await connectMany(impl, port, first, first + RELAY_PAIRS * 2)).clients;
    const lat = await relay(pairs, RELAY_SECONDS);
    const result = {
      baseline,
      sockets,
      relay: {
        messages: lat.length,
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        meanMs: lat.reduce((a, b) => a + b, 0) / lat.length,
        load: `${RELAY_PAIRS} pairs × ${RELAY_HZ_PER_PAIR} Hz, ${OFFER_SDP.length}-byte SDP, while ${held} idle sockets are held`,
      },
    };
    console.log(`${impl}: relay p50 ${result.relay.p50Ms.toFixed(3)} ms, p99 ${result.relay.p99Ms.toFixed(3)} ms over ${lat.length} messages`);
    return result;
  } finally {
    for (const c of pairs) c.close();
    for (const h of [...holders, proc]) {
      h.kill('SIGTERM');
      await new Promise((r) => (h.exitCode !== null || h.signalCode !== null ? r(null) : h.once('exit', r)));
    }
  }
}

async function main(): Promise<void> {
  // Other work on the machine skews latency and rates: the load average goes into the results.
  const loadBefore = loadavg();
  const results = {} as Record<Impl, ImplResult>;
  for (const impl of IMPLS) results[impl] = await benchImpl(impl);
  const ours = results['paxos-video'];
  const theirs = results.peerjs;
  const rows: string[][] = [['metric', 'paxos-video', 'peerjs (peer)', 'ratio ours/peerjs']];
  const fmt = (x: number, digits = 1) => x.toFixed(digits);
  for (const n of SOCKET_COUNTS) {
    const a = ours.sockets[n]!;
    const b = theirs.sockets[n]!;
    rows.push([`heap per socket @${n} (KiB)`, fmt(a.heapBytesPerSocket / 1024), fmt(b.heapBytesPerSocket / 1024), fmt(a.heapBytesPerSocket / b.heapBytesPerSocket, 2)]);
    rows.push([`rss per socket @${n} (KiB)`, fmt(a.rssBytesPerSocket / 1024), fmt(b.rssBytesPerSocket / 1024), fmt(a.rssBytesPerSocket / b.rssBytesPerSocket, 2)]);
    rows.push([`connect+join per s (to ${n})`, String(a.connectJoinPerSecond), String(b.connectJoinPerSecond), fmt(a.connectJoinPerSecond / b.connectJoinPerSecond, 2)]);
  }
  rows.push(['relay p50 (ms)', fmt(ours.relay.p50Ms, 3), fmt(theirs.relay.p50Ms, 3), fmt(ours.relay.p50Ms / theirs.relay.p50Ms, 2)]);
  rows.push(['relay p99 (ms)', fmt(ours.relay.p99Ms, 3), fmt(theirs.relay.p99Ms, 3), fmt(ours.relay.p99Ms / theirs.relay.p99Ms, 2)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`\nrelay load: ${ours.relay.load}`);

  const out = new URL('./results/server.json', import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        quick: QUICK,
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          memoryBytes: totalmem(),
          node: process.version,
          loadAverage1mBefore: loadBefore[0],
          loadAverage1mAfter: loadavg()[0],
        },
        setup: {
          socketCounts: SOCKET_COUNTS,
          roomSize: ROOM_SIZE,
          relayPairs: RELAY_PAIRS,
          relayHzPerPair: RELAY_HZ_PER_PAIR,
          relaySeconds: RELAY_SECONDS,
          offerBytes: OFFER_SDP.length,
          transport: 'websocket only, loopback',
        },
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${fileURLToPath(out)}`);
}

const childAt = process.argv.indexOf('--child');
const holderAt = process.argv.indexOf('--holder');
if (childAt !== -1) {
  void child(process.argv[childAt + 1] as Impl);
} else if (holderAt !== -1) {
  const [impl, port, from, to] = process.argv.slice(holderAt + 1);
  void holder(impl as Impl, Number(port), Number(from), Number(to));
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
