/**
 * A typed EventTarget: `on(type, fn)` hands listeners the event's `detail`, typed by an event map, and
 * returns the unsubscribe function. The events are ordinary `CustomEvent`s, so `addEventListener` works too.
 * A throwing listener never breaks the emitter: `dispatchEvent` reports the exception and carries on.
 */
export class TypedEventTarget<M extends object> extends EventTarget {
  /** Subscribes to `type` (`{ once: true }` for the next event only); returns a function that unsubscribes. */
  on<K extends keyof M & string>(type: K, listener: (detail: M[K]) => void, options?: AddEventListenerOptions): () => void {
    const wrapped = (event: Event): void => listener((event as CustomEvent<M[K]>).detail);
    this.addEventListener(type, wrapped, options);
    return () => this.removeEventListener(type, wrapped, options);
  }

  /** Dispatches `type` with `detail`. */
  protected emit<K extends keyof M & string>(type: K, detail: M[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
