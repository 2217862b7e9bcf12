/**
 * The animation queue of the messages the inspector draws in flight.
 *
 * A room sends hundreds of messages a second when busy (heartbeats and their acks never stop), far more than
 * anyone can follow. The queue slows the interesting ones down: a burst that arrived together (a leader's
 * broadcast) flies together, and successive bursts start at least `gapMs` apart, each flight taking
 * `flightMs`. It never falls behind the room: heartbeats and acks waiting for the same pair coalesce into one
 * flight with a count, the queue holds at most `maxPending` entries (dropping chatter first), and an entry
 * that waited longer than `maxLagMs` is dropped rather than shown late.
 *
 * Pure: the caller passes the time, so tests drive it with any clock.
 */

/** What a flight carries: the protocol message's summary. */
export interface FlightMessage {
  readonly type: string;
  readonly from: string;
  readonly to: string;
  readonly slot?: number;
}

/** A message being drawn. */
export interface Flight extends FlightMessage {
  /** Unique per queue, for keyed rendering. */
  readonly id: number;
  /** How many messages it stands for (coalesced heartbeats and acks). */
  readonly count: number;
  /** Heartbeat or ack: drawn small and faint. */
  readonly chatter: boolean;
  /** 0 when it leaves `from`, 1 when it reaches `to`. */
  readonly progress: number;
}

/** Pacing of the queue. */
export interface MessageQueueOptions {
  /** Time one message takes to cross, ms. Default 700. */
  readonly flightMs?: number;
  /** Least time between the starts of two bursts, ms. Default 160. */
  readonly gapMs?: number;
  /** Messages that arrived within this long of each other leave together, ms. Default 25. */
  readonly batchMs?: number;
  /** Most messages waiting; beyond it the oldest chatter (else the oldest message) is dropped. Default 40. */
  readonly maxPending?: number;
  /** A message waiting longer than this is dropped, ms. Default 2500. */
  readonly maxLagMs?: number;
  /** Most flights drawn at once. Default 64. */
  readonly maxActive?: number;
}

/** Counters of what the queue did. */
export interface MessageQueueStats {
  /** Messages pushed. */
  received: number;
  /** Flights started. */
  shown: number;
  /** Messages folded into a waiting flight of the same pair and type. */
  coalesced: number;
  /** Messages dropped (queue full or waited too long). */
  dropped: number;
}

/** Message types that are liveness chatter rather than a step of the protocol. */
export const CHATTER_TYPES: ReadonlySet<string> = new Set(['heartbeat', 'ack']);

interface Pending {
  message: FlightMessage;
  arrivedAt: number;
  count: number;
  chatter: boolean;
}

interface Active {
  id: number;
  message: FlightMessage;
  start: number;
  count: number;
  chatter: boolean;
}

export class MessageQueue {
  readonly flightMs: number;
  readonly gapMs: number;
  readonly batchMs: number;
  readonly maxPending: number;
  readonly maxLagMs: number;
  readonly maxActive: number;
  readonly stats: MessageQueueStats = { received: 0, shown: 0, coalesced: 0, dropped: 0 };

  #pending: Pending[] = [];
  #active: Active[] = [];
  #nextStart = Number.NEGATIVE_INFINITY;
  #nextId = 1;

  constructor(options: MessageQueueOptions = {}) {
    this.flightMs = positive(options.flightMs ?? 700, 'flightMs');
    this.gapMs = nonNegative(options.gapMs ?? 160, 'gapMs');
    this.batchMs = nonNegative(options.batchMs ?? 25, 'batchMs');
    this.maxPending = positiveInt(options.maxPending ?? 40, 'maxPending');
    this.maxLagMs = positive(options.maxLagMs ?? 2500, 'maxLagMs');
    this.maxActive = positiveInt(options.maxActive ?? 64, 'maxActive');
  }

  /** Messages waiting for their turn. */
  get pending(): number {
    return this.#pending.length;
  }

  /** Whether nothing waits and nothing flies (the view can stop animating). */
  get idle(): boolean {
    return this.#pending.length === 0 && this.#active.length === 0;
  }

  /** Queues a message that was sent or received at `now`. */
  push(message: FlightMessage, now: number): void {
    this.stats.received++;
    const chatter = CHATTER_TYPES.has(message.type);
    if (chatter) {
      const same = this.#pending.find((p) => p.chatter && p.message.type === message.type && p.message.from === message.from && p.message.to === message.to);
      if (same) {
        same.count++;
        this.stats.coalesced++;
        return;
      }
    }
    this.#pending.push({ message: copy(message), arrivedAt: now, count: 1, chatter });
    if (this.#pending.length > this.maxPending) {
      const chatterAt = this.#pending.findIndex((p) => p.chatter);
      const dropped = this.#pending.splice(chatterAt >= 0 ? chatterAt : 0, 1)[0]!;
      this.stats.dropped += dropped.count;
    }
  }

  /**
   * Moves the queue to `now`: ends finished flights, drops messages that waited too long, starts the next
   * burst when its turn has come, and returns what is in the air with its progress.
   */
  advance(now: number): Flight[] {
    this.#active = this.#active.filter((a) => now - a.start < this.flightMs);
    const fresh = this.#pending.filter((p) => now - p.arrivedAt <= this.maxLagMs);
    for (const p of this.#pending) if (now - p.arrivedAt > this.maxLagMs) this.stats.dropped += p.count;
    this.#pending = fresh;

    const first = this.#pending[0];
    if (first && now >= this.#nextStart && this.#active.length < this.maxActive) {
      let n = 0;
      while (n < this.#pending.length && this.#pending[n]!.arrivedAt - first.arrivedAt <= this.batchMs && this.#active.length < this.maxActive) {
        const p = this.#pending[n]!;
        this.#active.push({ id: this.#nextId++, message: p.message, start: now, count: p.count, chatter: p.chatter });
        this.stats.shown++;
        n++;
      }
      this.#pending.splice(0, n);
      this.#nextStart = now + this.gapMs;
    }
    return this.#active.map((a) => ({
      ...a.message,
      id: a.id,
      count: a.count,
      chatter: a.chatter,
      progress: Math.min(1, Math.max(0, (now - a.start) / this.flightMs)),
    }));
  }

  /** Forgets everything waiting or flying (a new target). */
  clear(): void {
    this.#pending = [];
    this.#active = [];
    this.#nextStart = Number.NEGATIVE_INFINITY;
  }
}

function copy(m: FlightMessage): FlightMessage {
  return m.slot === undefined ? { type: m.type, from: m.from, to: m.to } : { type: m.type, from: m.from, to: m.to, slot: m.slot };
}

function positive(x: number, name: string): number {
  if (!Number.isFinite(x) || x <= 0) throw new RangeError(`${name} must be a positive number, got ${x}`);
  return x;
}
function nonNegative(x: number, name: string): number {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`${name} must be a number >= 0, got ${x}`);
  return x;
}
function positiveInt(x: number, name: string): number {
  if (!Number.isSafeInteger(x) || x < 1) throw new RangeError(`${name} must be an integer >= 1, got ${x}`);
  return x;
}
