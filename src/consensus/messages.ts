/**
 * The protocol's messages: plain JSON objects with a `type`, the `ballot` they belong to where one
 * matters and the `slot` they are about where one matters. On the wire each goes in an envelope with the
 * protocol's version ({@link toWire}); every envelope that arrives from a peer goes through
 * {@link parseWire} (version, shape, types, ranges, then the application's own command and state
 * validation) before the node looks at it.
 */
import * as v from '../schema/index.js';
import type { Ballot } from './ballot.js';
import { NODE_ID_PATTERN, NODE_ID_RULE } from './node-id.js';
import { MAX_DONE, MAX_SESSIONS, type Session } from './sessions.js';
import type { StateMachine } from './state-machine.js';
import type { AcceptedEntry, DecidedEntry, ProposedCommand, SlotValue } from './values.js';

/** Commands in one slot's batch, and in one forward. */
export const MAX_BATCH = 256;
/** Entries in one promise or catch-up reply. */
export const MAX_ENTRIES = 1024;
/** Acceptors in one configuration. */
export const MAX_ACCEPTORS = 15;
/** Length of a proposal or read id. */
export const MAX_ID_LENGTH = 128;

/** Limits that keep one message bounded (the constants above, as one object). */
export const LIMITS = Object.freeze({ maxBatch: MAX_BATCH, maxEntries: MAX_ENTRIES, maxAcceptors: MAX_ACCEPTORS, maxIdLength: MAX_ID_LENGTH });

/**
 * The protocol's version. Version 2 added the envelope itself, pre-votes, the commands' sequence numbers
 * and the snapshots' sessions; tabs of different versions refuse each other's messages (with the reason
 * `protocol version: ...`, counted in the node's stats) instead of misreading them.
 */
export const PROTOCOL_VERSION = 3;

/**
 * A message on the wire: `{v, m}`. A build that speaks version 1 sees no `type` in it and refuses it as
 * malformed. A later version may add fields beside `m` (a room history's id, say) and raise `v`.
 */
export interface WireMessage<S, C> {
  readonly v: typeof PROTOCOL_VERSION;
  readonly m: Message<S, C>;
}

/** A snapshot: the state after `slot`, the acceptors of slot + 1 and the proposers' sessions. */
export interface Snapshot<S> {
  readonly slot: number;
  readonly state: S;
  readonly acceptors: readonly string[];
  readonly sessions: readonly Session[];
}

/** Pre-vote: would the receiver promise `ballot`? Nothing changes at either end until a majority says yes. */
export interface PrePrepareMessage { readonly type: 'pre-prepare'; readonly ballot: Ballot }
/** Answer to a pre-prepare: yes, `ballot` is above my promise and I hear no leader. */
export interface PrePromiseMessage { readonly type: 'pre-promise'; readonly ballot: Ballot }
/** Phase 1a: a proposer asks for a promise on `ballot`, for every slot from `slot` on. */
export interface PrepareMessage { readonly type: 'prepare'; readonly ballot: Ballot; readonly slot: number }
/**
 * Phase 1b: the promise, with what the acceptor has accepted from `slot` on, what it knows decided there,
 * and the last slot it has applied (`applied`, -1 while it has no state).
 */
