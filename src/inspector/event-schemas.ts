/**
 * What the inspector accepts from the page. The events it folds are DOM events: any script on the page can
 * dispatch a `paxos-message` on the watched element, so every detail is checked against a schema before it
 * reaches the model; a malformed one is counted and dropped, never thrown.
 *
 * The schemas are deliberately loose on ids (any short string): the inspector shows what the element says,
 * the element itself is the one that enforces the protocol's rules.
 */
import * as v from '../schema/index.js';
import type {
  PaxosConfigDetail,
  PaxosLeaderDetail,
  PaxosMessageDetail,
  PaxosPeerDetail,
  PaxosQuorumDetail,
  PaxosRole,
  PaxosStateDetail,
  PaxosStatus,
  PaxosStatusDetail,
  PaxosSyncDetail,
  PaxosErrorDetail,
} from '../events.js';

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const slot = v.pipe(v.number(), v.safeInteger(), v.minValue(-1));
const ballot = v.object({ round: count, node: id });
const role = v.picklist(['leader', 'acceptor', 'learner']);
const status = v.picklist(['connecting', 'joined', 'synced', 'no-quorum', 'offline', 'error']);
const finite = v.pipe(v.number(), v.finite());

/**
 * `paxos-message`, plus an optional `decidedThrough` (the sender's last applied slot, carried by promise,
 * heartbeat and ack): used when present, so a richer element shows every peer's progress exactly.
 */
const message = v.object({
  direction: v.picklist(['send', 'receive']),
  type: v.pipe(v.string(), v.regex(/^[a-z][a-z-]{0,31}$/, 'a message type is a short lowercase word')),
  from: id,
  to: id,
  ballot: v.optional(ballot),
  slot: v.optional(slot),
  decidedThrough: v.optional(slot),
});

const command = v.object({ type: v.pipe(v.string(), v.maxLength(32)), proposer: id, id: v.pipe(v.string(), v.maxLength(128)), by: v.optional(v.pipe(v.string(), v.maxLength(32))) });

const schemas = {
  'paxos-message': message,
  'paxos-state': v.object({
    slot,
    commands: v.pipe(v.array(command), v.maxLength(256)),
    state: v.unknown(),
  }),
  'paxos-leader': v.object({ leader: v.nullable(id), ballot: v.optional(ballot) }),
  'paxos-config': v.object({
    acceptors: v.pipe(v.array(id), v.maxLength(64)),
    learners: v.pipe(v.array(id), v.maxLength(256)),
    slot,
  }),
  'paxos-peer-join': v.object({ peer: id }),
  'paxos-peer-leave': v.object({ peer: id }),
  'paxos-quorum-lost': v.object({ reachable: count, needed: count }),
  'paxos-quorum-restored': v.object({ reachable: count, needed: count }),
  'paxos-sync': v.object({ drift: finite, action: v.picklist(['none', 'nudge', 'seek']), rate: finite }),
  'paxos-status': v.object({ status, previous: status }),
  'paxos-error': v.object({ code: v.pipe(v.string(), v.maxLength(64)), message: v.pipe(v.string(), v.maxLength(2000)) }),
} as const;

/** The event names the inspector folds (every `paxos-*` event except `paxos-autoplay-blocked`). */
export type InspectorEventName = keyof typeof schemas;

/** The names, for adding listeners. */
export const INSPECTOR_EVENT_NAMES = Object.keys(schemas) as InspectorEventName[];

/** `paxos-message` as the inspector reads it. */
export type MessageEventDetail = PaxosMessageDetail & { readonly decidedThrough?: number };

/** One validated event: its name and its typed detail. */
export type InspectorEvent =
  | { readonly name: 'paxos-message'; readonly detail: MessageEventDetail }
  | { readonly name: 'paxos-state'; readonly detail: Omit<PaxosStateDetail, 'state'> }
  | { readonly name: 'paxos-leader'; readonly detail: PaxosLeaderDetail }
  | { readonly name: 'paxos-config'; readonly detail: PaxosConfigDetail }
  | { readonly name: 'paxos-peer-join' | 'paxos-peer-leave'; readonly detail: PaxosPeerDetail }
  | { readonly name: 'paxos-quorum-lost' | 'paxos-quorum-restored'; readonly detail: PaxosQuorumDetail }
  | { readonly name: 'paxos-sync'; readonly detail: PaxosSyncDetail }
  | { readonly name: 'paxos-status'; readonly detail: PaxosStatusDetail }
  | { readonly name: 'paxos-error'; readonly detail: PaxosErrorDetail };

/** Checks one event; returns it typed, or null when the name is not folded or the detail is malformed. */
export function parseInspectorEvent(name: string, detail: unknown): InspectorEvent | null {
  if (!Object.hasOwn(schemas, name)) return null;
  const result = v.safeParse(schemas[name as InspectorEventName], detail);
  return result.success ? ({ name, detail: result.output } as InspectorEvent) : null;
}

/** One peer as the watched element's `peers` property reports it. */
export interface PeerSnapshot {
  readonly id: string;
  readonly role: PaxosRole;
  readonly connected: boolean;
  readonly relayed: boolean;
  /** Round trip, ms; null when unknown. */
  readonly rtt: number | null;
}

/** What the inspector reads from the watched element's properties when it attaches (and every second). */
export interface TargetSnapshot {
  readonly nodeId: string;
  readonly role: PaxosRole;
  readonly leader: string | null;
  readonly status: PaxosStatus;
  /** The slot of the element's decided state (-1 before any). */
  readonly slot: number;
  readonly peers: readonly PeerSnapshot[];
}

const peerSnapshot = v.object({
  id,
  role,
  connected: v.boolean(),
  relayed: v.boolean(),
  rtt: v.nullable(v.pipe(v.number(), v.finite(), v.minValue(0))),
});
const peerList = v.pipe(v.array(peerSnapshot), v.maxLength(256));

/** Validates a `peers` array; null when it is not one. */
export function parsePeers(peers: unknown): PeerSnapshot[] | null {
  const result = v.safeParse(peerList, peers);
  return result.success ? result.output : null;
}

/**
 * Reads the properties the inspector needs from an element, or null when it is not a `<paxos-video>`-like
 * element (the inspector then says so instead of drawing nothing).
 */
export function readTarget(element: unknown): TargetSnapshot | null {
  if (typeof element !== 'object' || element === null) return null;
  const e = element as Record<string, unknown>;
  let state: unknown;
  let peers: unknown;
  try {
    state = e['state'];
    peers = e['peers'];
  } catch {
    return null;
  }
  const result = v.safeParse(
    v.object({
      nodeId: v.string(),
      role,
      leader: v.nullable(v.string()),
      status,
      slot,
      peers: peerList,
    }),
    {
      nodeId: e['nodeId'],
      role: e['paxosRole'],
      leader: e['leader'],
      status: e['status'],
      slot: typeof state === 'object' && state !== null ? (state as { slot?: unknown }).slot : undefined,
      peers,
    },
  );
  return result.success ? result.output : null;
}

