/**
 * The protocol's messages: plain JSON objects with a `type`, the `ballot` they belong to where one
 * matters and the `slot` they are about where one matters. Every message that arrives from a peer goes
 * through {@link parseMessage} (shape, types, ranges, then the application's own command and state
 * validation) before the node looks at it.
 */
import * as v from '../schema/index.js';
import type { Ballot } from './ballot.js';
import { NODE_ID_PATTERN } from './node-id.js';
import type { StateMachine } from './state-machine.js';
import type { AcceptedEntry, DecidedEntry, ProposedCommand, SlotValue } from './values.js';

/** Limits that keep one message bounded. */
export const LIMITS = Object.freeze({
  /** Commands in one slot's batch, and in one forward. */
  maxBatch: 256,
  /** Entries in one promise or catch-up reply. */
  maxEntries: 1024,
  /** Acceptors in one configuration. */
  maxAcceptors: 15,
  /** Length of a proposal or read id. */
  maxIdLength: 128,
});

/** A snapshot on the wire: the state after `slot`, and the acceptors of slot + 1. */
export interface WireSnapshot<S> {
  readonly slot: number;
  readonly state: S;
  readonly acceptors: readonly string[];
}

/** Phase 1a: a proposer asks for a promise on `ballot`, for every slot from `slot` on. */
export interface PrepareMessage { readonly type: 'prepare'; readonly ballot: Ballot; readonly slot: number }
/**
 * Phase 1b: the promise, with what the acceptor has accepted from `slot` on, what it knows decided there,
 * and the last slot it has applied (`decidedThrough`, -1 while it has no state).
 */
export interface PromiseMessage<C> {
  readonly type: 'promise';
  readonly ballot: Ballot;
  readonly slot: number;
  readonly decidedThrough: number;
  readonly accepted: readonly AcceptedEntry<C>[];
  readonly decided: readonly DecidedEntry<C>[];
}
/** Refusal of a prepare, accept or heartbeat for `ballot`: the acceptor has promised `promised`. */
export interface NackMessage { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot; readonly slot: number }
/** Phase 2a: the leader asks the acceptors of `slot` to accept `value` in `ballot`. */
export interface AcceptMessage<C> { readonly type: 'accept'; readonly ballot: Ballot; readonly slot: number; readonly value: SlotValue<C> }
/** Phase 2b: an acceptor accepted the leader's value for `slot` in `ballot`. */
export interface AcceptedMessage { readonly type: 'accepted'; readonly ballot: Ballot; readonly slot: number }
/** The leader saw a quorum accept: `value` is chosen for `slot`. Sent to every node, acceptors and learners. */
export interface DecideMessage<C> { readonly type: 'decide'; readonly ballot: Ballot; readonly slot: number; readonly value: SlotValue<C> }
/** Leader liveness, sent every few ticks; also a confirmation round for reads (`seq`). */
export interface HeartbeatMessage { readonly type: 'heartbeat'; readonly ballot: Ballot; readonly seq: number; readonly decidedThrough: number }
/** Answer to a heartbeat from a node that has promised nothing higher. */
export interface AckMessage {
  readonly type: 'ack';
  readonly ballot: Ballot;
  readonly seq: number;
  readonly decidedThrough: number;
  /** Whether the node may lead (a hidden tab may not). */
  readonly eligible: boolean;
}
/** A non-leader hands its proposals to the leader. */
export interface ForwardMessage<C> { readonly type: 'forward'; readonly commands: readonly ProposedCommand<C>[] }
/**
 * The leader tells a proposer that proposals it forwarded again were already decided, at these slots
 * (the proposer may have skipped those slots by installing a snapshot, so it could not see them).
 */
