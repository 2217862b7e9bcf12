import type { ErrorCode } from './signaling-protocol.js';

/**
 * Codes of {@link SignalingError}: the server's own codes (signaling-protocol.ts `ERROR_CODES`: `id-taken`,
 * `unauthorized`, `room-full`, `rate-limited`, `no-such-peer`, ...) plus what the client itself detects:
 * - `unreachable`: no connection to the server within the join timeout (the client keeps trying);
 * - `timeout`: the server did not acknowledge in time;
 * - `disconnected`: the request needs a connection and there is none right now;
 * - `closed`: the client was closed.
 */
export type SignalingErrorCode = ErrorCode | 'unreachable' | 'timeout' | 'disconnected' | 'closed';

/** A typed failure of the signaling client. `code` is stable; `message` is for people. */
export class SignalingError extends Error {
  /** What went wrong, machine-readable. */
  readonly code: SignalingErrorCode;
  /** The peer concerned, for `no-such-peer`. */
  readonly peer: string | undefined;
  constructor(code: SignalingErrorCode, message: string, peer?: string) {
    super(message);
    this.name = 'SignalingError';
    this.code = code;
    this.peer = peer;
  }
}
