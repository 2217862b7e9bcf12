/**
 * The application the simulator and the unit tests replicate: an append-only list of tags, kept as its
 * length and a rolling hash. Equal digests mean equal lists (up to a 32-bit collision), so the checker
 * can compare any node's state, or any snapshot, with the state the decided log implies.
 */
import type { StateMachine } from '../../src/consensus/index.js';

export interface Digest {
  readonly length: number;
  readonly hash: number;
}

/** Appends `tag` to the list. */
export interface AppendCommand {
  readonly tag: string;
}

function mix(hash: number, tag: string): number {
  let h = hash ^ 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 0x01000193);
  return (Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ 0x5bd1e995) >>> 0;
}

export const digestMachine: StateMachine<Digest, AppendCommand> = {
  initial: () => ({ length: 0, hash: 0 }),
  apply: (state, command) => ({ length: state.length + 1, hash: mix(state.hash, command.tag) }),
  parseCommand(raw) {
    const tag = (raw as { tag?: unknown } | null)?.tag;
    if (typeof raw !== 'object' || raw === null || typeof tag !== 'string' || tag.length === 0 || tag.length > 64) {
      throw new Error('an append command is { tag: string of 1-64 characters }');
    }
    return { tag };
  },
  parseState(raw) {
    const s = raw as { length?: unknown; hash?: unknown } | null;
    if (
      typeof s !== 'object' || s === null ||
      !Number.isSafeInteger(s.length) || (s.length as number) < 0 ||
      !Number.isInteger(s.hash) || (s.hash as number) < 0 || (s.hash as number) > 0xffffffff
    ) {
      throw new Error('a digest is { length: integer >= 0, hash: uint32 }');
    }
    return { length: s.length as number, hash: s.hash as number };
  },
};

export function sameDigest(a: Digest, b: Digest): boolean {
  return a.length === b.length && a.hash === b.hash;
}
