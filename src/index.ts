/**
 * paxos-video: `<paxos-video>`, a video that plays in lock-step in every tab of a room, its state decided by
 * Multi-Paxos among the tabs. Importing this module registers the element (once, even if loaded twice).
 *
 * @packageDocumentation
 */
import { PaxosVideo } from './paxos-video.js';

// Without a custom element registry (Node, unless a server-side renderer's DOM shim put one there), importing registers nothing.
if (globalThis.customElements && !customElements.get('paxos-video')) customElements.define('paxos-video', PaxosVideo);

export { PaxosVideo, type PaxosVideoStats } from './paxos-video.js';
export * from './events.js';
export type { PeerInfo } from './room/room.js';
export type { VideoState, VideoCommand } from './playback/video-state.js';
