/**
 * The socket.io wire format, as much of it as the signaling client speaks: engine.io protocol v4 framing over
 * a WebSocket (one packet per WebSocket message) carrying socket.io protocol v5 packets on the main
 * namespace `/`. Pure functions, no I/O; {@link WireSocket} (wire-socket.ts) drives a connection with them.
 *
 * Why not the official `socket.io-client`: it weighs ~13 KB gzipped, a quarter of the widget, for transports
 * (HTTP long-polling, upgrades), namespaces, binary attachments and buffering this protocol never uses. What
 * is left is a handful of text frames:
 *
 * | frame                 | meaning                                                                  |
 * | --------------------- | ------------------------------------------------------------------------ |
 * | `0{"sid",...}`        | engine.io open, with `pingInterval` and `pingTimeout` (ms)               |
 * | `2` / `3`             | the server's ping / our pong                                             |
 * | `1`                   | engine.io close                                                          |
 * | `6`                   | engine.io noop                                                           |
 * | `40` / `40{auth}`     | socket.io CONNECT to `/` (ours), with optional auth data                 |
 * | `40{"sid"}`           | CONNECT accepted (the server's reply)                                    |
 * | `44{"message"}`       | CONNECT_ERROR: a server middleware refused us                            |
 * | `41`                  | DISCONNECT (either side)                                                 |
 * | `42[name,...args]`    | EVENT; `42<id>[...]` asks for an ack                                     |
 * | `43<id>[...args]`     | ACK of our event `<id>`                                                  |
 *
 * The server is a trust boundary: {@link decodeFrame} checks every frame and returns the reason it refused
 * one instead of throwing. Binary frames and attachments (`45`, `46`), other namespaces and anything
 * unexpected are refused.
 */
import { isObject } from '../schema/index.js';

/** Largest text frame decoded, in UTF-16 code units; the join ack of a room of 10,000 peers is ~700 KB. */
export const MAX_FRAME_CHARS = 1 << 20;

/** A frame from the server, decoded and checked. */
export type ServerFrame =
  | { type: 'open'; pingInterval: number; pingTimeout: number }
  | { type: 'close' }
  | { type: 'ping' }
  | { type: 'noop' }
  | { type: 'connect'; sid: string }
  | { type: 'connect-error'; message: string }
  | { type: 'disconnect' }
  | { type: 'event'; name: string; args: unknown[] }
  | { type: 'ack'; id: number; args: unknown[] };

/** Longest ping interval or timeout accepted from the server (setTimeout's own limit is ~24.8 days). */
const MAX_PING_MS = 3_600_000;

const isPingMs = (x: unknown): x is number => typeof x === 'number' && x > 0 && x <= MAX_PING_MS;

/** `JSON.parse` that answers undefined instead of throwing. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Decodes one WebSocket message from the server. Returns the frame, or a short reason (`binary`,
 * `too-large`, `not-json`, `bad-open`, `namespace`, ...) when it is not one this client accepts.
 */
export function decodeFrame(data: unknown, maxChars = MAX_FRAME_CHARS): ServerFrame | string {
  if (typeof data !== 'string') return 'binary';
  if (data.length > maxChars) return 'too-large';
  const rest = data.slice(1);
  switch (data[0]) {
    case '0': {
      const o = parseJson(rest);
      if (!isObject(o) || typeof o['sid'] !== 'string' || !isPingMs(o['pingInterval']) || !isPingMs(o['pingTimeout'])) return 'bad-open';
      return { type: 'open', pingInterval: o['pingInterval'], pingTimeout: o['pingTimeout'] };
    }
    case '1':
      return rest ? 'bad-close' : { type: 'close' };
    case '2':
      return rest ? 'bad-ping' : { type: 'ping' };
    case '6':
      return { type: 'noop' };
    case '4':
      return decodePacket(rest);
    default:
      return 'engine-type';
  }
}

/** A socket.io v5 packet on `/`: `<type>[<ack id>][json]` (other namespaces would follow the type as `/nsp,`). */
function decodePacket(packet: string): ServerFrame | string {
  if (packet[1] === '/') return 'namespace';
  const m = /^([0-4])(\d{0,15})(.*)$/s.exec(packet);
  if (!m) return packet[0] === '5' || packet[0] === '6' ? 'binary' : 'packet-type';
  const [, type, digits, json] = m as unknown as [string, string, string, string];
  const id = digits ? Number(digits) : undefined;
  const payload = json ? parseJson(json) : undefined;
  if (json && payload === undefined) return 'not-json';
  switch (type) {
    case '0':
      return isObject(payload) && typeof payload['sid'] === 'string' ? { type: 'connect', sid: payload['sid'] } : 'bad-connect';
    case '1':
      return json ? 'bad-disconnect' : { type: 'disconnect' };
    case '2':
      // An ack id the server asks for is ignored: no server event of this protocol expects an answer.
      if (!Array.isArray(payload) || typeof payload[0] !== 'string') return 'bad-event';
      return { type: 'event', name: payload[0], args: payload.slice(1) };
    case '3':
      return id !== undefined && Array.isArray(payload) ? { type: 'ack', id, args: payload } : 'bad-ack';
    case '4':
      return isObject(payload) && typeof payload['message'] === 'string' ? { type: 'connect-error', message: payload['message'] } : 'bad-connect-error';
  }
  return 'packet-type'; // unreachable: the pattern admits types 0-4 only
}

/** Our CONNECT to `/`, with `auth` as the handshake's auth data when given. */
export const encodeConnect = (auth?: object): string => `40${auth ? JSON.stringify(auth) : ''}`;

/** Our EVENT `name` with `args`, asking for an ack with `id` when given. */
export const encodeEvent = (name: string, args: readonly unknown[], id?: number): string => `42${id ?? ''}${JSON.stringify([name, ...args])}`;

/** Our pong, the answer to a server ping. */
export const PONG = '3';

/** Our DISCONNECT from `/`. */
export const DISCONNECT = '41';
