/**
 * paxos-video's consensus core: Multi-Paxos with reconfiguration, as a pure deterministic state machine
 * (no timers, clock, Math.random, DOM or I/O: time is `tick()`, randomness and storage are injected).
 *
 * ```ts
 * const node = new PaxosNode<VideoState, VideoCommand>({
 *   id,                       // 8-64 chars of [A-Za-z0-9_-], unique in the room, stable across reloads
 *   stateMachine,             // { initial, apply, parseCommand, parseState }, all pure
 *   storage,                  // { load(), save(state) }, synchronous (sessionStorage in the browser)
 *   random,                   // () => number in [0, 1): election jitter
 *   bootstrap: firstInRoom ? [id] : undefined,   // found the room, or join it (state comes from peers)
 *   // maxAcceptors 5, heartbeatTicks 2, electionTicks 8 (timeout in [8, 16)), retryTicks 4,
 *   // proposalTimeoutTicks 100, readTimeoutTicks 40, snapshotEvery 64, maxBatch 64, eligible true
 * });
 * // inputs
 * const r = node.step(fromId, JSON.parse(frame)); // { ok: true, message } or { ok: false, reason }; never throws
 * node.tick();                                     // every 50 ms
 * node.propose(command, proposalId);               // settles in drain().proposals
 * node.read(readId);                               // linearizable read, settles in drain().reads
 * node.peerJoined(id); node.peerLeft(id); node.peerReachable(id, open);
 * node.setEligible(document.visibilityState === 'visible');
 * node.setTiming({ electionTicks: 12 });           // timeouts from now on (e.g. from measured round trips)
 * node.forceReconfigure(acceptors?);               // UNSAFE operator action, see its JSDoc
 * // outputs, after every input: drain() first saves through `storage`, then releases the messages
 * const out = node.drain();
 * out.messages;   // { to, message }[]: send JSON.stringify(toWire(message)) to node `to`
 * out.applied;    // { slot, value, acceptors, state }[] in slot order, each with the state after it
 * out.proposals;  // { id, ok: true, slot } | { id, ok: false, code: 'no-quorum' | 'timeout' | 'invalid', reason }
 * out.reads;      // { id, ok: true, slot, state } | { id, ok: false, code, reason }
 * out.events;     // role, leader, config, quorum-lost / quorum-restored { reachable, needed }, restored { slot, state }
 * ```
 *
 * Every message sent (`out.messages[i].message`) and received (`step(...).message`) is a plain JSON
 * object with a `type` (see {@link MESSAGE_TYPES}), and `ballot` and `slot` where they apply;
 * {@link summarizeMessage} extracts them for reporting. On the wire it travels inside {@link toWire}'s
 * versioned envelope: a tab of another protocol version refuses it (and is refused) with a reason that
 * starts `protocol version`. Views: `node.state`, `applied`, `role`, `leader`, `acceptors`, `known`,
 * `promisedBallot`, `pendingProposals`, `stats`.
 *
 @packageDocumentation
 */
export { PaxosNode } from './node.js';
export type { PaxosNodeOptions, TimingOptions } from './options.js';
export type { StateMachine } from './state-machine.js';
export { MemoryStorage, parsePersistentState, type Storage, type PersistentState, type Snapshot, type LogEntry } from './storage.js';
export type { Session } from './sessions.js';
export { compareBallots, ballotEquals, formatBallot, NO_BALLOT, type Ballot } from './ballot.js';
export { quorumSize } from './quorum.js';
export { NODE_ID_PATTERN, isNodeId } from './node-id.js';
export {
  MESSAGE_TYPES,
  LIMITS,
  PROTOCOL_VERSION,
  toWire,
  parseWire,
  parseMessage,
  summarizeMessage,
  type Message,
  type MessageType,
  type MessageSummary,
  type Envelope,
  type WireMessage,
} from './messages.js';
export type { SlotValue, ProposedCommand, DecidedEntry, AcceptedEntry } from './values.js';
export type { AppliedEntry } from './log.js';
export type {
  Output,
  NodeEvent,
  Role,
  FailureCode,
  ProposalOutcome,
  ReadOutcome,
  NodeStats,
  StepResult,
} from './output.js';
