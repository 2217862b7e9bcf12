/**
 * The paxos-video signaling server: an Express app (health, metrics, widget bundle, demo) and a socket.io
 * server that introduces the peers of a room to one another and relays their signals. It never decides
 * the video state; the tabs do, by Multi-Paxos among themselves.
 *
 * ```ts
 * import { createSignalingServer } from 'paxos-video/server';
 * const server = createSignalingServer({ corsOrigins: ['https://example.org'] });
 * const { port } = await server.listen(8080);
 * process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
 * ```
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { CLIENT_EVENTS, LIMITS, SERVER_EVENTS, type JoinAck } from '../src/net/signaling-protocol.js';
import { socketIoPath } from './base-path.js';
import { AddressCounter, clientAddress } from './client-address.js';
import { createHttpApp } from './http-routes.js';
import { createLogger } from './logger.js';
import { createLocalMembership, type Membership } from './membership.js';
import { createMetrics } from './metrics.js';
import { resolveOptions, type SignalingServerOptions } from './options.js';
import { packageRoot } from './package-root.js';
import { PeerSession, type SessionContext, type SignalingIo } from './peer-session.js';
import { newRedisClient, type RedisClient } from './redis-client.js';
import { createRedisMembership } from './redis-membership.js';
import { RoomDirectory } from './room-directory.js';

export type { SignalingServerOptions, RateLimitOptions, RoomTokenOptions, TurnOptions } from './options.js';
export type { HealthReport } from './http-routes.js';
export type { SignalingIo } from './peer-session.js';

/** A running (or ready to run) signaling server. */
export interface SignalingServer {
  /** The Express app; mount it elsewhere or add routes before `listen()`. */
  app: Express;
  /** The HTTP server carrying both the app and socket.io. */
  httpServer: HttpServer;
  /** The socket.io server. */
  io: SignalingIo;
  /** The server's pino logger. */
  logger: Logger;
  /**
   * Connects to Redis (when configured) and starts listening. Defaults: the `port` and `host` options.
   * Resolves with the bound address (port 0 picks a free one).
   */
  listen(port?: number, host?: string): Promise<{ port: number; host: string }>;
  /**
   * Graceful stop: refuses new connections, sends `shutdown` to every client, tells the other processes'
   * peers that this process's peers left, disconnects everyone and releases Redis. Resolves within the
   * `shutdownTimeoutMs` option (default 4 s) plus a moment; idempotent.
   */
  close(): Promise<void>;
}

/** How long listen() waits for Redis before failing. */
const REDIS_CONNECT_TIMEOUT_MS = 5000;

