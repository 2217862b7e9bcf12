/**
 * The consensus core's Storage over sessionStorage, one key per room and node id: a reloaded tab comes back
 * as the same acceptor with its promises intact (the fail-recover model), while another tab, with its own
 * sessionStorage and id, never sees it.
 *
 * `save` is synchronous and durable for a reload when it returns, which is what the core's
 * persist-before-send needs. A save that throws (quota) propagates: the core then sends nothing.
 */
import { parsePersistentState, type PersistentState, type Storage } from '../consensus/index.js';
import type { StateMachine } from '../consensus/index.js';

const KEY = (room: string, id: string) => `paxos-video:acceptor:${room}:${id}`;

export class SessionStore<S, C> implements Storage<S, C> {
  readonly #storage: globalThis.Storage | undefined;
  readonly #key: string;
  readonly #machine: StateMachine<S, C>;
  /** Set when the stored state was unreadable and dropped; the host reports it. */
  discarded: string | undefined;
  #memory: PersistentState<S, C> | undefined;

  constructor(storage: globalThis.Storage | undefined, room: string, id: string, machine: StateMachine<S, C>) {
    this.#storage = storage;
    this.#key = KEY(room, id);
    this.#machine = machine;
  }

  load(): PersistentState<S, C> | undefined {
    const raw = this.#storage?.getItem(this.#key);
    if (!raw) return this.#memory;
    try {
      return parsePersistentState(JSON.parse(raw), this.#machine);
    } catch (error) {
      // Never trust a corrupt record: starting as a fresh acceptor under this id could break its old
      // promises, so the host must use a new id (it checks `discarded`).
      this.discarded = (error as Error).message;
      return undefined;
    }
  }

  save(state: PersistentState<S, C>): void {
    this.#memory = state;
    this.#storage?.setItem(this.#key, JSON.stringify(state));
  }
}