export interface PromiseMessage<C> {
  readonly type: 'promise';
  readonly ballot: Ballot;
  readonly slot: number;
  readonly applied: number;
  readonly accepted: readonly AcceptedEntry<C>[];
  readonly decided: readonly DecidedEntry<C>[];
}
/** Refusal of a pre-prepare, prepare, accept or heartbeat for `ballot`; the acceptor has promised `promised`. */
export interface NackMessage { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot; readonly slot: number }
/** Phase 2a: the leader asks the acceptors of `slot` to accept `value` in `ballot`. */
export interface AcceptMessage<C> { readonly type: 'accept'; readonly ballot: Ballot; readonly slot: number; readonly value: SlotValue<C> }
/** Phase 2b: an acceptor accepted the leader's value for `slot` in `ballot`. */
export interface AcceptedMessage { readonly type: 'accepted'; readonly ballot: Ballot; readonly slot: number }
/** The leader saw a quorum accept: `value` is chosen for `slot`. Sent to every node, acceptors and learners. */
export interface DecideMessage<C> { readonly type: 'decide'; readonly ballot: Ballot; readonly slot: number; readonly value: SlotValue<C> }
/** Leader liveness, sent every few ticks, with the leader's last applied slot; also a confirmation round for reads (`seq`). */
export interface HeartbeatMessage { readonly type: 'heartbeat'; readonly ballot: Ballot; readonly seq: number; readonly applied: number }
/** Answer to a heartbeat from a node that has promised nothing higher. */
export interface AckMessage {
  readonly type: 'ack';
  readonly ballot: Ballot;
  readonly seq: number;
  /** The sender's last applied slot. */
  readonly applied: number;
  /** Whether the node may lead (a hidden tab may not). */
  readonly eligible: boolean;
}
/** A non-leader hands its proposals to the leader. */
export interface ForwardMessage<C> { readonly type: 'forward'; readonly commands: readonly ProposedCommand<C>[] }
/** A lagging node asks for every decided slot from `slot` on. */
export interface CatchupMessage { readonly type: 'catchup'; readonly slot: number }
/** Catch-up reply: a snapshot when the asker is behind the sender's compacted log, then decided entries. */
export interface EntriesMessage<S, C> {
  readonly type: 'entries';
  readonly snapshot?: Snapshot<S>;
  readonly entries: readonly DecidedEntry<C>[];
}
/** A non-leader asks the leader for a read index. */
export interface ReadMessage { readonly type: 'read'; readonly readId: string }
/** The leader confirmed its ballot with a quorum: the read may answer once `slot` is applied. */
export interface ReadIndexMessage { readonly type: 'read-index'; readonly readId: string; readonly slot: number }
/** A leader stepping down asks the receiver to start phase 1 now. */
export interface HandoffMessage { readonly type: 'handoff'; readonly ballot: Ballot }

/** Every protocol message. */
export type Message<S, C> =
  | PrePrepareMessage
  | PrePromiseMessage
  | PrepareMessage
  | PromiseMessage<C>
  | NackMessage
  | AcceptMessage<C>
  | AcceptedMessage
  | DecideMessage<C>
  | HeartbeatMessage
  | AckMessage
  | ForwardMessage<C>
  | CatchupMessage
  | EntriesMessage<S, C>
  | ReadMessage
  | ReadIndexMessage
  | HandoffMessage;

