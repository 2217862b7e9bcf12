/**
 * The page side of test/deploy/coturn.test.ts, bundled by esbuild when the test starts: two peers of one
 * room, each the widget's own signaling client and mesh (src/net) allowed relay candidates only, and what
 * became of them. On `window.__turnPair` for the test to call.
 */
import { Mesh } from '../../src/net/mesh.js';
import { SignalingClient } from '../../src/net/signaling-client.js';

/** What {@link turnPair} reports. */
export interface PairOutcome {
  ids: string[];
  /** What each side's join ack handed out. */
  iceServers: RTCIceServer[][];
  /** Whether each side reaches the other through the signaling relay once connected. */
  relayed: boolean[];
  /** One message each way, and whether it came through the signaling relay. */
  received: Array<{ n: number; relayed: boolean }>;
}

const rand = (): string => Math.random().toString(36).slice(2, 10);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Joins two relay-only peers to `room` on the signaling server at `origin`, connects them, exchanges a message. */
async function turnPair(origin: string, room: string, directTimeoutMs: number): Promise<PairOutcome> {
  const ids = [`turn-a-${rand()}`, `turn-b-${rand()}`];
  const received: PairOutcome['received'] = [];
  const peers = ids.map((id) => {
    const client = new SignalingClient(origin);
    const mesh = new Mesh({ selfId: id, room, signaling: client, iceTransportPolicy: 'relay', directTimeoutMs });
    mesh.on('message', ({ data, relayed }) => received.push({ n: data['n'] as number, relayed }));
    return { id, client, mesh };
  });
  try {
    for (const p of peers) await p.client.join(room, p.id);
    const deadline = performance.now() + 60_000;
    const views = () => peers.map((p, i) => p.mesh.peers().find((x) => x.id === ids[1 - i]));
    // A peer is reached through the signaling relay until its direct channel opens: wait for the channel,
    // or for the direct path's time to run out (with credentials coturn refuses, it never opens).
    const directBy = performance.now() + directTimeoutMs;
    while (!views().every((v) => v?.connected && (!v.relayed || performance.now() > directBy)) && performance.now() < deadline) await sleep(50);
    const relayed = views().map((v) => v?.relayed ?? true);
    peers[0]!.mesh.send(ids[1]!, { n: 1 });
    peers[1]!.mesh.send(ids[0]!, { n: 2 });
    while (received.length < 2 && performance.now() < deadline) await sleep(50);
    return { ids, iceServers: peers.map((p) => p.client.iceServers), relayed, received };
  } finally {
    for (const p of peers) {
      p.mesh.close();
      p.client.close();
    }
  }
}

(window as unknown as { __turnPair: typeof turnPair }).__turnPair = turnPair;
