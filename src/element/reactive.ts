/**
 * The element's reactive properties, without a framework: each is an accessor on the prototype that keeps its
 * value and, when a new value differs (`Object.is`, as lit compares), asks its element for an update with the
 * property's effect flags. The element batches the requests into one update per microtask (paxos-video.ts).
 */

/** What a reactive property's element does: gather the changes' flags into its next update. */
export interface ReactiveHost {
  requestUpdate_(effects: number): void;
}

/** Defines the properties of `table` on `prototype`: name, and the flags a change of it passes on. */
export function defineReactive(prototype: ReactiveHost, table: Record<string, number>): void {
  for (const [name, effects] of Object.entries(table)) {
    const key = Symbol(name);
    Object.defineProperty(prototype, name, {
      get(this: Record<symbol, unknown>) {
        return this[key];
      },
      set(this: ReactiveHost & Record<symbol, unknown>, value: unknown) {
        if (Object.is(value, this[key])) return;
        this[key] = value;
        this.requestUpdate_(effects);
      },
    });
  }
}
