/**
 * The drift controllers the element can use, by the name its `drift-controller` attribute gives. Only
 * `ours` is built in. The jellyfin and syncplay baselines, which only the sync benchmark uses, live in a
 * separate entry (src/drift-baselines.ts, `paxos-video-baselines.js`) that registers them here through
 * `PaxosVideo.registerDriftController`, so the widget bundle does not carry them.
 */
import { OursDriftController } from '../playback/drift-ours.js';
import type { DriftController } from '../playback/drift-sample.js';
import type { SharedClockOptions } from '../playback/shared-clock.js';

/** A named drift controller: how to make one (one per video), and the shared-clock filter it comes with. */
export interface DriftPreset {
  /** A new controller, in its initial state. */
  create(): DriftController;
  /** The shared clock's options for this preset, when not the element's own (e.g. Jellyfin's clock filter). */
  readonly clockOptions?: Readonly<Partial<SharedClockOptions>>;
}

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

// Ours ships with its defaults, which are what the closed-loop tests run (see drift-ours.ts).
const presets = new Map<string, DriftPreset>([['ours', { create: () => new OursDriftController() }]]);

/**
 * Makes `name` usable as `drift-controller="name"` (a later registration of a name replaces it).
 * @throws {TypeError} for a name that is not 1–32 of `[a-z0-9-]` starting with a letter, or no `create`.
 */
export function registerDriftPreset(name: string, preset: DriftPreset): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new TypeError(`drift controller name ${JSON.stringify(name)}: 1-32 of a-z 0-9 - starting with a letter`);
  if (typeof preset?.create !== 'function') throw new TypeError(`drift controller "${name}": needs a create() function`);
  presets.set(name, preset);
}

/** The preset registered as `name`, if any. */
export const driftPreset = (name: string): DriftPreset | undefined => presets.get(name);

/** Why `name` names no preset, for the element's `bad-attribute` error; undefined when it does. */
export function driftPresetProblem(name: string): string | undefined {
  if (presets.has(name)) return undefined;
  const known = [...presets.keys()].join(', ');
  const hint = name === 'jellyfin' || name === 'syncplay' ? ' (load paxos-video-baselines.js for it)' : '';
  return `drift-controller="${name}" must be one of ${known}${hint}`;
}
