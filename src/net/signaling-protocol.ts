/**
 * The signaling protocol between the browser and the signaling server: every socket.io event name, payload
 * and ack, as one set of schemas (src/schema/). The server validates every client event with these schemas
 * and the browser's signaling client validates every server event with them, so the two sides cannot drift
 * apart.
 *
 * The server only introduces peers: it keeps a peer list per room, relays opaque `signal.data` between two
 * peers of one room (stamping the sender itself) and answers clock samples. It never reads `signal.data`.
 *
 * | direction       | event         | payload                         | ack                                   |
 * | --------------- | ------------- | ------------------------------- | ------------------------------------- |
 * | client → server | `join`        | {@link JoinRequest}             | {@link JoinAck} (required)            |
 * | client → server | CONNECT auth  | `{ j: JoinRequest }` (optional) | answered by `joined`                  |
 * | client → server | `signal`      | {@link SignalRequest}           | none; failures come as `error`        |
 * | client → server | `time`        | none                            | server clock, float ms (required)     |
 * | client → server | `leave`       | none                            | {@link LeaveAck} (optional)           |
 * | server → client | `joined`      | {@link JoinAck}                 | (answers a join in CONNECT's auth)    |
 * | server → client | `peer-joined` | {@link PeerNotice}              |                                       |
 * | server → client | `peer-left`   | {@link PeerNotice}              |                                       |
 * | server → client | `signal`      | {@link SignalDelivery}          |                                       |
 * | server → client | `error`       | {@link ErrorNotice}             |                                       |
 * | server → client | `shutdown`    | {@link ShutdownNotice}          |                                       |
 *
 * A join can also ride in the socket.io CONNECT packet (`auth: { j: JoinRequest }`): the server runs it as a
 * `join` event, the first of the socket, and sends its ack as a `joined` event right behind its CONNECT
 * answer. That saves the join its own round trip to the server (see docs/protocol.md).
 */
import * as v from '../schema/index.js';
import { type JsonProblem, inspectJson as inspectPlainJson, utf8Length } from './plain-json.js';

export { utf8Length, type JsonProblem, type JsonProblemKind } from './plain-json.js';

/** Event names, client to server. */
export const CLIENT_EVENTS = {
  join: 'join',
  signal: 'signal',
  time: 'time',
  leave: 'leave',
} as const;
/** A client-to-server event name. */
export type ClientEventName = (typeof CLIENT_EVENTS)[keyof typeof CLIENT_EVENTS];

/** Event names, server to client. */
export const SERVER_EVENTS = {
  joined: 'joined',
  peerJoined: 'peer-joined',
  peerLeft: 'peer-left',
  signal: 'signal',
  error: 'error',
  shutdown: 'shutdown',
} as const;
/** A server-to-client event name. */
export type ServerEventName = (typeof SERVER_EVENTS)[keyof typeof SERVER_EVENTS];

/** Limits both sides enforce. */
export const LIMITS = {
  /** Room names: 1–64 of `[A-Za-z0-9_.-]`. */
  roomPattern: /^[A-Za-z0-9_.-]{1,64}$/,
  /** Node ids: 8–64 of `[A-Za-z0-9_-]`. */
  nodeIdPattern: /^[A-Za-z0-9_-]{8,64}$/,
  /** A room history's id: founding time (base 36) and a random part (base64url), src/room/history.ts. */
  historyPattern: /^[\da-z]{9}\.[\w-]{16}$/,
  /** Longest accepted join token, in characters (a signed room token is a few hundred). */
  maxTokenLength: 4096,
  /** `signal.data`, serialized as JSON, in UTF-8 bytes. */
  maxSignalDataBytes: 16 * 1024,
  /** Deepest nesting of `signal.data` (objects and arrays). */
  maxSignalDataDepth: 32,
  /** socket.io `maxHttpBufferSize`: a larger frame closes the connection. */
  maxFrameBytes: 64 * 1024,
} as const;

/** Error codes in a failed {@link JoinAck} or an {@link ErrorNotice}. */
export const ERROR_CODES = {
  /** Payload does not match the schema (wrong types, missing or extra fields, `__proto__` keys, binary). */
  badRequest: 'bad-request',
  /** The room holds `maxRoomSize` peers already. */
  roomFull: 'room-full',
  /** Another live socket (on any server process) holds this node id in this room, and the join did not carry its resume key. */
  idTaken: 'id-taken',
  /** The server requires a token and the join carried none, a wrong, expired or foreign-room one. */
  unauthorized: 'unauthorized',
  /** The socket sent faster than its rate limit; a socket that keeps flooding is disconnected. */
  rateLimited: 'rate-limited',
  /** This socket has joined a room already (send `leave` first). */
  alreadyJoined: 'already-joined',
  /** `signal.to` names no peer of the sender's room. */
  noSuchPeer: 'no-such-peer',
  /** `signal` or `leave` before a successful `join`. */
  notJoined: 'not-joined',
  /** An event name this protocol does not have. */
  unknownEvent: 'unknown-event',
  /** `signal.data` serializes to more than {@link LIMITS.maxSignalDataBytes}. */
  tooLarge: 'too-large',
  /** The server failed (e.g. the scale-out store is unreachable); the request may be retried. */
  internal: 'internal',
} as const;
/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

