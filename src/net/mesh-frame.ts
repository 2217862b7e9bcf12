/**
 * Frames on a mesh data channel (and inside relayed signals): `{m: message}` carries one application
 * message, `{c: "bye"}` says the sender's mesh is closing for good (so the receiver drops the peer at once
 * instead of trying to reconnect). Everything else is malformed.
 */
import { decodeMessage, encodeMessage, type MalformedReason, type MeshMessage } from './peer-codec.js';

/** A decoded frame. */
export type MeshFrame = { kind: 'message'; message: MeshMessage } | { kind: 'bye' };

/** Result of {@link decodeFrame}. */
export type FrameResult = { ok: true; frame: MeshFrame } | { ok: false; reason: MalformedReason | 'bad-frame' };

/** Encodes an application message as a frame. @throws {MessageEncodeError} for a message that must not be sent. */
export function encodeMessageFrame(message: object): string {
  return encodeMessage({ m: message });
}

/** The `bye` frame. */
export const BYE_FRAME = '{"c":"bye"}';

/** Decodes a received frame. Never throws. */
export function decodeFrame(raw: unknown): FrameResult {
  const decoded = decodeMessage(raw);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return { ok: false, reason: 'bad-frame' };
  const m = value['m'];
  if (keys[0] === 'm' && m !== null && typeof m === 'object' && !Array.isArray(m)) {
    return { ok: true, frame: { kind: 'message', message: m as MeshMessage } };
  }
  if (keys[0] === 'c' && value['c'] === 'bye') return { ok: true, frame: { kind: 'bye' } };
  return { ok: false, reason: 'bad-frame' };
}
