/**
 * A room of benchmark pages: forming it, reading it, and finding where a command was decided. The pages of
 * the room (`members`) change as pages leave, join or crash.
 */
import type { BenchPage, CommandKind, Snapshot, StateDetail } from './bench-page.js';
import { StateDetailSchema } from './bench-page.js';
import * as v from 'valibot';
import { BenchError, waitFor } from './wait.js';

/** Drift controller presets of the element. */
export type ControllerName = 'ours' | 'jellyfin' | 'syncplay';

/** Most acceptors of a room (the element's default `max-acceptors`). */
const MAX_ACCEPTORS = 5;

export class BenchRoom {
  members: BenchPage[];

  constructor(
    readonly origin: string,
    readonly name: string,
    readonly controller: ControllerName,
    pages: readonly BenchPage[],
  ) {
    this.members = [...pages];
  }

  get url(): string {
    return `${this.origin}/sync.html?room=${encodeURIComponent(this.name)}&controller=${this.controller}`;
  }

  /** Opens every page on the room (the first founds it) and waits until the room has formed. */
  async form(timeoutMs = 45_000): Promise<void> {
    const [founder, ...others] = this.members;
    if (!founder) throw new BenchError('a room needs pages');
    await founder.open(this.url);
    await waitFor(async () => (await founder.snapshot()).status === 'synced', `${founder.label} to found room ${this.name}`, timeoutMs, {
      describe: async () => JSON.stringify(await founder.snapshot().catch((e: Error) => e.message)),
    });
    await Promise.all(others.map((p) => p.open(this.url)));
    await this.waitFormed(timeoutMs);
  }

  /**
   * Waits until every member is synced, all agree on one leader, each has a direct data channel to every
   * other, the acceptors are as many as the room allows, and every video can show a frame.
   */
  async waitFormed(timeoutMs: number): Promise<Snapshot[]> {
    const n = this.members.length;
    const wantAcceptors = Math.min(n, MAX_ACCEPTORS);
    return waitFor(
      async () => {
        const s = await this.snapshots();
        const leader = s[0]!.leader;
        const ok =
          s.every((x) => x.status === 'synced') &&
          leader !== null &&
          s.every((x) => x.leader === leader) &&
          s.every((x) => x.peers.filter((p) => p.connected && !p.relayed).length >= n - 1) &&
          s.filter((x) => x.role !== 'learner').length === wantAcceptors &&
          s.every((x) => x.video.readyState >= 2);
        return ok ? s : undefined;
      },
      `room ${this.name} to form (${n} pages synced, one leader, full mesh, ${wantAcceptors} acceptors, video ready)`,
      timeoutMs,
      { intervalMs: 200, describe: () => this.describe() },
    );
  }

  /** One line per member: status, role, leader, direct peers, video state. */
  async describe(): Promise<string> {
    const lines = await Promise.all(
      this.members.map(async (p) => {
        try {
          const s = await p.snapshot();
          const direct = s.peers.filter((x) => x.connected && !x.relayed).length;
          return `${p.label} ${s.status} ${s.role} leader=${s.leader?.slice(0, 6) ?? '-'} direct=${direct}/${s.peers.length} ready=${s.video.readyState} paused=${s.video.paused}`;
        } catch (error) {
          return `${p.label} ${(error as Error).message}`;
        }
      }),
    );
    return `\n  ${lines.join('\n  ')}`;
  }

  snapshots(): Promise<Snapshot[]> {
    return Promise.all(this.members.map((p) => p.snapshot()));
  }

  async pullAll(): Promise<void> {
    await Promise.all(this.members.map((p) => p.pull()));
  }

  /** The member that is the leader, by the members' common view. */
  async leader(): Promise<BenchPage> {
    const s = await this.snapshots();
    const id = s[0]!.leader;
    const i = s.findIndex((x) => x.nodeId === id);
    if (id === null || i < 0 || !s.every((x) => x.leader === id)) throw new BenchError(`no leader all pages agree on:${await this.describe()}`);
    return this.members[i]!;
  }

  /**
   * The true time at which `page` applied the first `paxos-state` after `after` that carries a `kind` command
   * proposed by `proposer`, or undefined.
   */
  static decidedAt(page: BenchPage, proposer: string, kind: CommandKind, after: number): { t: number; detail: StateDetail } | undefined {
    for (const e of page.events) {
      if (e.kind !== 'paxos' || e.type !== 'paxos-state' || e.t < after) continue;
      const parsed = v.safeParse(StateDetailSchema, e.detail);
      if (!parsed.success) throw new BenchError(`${page.label} sent a malformed paxos-state detail`);
      if (parsed.output.commands.some((c) => c.proposer === proposer && c.type === kind)) return { t: e.t, detail: parsed.output };
    }
    return undefined;
  }

  /** Waits until every member applied the command (see {@link decidedAt}); returns their times in member order. */
  async waitDecided(proposer: string, kind: CommandKind, after: number, timeoutMs: number, what: string): Promise<number[]> {
    return waitFor(
      async () => {
        await this.pullAll();
        const times = this.members.map((p) => BenchRoom.decidedAt(p, proposer, kind, after)?.t);
        return times.every((t) => t !== undefined) ? (times as number[]) : undefined;
      },
      `${what} to be decided on every page`,
      timeoutMs,
      {
        intervalMs: 50,
        describe: async () => {
          const missing = this.members.filter((p) => !BenchRoom.decidedAt(p, proposer, kind, after)).map((p) => p.label);
          return `not decided on ${missing.join(', ')}${await this.describe()}`;
        },
      },
    );
  }
}
