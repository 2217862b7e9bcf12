/**
 * Shared helpers of the browser tests: the signaling server's URL (started by web-test-runner.config.mjs),
 * unique rooms and node ids, waiting for a condition with a deadline, and a peer = signaling client + mesh.
 */
import { Mesh, type MeshOptions } from '../../../src/net/mesh.js';
import { SignalingClient, type SignalingClientOptions } from '../../../src/net/signaling-client.js';
import { describeLink } from '../../support/mesh-hooks.js';
import { waitFor } from '../../support/wait.js';

export { waitFor };

declare global {
  interface Window {
    /** Set by web-test-runner.config.mjs: the test run's signaling server, e.g. `http://127.0.0.1:41234`. */
    __PAXOS_SIGNALING__?: string;
  }
}

/** The URL of the signaling server the test runner started. */
export function signalingUrl(): string {
  const url = window.__PAXOS_SIGNALING__;
  if (!url) throw new Error('window.__PAXOS_SIGNALING__ is not set: run the tests through web-test-runner.config.mjs');
  return url;
}

const rand = (): string => Math.random().toString(36).slice(2, 10);

/** A room no other test uses. */
export function uniqueRoom(label = 'room'): string {
  return `${label}-${rand()}`;
}

/** A valid node id with a readable prefix. */
export function nodeId(label: string): string {
  return `${label}-${rand()}${rand()}`;
}


/** A node of a test room: its signaling client and its mesh, plus what it received. */
export interface TestPeer {
  id: string;
  client: SignalingClient;
  mesh: Mesh;
  /** Every message received, in order. */
  inbox: Array<{ from: string; data: Record<string, unknown>; relayed: boolean }>;
  /** Every mesh error reported. */
  errors: Array<{ code: string; peer: string | undefined }>;
  close(): void;
}

/** Joins `room` with a new signaling client and mesh. */
export async function joinPeer(room: string, label: string, options: Partial<MeshOptions> = {}, id = nodeId(label), clientOptions: SignalingClientOptions = {}): Promise<TestPeer> {
  const client = new SignalingClient(signalingUrl(), clientOptions);
  const mesh = new Mesh({ selfId: id, room, signaling: client, directTimeoutMs: 10_000, ...options });
  const peer: TestPeer = {
    id,
    client,
    mesh,
    inbox: [],
    errors: [],
    close() {
      mesh.close();
      client.close();
    },
  };
  mesh.on('message', (m) => peer.inbox.push(m));
  mesh.on('error', ({ error }) => peer.errors.push({ code: error.code, peer: error.peer }));
  await client.join(room, id);
  return peer;
}

/** Waits until `a` reports `b` connected (and, when given, relayed or not). */
export async function connected(a: TestPeer, b: TestPeer, relayed?: boolean, timeoutMs = 30_000): Promise<unknown> {
  try {
    return await waitFor(
      () => a.mesh.peers().find((p) => p.id === b.id && p.connected && (relayed === undefined || p.relayed === relayed)),
      `${a.id} connected to ${b.id}${relayed === undefined ? '' : relayed ? ' (relayed)' : ' (direct)'}`,
      timeoutMs,
    );
  } catch (err) {
    // Say where the connection is stuck: both sides' link states and counters.
    const side = (x: TestPeer, y: TestPeer): string => `${x.id}: ${describeLink(x.mesh, y.id)} stats=${JSON.stringify(x.mesh.stats)}`;
    throw new Error(`${(err as Error).message}\n  ${side(a, b)}\n  ${side(b, a)}`);
  }
}

/** Waits until `to` received a message from `from` matching `match`. */
export function received(to: TestPeer, from: TestPeer, match: (data: Record<string, unknown>) => boolean, timeoutMs = 10_000) {
  return waitFor(() => to.inbox.find((m) => m.from === from.id && match(m.data)), `${to.id} to receive a message from ${from.id}`, timeoutMs);
}
