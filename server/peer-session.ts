/**
 * One connected socket: every event it sends passes through `onPacket`, which rate-limits it, checks it
 * against the shared protocol schema and runs it. Events that touch room membership run one after another
 * (a per-socket queue), so a `signal` sent right after `join` sees the join, relays keep their order
 * (an SDP offer before its ICE candidates) even when a lookup waits on Redis, and a disconnect during a
 * pending join cleans up after it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as v from '../src/schema/index.js';
import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import {
  CLIENT_EVENTS,
  ERROR_CODES,
  JoinRequestSchema,
  LIMITS,
  SERVER_EVENTS,
  SIGNAL_DATA_TOO_LARGE,
  SignalRequestSchema,
  describeIssues,
  inspectJson,
  type ClientToServerEvents,
  type ErrorCode,
  type ErrorNotice,
  type JoinAck,
  type LeaveAck,
  type ServerToClientEvents,
} from '../src/net/signaling-protocol.js';
import { clientAddress } from './client-address.js';
import { clip } from './logger.js';
import type { Membership } from './membership.js';
import type { RejectReason, ServerMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import type { RoomDirectory } from './room-directory.js';
import type { RoomTokenRefusal } from './room-token.js';
import { TokenBucket } from './token-bucket.js';
import { turnIceServers } from './turn-credentials.js';

/** The typed socket.io server. */
export type SignalingIo = Server<ClientToServerEvents, ServerToClientEvents>;
/** The typed server-side socket. */
export type SignalingSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** What every session shares. */
export interface SessionContext {
  io: SignalingIo;
  membership: Membership;
  /** Peers joined on this process. */
  directory: RoomDirectory;
  metrics: ServerMetrics;
  logger: Logger;
  options: ResolvedOptions;
}

type Ack = (...reply: unknown[]) => void;

/** Whether a join's token lets it in, and if not why (for the log and the metric, never the client). */
type Authorization =
  | { ok: true; name?: string }
  | { ok: false; reason: RoomTokenRefusal | 'missing' | 'shared-token-mismatch'; detail: string };


/** The server clock the `time` ack and `join` report: float ms. */
export function serverNow(): number {
  return performance.timeOrigin + performance.now();
}

