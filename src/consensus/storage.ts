/**
 * What must survive a reload, and where it goes. An acceptor's promise and accepted values are what
 * make Paxos safe across crashes (the fail-recover model): a node must never answer a prepare or an
 * accept before they are durable. The node hands its state to {@link Storage.save} itself, inside
 * `PaxosNode.drain()`, before it releases any message, so no caller can send first and persist later.
 *
 * The interface is synchronous because the browser implements it over sessionStorage.
 */
import * as v from '../schema/index.js';
import type { Ballot } from './ballot.js';
import { refineSnapshot, refineValue, schemas, type Snapshot } from './messages.js';
import type { StateMachine } from './state-machine.js';
import type { SlotValue } from './values.js';

export type { Snapshot } from './messages.js';

/** One slot of the log: an accepted value (with its ballot) or a decided one. */
export interface LogEntry<C> {
  readonly slot: number;
  readonly value: SlotValue<C>;
  /** Ballot the value was accepted in; absent for values only learned as decided. */
  readonly ballot?: Ballot;
  readonly decided: boolean;
}

/** Everything a node persists. Plain JSON when S and C are. */
export interface PersistentState<S, C> {
  /** 2 since proposer sessions (an older build's state is refused: it holds no sequence numbers). */
  readonly version: 2;
  /**
   * Highest ballot promised. Also at least every ballot this node has used as a proposer, so a restarted
   * node never reuses a ballot with a different value.
   */
  readonly promised: Ballot;
  /** The next sequence number for this node's proposals: a reloaded node never reuses one. */
  readonly seq: number;
  /** Latest snapshot; absent while the node has not yet received the room's state. */
  readonly snapshot?: Snapshot<S>;
  /** Log entries after the snapshot: accepted and decided slots. */
  readonly entries: readonly LogEntry<C>[];
}

/** Durable storage of one node (per room and node id). Both methods may throw; nothing is lost if they do. */
export interface Storage<S, C> {
  /** The last saved state, or undefined for a node that never saved. */
  load(): PersistentState<S, C> | undefined;
  /** Replaces the saved state. Must be durable when it returns. */
  save(state: PersistentState<S, C>): void;
}

/** Storage in memory: for tests and the simulator, where a "restart" builds a new node over the same object. */
export class MemoryStorage<S, C> implements Storage<S, C> {
  #state: PersistentState<S, C> | undefined;
  /** How many times save() was called. */
  saves = 0;

  constructor(initial?: PersistentState<S, C>) {
    this.#state = initial;
  }

  load(): PersistentState<S, C> | undefined {
    return this.#state;
  }

  save(state: PersistentState<S, C>): void {
    this.saves++;
    this.#state = state;
  }
}

const persistentSchema = v.object({
  version: v.literal(2),
  promised: schemas.promised,
  seq: schemas.slot,
  snapshot: v.optional(schemas.snapshot),
  entries: v.array(
    v.object({ slot: v.pipe(schemas.slot, v.minValue(1)), value: schemas.value, ballot: v.optional(schemas.ballot), decided: v.boolean() }),
  ),
});

/**
 * Validates a loaded state (storage is outside the node's control: a tab's sessionStorage can be edited
 * or come from an older version). Throws an Error saying what is wrong.
 */
export function parsePersistentState<S, C>(raw: unknown, machine: StateMachine<S, C>): PersistentState<S, C> {
  const result = v.safeParse(persistentSchema, raw);
  if (!result.success) {
    const issue = result.issues[0];
    throw new Error(`invalid persisted consensus state at ${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`);
  }
  // The application's parsers say themselves what is wrong with a command or a state.
  const { snapshot, ...state } = result.output;
  const entries = state.entries.map((e) => ({ ...e, value: refineValue(e.value, machine) }) as LogEntry<C>);
  return snapshot === undefined ? { ...state, entries } : { ...state, entries, snapshot: refineSnapshot(snapshot, machine) };
}
