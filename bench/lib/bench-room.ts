/**
 * A room of benchmark pages: forming it, reading it, and finding where a command was decided. The pages of
 * the room (`members`) change as pages leave, join or crash.
 */
import type { BenchPage, CommandKind, Snapshot, StateDetail } from './bench-page.js';
import { StateDetailSchema } from './bench-page.js';
import * as v from '../../src/schema/index.js';
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

  /**
   * Opens the pages on the room one at a time (the first founds it), each once the previous one is synced
   * and reaches every page before it (`direct`: over its own data channel, not the server relay), then
   * waits until the room has formed. One at a time, as people open a link, so that the join of each page is
   * seen on its own.
   */
  async form(timeoutMs = 45_000, direct = true): Promise<void> {
    const opened: BenchPage[] = [];
    for (const page of this.members) {
      await page.open(this.url);
      opened.push(page);
      const n = opened.length;
      await waitFor(
        async () => {
          const s = await Promise.all(opened.map((p) => p.snapshot()));
          return s.every((x) => x.status === 'synced' && x.peers.filter((p) => p.connected && (!direct || !p.relayed)).length >= n - 1);
        },
        `${page.label} to join room ${this.name} and reach each of the ${n - 1} pages before it${direct ? ' over a direct channel' : ''}`,
        timeoutMs,
        { intervalMs: 100, describe: async () => (await this.describe(opened)) + (await this.connectionLogs(opened)) },
      );
    }
    await this.waitFormed(timeoutMs, direct);
  }

  /**
   * Opens every page at once, as a watch party starts when a link is shared, and waits until the room has
   * formed (see {@link waitFormed}).
   */
  async formTogether(timeoutMs = 60_000, direct = true, whole = true): Promise<void> {
    await Promise.all(this.members.map((p) => p.open(this.url)));
    await this.waitFormed(timeoutMs, direct, whole);
  }

  /**
   * Waits until every member is synced, all agree on one leader, each reaches every other (`direct`: over
   * its own data channel, not the server relay), the acceptors are as many as the room allows, and every
   * video can show a frame. Without `whole`, the reach and the acceptors are not waited for (a room that can
   * play, for a steady-playback measurement).
   */
  async waitFormed(timeoutMs: number, direct = true, whole = true): Promise<Snapshot[]> {
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
          (!whole || s.every((x) => x.peers.filter((p) => p.connected && (!direct || !p.relayed)).length >= n - 1)) &&
          (!whole || s.filter((x) => x.role !== 'learner').length === wantAcceptors) &&
          s.every((x) => x.video.readyState >= 2);
        return ok ? s : undefined;
      },
      `room ${this.name} to form (${n} pages synced, one leader${whole ? `, ${direct ? 'full direct mesh' : 'all reachable'}, ${wantAcceptors} acceptors` : ''}, video ready)`,
      timeoutMs,
      { intervalMs: 200, describe: async () => (await this.describe()) + (direct ? await this.connectionLogs() : '') },
    );
  }

  /**
   * The state logs of the RTCPeerConnections that never connected, of every member (or of `pages`): for a
   * mesh that did not form.
   */
  async connectionLogs(pages: readonly BenchPage[] = this.members): Promise<string> {
    const logs = await Promise.all(pages.map((p) => p.connectionLog().catch((e: Error) => `${p.label}: ${e.message}`)));
    const stuck = logs
      .join('\n')
      .split('\n')
      .filter((line) => !line.includes('connection:connected'));
    return `\n  RTCPeerConnections that never connected (state changes, ms after creation):\n  ${stuck.join('\n  ')}`;
  }

  /** One line per member (or per page of `pages`): status, role, leader, peers, video state. */
  async describe(pages: readonly BenchPage[] = this.members): Promise<string> {
    const lines = await Promise.all(
      pages.map(async (p) => {
        try {
          const s = await p.snapshot();
          const direct = s.peers.filter((x) => x.connected && !x.relayed).length;
          const peers = s.peers.map((x) => `${x.id.slice(0, 6)}:${x.connected ? (x.relayed ? 'relayed' : 'direct') : 'down'}`).join(' ');
          return `${p.label} ${s.nodeId.slice(0, 6)} ${s.status} ${s.role} leader=${s.leader?.slice(0, 6) ?? '-'} direct=${direct}/${s.peers.length} [${peers}] ready=${s.video.readyState} paused=${s.video.paused}`;
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

  /** Links that go through the signaling relay because no direct channel opened (each counted once). */
  async relayedLinks(): Promise<number> {
    const s = await this.snapshots();
    return s.reduce((sum, x) => sum + x.peers.filter((p) => p.connected && p.relayed).length, 0) / 2;
  }

  /**
   * The member that is the leader, by the members' common view, waiting up to `timeoutMs` for one (a leader
   * change in progress, or a page that has not heard of the new leader yet, is not an answer).
   */
  async leader(timeoutMs = 10_000): Promise<BenchPage> {
    return waitFor(
      async () => {
        const s = await this.snapshots();
        const id = s[0]!.leader;
        const i = s.findIndex((x) => x.nodeId === id);
        return id !== null && i >= 0 && s.every((x) => x.leader === id) ? this.members[i]! : undefined;
      },
      'a leader all pages agree on',
      timeoutMs,
      { intervalMs: 100, describe: () => this.describe() },
    );
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
