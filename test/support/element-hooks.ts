/**
 * Test hooks for `<paxos-video>`, kept out of the shipped bundle. Through the element's `createRoom` seam a
 * test gives it a room over the real transport (the real signaling server, real WebRTC) whose mesh sits
 * under a partition the test can cut (partitioned-mesh.ts), and it reaches that mesh to send raw frames.
 * Used by the browser tests (test/browser) and by the tab tests' build of the widget (test/tabs).
 *
 * `hooks(el)` must be called before the element starts its room (before it is connected, or in the same
 * task); the hooks follow the element across restarts (a new room, a new mesh).
 */
import type { Mesh } from '../../src/net/mesh.js';
import type { PaxosVideo } from '../../src/paxos-video.js';
import { Room } from '../../src/room/room.js';
import { webRtcTransport } from '../../src/room/room-transport.js';
import { PartitionedMesh } from './partitioned-mesh.js';

export interface ElementHooks {
  /** Cuts (or restores) this element's link to `peer`, as a network partition would (this side only). */
  block(peer: string, blocked: boolean): void;
  /** Sends `data` as is down the data channel to `peer`, bypassing the codec; false without an open one. */
  sendRaw(peer: string, data: string | ArrayBuffer): boolean;
}

const installed = new WeakMap<PaxosVideo, ElementHooks>();

/** The hooks of `el`, installed on first use. */
export function hooks(el: PaxosVideo): ElementHooks {
  let h = installed.get(el);
  if (h) return h;
  const blocked = new Set<string>();
  let mesh: PartitionedMesh | undefined;
  el.createRoom = (options) => {
    const real = webRtcTransport(options.signalingUrl, options.localNow);
    const transport = {
      signaling: real.signaling,
      mesh: (setup: Parameters<typeof real.mesh>[0]) => {
        mesh = new PartitionedMesh(real.mesh(setup));
        for (const peer of blocked) mesh.cut(peer, true);
        return mesh;
      },
    };
    return new Room({ ...options, transport });
  };
  h = {
    block(peer, cut) {
      if (cut) blocked.add(peer);
      else blocked.delete(peer);
      mesh?.cut(peer, cut);
    },
    sendRaw(peer, data) {
      return (mesh?.inner as Mesh | undefined)?.link(peer)?.send(data) ?? false;
    },
  };
  installed.set(el, h);
  return h;
}
