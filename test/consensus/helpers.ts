/** Shared helpers for the consensus unit tests: a single node driven by hand, and message builders. */
import { MemoryStorage, PaxosNode, toWire, type Ballot, type Envelope, type Message, type PaxosNodeOptions } from '../../src/consensus/index.js';
import { digestMachine, type AppendCommand, type Digest } from '../sim/digest-machine.js';
import { Rng } from '../sim/rng.js';

export type Node = PaxosNode<Digest, AppendCommand>;
export type Msg = Message<Digest, AppendCommand>;

export const A = 'node-aaa';
export const B = 'node-bbb';
export const C = 'node-ccc';
export const D = 'node-ddd';

export function ballot(round: number, node: string): Ballot {
  return { round, node };
}

let seq = 0;

/** A batch of commands of B, each with a sequence number of its own (so none is a copy of another). */
export function commands(...tags: string[]) {
  return { kind: 'commands' as const, commands: tags.map((tag) => ({ id: `p-${tag}`, proposer: B, seq: seq++, lowest: 0, command: { tag } })) };
}

/** `message` in its wire envelope, as `step` takes it. */
export function wire(message: unknown): unknown {
  return toWire(message as Msg);
}

/** A node with `bootstrap` acceptors, over its own MemoryStorage (returned for restarts). */
export function makeNode(
  id: string,
  bootstrap: readonly string[] | undefined,
  options: Partial<PaxosNodeOptions<Digest, AppendCommand>> = {},
  storage = new MemoryStorage<Digest, AppendCommand>(),
): { node: Node; storage: MemoryStorage<Digest, AppendCommand> } {
  const rng = new Rng(11);
  const node = new PaxosNode<Digest, AppendCommand>({
    id,
    stateMachine: digestMachine,
    storage,
    random: () => rng.next(),
    ...(bootstrap === undefined ? {} : { bootstrap }),
    ...options,
  });
  return { node, storage };
}

/** Steps a message in and returns what the node sends in answer. */
export function exchange(node: Node, from: string, message: unknown): Envelope<Digest, AppendCommand>[] {
  const result = node.step(from, wire(message));
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return [...node.drain().messages];
}

/** The messages of one type in a batch. */
export function ofType<T extends Msg['type']>(batch: readonly Envelope<Digest, AppendCommand>[], type: T): Extract<Msg, { type: T }>[] {
  return batch.filter((e) => e.message.type === type).map((e) => e.message as Extract<Msg, { type: T }>);
}

/**
 * Ticks a lone node (no peers answering by themselves) until it asks for pre-promises, grants them from
 * `granting`, and returns the prepares of the campaign that follows.
 */
export function campaign(node: Node, granting: readonly string[]): Extract<Msg, { type: 'prepare' }>[] {
  let pre: Extract<Msg, { type: 'pre-prepare' }> | undefined;
  for (let i = 0; i < 40 && pre === undefined; i++) {
    node.tick();
    pre = ofType(node.drain().messages, 'pre-prepare')[0];
  }
  if (pre === undefined) throw new Error('the node never asked for pre-promises');
  const out = granting.flatMap((from) => exchange(node, from, { type: 'pre-promise', ballot: pre.ballot }));
  return ofType(out, 'prepare');
}
