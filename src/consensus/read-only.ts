/**
 * Read index at the leader, like etcd's read_only.go: the classic Paxos read, without a log entry.
 *
 * A read asks the leader for an index: a slot such that every write completed before the read began is
 * at or below it. The reader answers once it has applied that slot. Three rules make the index right:
 *
 * 1. The leader fixes indexes only while it knows everything a client may have seen decided: it leads in
 *    ballot b, phase 1 in b covers its first undecided slot s with complete reports from a majority of the
 *    acceptors of s, and none of them reported a value accepted at s or later (so nothing can have been
 *    chosen there in a lower ballot: one acceptor of that choice would be among them). The index is s − 1,
 *    its last applied slot, or s itself while s is in flight: acceptors tell each other what they accepted,
 *    so another node may learn s chosen (and its proposer see its command complete) before the leader
 *    does. The round keeps the acceptors of s: the configuration in force at the index (a configuration
 *    change in flight at s would change it for s + 1, so the index waits until it is decided).
 * 2. A round is confirmed when a majority of exactly those acceptors promised b and acked a heartbeat of b
 *    sent after the round began. An ack says "nothing above b promised", so no ballot above b had a
 *    majority of them accept anything when the read began: nobody but this leader can have decided slot s
 *    before the read began (its value in flight, at most, which the index covers), nor any later slot,
 *    since a leader proposes a slot only once every slot before it is decided.
 *    (Counting the configuration in force when the acks arrive instead, a leader that learned a newer
 *    configuration could be confirmed by acceptors that never promised anyone: issue 14's stale read.)
 * 3. A leader that learns a slot at or past s decided by another proposer steps down (node.ts): its
 *    ballot is no longer the newest, and its pending rounds go with it (their readers ask the next leader).
 */

/** A read waiting at the leader: who asked, under which id. */
export interface ReadRequest {
  readonly requester: string;
  readonly readId: string;
}

/** Reads whose index is fixed, confirmed together by one heartbeat round. */
export interface ReadRound {
  readonly requests: readonly ReadRequest[];
  /** Every slot before it is decided and known to the leader; it is too, or is the leader's slot in flight. */
  readonly index_: number;
  /** The acceptors of slot index + 1: the configuration whose majority must confirm the round. */
  readonly acceptors: readonly string[];
  /** The heartbeat that confirms the round, and every later one. */
  readonly seq: number;
}

export class ReadOnly {
  #waiting: ReadRequest[] = [];
  #rounds: ReadRound[] = [];

  /** Adds a read. (A request sent again joins the next round too; its reader takes the first answer.) */
  add_(requester: string, readId: string): void {
    this.#waiting.push({ requester, readId });
  }

  /** Whether reads wait for an index. */
  get waiting_(): boolean {
    return this.#waiting.length > 0;
  }

  /** Fixes the index of every waiting read (rule 1 holds): one round, confirmed by heartbeat `seq`. */
  start_(index: number, acceptors: readonly string[], seq: number): void {
    this.#rounds.push({ requests: this.#waiting, index_: index, acceptors, seq });
    this.#waiting = [];
  }

  /** Removes and returns the rounds that `confirmed` (rule 2) says are confirmed. */
  advance_(confirmed: (round: ReadRound) => boolean): ReadRound[] {
    const done: ReadRound[] = [];
    this.#rounds = this.#rounds.filter((r) => !(confirmed(r) && done.push(r)));
    return done;
  }

  /** Drops every read: the leadership they were asked of is over. */
  reset(): void {
    this.#waiting = [];
    this.#rounds = [];
  }
}