/** The socket.io room that carries a signaling room's broadcasts. */
export function roomChannel(room: string): string {
  return `room:${room}`;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** A resume key's hash, as the membership keeps it (hex: Redis keeps it in a space-separated field). */
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** One socket's session. */
export class PeerSession {
  private room: string | undefined;
  private nodeId: string | undefined;
  /** The display name a signed room token gave, if any. */
  private name: string | undefined;
  /** The client's address (behind a trusted proxy: from its `X-Forwarded-For`). */
  readonly ip: string;
  private readonly bucket: TokenBucket;
  /** Events refused since the bucket ran dry; reset once it is full again. */
  private strikes = 0;
  private warnedLimit = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly socket: SignalingSocket,
    private readonly ctx: SessionContext,
  ) {
    this.bucket = new TokenBucket(ctx.options.rateLimit.burst, ctx.options.rateLimit.perSecond);
    this.ip = clientAddress(socket.request, ctx.options.trustProxy);
  }

  /** The room and node id this socket joined, if any. */
  get joined(): { room: string; nodeId: string } | undefined {
    return this.room !== undefined && this.nodeId !== undefined ? { room: this.room, nodeId: this.nodeId } : undefined;
  }

  /** Handles one incoming packet: `[eventName, ...args, ack?]` as socket.io decoded it. */
  onPacket(packet: readonly unknown[]): void {
    // Packets decoded in the same read as a disconnect still arrive: drop them.
    if (this.socket.disconnected) return;
    const t0 = performance.now();
    const args = packet.slice(1);
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as Ack) : undefined;
    const event = typeof packet[0] === 'string' ? packet[0] : String(packet[0]);
    if (!this.admit(event, ack)) return;
    switch (event) {
      case CLIENT_EVENTS.time:
        this.onTime(args, ack);
        return;
      case CLIENT_EVENTS.join: {
        const receivedAt = serverNow();
        this.enqueue(event, ack, () => this.onJoin(args, ack, receivedAt));
        return;
      }
      case CLIENT_EVENTS.signal:
        this.enqueue(event, ack, () => this.onSignal(args, ack, t0));
        return;
      case CLIENT_EVENTS.leave:
        this.enqueue(event, ack, () => this.onLeave(args, ack));
        return;
      default:
        this.reject('unknown-event', ERROR_CODES.unknownEvent, `unknown event "${clip(event)}"`, event, ack);
    }
  }

  /** The socket is gone: leave its room (after any queued event). */
  onDisconnect(): void {
    this.queued += 1;
    this.queue = this.queue.then(() => this.leaveRoom('disconnect')).finally(() => (this.queued -= 1));
  }

  /** Leaves the room now (for a graceful shutdown); resolves when peers were told. */
  async leaveForShutdown(): Promise<void> {
    await this.queue;
    await this.leaveRoom('shutdown');
  }

  // -------------------------------------------------------------------------------------------------------

  private admit(event: string, ack: Ack | undefined): boolean {
    const { rateLimit } = this.ctx.options;
    if (this.bucket.take()) {
      if (this.bucket.level() >= rateLimit.burst - 1) {
        this.strikes = 0;
        this.warnedLimit = false;
      }
      return true;
    }
    this.strikes += 1;
    this.ctx.metrics.rejected.inc({ reason: 'rate-limited' });
    if (this.strikes > rateLimit.disconnectAfter) {
      this.ctx.metrics.rateLimitDisconnects.inc();
      this.ctx.logger.warn({ socket: this.socket.id, ip: this.ip, room: this.room, nodeId: this.nodeId }, 'disconnecting a flooding socket');
      this.socket.disconnect(true);
      return false;
    }
    const notice: ErrorNotice = { code: ERROR_CODES.rateLimited, message: 'too many events; slow down', event: clip(event) };
    // A join waits for its ack, so it always gets one; otherwise one notice per flood, not one per event.
    if (event === CLIENT_EVENTS.join && ack) ack({ ok: false, error: notice } satisfies JoinAck);
    else if (!this.warnedLimit) this.socket.emit(SERVER_EVENTS.error, notice);
    this.warnedLimit = true;
    return false;
  }

  private enqueue(event: string, ack: Ack | undefined, task: () => Promise<void>): void {
    // Normally the queue drains within a tick; it grows only while Redis is slow. A full bucket's worth of
    // waiting events is the most a well-behaved client can have in flight.
    if (this.queued >= this.ctx.options.rateLimit.burst) {
      this.reject('rate-limited', ERROR_CODES.rateLimited, 'too many events waiting; slow down', event, ack);
      return;
    }
    this.queued += 1;
    this.queue = this.queue
      .then(task)
      .catch((err: unknown) => {
        this.ctx.logger.error({ socket: this.socket.id, event: clip(event), err: String(err) }, 'event handler failed');
        this.reject('internal', ERROR_CODES.internal, 'server error; retry later', event, ack);
      })
      .finally(() => (this.queued -= 1));
  }

  /**
   * Refuses an event: counts it, and tells the client through the event's ack where that ack expects an
   * error (`join`), otherwise with an `error` event.
   */
  private reject(reason: RejectReason, code: ErrorCode, message: string, event: string, ack?: Ack, peer?: string): void {
    this.ctx.metrics.rejected.inc({ reason });
    this.ctx.logger.debug({ socket: this.socket.id, reason, event: clip(event) }, 'rejected event');
    const notice: ErrorNotice = { code, message, event: clip(event) };
    if (peer !== undefined) notice.peer = peer;
    if (event === CLIENT_EVENTS.join && ack) ack({ ok: false, error: notice } satisfies JoinAck);
    else this.socket.emit(SERVER_EVENTS.error, notice);
  }

  /** Rejects args that are not plain JSON; true when they were rejected. */
  private rejectUnsafe(args: unknown[], event: string, ack: Ack | undefined): boolean {
    // Two levels above signal.data: the argument list and the payload object.
    const problem = inspectJson(args, LIMITS.maxSignalDataDepth + 2);
    if (!problem) return false;
    const reason: RejectReason =
      problem.kind === 'binary' ? 'binary' : problem.kind === 'forbidden-key' ? 'proto-key' : problem.kind === 'too-deep' ? 'too-deep' : 'invalid';
    this.reject(reason, ERROR_CODES.badRequest, `${event}: ${problem.message}`, event, ack);
    return true;
  }

  private onTime(args: unknown[], ack: Ack | undefined): void {
    if (!ack) return this.reject('no-ack', ERROR_CODES.badRequest, 'time needs an ack callback', CLIENT_EVENTS.time);
    if (args.length !== 0) {
      return this.reject('invalid', ERROR_CODES.badRequest, `time takes no payload, got ${args.length}`, CLIENT_EVENTS.time);
    }
    ack(serverNow());
  }

  /** `receivedAt`: the server clock when the join came in (see JoinAck's `serverTime`). */
  private async onJoin(args: unknown[], ack: Ack | undefined, receivedAt: number): Promise<void> {
    const event = CLIENT_EVENTS.join;
    if (!ack) return this.reject('no-ack', ERROR_CODES.badRequest, 'join needs an ack callback', event);
    if (args.length !== 1) return this.reject('invalid', ERROR_CODES.badRequest, `join takes one payload, got ${args.length}`, event, ack);
    if (this.rejectUnsafe(args, event, ack)) return;
    const parsed = v.safeParse(JoinRequestSchema, args[0]);
    if (!parsed.success) return this.reject('invalid', ERROR_CODES.badRequest, `join: ${describeIssues(parsed.issues)}`, event, ack);
    if (this.room !== undefined) {
      return this.reject('already-joined', ERROR_CODES.alreadyJoined, `already joined room "${this.room}"; leave first`, event, ack);
    }
    const { room, nodeId, token, history, resume } = parsed.output;
    const auth = await this.authorize(room, token);
    if (!auth.ok) {
      // The reason goes to the log and the metric only: a client learns nothing about what it got wrong.
      this.ctx.metrics.rejectedTokens.inc({ reason: auth.reason });
      this.ctx.logger.info({ socket: this.socket.id, ip: this.ip, room, nodeId, reason: auth.reason, detail: auth.detail }, 'refused a join: unauthorized');
      return this.reject('unauthorized', ERROR_CODES.unauthorized, 'a valid token is required', event, ack);
    }
    if (this.socket.disconnected) return;

    const member = { room, nodeId, socketId: this.socket.id };
    // A fresh resume key for this claim; the membership keeps only its hash (membership.ts).
    const key = randomBytes(16).toString('base64url');
    const outcome = await this.ctx.membership.join({ ...member, keyHash: sha256(key) }, this.ctx.options.maxRoomSize, resume && sha256(resume));
    if (!outcome.ok) {
      const message =
        outcome.code === 'room-full' ? `room "${room}" is full (${this.ctx.options.maxRoomSize} peers)` : `node id "${nodeId}" is live in room "${room}"`;
      return this.reject(outcome.code, outcome.code, message, event, ack);
    }
    if (this.socket.disconnected) {
      // Gone while Redis answered: give the claim back.
      await this.ctx.membership.leave(member);
      return;
    }
    this.room = room;
    this.nodeId = nodeId;
    this.name = auth.name;
    this.ctx.directory.add(room, nodeId, this.socket.id);
    await this.socket.join(roomChannel(room));
    this.ctx.metrics.joins.inc();
    if (outcome.replaced !== undefined) {
      // The same tab on a new socket: the old one goes without a `peer-left` (its leave finds the claim taken).
      this.ctx.metrics.resumes.inc();
      this.ctx.io.in(outcome.replaced).disconnectSockets(true);
    }
    // The clock halfway through the join's handling: a client takes the join's round trip as a clock sample,
    // and the time spent here (its checks, the room's records: tens of ms on a loaded machine) then counts
    // half to each way, as NTP takes a request's receive and transmit times. Stamped at the answer alone, it
    // made a joining tab's clock lean 30-40 ms early.
    const reply: JoinAck = { ok: true, self: nodeId, peers: outcome.peers, serverTime: (receivedAt + serverNow()) / 2, resume: key };
    // Fresh TURN credentials at every join, re-joins included, so a tab never holds expired ones for long.
    if (this.ctx.options.turn) reply.iceServers = turnIceServers(this.ctx.options.turn, nodeId);
    ack(reply);
    this.socket.to(roomChannel(room)).emit(SERVER_EVENTS.peerJoined, { nodeId });
    // The room history the tab is in (absent for a tab that has none yet): two of them under one room name
    // in the log are two foundings that will meet (src/room/history.ts).
    this.ctx.logger.info({ socket: this.socket.id, ip: this.ip, room, nodeId, history, name: this.name, peers: outcome.peers.length, replaced: outcome.replaced }, 'join');
  }

  private async onSignal(args: unknown[], ack: Ack | undefined, t0: number): Promise<void> {
    const event = CLIENT_EVENTS.signal;
    if (this.room === undefined || this.nodeId === undefined) {
      return this.reject('not-joined', ERROR_CODES.notJoined, 'join a room before signaling', event);
    }
    if (ack) return this.reject('invalid', ERROR_CODES.badRequest, 'signal takes no ack', event);
    if (args.length !== 1) return this.reject('invalid', ERROR_CODES.badRequest, `signal takes one payload, got ${args.length}`, event);
    if (this.rejectUnsafe(args, event, undefined)) return;
    const parsed = v.safeParse(SignalRequestSchema, args[0]);
    if (!parsed.success) {
      const tooLarge = parsed.issues.some((i) => i.message === SIGNAL_DATA_TOO_LARGE);
      return tooLarge
        ? this.reject('too-large', ERROR_CODES.tooLarge, `signal: ${SIGNAL_DATA_TOO_LARGE}`, event)
        : this.reject('invalid', ERROR_CODES.badRequest, `signal: ${describeIssues(parsed.issues)}`, event);
    }
    const { to, data } = parsed.output;
    if (to === this.nodeId) return this.reject('invalid', ERROR_CODES.badRequest, 'signal: cannot signal yourself', event);
    const room = this.room;
    const target = this.ctx.directory.socketOf(room, to) ?? (await this.ctx.membership.socketOf(room, to));
    if (target === undefined || this.room !== room) {
      return this.reject('no-such-peer', ERROR_CODES.noSuchPeer, `no peer "${to}" in this room`, event, undefined, to);
    }
    // `from` is this socket's joined node id, never anything the client wrote.
    const delivery = { from: this.nodeId, data };
    const local = this.ctx.io.sockets.sockets.get(target);
    if (local) local.emit(SERVER_EVENTS.signal, delivery);
    else this.ctx.io.to(target).emit(SERVER_EVENTS.signal, delivery);
    this.ctx.metrics.relayed.inc();
    this.ctx.metrics.relaySeconds.observe((performance.now() - t0) / 1000);
  }

  private async onLeave(args: unknown[], ack: Ack | undefined): Promise<void> {
    const event = CLIENT_EVENTS.leave;
    if (args.length !== 0) return this.reject('invalid', ERROR_CODES.badRequest, `leave takes no payload, got ${args.length}`, event);
    if (this.room === undefined) {
      this.reject('not-joined', ERROR_CODES.notJoined, 'not in a room', event);
      ack?.({ ok: true, left: false } satisfies LeaveAck);
      return;
    }
    await this.leaveRoom('leave');
    ack?.({ ok: true, left: true } satisfies LeaveAck);
  }

  private async leaveRoom(why: string): Promise<void> {
    const { room, nodeId } = this;
    if (room === undefined || nodeId === undefined) return;
    this.room = undefined;
    this.nodeId = undefined;
    this.name = undefined;
    this.ctx.directory.remove(room, nodeId, this.socket.id);
    if (this.socket.connected) await this.socket.leave(roomChannel(room));
    let released = true;
    try {
      released = await this.ctx.membership.leave({ room, nodeId, socketId: this.socket.id });
    } catch (err) {
      // The claim dies with this process's liveness key at the latest.
      this.ctx.logger.warn({ room, nodeId, err: String(err) }, 'could not release a membership claim');
    }
    // A claim a newer socket of the same node took over (a resumed join) is not a leave for the room.
    if (released) this.ctx.io.to(roomChannel(room)).except(this.socket.id).emit(SERVER_EVENTS.peerLeft, { nodeId });
    this.ctx.logger.info({ socket: this.socket.id, ip: this.ip, room, nodeId, why, released }, 'leave');
  }

  /**
   * Checks the join's token: none needed without `token` and `jwt`; else the shared token, or a signed room
   * token for this very room (room-token.ts). Either passes when both are configured.
   */
  private async authorize(room: string, token: string | undefined): Promise<Authorization> {
    const { token: shared, roomTokens } = this.ctx.options;
    if (shared === undefined && roomTokens === undefined) return { ok: true };
    if (token === undefined) return { ok: false, reason: 'missing', detail: 'the join carried no token' };
    // Compare digests in constant time, so neither the length nor a prefix of the token leaks.
    if (shared !== undefined && timingSafeEqual(digest(token), digest(shared))) return { ok: true };
    if (roomTokens === undefined) return { ok: false, reason: 'shared-token-mismatch', detail: 'not the shared token' };
    const result = await roomTokens.verify(token, room);
    if (result.ok) return result.name === undefined ? { ok: true } : { ok: true, name: result.name };
    const detail = shared !== undefined ? `not the shared token; as a signed token: ${result.detail}` : result.detail;
    return { ok: false, reason: result.reason, detail };
  }
}
