/**
 * The application the log drives. The core is generic over it: it applies decided commands in slot
 * order to compute the state (and the snapshots it sends to lagging nodes), and it validates every
 * command and snapshot that arrives from a peer before it lets it near the log.
 *
 * All four functions must be pure and deterministic: every node applies the same commands in the same
 * order and must reach the same state.
 */
export interface StateMachine<S, C> {
  /** The state before slot 1. */
  initial(): S;
  /** The state after `command`; must not mutate `state`. */
  apply(state: S, command: C): S;
  /** Validates a command received from a peer (or proposed locally); throws an Error saying why not. */
  parseCommand(raw: unknown): C;
  /** Validates a state received in a snapshot or loaded from storage; throws an Error saying why not. */
  parseState(raw: unknown): S;
}
