/**
 * Structured JSON logs (pino). Log lines carry room, node id and socket id, never tokens or signal
 * payloads (SDP, ICE, relayed consensus messages): the call sites leave them out, and redaction is the
 * second line of defence should one ever be passed in by mistake.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/** Field paths that must never reach a log line. */
export const REDACTED_PATHS = ['token', '*.token', 'data', '*.data', 'sdp', '*.sdp', 'candidate', '*.candidate', 'headers.authorization', 'headers.cookie'];

/** A pino logger writing JSON lines to `destination` (default stdout). */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'paxos-video-server', pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Caps an untrusted string (an event name, a message) before it goes into a log line or an error. */
export function clip(value: unknown, max = 64): string {
  const s = typeof value === 'string' ? value : String(value);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