/** A Redis URL without its password, fit for logs and error messages. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Whether a browser `Origin` may connect: listed, any (`'*'`), or absent (not a browser). */
function originAllowed(allowed: readonly string[] | '*', req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (allowed === '*' || origin === undefined) return true;
  try {
    return allowed.includes(new URL(origin).origin);
  } catch {
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Creates the signaling server. Throws on a bad option, naming it. Call `listen()` to start it. */
export function createSignalingServer(options: SignalingServerOptions = {}): SignalingServer {
  const o = resolveOptions(options);
  const logger = o.logger ?? createLogger(o.logLevel);
  const root = o.widgetPath === undefined || o.demoDir === undefined ? packageRoot() : '';
  const widgetPath = o.widgetPath ?? join(o.staticDir ?? join(root, 'dist'), 'paxos-video.js');
  const demoDir = o.demoDir ?? join(root, 'demo');

  const directory = new RoomDirectory();
  const sessions = new Map<string, PeerSession>();
  let closing = false;
  let closed: Promise<void> | undefined;
  const startedAt = Date.now();

  const perAddress = new AddressCounter(o.maxConnectionsPerIp);
  const metrics = createMetrics({
    sockets: () => io.of('/').sockets.size,
    rooms: () => directory.roomCount,
    members: () => directory.memberCount,
    addresses: () => perAddress.addresses,
  });

  const app = createHttpApp({
    metrics,
    widgetPath,
    demoDir,
    stats: () => ({
      rooms: directory.roomCount,
      sockets: io.of('/').sockets.size,
      peers: directory.memberCount,
      ...(redis ? { redis: redis.isReady ? ('up' as const) : ('down' as const) } : {}),
    }),
    isClosing: () => closing,
    startedAt,
    basePath: o.basePath,
    trustProxy: o.trustProxy,
  });

  // socket.io answers its own path (<path>/socket.io/) and hands every other request to Express.
  const httpServer = createServer(app);
  const io: SignalingIo = new Server(httpServer, {
    path: socketIoPath(o.basePath),
    serveClient: false,
    maxHttpBufferSize: LIMITS.maxFrameBytes,
    // A tab whose network silently dropped is noticed within 20 s (socket.io's default is 45 s), so the
    // same tab rejoining after the drop is not refused with `id-taken` for long.
    pingInterval: 10_000,
    pingTimeout: 10_000,
    cors: { origin: o.corsOrigins === '*' ? '*' : [...o.corsOrigins], methods: ['GET', 'POST'] },
    allowRequest: (req, callback) => {
      if (closing) {
        metrics.rejectedConnections.inc({ reason: 'shutting-down' });
        return callback('server is shutting down', false);
      }
      const ip = clientAddress(req, o.trustProxy);
      if (!originAllowed(o.corsOrigins, req)) {
        metrics.rejectedConnections.inc({ reason: 'origin' });
        logger.info({ ip, origin: String(req.headers.origin).slice(0, 200) }, 'refused a connection from an origin not allowed');
        return callback('origin not allowed', false);
      }
      if (!perAddress.admits(ip)) {
        metrics.rejectedConnections.inc({ reason: 'per-ip' });
        logger.warn({ ip, connections: perAddress.count(ip) }, 'refused a connection: too many from one address (behind a proxy? see --trust-proxy)');
        return callback('too many connections from this address', false);
      }
      callback(null, true);
    },
  });
  // Count every engine connection (a client that never sends CONNECT holds one too) until it closes.
  io.engine.on('connection', (conn: { request: IncomingMessage; once(event: 'close', f: () => void): void }) => {
    conn.once('close', perAddress.add(clientAddress(conn.request, o.trustProxy)));
  });

  // Membership: in memory, or shared through Redis once the client is connected.
  let redis: RedisClient | undefined;
  let membershipReady: Promise<Membership>;
  if (o.redisUrl === undefined) {
    membershipReady = Promise.resolve(createLocalMembership());
  } else {
    const client = newRedisClient(o.redisUrl);
    redis = client;
    let lastErrorLog = 0;
    client.on('error', (err: unknown) => {
      // A Redis outage makes every reconnect attempt fail: one line per 10 s is enough.
      if (Date.now() - lastErrorLog > 10_000) {
        lastErrorLog = Date.now();
        logger.error({ err: String(err) }, 'redis error');
      }
    });
    membershipReady = client.connect().then(async () => {
      io.adapter(
        createAdapter(client, {
          streamName: `${o.redisPrefix}:stream`,
          channelPrefix: `${o.redisPrefix}:channel`,
          sessionKeyPrefix: `${o.redisPrefix}:session:`,
          // Short blocking reads, so a closed server lets go of its reader within a second.
          blockTimeInMs: 1000,
        }),
      );
      return createRedisMembership({ client, prefix: o.redisPrefix, heartbeatMs: o.heartbeatMs, local: directory, logger });
    });
    // Failure surfaces in listen(); keep an unobserved rejection from crashing the process first.
    membershipReady.catch(() => {});
  }
  // Sessions call into membership only after listen() resolved it, but a mounted server may be used before:
  // every call waits for readiness.
  const membership: Membership = {
    join: async (m, max, resume) => (await membershipReady).join(m, max, resume),
    leave: async (m) => (await membershipReady).leave(m),
    socketOf: async (room, nodeId) => (await membershipReady).socketOf(room, nodeId),
    close: async () => (await membershipReady).close(),
  };

  const ctx: SessionContext = { io, membership, directory, metrics, logger, options: o };
  if (o.basePath || o.turn || o.roomTokens || o.maxConnectionsPerIp) {
    logger.info(
      { path: o.basePath || '/', turn: o.turn?.urls, jwt: o.roomTokens?.algorithms, maxConnectionsPerIp: o.maxConnectionsPerIp || undefined },
      'deployment options',
    );
  }
  io.on('connection', (socket) => {
    const session = new PeerSession(socket, ctx);
    sessions.set(socket.id, session);
    // The one dispatcher of every event: it never calls next(), so no other handler sees raw input.
    socket.use((packet) => session.onPacket(packet));
    // A join that came with the CONNECT (signaling-protocol.ts) is the socket's first event: the same checks,
    // limits and queue as a `join` event; its ack goes out as `joined`. The auth object is the client's
    // own JSON (socket.io checked only that it is an object), so `j` is validated like any payload.
    const { j } = socket.handshake.auth as { j?: unknown };
    if (j !== undefined) session.onPacket([CLIENT_EVENTS.join, j, (reply: JoinAck) => socket.emit(SERVER_EVENTS.joined, reply)]);
    socket.on('disconnect', (reason) => {
      sessions.delete(socket.id);
      session.onDisconnect();
      logger.debug({ socket: socket.id, reason }, 'disconnect');
    });
  });
  io.engine.on('connection_error', (err: { code?: number; message?: string }) => {
    logger.debug({ code: err.code, message: err.message }, 'connection error');
  });

  async function listen(port = o.port, host = o.host): Promise<{ port: number; host: string }> {
    if (redis) {
      const url = redactUrl(o.redisUrl!);
      const ok = await withTimeout(
        membershipReady.then(
          () => true,
          (err: unknown) => {
            throw new Error(`cannot connect to Redis at ${url}: ${String(err)}`);
          },
        ),
        REDIS_CONNECT_TIMEOUT_MS,
        () => false,
      );
      if (!ok) {
        await redis.destroy();
        throw new Error(`cannot connect to Redis at ${url} within ${REDIS_CONNECT_TIMEOUT_MS / 1000} s`);
      }
    }
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      httpServer.once('error', onError);
      httpServer.listen(port, host, () => {
        httpServer.off('error', onError);
        resolve();
      });
    });
    const address = httpServer.address() as AddressInfo;
    logger.info({ port: address.port, host: address.address, redis: o.redisUrl ? redactUrl(o.redisUrl) : undefined }, 'listening');
    return { port: address.port, host: address.address };
  }

  async function stop(): Promise<void> {
    closing = true;
    logger.info({ sockets: sessions.size }, 'shutting down');
    const deadline = Date.now() + o.shutdownTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    const sockets = [...io.of('/').sockets.values()];
    for (const socket of sockets) socket.emit(SERVER_EVENTS.shutdown, { reason: 'server-stopping' });
    // Release the claims and tell peers on other processes while Redis is still there.
    await withTimeout(
      Promise.allSettled([...sessions.values()].map((s) => s.leaveForShutdown())).then(() => undefined),
      left(),
      () => undefined,
    );
    // disconnect(true) queues the disconnect packet after `shutdown`; the engine flushes both before it closes.
    const gone = sockets.map((s) => new Promise<void>((resolve) => (s.conn.readyState === 'closed' ? resolve() : s.conn.once('close', () => resolve()))));
    for (const socket of sockets) socket.disconnect(true);
    await withTimeout(Promise.all(gone).then(() => undefined), left(), () => undefined);
    // HTTP keep-alive connections would hold the server open: cut them when the time is up.
    const cut = setTimeout(() => httpServer.closeAllConnections(), left());
    httpServer.closeIdleConnections();
    await io.close();
    clearTimeout(cut);
    if (redis) {
      try {
        await withTimeout(membership.close(), Math.max(left(), 200), () => undefined);
      } catch (err) {
        logger.warn({ err: String(err) }, 'could not release this process in Redis');
      }
      if (redis.isOpen) await redis.close().catch(() => redis?.destroy());
    }
    logger.info('closed');
  }

  return {
    app,
    httpServer,
    io,
    logger,
    listen,
    close: () => (closed ??= stop()),
  };
}
