/**
 * Prometheus metrics of one server instance, in its own registry (so several servers can live in one
 * process, as they do in tests), served at /metrics.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why an incoming event or connection was refused: the `reason` label of the rejection counters. */
export const REJECT_REASONS = [
  'invalid', // does not match the schema
  'binary', // carries binary attachments
  'proto-key', // carries a __proto__ / constructor / prototype key
  'too-deep', // nested deeper than the limit
  'too-large', // signal.data over 16 KiB
  'no-ack', // join or time without an ack callback
  'unknown-event',
  'not-joined',
  'already-joined',
  'rate-limited',
  'no-such-peer',
  'room-full',
  'id-taken',
  'unauthorized',
  'internal',
] as const;
/** One of {@link REJECT_REASONS}. */
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Why a connection was refused before any event. */
export type ConnectionRejectReason = 'origin' | 'shutting-down' | 'per-ip';

/** Why a room token (signed or shared) was refused: the `reason` label of `paxos_video_rejected_tokens_total`. */
export const TOKEN_REJECT_REASONS = [
  'missing',
  'shared-token-mismatch',
  'too-large',
  'malformed',
  'algorithm-not-allowed',
  'bad-signature',
  'expired',
  'not-yet-valid',
  'missing-claim',
  'wrong-room',
  'bad-claim',
] as const;

/** The server's metrics. */
export interface ServerMetrics {
  registry: Registry;
  joins: Counter;
  resumes: Counter;
  relayed: Counter;
  rejected: Counter<'reason'>;
  rejectedConnections: Counter<'reason'>;
  rateLimitDisconnects: Counter;
  relaySeconds: Histogram;
  rejectedTokens: Counter<'reason'>;
}

/** Creates the metrics; `sockets()` and `rooms()` are read at scrape time. */
export function createMetrics(stats: { sockets: () => number; rooms: () => number; members: () => number; addresses: () => number }): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rejected = new Counter({
    name: 'paxos_video_rejected_messages_total',
    help: 'Client events refused, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Zero-initialise every reason so dashboards see the series before the first rejection.
  for (const reason of REJECT_REASONS) rejected.inc({ reason }, 0);
  const rejectedConnections = new Counter({
    name: 'paxos_video_rejected_connections_total',
    help: 'Connections refused before the handshake, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of ['origin', 'shutting-down', 'per-ip']) rejectedConnections.inc({ reason }, 0);
  const rejectedTokens = new Counter({
    name: 'paxos_video_rejected_tokens_total',
    help: 'Joins refused as unauthorized, by what was wrong with the token',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of TOKEN_REJECT_REASONS) rejectedTokens.inc({ reason }, 0);
  new Gauge({
    name: 'paxos_video_client_addresses',
    help: 'Distinct client addresses with an open connection on this process (behind a proxy: see trustProxy)',
    registers: [registry],
    collect() {
      this.set(stats.addresses());
    },
  });
  new Gauge({
    name: 'paxos_video_sockets',
    help: 'Connected sockets on this process',
    registers: [registry],
    collect() {
      this.set(stats.sockets());
    },
  });
  new Gauge({
    name: 'paxos_video_rooms',
    help: 'Rooms with at least one peer on this process',
    registers: [registry],
    collect() {
      this.set(stats.rooms());
    },
  });
  new Gauge({
    name: 'paxos_video_joined_peers',
    help: 'Peers joined to a room on this process',
    registers: [registry],
    collect() {
      this.set(stats.members());
    },
  });
  return {
    registry,
    rejected,
    rejectedConnections,
    rejectedTokens,
    joins: new Counter({ name: 'paxos_video_joins_total', help: 'Successful joins', registers: [registry] }),
    resumes: new Counter({
      name: 'paxos_video_resumed_joins_total',
      help: 'Joins that took their node id over from an older socket with its resume key (a network change)',
      registers: [registry],
    }),
    relayed: new Counter({ name: 'paxos_video_relayed_messages_total', help: 'Signals relayed to a peer', registers: [registry] }),
    rateLimitDisconnects: new Counter({
      name: 'paxos_video_rate_limit_disconnects_total',
      help: 'Sockets disconnected for flooding',
      registers: [registry],
    }),
    relaySeconds: new Histogram({
      name: 'paxos_video_relay_latency_seconds',
      help: 'Time from receiving a signal to handing it to the target socket (or the scale-out adapter)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers: [registry],
    }),
  };
}
