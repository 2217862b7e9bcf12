/**
 * Codes of {@link PlaybackInputError}:
 * - `invalid-command`: a video command (from a peer, a log entry or a builder's arguments) is malformed;
 * - `invalid-state`: a video state (from a snapshot) is malformed.
 */
export type PlaybackErrorCode = 'invalid-command' | 'invalid-state';

/**
 * Bad input to the playback layer. `code` is stable, `message` says what was wrong in words a person can act
 * on, and `issues` lists every problem found (one line each, `path: problem`).
 */
export class PlaybackInputError extends Error {
  /** What kind of input was rejected, machine-readable. */
  readonly code: PlaybackErrorCode;
  /** Every problem found, one line each. */
  readonly issues: readonly string[];
  constructor(code: PlaybackErrorCode, issues: readonly string[]) {
    // `invalid video command: ...` or `invalid video state: ...`: the code's word after `invalid-`.
    super(`invalid video ${code.slice('invalid-'.length)}: ${issues.join('; ')}`);
    this.name = 'PlaybackInputError';
    this.code = code;
    this.issues = issues;
  }
}
