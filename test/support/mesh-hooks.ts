/**
 * What the net tests do below a mesh, where the shipped Mesh has no method for it: they reach the link to a
 * peer through `Mesh.link()` and act on the RTCPeerConnection's own wrapper (peer-link.ts).
 */
import type { Mesh } from '../../src/net/mesh.js';

/** Sends `data` as is down the data channel to `peer`, bypassing the codec; false without an open one. */
export function sendRaw(mesh: Mesh, peer: string, data: string | ArrayBuffer): boolean {
  return mesh.link(peer)?.send(data) ?? false;
}

/**
 * Closes the connection to `peer` abruptly, without `bye`, as a crash of that connection would. The remote
 * sees its channel close and recovers (relay at once, a new connection after a backoff); this side makes
 * none by itself, and takes the remote's new connection when its first signal comes.
 */
export function crashLink(mesh: Mesh, peer: string): void {
  mesh.link(peer)?.close();
}

/** Restarts ICE on the link to `peer`. */
export function restartIce(mesh: Mesh, peer: string): void {
  mesh.link(peer)?.restartIce();
}

/** Sends `message` to every known peer; returns how many it was handed to. */
export function broadcast(mesh: Mesh, message: object): number {
  return mesh.peers().filter((p) => mesh.send(p.id, message)).length;
}

/** The link to `peer` and what the mesh says of it, for a failure message. */
export function describeLink(mesh: Mesh, peer: string): string {
  const info = mesh.peers().find((p) => p.id === peer);
  if (!info) return 'unknown peer';
  const l = mesh.link(peer);
  const link = l ? `ice=${l.iceState} signaling=${l.signalingState} open=${l.open} restarts=${l.iceRestarts} glare=${l.glare}` : 'no link';
  return `${link} relayed=${info.relayed} inRoom=${info.inRoom}`;
}
