/**
 * The consensus core's Storage over sessionStorage, one key per room, node id and history: a reloaded tab
 * comes back as the same acceptor of the same history with its promises intact (the fail-recover model),
 * while another tab, with its own sessionStorage and id, never sees it. A tab that leaves a history for
 * another (history.ts) keeps the old state under its key, so that if it ever came back to that history it
 * would come back with its promises, never as an acceptor that forgot them.
 *
 * `save` is synchronous and durable for a reload when it returns, which is what the core's
 * persist-before-send needs. A save that throws (quota) propagates: the core then sends nothing.
 */
import { parsePersistentState, type PersistentState, type Storage } from '../consensus/index.js';
import type { StateMachine } from '../consensus/index.js';
import { HISTORY_PATTERN } from './history.js';

export class SessionStore<S, C> implements Storage<S, C> {
  readonly #storage: globalThis.Storage | undefined;
  readonly #key: string;
  readonly #machine: StateMachine<S, C>;
  /** Set when the stored state was unreadable and dropped; the host reports it. */
  discarded_: string | undefined;
  /** The history this node is in, if any (kept for reloads). */
  #history: string | undefined;
  readonly #memory = new Map<string | undefined, PersistentState<S, C>>();

  constructor(storage: globalThis.Storage | undefined, room: string, id: string, machine: StateMachine<S, C>) {
    this.#storage = storage;
    this.#key = `paxos-video:acceptor:${room}:${id}`;
    this.#machine = machine;
    const h = storage?.getItem(this.#key);
    if (HISTORY_PATTERN.test(h!)) this.#history = h!;
  }

  /** The history whose state {@link load} and {@link save} read and write; setting it is durable at once. */
  get history(): string | undefined {
    return this.#history;
  }
  set history(h: string) {
    this.#history = h;
    this.#storage?.setItem(this.#key, h);
  }

  load(): PersistentState<S, C> | undefined {
    const raw = this.#storage?.getItem(`${this.#key}:${this.#history}`);
    if (!raw) return this.#memory.get(this.#history);
    try {
      return parsePersistentState(JSON.parse(raw), this.#machine);
    } catch (error) {
      // Never trust a corrupt record: starting as a fresh acceptor under this id could break its old
      // promises, so the host must use a new id (it checks `discarded_`).
      this.discarded_ = (error as Error).message;
      return undefined;
    }
  }

  save(state: PersistentState<S, C>): void {
    this.#memory.set(this.#history, state);
    this.#storage?.setItem(`${this.#key}:${this.#history}`, JSON.stringify(state));
  }
}