export interface SettledMessage { readonly type: 'settled'; readonly proposals: readonly { readonly id: string; readonly slot: number }[] }
/** A lagging node asks for every decided slot from `slot` on. */
export interface CatchupMessage { readonly type: 'catchup'; readonly slot: number }
/** Catch-up reply: a snapshot when the asker is behind the sender's compacted log, then decided entries. */
export interface EntriesMessage<S, C> {
  readonly type: 'entries';
  readonly snapshot?: WireSnapshot<S>;
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
  | PrepareMessage
  | PromiseMessage<C>
  | NackMessage
  | AcceptMessage<C>
  | AcceptedMessage
  | DecideMessage<C>
  | HeartbeatMessage
  | AckMessage
  | ForwardMessage<C>
  | SettledMessage
  | CatchupMessage
  | EntriesMessage<S, C>
  | ReadMessage
  | ReadIndexMessage
  | HandoffMessage;

/** The message type names, e.g. for a table of DOM event names. */
export const MESSAGE_TYPES = [
  'prepare', 'promise', 'nack', 'accept', 'accepted', 'decide', 'heartbeat', 'ack',
  'forward', 'settled', 'catchup', 'entries', 'read', 'read-index', 'handoff',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A message with its destination node id. */
export interface Envelope<S, C> {
  readonly to: string;
  readonly message: Message<S, C>;
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
  const m = message as { type: MessageType; ballot?: Ballot; slot?: number; decidedThrough?: number };
  const summary: { type: MessageType; ballot?: Ballot; slot?: number; decidedThrough?: number } = { type: m.type };
  if (m.ballot !== undefined) summary.ballot = m.ballot;
  if (m.slot !== undefined) summary.slot = m.slot;
  if (typeof m.decidedThrough === 'number') summary.decidedThrough = m.decidedThrough;
  return summary;
}

// ---- validation -------------------------------------------------------------------------------------

const nodeId = v.pipe(v.string(), v.regex(NODE_ID_PATTERN, 'a node id is 8-64 characters of [A-Za-z0-9_-]'));
const nonNegative = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const slot = nonNegative;
const decidedThrough = v.pipe(v.number(), v.safeInteger(), v.minValue(-1));
const ballot = v.object({ round: v.pipe(v.number(), v.safeInteger(), v.minValue(1)), node: nodeId });
const requestId = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.maxIdLength));
const acceptorSet = v.pipe(
  v.array(nodeId),
  v.minLength(1),
  v.maxLength(LIMITS.maxAcceptors),
  v.check((ids) => new Set(ids).size === ids.length, 'acceptors must be distinct'),
);
const proposedCommand = v.object({ id: requestId, proposer: nodeId, command: v.unknown() });
const commandBatch = v.pipe(v.array(proposedCommand), v.minLength(1), v.maxLength(LIMITS.maxBatch));
const slotValue = v.variant('kind', [
  v.object({ kind: v.literal('commands'), commands: commandBatch }),
  v.object({ kind: v.literal('config'), acceptors: acceptorSet }),
  v.object({ kind: v.literal('noop') }),
]);
const entryList = <T extends v.GenericSchema>(item: T) => v.pipe(v.array(item), v.maxLength(LIMITS.maxEntries));
const decidedEntry = v.object({ slot, value: slotValue });
const acceptedEntry = v.object({ slot, ballot, value: slotValue });

/** One schema per message type, looked up by `type` (a variant would try each in turn). */
const messageSchemas = {
  prepare: v.object({ type: v.literal('prepare'), ballot, slot }),
  promise: v.object({
    type: v.literal('promise'),
    ballot,
    slot,
    decidedThrough,
    accepted: entryList(acceptedEntry),
    decided: entryList(decidedEntry),
  }),
  nack: v.object({ type: v.literal('nack'), ballot, promised: ballot, slot }),
  accept: v.object({ type: v.literal('accept'), ballot, slot, value: slotValue }),
  accepted: v.object({ type: v.literal('accepted'), ballot, slot }),
  decide: v.object({ type: v.literal('decide'), ballot, slot, value: slotValue }),
  heartbeat: v.object({ type: v.literal('heartbeat'), ballot, seq: nonNegative, decidedThrough }),
  ack: v.object({ type: v.literal('ack'), ballot, seq: nonNegative, decidedThrough, eligible: v.boolean() }),
  forward: v.object({ type: v.literal('forward'), commands: commandBatch }),
  settled: v.object({
    type: v.literal('settled'),
    proposals: v.pipe(v.array(v.object({ id: requestId, slot })), v.minLength(1), v.maxLength(LIMITS.maxBatch)),
  }),
  catchup: v.object({ type: v.literal('catchup'), slot }),
  entries: v.object({
    type: v.literal('entries'),
    snapshot: v.optional(v.object({ slot, state: v.unknown(), acceptors: acceptorSet })),
    entries: entryList(decidedEntry),
  }),
  read: v.object({ type: v.literal('read'), readId: requestId }),
  'read-index': v.object({ type: v.literal('read-index'), readId: requestId, slot }),
  handoff: v.object({ type: v.literal('handoff'), ballot }),
} satisfies Record<MessageType, v.GenericSchema>;

