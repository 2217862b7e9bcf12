/**
 * What a {@link Room} needs of the network, and the real thing: a socket.io signaling client to the server
 * and, once joined, a WebRTC mesh to the peers. The room only uses these two narrow shapes, so a test can
 * give it a transport of its own (an in-memory one, or the real one with a partition it can cut).
 */
import { Mesh, type MeshEvents } from '../net/mesh.js';
import { SignalingClient, type SignalingClientEvents, type TimeSample } from '../net/signaling-client.js';

type Subscribe<M> = <K extends keyof M & string>(type: K, listener: (detail: M[K]) => void) => () => void;

/** The signaling server as the room sees it. */
export interface RoomSignaling {
  readonly on: Subscribe<SignalingClientEvents>;
  /** Joins `room` as `nodeId` of `history`; resolves with the peers already there. Rejects with a SignalingError. */
  join(room: string, nodeId: string, token?: string, history?: string): Promise<string[]>;
  /** The room history this node is in, told to the server from the next (re-)join on. */
  history: string | undefined;
  /** A clock sample of the server, for the shared clock. */
  timeSample(): Promise<TimeSample>;
  leave(): void;
  close(): void;
  /** Joined to the room now. */
  readonly joined: boolean;
  /** Connected to the server now (joined or not). */
  readonly connected: boolean;
  /** Server messages dropped as invalid. */
  readonly invalid: { readonly total: number };
}

/** The mesh to the room's peers as the room sees it. */
export interface RoomMesh {
  readonly on: Subscribe<MeshEvents>;
  /**
   * Sends a protocol message to one peer; false when it cannot reach it now. `relayToo`: through the
   * signaling server's relay as well as the direct channel (Mesh.send).
   */
  send(to: string, message: object, relayToo?: boolean): boolean;
  /** Every known peer. */
  peers(): readonly { readonly id: string; readonly connected: boolean; readonly relayed: boolean; readonly rtt: number | null }[];
  /** Peer frames dropped as malformed. */
  readonly stats: { readonly malformed: number };
  /** Says goodbye to the peers and closes every connection. */
  close(): void;
}

/** How the mesh is set up once the room is joined. */
export interface MeshSetup {
  readonly selfId: string;
  readonly room: string;
  readonly secret?: string;
  readonly iceServers?: RTCIceServer[];
}

/** A room's way to the server and to its peers. */
export interface RoomTransport {
  readonly signaling: RoomSignaling;
  /** Makes the mesh, once the room is joined. @throws for a bad secret. */
  mesh(setup: MeshSetup): RoomMesh;
}

/** The real transport: the signaling server at `signalingUrl`, and a WebRTC mesh over it. */
export function webRtcTransport(signalingUrl: string, now: () => number): RoomTransport {
  const signaling = new SignalingClient(signalingUrl, { now });
  return { signaling, mesh: (setup) => new Mesh({ ...setup, signaling }) };
}
