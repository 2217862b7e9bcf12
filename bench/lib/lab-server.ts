/**
 * The benchmark's signaling server (bench/lib/bench-server.ts: widget, baselines, benchmark page, demo video)
 * as a process of its own, so it runs inside a lab host: `nsenter` it into the server's namespace
 * ({@link startLabServer}). It listens on every address of the host and talks with its owner in JSON lines:
 * it prints `{"origin": ...}` once listening, answers `{"op":"clock"}` with its clock and `{"op":"sockets"}`
 * with how many sockets are connected and when sockets connected and disconnected (epoch ms), and exits when
 * its standard input closes. With `--turn JSON` (server/turn-credentials.ts's TurnOptions) it hands each
 * joining page TURN credentials.
 *
 *   node --import tsx bench/lib/lab-server.ts ADDRESS [WIDGET] [--turn JSON]
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../lab/lab.js';
import type { TurnOptions } from '../../server/turn-credentials.js';
import { startBenchServer } from './bench-server.js';
import { BenchError } from './wait.js';

const SELF = fileURLToPath(import.meta.url);
/** The server clock: the same one the signaling server serves (server/peer-session.ts). */
const serverNow = () => performance.timeOrigin + performance.now();

/** A signaling server running in a lab host. */
export interface LabServer {
  origin: string;
  widgetSha256: string;
  /** One reading of the server's clock and the round trip it took over the pipe, ms. */
  clock(): Promise<{ now: number; rtt: number }>;
  /** Whether it runs at real-time priority (see SERVER_PRIORITY). */
  realtime: boolean;
  /** How late its event loop ran since it started (p99 and most, ms): a server made to wait shows here. */
  loopDelay(): Promise<{ p99Ms: number; maxMs: number }>;
  /** Sockets connected to the server now, and every connect and disconnect so far (epoch ms). */
  sockets(): Promise<{ sockets: number; connects: number[]; disconnects: number[] }>;
  close(): Promise<void>;
}

/**
 * The server's real-time priority (SCHED_FIFO), below the emulator's (10). A deployed server has a machine of
 * its own; here it shares two cores with three browsers, and at normal priority its event loop waited
 * 100-670 ms at a time while pages loaded (a join's among them): its answers to the pages' time requests
 * came that late, and a joining page's clock started 20-50 ms off. At this priority its lateness was 11 ms
 * at p99 over full runs (111 ms at most). (It takes a few percent of a core.)
 */
const SERVER_PRIORITY = 5;

let realtimeChecked: boolean | undefined;
/** Whether this process may start real-time processes (root, or CAP_SYS_NICE; not inside `unshare -r`). */
function realtimeAllowed(): boolean {
  return (realtimeChecked ??= spawnSync('chrt', ['-f', String(SERVER_PRIORITY), 'true']).status === 0);
}

/**
 * Starts the benchmark server in lab host `host` (with TURN credentials for the pages when `options.turn` is
 * given; at real-time priority with `options.realtime`, where the run may).
 */
export async function startLabServer(lab: Lab, host: string, widget?: string, options: { turn?: TurnOptions; realtime?: boolean } = {}): Promise<LabServer> {
  const args = [lab.host(host).address, ...(widget ? [widget] : []), ...(options.turn ? ['--turn', JSON.stringify(options.turn)] : [])];
  const command = [process.execPath, '--import', 'tsx', SELF, ...args];
  // Asked for by bench:net. (Not by the lab tests: with two servers and coturn in the server host, a walled
  // tab's page did not load at this priority in the TURN test; why is open.)
  const realtime = options.realtime === true && realtimeAllowed();
  const child: ChildProcess = realtime ? lab.spawn(host, 'chrt', ['-f', String(SERVER_PRIORITY), ...command], { stdio: ['pipe', 'pipe', 'inherit'] }) : lab.spawn(host, command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      waiting.shift()?.(JSON.parse(line) as Record<string, unknown>);
    } catch {
      process.stderr.write(`[lab server] ${line}\n`);
    }
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new BenchError(`the lab's signaling server exited (code ${code})`))));
  exited.catch(() => undefined);
  const next = () => Promise.race([new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)), exited]);
  const ask = (op: string) => {
    const answer = next();
    child.stdin!.write(`${JSON.stringify({ op })}\n`);
    return answer;
  };
  const ready = await next();
  if (typeof ready.origin !== 'string') throw new BenchError(`the lab's signaling server did not start: ${JSON.stringify(ready)}`);
  // One question at a time: answers come back in order.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f, f);
    queue = run.catch(() => undefined);
    return run;
  };
  return {
    origin: ready.origin,
    widgetSha256: String(ready.widgetSha256),
    realtime,
    loopDelay: () =>
      serial(async () => {
        const a = await ask('loop');
        return { p99Ms: Number(a.p99Ms), maxMs: Number(a.maxMs) };
      }),
    clock: () =>
      serial(async () => {
        const t0 = performance.now();
        const answer = await ask('clock');
        return { now: Number(answer.now), rtt: performance.now() - t0 };
      }),
    sockets: () =>
      serial(async () => {
        const a = await ask('sockets');
        return { sockets: Number(a.sockets), connects: a.connects as number[], disconnects: a.disconnects as number[] };
      }),
    async close() {
      child.stdin!.end();
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill('SIGKILL');
    },
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const t = argv.indexOf('--turn');
  const turn = t >= 0 ? (JSON.parse(argv.splice(t, 2)[1] ?? 'null') as TurnOptions) : undefined;
  const [address, widget] = argv;
  if (!address || (t >= 0 && !turn)) throw new Error('usage: lab-server.ts ADDRESS [WIDGET] [--turn JSON]');
  const server = await startBenchServer(32, widget, { host: '0.0.0.0', originHost: address }, turn);
  const say = (message: unknown) => process.stdout.write(`${JSON.stringify(message)}\n`);
  const connects: number[] = [];
  const disconnects: number[] = [];
  server.io.on('connection', (socket) => {
    connects.push(serverNow());
    socket.on('disconnect', () => disconnects.push(serverNow()));
  });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  say({ origin: server.origin, widgetSha256: server.widgetSha256 });
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const op = (JSON.parse(line) as { op?: string }).op;
    if (op === 'clock') say({ now: serverNow() });
    else if (op === 'loop') say({ p99Ms: loop.percentile(99) / 1e6, maxMs: loop.max / 1e6 });
    else if (op === 'sockets') say({ sockets: server.io.of('/').sockets.size, connects, disconnects });
    else say({ error: `unknown op ${op}` });
  });
  lines.on('close', () => {
    void server.close().finally(() => process.exit(0));
  });
}

if (process.argv[1] === SELF) await main();