type RawMessage = { [K in MessageType]: v.InferOutput<(typeof messageSchemas)[K]> }[MessageType];

/** Result of validating untrusted input: the typed value, or why it was refused. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Types whose ballot must be the sender's own: nobody may speak for another proposer. */
const OWN_BALLOT_TYPES = new Set(['prepare', 'accept', 'decide', 'heartbeat', 'handoff']);

/**
 * Validates a message received from `from`: its shape and ranges, that ballots of leader messages belong
 * to the sender, that forwarded commands are the sender's own, then every command and snapshot state
 * through the application's parsers. Never throws.
 */
export function parseMessage<S, C>(raw: unknown, from: string, machine: StateMachine<S, C>): Parsed<Message<S, C>> {
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, reason: 'malformed message: not an object' };
  if (typeof type !== 'string' || !Object.hasOwn(messageSchemas, type)) {
    return { ok: false, reason: `malformed message: unknown type ${JSON.stringify(type)?.slice(0, 40)}` };
  }
  const result = v.safeParse(messageSchemas[type as MessageType], raw);
  if (!result.success) {
    const issue = result.issues[0];
    const path = v.getDotPath(issue);
    return { ok: false, reason: `malformed message${path ? ` at ${path}` : ''}: ${issue.message}` };
  }
  const message = result.output as { type: string; ballot?: Ballot; commands?: { proposer: string }[] };
  if (OWN_BALLOT_TYPES.has(message.type) && message.ballot?.node !== from) {
    return { ok: false, reason: `${message.type} carries a ballot of ${message.ballot?.node}, not of its sender` };
  }
  if (message.type === 'forward' && message.commands?.some((c) => c.proposer !== from)) {
    return { ok: false, reason: 'forward carries commands of another proposer' };
  }
  try {
    return { ok: true, value: refineMessage(result.output as RawMessage, machine) };
  } catch (error) {
    return { ok: false, reason: `invalid application data: ${(error as Error).message}` };
  }
}

/** Runs the application's parsers over the opaque parts (`command`, `state`) of a shape-checked message. */
function refineMessage<S, C>(message: RawMessage, machine: StateMachine<S, C>): Message<S, C> {
  switch (message.type) {
    case 'promise':
      return {
        ...message,
        accepted: message.accepted.map((e) => ({ ...e, value: refineValue(e.value, machine) })),
        decided: message.decided.map((e) => ({ ...e, value: refineValue(e.value, machine) })),
      };
    case 'accept':
    case 'decide':
      return { ...message, value: refineValue(message.value, machine) };
    case 'forward':
      return { ...message, commands: refineCommands(message.commands, machine) };
    case 'entries': {
      const entries = message.entries.map((e) => ({ ...e, value: refineValue(e.value, machine) }));
      if (message.snapshot === undefined) return { type: 'entries', entries };
      const snapshot = { ...message.snapshot, state: machine.parseState(message.snapshot.state) };
      return { type: 'entries', snapshot, entries };
    }
    default:
      return message;
  }
}

type RawValue = v.InferOutput<typeof slotValue>;
type RawCommand = v.InferOutput<typeof proposedCommand>;

/** Validates the commands inside a slot value (shape already checked). Throws on an invalid command. */
export function refineValue<S, C>(value: RawValue, machine: StateMachine<S, C>): SlotValue<C> {
  return value.kind === 'commands' ? { kind: 'commands', commands: refineCommands(value.commands, machine) } : value;
}

function refineCommands<S, C>(commands: readonly RawCommand[], machine: StateMachine<S, C>): ProposedCommand<C>[] {
  return commands.map((c) => ({ id: c.id, proposer: c.proposer, command: machine.parseCommand(c.command) }));
}

/** The schemas of the pieces, for storage validation. */
export const schemas = { ballot, slot, decidedThrough, slotValue, acceptorSet, nodeId } as const;
