/**
 * paxos-video/baselines: registers the `jellyfin` and `syncplay` drift controllers with `<paxos-video>`, so
 * `drift-controller="jellyfin"` / `"syncplay"` reproduce those projects' published defaults next to ours
 * (the sync benchmark's side-by-side comparison). A separate entry (and single-file bundle,
 * `paxos-video-baselines.js`), so the widget does not carry controllers only the benchmark uses.
 *
 * Load it after the widget and before creating elements that name these presets. It imports nothing of the
 * element: it finds the class in the custom element registry (waiting for its definition if needed).
 *
 * @packageDocumentation
 */
import type { DriftPreset } from './element/drift-presets.js';
import type { PaxosVideo } from './paxos-video.js';
import { JellyfinDriftController } from './playback/drift-jellyfin.js';
import { SYNCPLAY_SHARED_CLOCK_OPTIONS, SyncplayDriftController } from './playback/drift-syncplay.js';
import { JELLYFIN_SHARED_CLOCK_OPTIONS } from './playback/shared-clock.js';

/**
 * The baseline presets, by name, each with its project's clock: Jellyfin's filter (minimum delay of the last
 * 8 samples), and Syncplay's single latest message (shared-clock.ts).
 */
export const BASELINE_DRIFT_PRESETS: Readonly<Record<'jellyfin' | 'syncplay', DriftPreset>> = {
  jellyfin: { create: () => new JellyfinDriftController(), clockOptions: JELLYFIN_SHARED_CLOCK_OPTIONS },
  syncplay: { create: () => new SyncplayDriftController(), clockOptions: SYNCPLAY_SHARED_CLOCK_OPTIONS },
};

/** Registers the baselines with `element` (default: the defined `<paxos-video>`, once it is defined). */
export function registerBaselineDriftControllers(element?: Pick<typeof PaxosVideo, 'registerDriftController'>): Promise<void> {
  const register = (ctor: Pick<typeof PaxosVideo, 'registerDriftController'>): void => {
    for (const [name, preset] of Object.entries(BASELINE_DRIFT_PRESETS)) ctor.registerDriftController(name, preset);
  };
  if (element) return Promise.resolve(register(element));
  const defined = customElements.get('paxos-video') as typeof PaxosVideo | undefined;
  // Synchronously when the widget ran first, so elements created right after already find the presets.
  if (defined) return Promise.resolve(register(defined));
  return customElements.whenDefined('paxos-video').then((ctor) => register(ctor as unknown as typeof PaxosVideo));
}

// Without a custom element registry (Node), importing registers nothing.
if (globalThis.customElements) void registerBaselineDriftControllers();
