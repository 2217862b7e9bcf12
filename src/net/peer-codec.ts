/**
 * The codec of mesh messages: what one peer sends another over the data channel (or through the signaling
 * relay when no direct channel opens). A message is one plain JSON object, sent as text.
 *
 * Decoding is defensive because a peer is untrusted: input is size-capped before it is parsed, must be a
 * plain object, may not nest deeper than {@link MAX_MESSAGE_DEPTH}, and may not carry `__proto__`,
 * `constructor` or `prototype` keys (a later `Object.assign` or spread of such an object could pollute
 * prototypes). Bad input never throws: it comes back as `{ok: false, reason}` so the caller can count it.
 */

import { isObject } from '../schema/index.js';
import { inspectJson, utf8Length } from './plain-json.js';

/** Largest encoded message, in UTF-8 bytes. Chromium's data channels take far more; consensus needs far less. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Deepest nesting of objects and arrays in a message. */
export const MAX_MESSAGE_DEPTH = 32;

/** Why a received message was rejected. */
export type MalformedReason =
  | 'not-text'
  | 'too-large'
  | 'bad-json'
  | 'not-object'
  | 'forbidden-key'
  | 'too-deep'
  | 'not-json-value';

/** A plain JSON object, the shape of every mesh message. */
export type MeshMessage = Record<string, unknown>;

/** Result of {@link decodeMessage}. */
export type DecodeResult = { ok: true; value: MeshMessage } | { ok: false; reason: MalformedReason };

/** Thrown by {@link encodeMessage} for a message this side must not send (a bug in the caller). */
export class MessageEncodeError extends Error {
  /** `too-large`, or the structural problem found. */
  readonly reason: MalformedReason;
  constructor(reason: MalformedReason, message: string) {
    super(message);
    this.name = 'MessageEncodeError';
    this.reason = reason;
  }
}

/** The mesh codec's reason for a value that is not plain JSON (plain-json.ts). */
function structureProblem(value: unknown): MalformedReason | null {
  const kind = inspectJson(value, MAX_MESSAGE_DEPTH)?.kind;
  return kind === undefined ? null : kind === 'forbidden-key' || kind === 'too-deep' ? kind : 'not-json-value';
}

/**
 * Serializes a message for the wire.
 * @throws {MessageEncodeError} when `msg` is not a plain JSON object, has forbidden keys, nests too deep, or
 *   encodes to more than {@link MAX_MESSAGE_BYTES}.
 */
export function encodeMessage(msg: object, maxBytes: number = MAX_MESSAGE_BYTES): string {
  if (!isObject(msg)) {
    throw new MessageEncodeError('not-object', 'mesh message must be a plain object');
  }
  const problem = structureProblem(msg);
  if (problem) throw new MessageEncodeError(problem, `mesh message is not sendable: ${problem}`);
  const text = JSON.stringify(msg);
  const size = utf8Length(text);
  if (size > maxBytes) {
    throw new MessageEncodeError('too-large', `mesh message is ${size} bytes, more than the ${maxBytes} allowed`);
  }
  return text;
}

/** Parses one received message. Never throws. */
export function decodeMessage(raw: unknown, maxBytes: number = MAX_MESSAGE_BYTES): DecodeResult {
  if (typeof raw !== 'string') return { ok: false, reason: 'not-text' };
  // UTF-8 takes at least a byte per UTF-16 unit and at most three: the length alone mostly decides.
  if (raw.length > maxBytes || (raw.length * 3 > maxBytes && utf8Length(raw) > maxBytes)) return { ok: false, reason: 'too-large' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'bad-json' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not-object' };
  const problem = structureProblem(value);
  if (problem) return { ok: false, reason: problem };
  return { ok: true, value: value as MeshMessage };
}

/** Counts of rejected input by reason, for the element's `stats`. */
export class MalformedCounter {
  /** Total rejected. */
  total = 0;
  /** Rejected per reason. */
  readonly byReason: Partial<Record<string, number>> = {};

  /** Records one rejection. */
  count(reason: string): void {
    this.total += 1;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + 1;
  }
}
