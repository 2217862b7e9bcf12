/**
 * Frames on a mesh data channel (and inside relayed signals): `{m: message}` carries one application
 * message, `{c: "bye"}` says the sender's mesh is closing for good (so the receiver drops the peer at once
 * instead of trying to reconnect), and `{c: "relay"}`, sent through the relay, says the sender has no
 * WebRTC (so the receiver reaches it through the relay at once, and stops offering it a connection).
 * Everything else is malformed.
 */
import { isObject } from '../schema/index.js';
import { decodeMessage, encodeMessage, type MalformedReason, type MeshMessage } from './peer-codec.js';

/** A decoded frame. */
export type MeshFrame = { kind: 'message'; message: MeshMessage } | { kind: 'bye' } | { kind: 'relay' };

/** Result of {@link decodeFrame}. */
export type FrameResult = { ok: true; frame: MeshFrame } | { ok: false; reason: MalformedReason | 'bad-frame' };

/** Encodes an application message as a frame. @throws {MessageEncodeError} for a message that must not be sent. */
export function encodeMessageFrame(message: object): string {
  return encodeMessage({ m: message });
}

/** The `bye` frame. */
export const BYE_FRAME = '{"c":"bye"}';
/** The `relay` frame: "I have no WebRTC, reach me through the relay". */
export const RELAY_FRAME = '{"c":"relay"}';

/** Decodes a received frame. Never throws. */
export function decodeFrame(raw: unknown): FrameResult {
  const decoded = decodeMessage(raw);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return { ok: false, reason: 'bad-frame' };
  const m = value['m'];
  if (keys[0] === 'm' && isObject(m)) {
    return { ok: true, frame: { kind: 'message', message: m as MeshMessage } };
  }
  const c = value['c'];
  if (keys[0] === 'c' && (c === 'bye' || c === 'relay')) return { ok: true, frame: { kind: c } };
  return { ok: false, reason: 'bad-frame' };
}
