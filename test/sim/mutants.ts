/**
 * Planted bugs. Each breaks one rule of the protocol; the simulator's checker must catch every one of
 * them on some seed, which shows that the checks can fail (a checker that never fails proves nothing).
 */
import { NO_BALLOT, PaxosNode, type AcceptedEntry, type Ballot, type ProposedCommand, type SlotValue, type Storage } from '../../src/consensus/index.js';
import type { ReadRound } from '../../src/consensus/read-only.js';
import type { AppendCommand, Digest } from './digest-machine.js';
import type { Mutant, NodeOptions } from './world.js';

type Node = PaxosNode<Digest, AppendCommand>;

/** The acceptor forgets its promise when it restarts (its storage drops the promised ballot). */
const forgetPromise: Mutant = {
  name: 'forget-promise',
  description: 'an acceptor that forgets its promise on restart',
  wrapStorage(storage: Storage<Digest, AppendCommand>): Storage<Digest, AppendCommand> {
    return {
      load: () => {
        const state = storage.load();
        return state === undefined ? undefined : { ...state, promised: NO_BALLOT };
      },
      save: (state) => storage.save(state),
    };
  },
};

class IgnoresAcceptedValues extends PaxosNode<Digest, AppendCommand> {
  protected override recoveredValue_(): AcceptedEntry<AppendCommand> | undefined {
    return undefined;
  }
}

/** A new leader proposes its own value even where phase 1 found an accepted one (breaks P2c). */
const ignoreAccepted: Mutant = {
  name: 'ignore-accepted',
  description: 'a proposer that ignores the highest accepted value in promises',
  createNode: (options: NodeOptions): Node => new IgnoresAcceptedValues(options),
};

class DecidesWithoutMajority extends PaxosNode<Digest, AppendCommand> {
  protected override isQuorum_(acceptors: readonly string[], voted: (id: string) => boolean): boolean {
    return acceptors.filter(voted).length >= Math.max(1, Math.floor(acceptors.length / 2));
  }
}

/** Counts one acceptor short of a majority, both for promises and for accepts. */
const minorityQuorum: Mutant = {
  name: 'minority-quorum',
  description: 'a learner that decides without a majority (n/2 rounded down)',
  createNode: (options: NodeOptions): Node => new DecidesWithoutMajority(options),
};

class EarlyConfiguration extends PaxosNode<Digest, AppendCommand> {
  protected override acceptorsForProposal_(slot: number, value: SlotValue<AppendCommand>): readonly string[] {
    return value.kind === 'config' ? value.acceptors : super.acceptorsForProposal_(slot, value);
  }
}

/** A configuration change takes effect at its own slot instead of the next one (alpha = 0). */
const earlyConfig: Mutant = {
  name: 'early-config',
  description: 'a configuration change applied without waiting for its slot',
  createNode: (options: NodeOptions): Node => new EarlyConfiguration(options),
};

class LearnsOnAccept extends PaxosNode<Digest, AppendCommand> {
  protected override recordAccepted_(slot: number, ballot: Ballot, value: SlotValue<AppendCommand>): boolean {
    const changed = super.recordAccepted_(slot, ballot, value);
    // The bug: treat "I accepted it" as "it is chosen".
    (this.log_ as unknown as { learn_(slot: number, value: SlotValue<AppendCommand>): boolean }).learn_(slot, value);
    return changed;
  }
}

/** An acceptor applies a value as soon as it accepts it, before any quorum chose it. */
const learnOnAccept: Mutant = {
  name: 'learn-on-accept',
  description: 'an acceptor that applies a value it accepted before a quorum chose it',
  createNode: (options: NodeOptions): Node => new LearnsOnAccept(options),
};

class AcceptsAnyBallot extends PaxosNode<Digest, AppendCommand> {
  override step(from: string, raw: unknown) {
    // The bug: an accept below the promise is taken as a promise of its ballot.
    const m = (raw as { m?: unknown } | null)?.m as { type?: string; ballot?: Ballot } | undefined;
    if (m?.type === 'accept' && m.ballot !== undefined) {
      (this as unknown as { promised: Ballot }).promised = m.ballot;
    }
    return super.step(from, raw);
  }
}

/** An acceptor accepts values in a ballot lower than the one it promised. */
const breakPromise: Mutant = {
  name: 'break-promise',
  description: 'an acceptor that accepts below the ballot it promised',
  createNode: (options: NodeOptions): Node => new AcceptsAnyBallot(options),
};

class NoDedupe extends PaxosNode<Digest, AppendCommand> {
  protected override isCopy_(_c: ProposedCommand<AppendCommand>): boolean {
    return false;
  }
}

/** Every decided copy of a command takes effect again: a retried command, a value recovered and re-sent. */
const noDedupe: Mutant = {
  name: 'no-dedupe',
  description: 'a learner that applies every copy of a command the room decided again',
  createNode: (options: NodeOptions): Node => new NoDedupe(options),
};

class ReadOverNewerConfiguration extends PaxosNode<Digest, AppendCommand> {
  protected override readConfirmed_(_round: ReadRound, acked: (id: string) => boolean): boolean {
    // The bug: acks counted over the configuration in force now, not the one at the read index.
    return this.isQuorum_(this.log_.acceptors, acked);
  }
}

/** Issue 14's stale read: a read confirmed by a majority of a configuration newer than its index's. */
const readOverNewerConfig: Mutant = {
  name: 'read-newer-config',
  description: 'a leader that confirms a read over the configuration in force when the acks arrive, not at its index',
  createNode: (options: NodeOptions): Node => new ReadOverNewerConfiguration(options),
};

export const MUTANTS: readonly Mutant[] = [
  forgetPromise,
  ignoreAccepted,
  minorityQuorum,
  earlyConfig,
  learnOnAccept,
  breakPromise,
  noDedupe,
  readOverNewerConfig,
];
