/**
 * Drift controllers by name: `ours` (the default, see drift-ours.ts) and, for the sync benchmark's
 * side-by-side comparison, `jellyfin` and `syncplay` (the published defaults of Jellyfin SyncPlay's web
 * client and of the Syncplay client; see their files). All share the {@link DriftController} interface:
 * feed a {@link DriftSample} per measured frame, act on the {@link DriftDecision}.
 */
import { type JellyfinDriftOptions, JellyfinDriftController } from './drift-jellyfin.js';
import { type OursDriftOptions, type OursDriftController, oursDriftController } from './drift-ours.js';
import type { DriftController, DriftPresetName } from './drift-sample.js';
import { type SyncplayDriftOptions, SyncplayDriftController } from './drift-syncplay.js';

export * from './drift-sample.js';
export * from './drift-ours.js';
export * from './drift-jellyfin.js';
export * from './drift-syncplay.js';

/** Every preset name, `ours` first. */
export const DRIFT_PRESET_NAMES: readonly DriftPresetName[] = Object.freeze(['ours', 'jellyfin', 'syncplay']);

/** The options each preset takes. */
export interface DriftPresetOptions {
  ours: OursDriftOptions;
  jellyfin: JellyfinDriftOptions;
  syncplay: SyncplayDriftOptions;
}

/** Whether `name` names a preset. */
export function isDriftPresetName(name: unknown): name is DriftPresetName {
  return typeof name === 'string' && (DRIFT_PRESET_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a preset name from outside (an attribute, a URL parameter, a CLI flag).
 * @throws {RangeError} naming the valid choices.
 */
export function parseDriftPresetName(name: unknown): DriftPresetName {
  if (isDriftPresetName(name)) return name;
  throw new RangeError(`unknown drift controller ${JSON.stringify(name)}: expected one of ${DRIFT_PRESET_NAMES.join(', ')}`);
}

/**
 * A new controller of the named preset (default `ours`), with optional overrides of its defaults.
 * @throws {RangeError} on an unknown name or a bad option.
 */
export function createDriftController<N extends DriftPresetName = 'ours'>(
  name: N = 'ours' as N,
  options: Partial<DriftPresetOptions[N]> = {},
): DriftController {
  switch (parseDriftPresetName(name)) {
    case 'ours':
      return oursDriftController(options as Partial<OursDriftOptions>);
    case 'jellyfin':
      return new JellyfinDriftController(options as Partial<JellyfinDriftOptions>);
    case 'syncplay':
      return new SyncplayDriftController(options as Partial<SyncplayDriftOptions>);
  }
}