/** The message type names, e.g. for a table of DOM event names. */
export const MESSAGE_TYPES = [
  'pre-prepare', 'pre-promise', 'prepare', 'promise', 'nack', 'accept', 'accepted', 'decide', 'heartbeat', 'ack',
  'forward', 'catchup', 'entries', 'read', 'read-index', 'handoff',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A message with its destination node id. */
export interface Envelope<S, C> {
  readonly to: string;
  readonly message: Message<S, C>;
}

/** The message as it goes on the wire (send it as JSON; the receiver's `step` takes it parsed). */
export function toWire<S, C>(message: Message<S, C>): WireMessage<S, C> {
  return { v: PROTOCOL_VERSION, m: message };
}

/** The fields a host reports for a message (e.g. in a DOM event): its type, ballot and slot if any. */
export interface MessageSummary {
  readonly type: MessageType;
  readonly ballot?: Ballot;
  readonly slot?: number;
  /** Last slot the sender had applied (heartbeat, ack, promise): how far along it is. */
  readonly decidedThrough?: number;
}

export function summarizeMessage(message: Message<unknown, unknown>): MessageSummary {
  const m = message as { type: MessageType; ballot?: Ballot; slot?: number; applied?: number };
  const summary: { type: MessageType; ballot?: Ballot; slot?: number; decidedThrough?: number } = { type: m.type };
  if (m.ballot !== undefined) summary.ballot = m.ballot;
  if (m.slot !== undefined) summary.slot = m.slot;
  if (m.applied !== undefined) summary.decidedThrough = m.applied;
  return summary;
}

// ---- validation -------------------------------------------------------------------------------------

const nodeId = v.pipe(v.string(), v.regex(NODE_ID_PATTERN, NODE_ID_RULE));
const nonNegative = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const slot = nonNegative;
const applied = v.pipe(v.number(), v.safeInteger(), v.minValue(-1));
const ballot = v.object({ round: v.pipe(v.number(), v.safeInteger(), v.minValue(1)), node: nodeId });
/** A ballot, or the ballot below all (`{round: 0, node: ''}`): what an acceptor that never promised has promised. */
const promised = v.union([ballot, v.object({ round: v.literal(0), node: v.literal('') })]);
const requestId = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_ID_LENGTH));
const acceptorSet = v.pipe(
  v.array(nodeId),
  v.minLength(1),
  v.maxLength(MAX_ACCEPTORS),
  v.check((ids) => new Set(ids).size === ids.length, 'acceptors must be distinct'),
);
const proposedCommand = v.object({ id: requestId, proposer: nodeId, seq: nonNegative, lowest: nonNegative, command: v.unknown() });
const commands = v.pipe(v.array(proposedCommand), v.minLength(1), v.maxLength(MAX_BATCH));
const value = v.variant('kind', [
  v.object({ kind: v.literal('commands'), commands }),
  v.object({ kind: v.literal('config'), acceptors: acceptorSet }),
  v.object({ kind: v.literal('noop') }),
]);
const entryList = <T extends v.GenericSchema>(item: T) => v.pipe(v.array(item), v.maxLength(MAX_ENTRIES));
const decidedEntry = v.object({ slot, value });
const pair = v.pipe(v.array(nonNegative), v.minLength(2), v.maxLength(2));
const session = v.object({ proposer: nodeId, below: nonNegative, done: v.pipe(v.array(pair), v.maxLength(MAX_DONE)) });
const snapshot = v.object({ slot, state: v.unknown(), acceptors: acceptorSet, sessions: v.pipe(v.array(session), v.maxLength(MAX_SESSIONS)) });

// One schema per message type (without `type`, which selects it), shared by types of the same shape.
const ballotOnly = v.object({ ballot });
const ballotSlot = v.object({ ballot, slot });
const ballotValue = v.object({ ballot, slot, value });
const messageSchemas = {
  'pre-prepare': ballotOnly,
  'pre-promise': ballotOnly,
  prepare: ballotSlot,
  promise: v.object({ ballot, slot, applied, accepted: entryList(v.object({ slot, ballot, value })), decided: entryList(decidedEntry) }),
  nack: v.object({ ballot, promised, slot }),
  accept: ballotValue,
  accepted: ballotSlot,
  decide: ballotValue,
  heartbeat: v.object({ ballot, seq: nonNegative, applied }),
  ack: v.object({ ballot, seq: nonNegative, applied, eligible: v.boolean() }),
  forward: v.object({ commands }),
  catchup: v.object({ slot }),
  entries: v.object({ snapshot: v.optional(snapshot), entries: entryList(decidedEntry) }),
  read: v.object({ readId: requestId }),
  'read-index': v.object({ readId: requestId, slot }),
  handoff: ballotOnly,
} satisfies Record<MessageType, v.GenericSchema>;

/** Result of validating untrusted input: the typed value, or why it was refused. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Types whose ballot must be the sender's own: nobody may speak for another proposer. */
const OWN_BALLOT_TYPES = ['pre-prepare', 'prepare', 'accept', 'decide', 'heartbeat', 'handoff'];