// ---------------------------------------------------------------------------------------------------------
// JSON values: what `signal.data` may be.

/** The first reason `value` is not plain JSON (plain-json.ts), `signal.data`'s depth limit by default; or `null`. */
export function inspectJson(value: unknown, maxDepth: number = LIMITS.maxSignalDataDepth): JsonProblem | null {
  return inspectPlainJson(value, maxDepth);
}

/** The issue message of a `signal.data` over the size limit (the server answers it with `too-large`). */
export const SIGNAL_DATA_TOO_LARGE = `data: larger than ${LIMITS.maxSignalDataBytes} bytes as JSON`;

/** UTF-8 size of `value` serialized as JSON. */
export function jsonByteLength(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

/** Whether `value` serialized as JSON fits in `limit` UTF-8 bytes; cheap for the usual ASCII-sized payloads. */
function jsonFits(value: unknown, limit: number): boolean {
  const json = JSON.stringify(value) ?? '';
  // Each UTF-16 unit is 1 to 3 bytes: most payloads are decided by the length alone.
  if (json.length * 3 <= limit) return true;
  if (json.length > limit) return false;
  return utf8Length(json) <= limit;
}

/**
 * Any JSON value without `__proto__`/`constructor`/`prototype` keys, binary, or deeper nesting than
 * {@link LIMITS.maxSignalDataDepth}, of at most {@link LIMITS.maxSignalDataBytes} serialized.
 */
export const SignalDataSchema = v.pipe(
  v.unknown(),
  v.rawCheck((value) => {
    const problem = inspectJson(value);
    if (problem) return `data: ${problem.message}`;
    // Measured only once the walk proved the value is plain JSON (JSON.stringify throws on e.g. BigInt).
    return jsonFits(value, LIMITS.maxSignalDataBytes) ? null : SIGNAL_DATA_TOO_LARGE;
  }),
);

// ---------------------------------------------------------------------------------------------------------
// Fields.

/** A room name: 1–64 of `[A-Za-z0-9_.-]`. */
export const RoomSchema = v.pipe(v.string('room: must be a string'), v.regex(LIMITS.roomPattern, 'room: 1–64 of [A-Za-z0-9_.-]'));
/** A node id: 8–64 of `[A-Za-z0-9_-]`. */
export const NodeIdSchema = v.pipe(v.string('nodeId: must be a string'), v.regex(LIMITS.nodeIdPattern, 'nodeId: 8–64 of [A-Za-z0-9_-]'));
const TokenSchema = v.pipe(v.string('token: must be a string'), v.minLength(1, 'token: empty'), v.maxLength(LIMITS.maxTokenLength, 'token: too long'));
const ErrorCodeSchema = v.picklist(Object.values(ERROR_CODES));
/** A resume key (see {@link JoinAck}): 128 random bits in base64url, checked as loosely as a node id. */
const ResumeSchema = v.optional(v.pipe(v.string(), v.regex(LIMITS.nodeIdPattern)));

// ---------------------------------------------------------------------------------------------------------
// Client to server.

/** `join` payload. Extra fields are rejected. */
export const JoinRequestSchema = v.strictObject({
  room: RoomSchema,
  nodeId: NodeIdSchema,
  token: v.optional(TokenSchema),
  /** The room history the node is in (src/room/history.ts), once it has one. */
  history: v.optional(v.pipe(v.string(), v.regex(LIMITS.historyPattern))),
  /**
   * The resume key of this node's previous join (see {@link JoinAck}): a re-join presenting it takes the node
   * id over from an older socket the server still holds (a network change, a cut it has not noticed yet).
   */
  resume: ResumeSchema,
});
/** `join` payload: enter `room` as `nodeId` of `history`, presenting `token` when the server requires one. */
export type JoinRequest = v.InferOutput<typeof JoinRequestSchema>;

/** `signal` payload. Extra fields (including a spoofed `from`) are rejected. */
export const SignalRequestSchema = v.strictObject({
  to: v.pipe(v.string('to: must be a string'), v.regex(LIMITS.nodeIdPattern, 'to: 8–64 of [A-Za-z0-9_-]')),
  data: SignalDataSchema,
});
/** `signal` payload: relay `data` (opaque JSON, at most 16 KiB serialized) to peer `to` of the sender's room. */
export type SignalRequest = v.InferOutput<typeof SignalRequestSchema>;

// ---------------------------------------------------------------------------------------------------------
// Server to client.

/** `error` payload; also the `error` of a failed {@link JoinAck}. */
export const ErrorNoticeSchema = v.object({
  code: ErrorCodeSchema,
  message: v.string(),
  /** The client event that caused it, when known. */
  event: v.optional(v.string()),
  /** For `no-such-peer`: the unknown `to`. */
  peer: v.optional(v.string()),
});
/** `error` payload. */
export type ErrorNotice = v.InferOutput<typeof ErrorNoticeSchema>;

/** Ack of `time`: the server clock, float ms (performance.timeOrigin + performance.now()). */
export const TimeAckSchema = v.pipe(v.number(), v.finite());
/** Ack of `time`. */
export type TimeAck = v.InferOutput<typeof TimeAckSchema>;

/** A TURN server with credentials, as a join ack hands it out: an `RTCIceServer`. */
export const TurnServerSchema = v.object({
  urls: v.pipe(v.string(), v.regex(/^turns?:[\w.:[\]-]+(\?transport=(udp|tcp))?$/)),
  username: v.pipe(v.string(), v.minLength(1)),
  credential: v.pipe(v.string(), v.minLength(1)),
});

/** Ack of `join`. */
export const JoinAckSchema = v.variant('ok', [
  v.object({
    ok: v.literal(true),
    /** The joined node id (echo of the request). */
    self: NodeIdSchema,
    /** The other peers in the room at the time of joining, on every server process. */
    peers: v.array(NodeIdSchema),
    /**
     * Server clock, float ms (performance.timeOrigin + performance.now()), halfway between the join's arrival
     * and this answer: with the join's round trip, a clock sample (the `joined` event's `sample`).
     */
    serverTime: TimeAckSchema,
    /** Short-lived TURN credentials for this node, when the server is configured with a TURN server. */
    iceServers: v.optional(v.array(TurnServerSchema)),
    /**
     * This membership's resume key, known only to this socket: the next join of the same node id to the same
     * room may present it as `resume`. Optional: a server without takeover sends none.
     */
    resume: ResumeSchema,
  }),
  v.object({ ok: v.literal(false), error: ErrorNoticeSchema }),
]);
/** Ack of `join`. */
export type JoinAck = v.InferOutput<typeof JoinAckSchema>;

/** Ack of `leave` (when the client passes one). `left` is false when the socket was in no room. */
export const LeaveAckSchema = v.object({ ok: v.literal(true), left: v.boolean() });
/** Ack of `leave`. */
export type LeaveAck = v.InferOutput<typeof LeaveAckSchema>;

/** `peer-joined` / `peer-left` payload. */
export const PeerNoticeSchema = v.object({ nodeId: NodeIdSchema });
/** `peer-joined` / `peer-left` payload. */
export type PeerNotice = v.InferOutput<typeof PeerNoticeSchema>;

/** `signal` as delivered: `from` is stamped by the server from the sender's joined socket. */
export const SignalDeliverySchema = v.object({ from: NodeIdSchema, data: SignalDataSchema });
/** `signal` as delivered. */
export type SignalDelivery = v.InferOutput<typeof SignalDeliverySchema>;

/** `shutdown` payload: the server is stopping; reconnect (to another process) after the disconnect. */
export const ShutdownNoticeSchema = v.object({ reason: v.string() });
/** `shutdown` payload. */
export type ShutdownNotice = v.InferOutput<typeof ShutdownNoticeSchema>;

// ---------------------------------------------------------------------------------------------------------
// Typed socket.io event maps: `Socket<ServerToClientEvents, ClientToServerEvents>` in the browser,
// `Server<ClientToServerEvents, ServerToClientEvents>` on the server.

/** Events the client emits. */
export interface ClientToServerEvents {
  join: (request: JoinRequest, ack: (reply: JoinAck) => void) => void;
  signal: (request: SignalRequest) => void;
  time: (ack: (serverTime: TimeAck) => void) => void;
  leave: (ack?: (reply: LeaveAck) => void) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  joined: (ack: JoinAck) => void;
  'peer-joined': (notice: PeerNotice) => void;
  'peer-left': (notice: PeerNotice) => void;
  signal: (delivery: SignalDelivery) => void;
  error: (notice: ErrorNotice) => void;
  shutdown: (notice: ShutdownNotice) => void;
}

/** A short human-readable reason from a failed parse (first issue); client-supplied keys in it are clipped. */
export function describeIssues(issues: readonly v.BaseIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const path = first.path.map((key) => String(key).slice(0, 64)).join('.');
  return path && !first.message.startsWith(`${path}:`) ? `${path}: ${first.message}` : first.message;
}
