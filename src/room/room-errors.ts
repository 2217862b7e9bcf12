/**
 * How the failures of the layers below become the room's errors, as pure functions: a signaling failure
 * (refused join, lost server), a mesh problem, and a proposal or read that the consensus node gave up on.
 */
import type { FailureCode } from '../consensus/index.js';
import type { MeshErrorCode } from '../net/mesh.js';
import type { SignalingErrorCode } from '../net/signaling-error.js';
import { RoomError } from './room-events.js';

/** A signaling failure as the room reports it, or undefined for one it rides out (the mesh retries). */
export function signalingFailure(
  error: { readonly code: SignalingErrorCode; readonly message: string },
  signalingUrl: string,
): { readonly error: RoomError; readonly fatal: boolean } | undefined {
  if (error.code === 'no-such-peer' || error.code === 'rate-limited') return undefined;
  const e = signalingError(error, signalingUrl);
  // The server will not have this node: showing it and stopping is all there is to do.
  return { error: e, fatal: e.code === 'unauthorized' || e.code === 'room-full' };
}

/** A signaling failure (a refused or failed join among them) in the room's words. */
export function signalingError(error: { readonly code: SignalingErrorCode; readonly message: string }, signalingUrl: string): RoomError {
  switch (error.code) {
    case 'unauthorized':
      return new RoomError('unauthorized', `the signaling server refused the token: ${error.message}`);
    case 'room-full':
    case 'id-taken':
      return new RoomError(error.code, error.message);
    case 'unreachable':
    case 'timeout':
    case 'disconnected':
      return new RoomError('signaling-unreachable', `cannot reach the signaling server ${signalingUrl}: ${error.message}`);
    default:
      return new RoomError('protocol', `${error.code}: ${error.message}`);
  }
}

/** A mesh problem's code as the room reports it. */
export const meshErrorCode = (code: MeshErrorCode): 'wrong-secret' | 'protocol' => (code === 'wrong-secret' ? 'wrong-secret' : 'protocol');

/** Why a proposal or a read failed, in the room's words (an `invalid` one was a bad argument). */
export function outcomeError(code: FailureCode, reason: string): RoomError {
  return new RoomError(code === 'invalid' ? 'bad-argument' : code, reason);
}