/**
 * Validates an envelope received from `from`: the protocol version first (a message of another version
 * is refused with a reason that starts `protocol version`), then the message (see {@link parseMessage}).
 * Never throws.
 */
export function parseWire<S, C>(raw: unknown, from: string, machine: StateMachine<S, C>): Parsed<Message<S, C>> {
  const w = raw as { v?: unknown; m?: unknown; type?: unknown } | null;
  if (w?.v === PROTOCOL_VERSION) return parseMessage(w.m, from, machine);
  // A build of version 1 sent its messages bare: `{type, ...}`.
  const version = w?.v ?? (typeof w?.type === 'string' ? 1 : 'none');
  return refused(`protocol version: got ${JSON.stringify(version).slice(0, 20)}, this build speaks ${PROTOCOL_VERSION}`);
}

/**
 * Validates a message received from `from`: its shape and ranges, that ballots of leader messages belong
 * to the sender, that forwarded commands are the sender's own, then every command and snapshot state
 * through the application's parsers. Never throws.
 */
export function parseMessage<S, C>(raw: unknown, from: string, machine: StateMachine<S, C>): Parsed<Message<S, C>> {
  const type = (raw as { type?: unknown } | null)?.type as MessageType;
  if (typeof type !== 'string' || !Object.hasOwn(messageSchemas, type)) {
    return refused(`malformed message: unknown type ${JSON.stringify(type)?.slice(0, 40)}`);
  }
  const result = v.safeParse(messageSchemas[type] as v.GenericSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    return refused(`malformed message${path ? ` at ${path}` : ''}: ${issue.message}`);
  }
  // The shape is checked; the commands and states inside are not yet the application's (refine does that).
  const m: Raw = { ...(result.output as Raw), type };
  if (OWN_BALLOT_TYPES.includes(type) && m['ballot'].node !== from) return refused(`${type}: not the sender's ballot`);
  if (type === 'forward' && m['commands'].some((c: ProposedCommand<unknown>) => c.proposer !== from)) return refused("forward: not the sender's command");
  try {
    return { ok: true, value: refine(m, machine) };
  } catch (error) {
    return refused(`invalid application data: ${(error as Error).message}`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a shape-checked message before refine
type Raw = Record<string, any>;

const refused = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Runs the application's parsers over the opaque parts (`command`, `state`) of a shape-checked message. */
function refine<S, C>(m: Raw, machine: StateMachine<S, C>): Message<S, C> {
  const out = { ...m };
  if (m['value'] !== undefined) out['value'] = refineValue(m['value'], machine);
  if (m['commands'] !== undefined) out['commands'] = refineCommands(m['commands'], machine);
  if (m['snapshot'] !== undefined) out['snapshot'] = refineSnapshot(m['snapshot'], machine);
  for (const key of ['accepted', 'decided', 'entries']) {
    if (m[key] !== undefined) out[key] = m[key].map((e: Raw) => ({ ...e, value: refineValue(e['value'], machine) }));
  }
  return out as Message<S, C>;
}

/** Validates the commands inside a slot value (shape already checked). Throws on an invalid command. */
export function refineValue<S, C>(value: SlotValue<unknown>, machine: StateMachine<S, C>): SlotValue<C> {
  return value.kind === 'commands' ? { kind: 'commands', commands: refineCommands(value.commands, machine) } : value;
}

/** Validates a snapshot's state (shape already checked). Throws on an invalid state. */
export function refineSnapshot<S, C>(s: Snapshot<unknown>, machine: StateMachine<S, C>): Snapshot<S> {
  return { ...s, state: machine.parseState(s.state) };
}

function refineCommands<S, C>(commands: readonly ProposedCommand<unknown>[], machine: StateMachine<S, C>): ProposedCommand<C>[] {
  return commands.map((c) => ({ ...c, command: machine.parseCommand(c.command) }));
}

/** The schemas of the pieces, for storage validation. */
export const schemas = { ballot, promised, slot, value, snapshot } as const;
