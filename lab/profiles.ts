/**
 * The lab's named network profiles: for each, the signaling server's link and the tabs' links (tab i gets
 * `tabs[i % tabs.length]`). Every figure is one host's access link, per direction: `continent` puts 40 ms on
 * each tab's up and down stage, so one tab reaches another in 40 + 40 = 80 ms one way (160 ms round trip).
 * The signaling server sits in a data centre (1 ms) in every profile but `lan`.
 *
 * | profile | tabs' links |
 * | --- | --- |
 * | lan | 0.5 ms each way |
 * | city | 10 ms each way + exponential jitter, mean 2 ms |
 * | continent | 40 ms + exponential jitter, mean 5 ms |
 * | intercontinental | 90 ms + exponential jitter, mean 10 ms |
 * | mobile | 60 ms + exponential jitter, mean 30 ms; bursty loss (Gilbert-Elliott, 1.5 % on average, bursts of 3 packets); 5 Mbit/s with a 100 ms queue |
 * | asymmetric | tab 1: 10 ms up, 70 ms down (+ 5 ms jitter); the others `continent` |
 * | mixed | every tab another link: city, mobile, asymmetric, continent, intercontinental |
 */
import { type Link, type Stage, symmetric } from './links.js';

const exponential = (ms: number) => ({ dist: 'exponential', ms }) as const;

/** The per-host links the profiles are made of. */
export const LINKS = {
  lan: symmetric({ delayMs: 0.5 }),
  datacenter: symmetric({ delayMs: 1 }),
  city: symmetric({ delayMs: 10, jitter: exponential(2) }),
  continent: symmetric({ delayMs: 40, jitter: exponential(5) }),
  intercontinental: symmetric({ delayMs: 90, jitter: exponential(10) }),
  // p/(p+r) = 1.5 % of packets in the bad state, which loses them all; a burst lasts 1/r = 3 packets.
  mobile: symmetric({ delayMs: 60, jitter: exponential(30), loss: { model: 'gilbert-elliott', p: 0.005, r: 0.33 }, rateKbps: 5000, queueMs: 100 }),
  asymmetric: { up: { delayMs: 10, jitter: exponential(5) }, down: { delayMs: 70, jitter: exponential(5) } } satisfies Link,
} as const satisfies Record<string, Link>;

export type LinkName = keyof typeof LINKS;

/** A room's network: the server's link and the tabs' links. */
export interface Profile {
  name: ProfileName;
  description: string;
  server: LinkName;
  /** Tab i is on `tabs[i % tabs.length]`. */
  tabs: readonly LinkName[];
}

export const PROFILES = {
  lan: { name: 'lan', description: 'one LAN: 0.5 ms each way per host', server: 'lan', tabs: ['lan'] },
  city: { name: 'city', description: 'one city: 10 ms each way, 2 ms mean jitter', server: 'datacenter', tabs: ['city'] },
  continent: { name: 'continent', description: 'one continent: 40 ms each way, 5 ms mean jitter', server: 'datacenter', tabs: ['continent'] },
  intercontinental: { name: 'intercontinental', description: 'across oceans: 90 ms each way, 10 ms mean jitter', server: 'datacenter', tabs: ['intercontinental'] },
  mobile: {
    name: 'mobile',
    description: 'phones: 60 ms each way, 30 ms mean jitter, 1.5 % bursty loss, 5 Mbit/s',
    server: 'datacenter',
    tabs: ['mobile'],
  },
  asymmetric: {
    name: 'asymmetric',
    description: 'tab 1 on a 10 ms up / 70 ms down path, the others on continent',
    server: 'datacenter',
    tabs: ['continent', 'asymmetric', 'continent'],
  },
  mixed: {
    name: 'mixed',
    description: 'every tab on another link: city, mobile, asymmetric, continent, intercontinental',
    server: 'datacenter',
    tabs: ['city', 'mobile', 'asymmetric', 'continent', 'intercontinental'],
  },
} as const satisfies Record<string, { name: string; description: string; server: LinkName; tabs: readonly LinkName[] }>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}

/** The link of tab `index` in `profile`. */
export function tabLinkName(profile: ProfileName, index: number): LinkName {
  const tabs = PROFILES[profile].tabs;
  return tabs[index % tabs.length]!;
}

/** A deep copy of a named link, safe to change. */
export function link(name: LinkName): Link {
  const l = LINKS[name] as Link;
  const copy = (s: Stage): Stage => JSON.parse(JSON.stringify(s)) as Stage;
  return { up: copy(l.up), down: copy(l.down) };
}
