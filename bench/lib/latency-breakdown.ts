/**
 * Where a decision's time goes, from the `paxos-message` events every page recorded (with `--trace`): each
 * hop (send on one page until receive on another, both on the true clock) and each step of processing
 * (receive until the next send on one page), for the slot each command was decided in.
 *
 *   issuer --forward--> leader --accept--> acceptors --accepted--> leader --decide--> every page: paxos-state
 */
import type { BenchPage, RecordedEvent } from './bench-page.js';
import type { CommandRecord } from './command-phase.js';
import { percentile } from './stats.js';

interface Message {
  t: number;
  direction: 'send' | 'receive';
  type: string;
  from: string;
  to: string;
  slot: number | undefined;
}

function messages(events: readonly RecordedEvent[]): Message[] {
  const out: Message[] = [];
  for (const e of events) {
    if (e.kind !== 'paxos' || e.type !== 'paxos-message') continue;
    const d = e.detail as Partial<Message> | null;
    if (!d || (d.direction !== 'send' && d.direction !== 'receive') || typeof d.type !== 'string' || typeof d.from !== 'string' || typeof d.to !== 'string') continue;
    out.push({ t: e.t, direction: d.direction, type: d.type, from: d.from, to: d.to, slot: typeof d.slot === 'number' ? d.slot : undefined });
  }
  return out;
}

/** p50 and p90 of one part, ms, and how many samples. */
export interface Part {
  count: number;
  p50: number;
  p90: number;
}

/** The parts of the decision latency, in protocol order. */
export type Breakdown = Record<
  'forward_hop' | 'leader_forward_to_accept' | 'accept_hop' | 'acceptor_accept_to_accepted' | 'accepted_hop' | 'leader_quorum_to_decide' | 'decide_hop' | 'learner_decide_to_state',
  Part
>;

/**
 * Breaks the commands down. `nodeIds[i]` is `pages[i]`'s node id; `slots[k]` the slot command k was
 * decided in (undefined: skipped).
 */
export function decisionBreakdown(pages: readonly BenchPage[], nodeIds: readonly string[], commands: readonly CommandRecord[], slots: readonly (number | undefined)[]): Breakdown {
  const byPage = pages.map((p) => messages(p.events));
  const pageOf = (id: string) => nodeIds.indexOf(id);
  const parts: Record<keyof Breakdown, number[]> = {
    forward_hop: [],
    leader_forward_to_accept: [],
    accept_hop: [],
    acceptor_accept_to_accepted: [],
    accepted_hop: [],
    leader_quorum_to_decide: [],
    decide_hop: [],
    learner_decide_to_state: [],
  };
  const first = (i: number, ok: (m: Message) => boolean) => byPage[i]!.find(ok);
  commands.forEach((c, k) => {
    const slot = slots[k];
    if (slot === undefined) return;
    const leader = byPage.findIndex((ms) => ms.some((m) => m.direction === 'send' && m.type === 'accept' && m.slot === slot));
    if (leader < 0) return;
    const accepts = byPage[leader]!.filter((m) => m.direction === 'send' && m.type === 'accept' && m.slot === slot);
    const acceptAt = accepts[0]!.t;
    const issuer = pages.findIndex((p) => p.label === c.issuer);
    if (issuer >= 0 && issuer !== leader) {
      const sent = first(issuer, (m) => m.direction === 'send' && m.type === 'forward' && m.t >= c.calledAt);
      const got = sent && first(leader, (m) => m.direction === 'receive' && m.type === 'forward' && m.from === nodeIds[issuer] && m.t >= sent.t - 1);
      if (sent && got) {
        parts.forward_hop.push(got.t - sent.t);
        parts.leader_forward_to_accept.push(acceptAt - got.t);
      }
    }
    const acceptedAt: number[] = [];
    for (const a of accepts) {
      const x = pageOf(a.to);
      if (x < 0) continue;
      const got = first(x, (m) => m.direction === 'receive' && m.type === 'accept' && m.slot === slot);
      const reply = first(x, (m) => m.direction === 'send' && m.type === 'accepted' && m.slot === slot);
      const back = first(leader, (m) => m.direction === 'receive' && m.type === 'accepted' && m.slot === slot && m.from === a.to);
      if (got) parts.accept_hop.push(got.t - a.t);
      if (got && reply) parts.acceptor_accept_to_accepted.push(reply.t - got.t);
      if (reply && back) parts.accepted_hop.push(back.t - reply.t);
      if (back) acceptedAt.push(back.t);
    }
    const decides = byPage[leader]!.filter((m) => m.direction === 'send' && m.type === 'decide' && m.slot === slot);
    if (decides.length === 0) return;
    // The leader's own vote plus the others': a majority of the acceptors it sent to plus itself.
    const needed = Math.floor((accepts.length + 1) / 2);
    acceptedAt.sort((a, b) => a - b);
    if (acceptedAt.length >= needed && needed > 0) parts.leader_quorum_to_decide.push(decides[0]!.t - acceptedAt[needed - 1]!);
    for (const d of decides) {
      const x = pageOf(d.to);
      if (x < 0) continue;
      const got = first(x, (m) => m.direction === 'receive' && m.type === 'decide' && m.slot === slot);
      const applied = pages[x]!.events.find((e) => e.kind === 'paxos' && e.type === 'paxos-state' && (e.detail as { slot?: unknown } | null)?.slot === slot);
      if (got) parts.decide_hop.push(got.t - d.t);
      if (got && applied) parts.learner_decide_to_state.push(applied.t - got.t);
    }
  });
  const summary = (xs: number[]): Part => ({ count: xs.length, p50: percentile(xs, 50), p90: percentile(xs, 90) });
  return Object.fromEntries(Object.entries(parts).map(([k, xs]) => [k, summary(xs)])) as Breakdown;
}
