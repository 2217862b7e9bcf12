/**
 * Test helpers: a real server on an ephemeral loopback port, real socket.io clients, a real redis-server,
 * and waits that always end (an event, or a clear timeout error).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect as tcpConnect } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, JoinAck, ServerToClientEvents } from '../../src/net/signaling-protocol.js';
import { FLAGS } from '../../server/cli-args.js';
import { createSignalingServer, type SignalingServer, type SignalingServerOptions } from '../../server/index.js';
import { waitFor, within as withinMs } from '../support/wait.js';

/** The browser-side view of the protocol. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Default wait for anything in these tests. */
export const WAIT_MS = 5000;

/** The package root (where server/cli.ts lives). */
export const ROOT = new URL('../../', import.meta.url).pathname;

/** Rejects with `what` after `ms` (default {@link WAIT_MS}), else settles like `promise`. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  return withinMs(promise, what, ms);
}

/** Starts a server on 127.0.0.1 with a free port; logs are silent unless given. */
export async function startServer(options: SignalingServerOptions = {}): Promise<{ server: SignalingServer; url: string }> {
  const server = createSignalingServer({ logLevel: 'silent', ...options });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${port}` };
}

/** Connects a client over WebSocket; resolves once connected. */
export function connect(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): Promise<ClientSocket> {
  const socket: ClientSocket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: WAIT_MS, ...options });
  return within(
    new Promise<ClientSocket>((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    }),
    'connect',
  );
}

/** The next `event` on `socket`. */
export function next<T = unknown>(socket: ClientSocket, event: string, ms = WAIT_MS): Promise<T> {
  const s = socket as unknown as Socket;
  let handler: (value: T) => void = () => {};
  return within(
    new Promise<T>((resolve) => {
      handler = resolve;
      s.once(event, handler);
    }),
    `"${event}" on ${socket.id ?? 'socket'}`,
    ms,
  ).finally(() => s.off(event, handler));
}

/** Collects every `event` on `socket` from now on. */
export function collect<T = unknown>(socket: ClientSocket, event: string): T[] {
  const seen: T[] = [];
  (socket as unknown as Socket).on(event, (value: T) => seen.push(value));
  return seen;
}

/** Emits `join` and returns the ack. */
export function join(socket: ClientSocket, room: string, nodeId: string, token?: string, resume?: string): Promise<JoinAck> {
  const request = { room, nodeId, ...(token === undefined ? {} : { token }), ...(resume === undefined ? {} : { resume }) };
  return within(socket.timeout(WAIT_MS).emitWithAck('join', request), `join ack of ${nodeId}`);
}

/** Emits anything (bypassing the typed event map) and returns the raw socket for chaining. */
export function emitRaw(socket: ClientSocket, event: string, ...args: unknown[]): void {
  (socket as unknown as Socket).emit(event, ...args);
}

/** Connects and joins; returns the socket and its ack. */
export async function peer(url: string, room: string, nodeId: string): Promise<{ socket: ClientSocket; ack: JoinAck }> {
  const socket = await connect(url);
  const ack = await join(socket, room, nodeId);
  return { socket, ack };
}

/** Round trip of a `time` request: proves the socket is still connected and served. */
export function ping(socket: ClientSocket, ms = WAIT_MS): Promise<number> {
  return within(socket.timeout(ms).emitWithAck('time'), `time ack on ${socket.id}`, ms);
}

/** A free TCP port on 127.0.0.1 (for processes that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** GET `path` and parse JSON or text. */
export async function get(url: string, path: string, init?: RequestInit): Promise<Response> {
  return within(fetch(url + path, init), `GET ${path}`);
}

/** The value of one Prometheus sample, e.g. `paxos_video_rejected_messages_total{reason="binary"}`. */
export function metric(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (line === undefined) throw new Error(`no sample ${sample} in /metrics`);
  return Number(line.slice(sample.length + 1));
}

/** A real redis-server on a free (or the given) loopback port, without persistence. */
export async function startRedis(fixedPort?: number): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const port = fixedPort ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`))),
  );
  exited.catch(() => {});
  await Promise.race([waitFor(() => pong(port), `redis-server on port ${port}`, { timeoutMs: 10_000, intervalMs: 50 }), exited]);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => stopChild(child),
  };
}

/** Whether a Redis server answers PING on `port`. */
function pong(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    let reply = '';
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        sock.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    sock.once('error', () => resolve(false));
  });
}

/** Sends SIGTERM and waits for the exit (SIGKILL after the wait). Resolves with the exit code. */
export async function stopChild(child: ChildProcess, ms = WAIT_MS): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  try {
    await within(exited, `pid ${child.pid} to exit`, ms);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    throw err;
  }
}

/** Spawns the CLI from source (`node --import tsx server/cli.ts`). */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, output: () => ({ stdout, stderr }) };
}

/** The environment without the server's own variables, so the host's settings cannot leak into a test. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.values(FLAGS).map((f) => f.env)) delete env[k];
  return env;
}

/** Waits for the CLI's `listening` log line and returns its port. */
export async function cliPort(output: () => { stdout: string; stderr: string }, child: ChildProcess, ms = 30_000): Promise<number> {
  let port: number | undefined;
  await within(
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const m = /"port":(\d+)[^\n]*"msg":"listening"/.exec(output().stdout);
        if (m) {
          port = Number(m[1]);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => reject(new Error(`cli exited (${code}) before listening: ${output().stderr}${output().stdout}`)));
      check();
    }),
    'the CLI to listen',
    ms,
  );
  return port!;
}

/** Exit code of a child, waiting at most `ms`. */
export function exitCode(child: ChildProcess, ms = 15_000): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return within(new Promise((resolve) => child.once('exit', (code) => resolve(code))), `pid ${child.pid} to exit`, ms);
}
