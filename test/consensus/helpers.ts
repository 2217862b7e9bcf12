/** Shared helpers for the consensus unit tests: a single node driven by hand, and message builders. */
import { MemoryStorage, PaxosNode, type Ballot, type Envelope, type Message, type PaxosNodeOptions } from '../../src/consensus/index.js';
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

export function commands(...tags: string[]) {
  return { kind: 'commands' as const, commands: tags.map((tag, i) => ({ id: `p${i}-${tag}`, proposer: B, command: { tag } })) };
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
  const result = node.step(from, message);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return [...node.drain().messages];
}

/** The messages of one type in a batch. */
export function ofType<T extends Msg['type']>(batch: readonly Envelope<Digest, AppendCommand>[], type: T): Extract<Msg, { type: T }>[] {
  return batch.filter((e) => e.message.type === type).map((e) => e.message as Extract<Msg, { type: T }>);
}
