/**
 * The animation queue of the messages the inspector draws in flight.
 *
 * A room sends dozens of messages a second even when idle (heartbeats and their acks never stop), far more
 * than anyone can follow. The queue slows the protocol's steps down: a burst that arrived together (a
 * leader's broadcast, the answers to it) flies together, and successive bursts start at least `gapMs` apart,
 * each flight taking `flightMs`. Heartbeats and acks never hold a step up: they wait on their own clock
 * (one wave every `chatterGapMs`), and those waiting for the same pair coalesce into one flight with a
 * count. It never falls behind the room: at most `maxPending` entries wait (chatter is dropped first), and an
 * entry that waited longer than `maxLagMs` is dropped rather than shown late.
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
  /** Least time between the starts of two bursts of protocol messages, ms. Default 175. */
  readonly gapMs?: number;
  /** Time between two waves of heartbeats and acks, ms. Default: `flightMs`. */
  readonly chatterGapMs?: number;
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
  readonly chatterGapMs: number;
  readonly batchMs: number;
  readonly maxPending: number;
  readonly maxLagMs: number;
  readonly maxActive: number;
  readonly stats: MessageQueueStats = { received: 0, shown: 0, coalesced: 0, dropped: 0 };

  #pending: Pending[] = [];
  #active: Active[] = [];
  #nextStart = -Infinity;
  #nextChatter = -Infinity;
  #nextId = 1;

  constructor(options: MessageQueueOptions = {}) {
    this.flightMs = positive(options.flightMs ?? 700, 'flightMs');
    this.gapMs = nonNegative(options.gapMs ?? 175, 'gapMs');
    this.chatterGapMs = nonNegative(options.chatterGapMs ?? this.flightMs, 'chatterGapMs');
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
   * burst of protocol messages and the next wave of chatter when their turns have come, and returns what is
   * in the air with its progress.
   */
  advance(now: number): Flight[] {
    this.#active = this.#active.filter((a) => now - a.start < this.flightMs);
    const fresh = this.#pending.filter((p) => now - p.arrivedAt <= this.maxLagMs);
    for (const p of this.#pending) if (now - p.arrivedAt > this.maxLagMs) this.stats.dropped += p.count;
    this.#pending = fresh;

    const first = this.#pending.find((p) => !p.chatter);
    if (first && now >= this.#nextStart) {
      const burst = this.#pending.filter((p) => !p.chatter && p.arrivedAt - first.arrivedAt <= this.batchMs);
      if (this.#start(burst, now) > 0) this.#nextStart = now + this.gapMs;
    }
    if (now >= this.#nextChatter && this.#pending.some((p) => p.chatter)) {
      if (this.#start(this.#pending.filter((p) => p.chatter), now) > 0) this.#nextChatter = now + this.chatterGapMs;
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
    this.#nextStart = -Infinity;
    this.#nextChatter = -Infinity;
  }

  /** Starts as many of `entries` as `maxActive` allows (in order); returns how many started. */
  #start(entries: readonly Pending[], now: number): number {
    const room = Math.max(0, this.maxActive - this.#active.length);
    const started = new Set(entries.slice(0, room));
    for (const p of started) {
      this.#active.push({ id: this.#nextId++, message: p.message, start: now, count: p.count, chatter: p.chatter });
      this.stats.shown++;
    }
    if (started.size > 0) this.#pending = this.#pending.filter((p) => !started.has(p));
    return started.size;
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
