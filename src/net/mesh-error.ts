/** What the mesh reports through its `error` event (never thrown into the page). */

/** Codes of {@link MeshError}. */
export type MeshErrorCode = 'wrong-secret' | 'connection-budget' | 'signal-failed';

/** A problem the mesh reports through its `error` event (never thrown into the page). */
export class MeshError extends Error {
  /** What went wrong, machine-readable. */
  readonly code: MeshErrorCode;
  /** The peer concerned. */
  readonly peer: string | undefined;
  constructor(code: MeshErrorCode, message: string, peer?: string) {
    super(message);
    this.name = 'MeshError';
    this.code = code;
    this.peer = peer;
  }
}
