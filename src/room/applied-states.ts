/**
 * The states the consensus node's log computes as it applies decided commands, kept as they come, so the
 * room reports each decided slot's state without applying a command a second time: the log is the one
 * place where commands are applied.
 *
 * The node takes {@link AppliedStates.machine} as its state machine. Its log calls `apply` once per command
 * of each decided slot, in slot order, and lists those slots in the same order in `drain().applied`; so the
 * state after a listed slot is the state its last command produced, and {@link after} takes them in turn.
 * (Were `AppliedEntry` to carry the state after its slot, this file would go.)
 */
import type { AppliedEntry, StateMachine } from '../consensus/index.js';

export class AppliedStates<S, C> {
  /** The state machine to give the node: `inner`, recording each state its `apply` returns. */
  readonly machine: StateMachine<S, C>;
  #states: S[] = [];

  constructor(inner: StateMachine<S, C>) {
    this.machine = {
      ...inner,
      apply: (state, command) => {
        const next = inner.apply(state, command);
        this.#states.push(next);
        return next;
      },
    };
  }

  /** The state after `entry`, the next slot the node applied: `before` for a slot without commands. */
  after(entry: AppliedEntry<C>, before: S): S {
    const count = entry.value.kind === 'commands' ? entry.value.commands.length : 0;
    return this.#states.splice(0, count).pop() ?? before;
  }
}
