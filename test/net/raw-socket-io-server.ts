/**
 * Test servers that speak the socket.io wire format by hand over `ws`, to make the client face what a real
 * server never does (stop pinging, never answer, send malformed frames), and a TCP proxy in front of a real
 * server whose "network" can be cut.
 */
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSideSocket } from 'ws';

/** The engine.io open frame of a server that pings every `interval` ms and waits `timeout` ms for pongs. */
export const openFrame = (interval = 10_000, timeout = 5_000): string =>
  `0{"sid":"raw","upgrades":[],"pingInterval":${interval},"pingTimeout":${timeout},"maxPayload":1000000}`;

export interface RawScript {
  /** The engine.io open frame sent first; null: none. Default {@link openFrame}(). */
  open?: string | null;
  /** Whether CONNECT (`40...`) is answered with `40{"sid"}`. Default true. */
  answerConnect?: boolean;
  /** Runs once a CONNECT was answered. */
  onConnect?: (ws: ServerSideSocket) => void;
  /** Sees every frame the client sends (before the CONNECT answer). */
  onFrame?: (frame: string, ws: ServerSideSocket) => void;
}

export interface RawServer {
  url: string;
  /** Every frame clients sent, in order. */
  received: string[];
  /** The request path of each WebSocket connection. */
  paths: string[];
  /** Closes the server and every connection. */
  close(): Promise<void>;
}

/** A raw WebSocket server on 127.0.0.1 that plays a socket.io server from `script`. */
export async function rawServer(script: RawScript = {}): Promise<RawServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: string[] = [];
  const paths: string[] = [];
  wss.on('connection', (ws, req) => {
    paths.push(req.url ?? '');
    const open = script.open === undefined ? openFrame() : script.open;
    if (open !== null) ws.send(open);
    ws.on('message', (data) => {
      const frame = data.toString();
      received.push(frame);
      script.onFrame?.(frame, ws);
      if (frame.startsWith('40') && script.answerConnect !== false) {
        ws.send('40{"sid":"raw-socket"}');
        script.onConnect?.(ws);
      }
    });
  });
  return {
    url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/**
 * Answers a client's join with success: a `join` request frame (`42<id>["join",{...}]`) with its ack, or a
 * CONNECT carrying one (`40{"j":{...}}`) with a `joined` event right behind the CONNECT answer (queued, so
 * that it follows the answer {@link rawServer} sends once this returns). `extra` goes into the ack as it is.
 * False if the frame is neither.
 */
export function ackJoin(frame: string, ws: ServerSideSocket, peers: string[] = [], extra: object = {}): boolean {
  const reply = (nodeId: string) => ({ ok: true, self: nodeId, peers, serverTime: Date.now(), ...extra });
  const inConnect = /^40(\{"j":\{.*\}\})$/.exec(frame);
  if (inConnect) {
    const { j } = JSON.parse(inConnect[1]!) as { j: { nodeId: string } };
    queueMicrotask(() => ws.send(`42${JSON.stringify(['joined', reply(j.nodeId)])}`));
    return true;
  }
  const m = /^42(\d+)\["join",(\{.*\})\]$/.exec(frame);
  if (!m) return false;
  const { nodeId } = JSON.parse(m[2]!) as { nodeId: string };
  ws.send(`43${m[1]}${JSON.stringify([reply(nodeId)])}`);
  return true;
}

/**
 * A TCP proxy to `targetPort` whose network can be cut: `cut()` silently drops everything on the open
 * connections and leaves new ones hanging (no error, no close: a dead network, not a refused one);
 * `restore()` lets new connections through again. `hung` counts the connections made while cut.
 */
export async function cuttableProxy(
  targetPort: number,
): Promise<{ url: string; cut(): void; restore(): void; readonly hung: number; close(): Promise<void> }> {
  let up = true;
  let hung = 0;
  const open = new Set<Socket>();
  const pairs: Array<[Socket, Socket]> = [];
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (!up) {
      hung += 1;
      return; // hangs: nothing answers
    }
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      up = false;
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        // Keep reading so nothing backs up, but deliver nothing either way.
        client.on('data', () => {});
        upstream.on('data', () => {});
      }
    },
    restore() {
      up = true;
    },
    get hung() {
      return hung;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
