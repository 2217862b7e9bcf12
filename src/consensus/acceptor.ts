/**
 * The acceptor's rules ("Paxos Made Simple" §2.2, P1a and P2b), with one promise shared by all slots as
 * in Multi-Paxos: promising ballot b means "I accept nothing below b, in any slot". And the rule of the
 * pre-vote (etcd's PreVote), which keeps a node that cannot win from raising ballots.
 *
 * The promised ballot and the accepted values live in the node's persistent state; these functions only
 * say what the rules allow, so every path that answers a prepare or an accept goes through them.
 */
import { compareBallots, type Ballot } from './ballot.js';

/**
 * P1a: an acceptor may promise `ballot` if it has not promised a higher one. An equal ballot is a
 * retransmitted prepare from the same proposer and gets the same answer again.
 */
export function mayPromise(promised: Ballot, ballot: Ballot): boolean {
  return compareBallots(ballot, promised) >= 0;
}

/** P2b: an acceptor accepts a value in `ballot` unless it has promised a higher ballot. */
export function mayAccept(promised: Ballot, ballot: Ballot): boolean {
  return compareBallots(ballot, promised) >= 0;
}

/**
 * Pre-vote: an acceptor tells a would-be candidate that it would promise `ballot` when the ballot is above
 * its promise and it has no live leader (it heard none within the election timeout, and it is not the
 * leader itself). Answering changes nothing, so a node cut off from the room can ask forever without
 * raising a ballot, and a node coming back cannot depose a leader that its peers still hear.
 */
export function wouldPromise(promised: Ballot, ballot: Ballot, hasLiveLeader: boolean): boolean {
  return !hasLiveLeader && compareBallots(ballot, promised) > 0;
}
