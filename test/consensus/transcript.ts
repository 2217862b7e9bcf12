/**
 * Transcript tests, like etcd raft's datadriven interaction tests (testdata/*.txt): a small text format
 * drives a room of real PaxosNodes over an in-memory network that delivers nothing unless told to, and
 * prints every message and every decision; the output is compared with the golden text in the file.
 *
 * A file is a list of blocks: comment lines (`#`), one command, `----`, the expected output, a blank line.
 * Rewrite every golden output with `REWRITE_GOLDEN=1 npm run test:node -- transcripts` (then read the diff).
 *
 * Nodes are numbered 1..n (node ids `node-001`...); ballots print as `round.node`. Commands:
 *
 *   nodes N [acceptors=1,2,3] [max=M] [election=E] [snapshot=K]   the room (first command): N nodes, who
 *                                                  founds it (default all, up to max), and node options
 *   tick [N] [on=1,2] [deliver]   N ticks on every live node (or those listed); the messages they send
 *                            wait, or with `deliver` are delivered after each tick
 *   deliver [rounds=N]       delivers waiting messages, and those sent in answer, until none is left
 *                            (or N rounds of what waits); a blocked link drops them
 *   propose NODE TAG         NODE proposes the command TAG (proposal id TAG)
 *   read NODE ID             NODE starts a linearizable read
 *   partition 1 2|3 4 5      blocks every link between the groups (the hosts see them unreachable)
 *   cut 1->2 [TYPE...]       drops what 1 sends to 2 (of these types), until `heal`; the hosts see nothing
 *   uncut 1->2               lifts the cut or partition of that link, one way
 *   heal                     lifts partitions and cuts (the hosts see the partitioned peers reachable again)
 *   drop [1->2] [TYPE...]    loses the waiting messages that match (once)
 *   inject 1->2 JSON         delivers JSON to 2 as a message from 1 now (an old message delivered late)
 *   crash NODE / restart NODE   stops a node / starts it again from what it persisted
 *   join NODE / leave NODE   a new node joins (no state) / a node leaves for good (hosts see peer-left)
 *   peer-left NODE PEER      NODE's host says PEER left (wrongly, if PEER is up: a signaling flap)
 *   hide NODE / show NODE    the tab is hidden (may not lead) / visible again
 *   timing NODE key=value... setTiming on NODE
 *   silence TYPE...          stop printing these message types (they are still delivered); `silence` alone: print all
 *   status                   each node: role, leader, promised ballot, applied slot, acceptors, state
 */
import {
  MemoryStorage,
  PaxosNode,
  formatBallot,
  toWire,
  type Ballot,
  type Message,
  type NodeEvent,
  type Output,
  type PaxosNodeOptions,
  type SlotValue,
  type StateMachine,
} from '../../src/consensus/index.js';
import { Rng } from '../sim/rng.js';

/** The state the transcripts replicate: the list of applied tags, readable in the output. */
export type Tags = readonly string[];
export interface Tag {
  readonly tag: string;
}

export const tagList: StateMachine<Tags, Tag> = {
  initial: () => [],
  apply: (state, c) => [...state, c.tag],
  parseCommand(raw) {
    const tag = (raw as { tag?: unknown } | null)?.tag;
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > 32) throw new Error('a command is { tag: string of 1-32 characters }');
    return { tag };
  },
  parseState(raw) {
    if (!Array.isArray(raw) || !raw.every((t) => typeof t === 'string')) throw new Error('a state is a list of tags');
    return raw as string[];
  },
};

type Node = PaxosNode<Tags, Tag>;
type Msg = Message<Tags, Tag>;

interface Packet {
  readonly from: string;
  readonly to: string;
  readonly message: Msg;
}

const id = (n: string): string => `node-${n.padStart(3, '0')}`;
const short = (nodeId: string): string => String(Number(nodeId.slice(5)));
const ballot = (b: Ballot): string => (b.round === 0 ? 'none' : `${b.round}.${short(b.node)}`);

function value(v: SlotValue<Tag>): string {
  if (v.kind === 'noop') return 'noop';
  if (v.kind === 'config') return `config(${v.acceptors.map(short).join(',')})`;
  return `[${v.commands.map((c) => `${c.command.tag}(${short(c.proposer)}#${c.seq}${c.lowest < c.seq ? `>=${c.lowest}` : ''})`).join(' ')}]`;
}

/** One message, readably. */
export function describe(m: Msg): string {
  switch (m.type) {
    case 'pre-prepare':
    case 'pre-promise':
    case 'handoff':
      return `${m.type} ${ballot(m.ballot)}`;
    case 'prepare':
      return `prepare ${ballot(m.ballot)} from slot ${m.slot}`;
    case 'promise': {
      const accepted = m.accepted.map((e) => `${e.slot}:${value(e.value)}@${ballot(e.ballot)}`).join(' ');
      const decided = m.decided.map((e) => `${e.slot}:${value(e.value)}`).join(' ');
      return `promise ${ballot(m.ballot)} from slot ${m.slot} applied=${m.applied}${accepted ? ` accepted ${accepted}` : ''}${decided ? ` decided ${decided}` : ''}`;
    }
    case 'nack':
      return `nack ${ballot(m.ballot)} promised=${ballot(m.promised)}`;
    case 'accept':
    case 'decide':
      return `${m.type} ${ballot(m.ballot)} slot ${m.slot} ${value(m.value)}`;
    case 'accepted':
      return `accepted ${ballot(m.ballot)} slot ${m.slot}`;
    case 'heartbeat':
      return `heartbeat ${ballot(m.ballot)} seq=${m.seq} applied=${m.applied}`;
    case 'ack':
      return `ack ${ballot(m.ballot)} seq=${m.seq} applied=${m.applied}${m.eligible ? '' : ' hidden'}`;
    case 'forward':
      return `forward ${value({ kind: 'commands', commands: m.commands })}`;
    case 'catchup':
      return `catchup from slot ${m.slot}`;
    case 'entries': {
      const s = m.snapshot;
      const snap = s === undefined ? '' : ` snapshot@${s.slot} [${s.state.join(' ')}] acceptors=${s.acceptors.map(short).join(',')}`;
      return `entries${snap}${m.entries.map((e) => ` ${e.slot}:${value(e.value)}`).join('')}`;
    }
    case 'read':
      return `read ${m.readId}`;
    case 'read-index':
      return `read-index ${m.readId} slot ${m.slot}`;
  }
}

function event(n: string, e: NodeEvent<Tags>): string | undefined {
  switch (e.type) {
    case 'role':
      return `is ${e.role === 'leader' ? 'the leader' : e.role === 'acceptor' ? 'an acceptor' : 'a learner'}`;
    case 'leader':
      if (e.leader === undefined) return 'knows no leader';
      return short(e.leader) === n ? `leads in ${ballot(e.ballot as Ballot)}` : `follows ${short(e.leader)} (${ballot(e.ballot as Ballot)})`;
    case 'config':
      return `configuration from slot ${e.slot}: acceptors ${e.acceptors.map(short).join(',')}${e.learners.length ? `, learners ${e.learners.map(short).join(',')}` : ''}`;
    case 'quorum-lost':
    case 'quorum-restored':
      return `${e.type} (${e.reachable} of ${e.needed} needed)`;
    case 'restored':
      return `restored slot ${e.slot} [${e.state.join(' ')}]`;
  }
}

/** A room driven by a transcript. */
export class TranscriptRoom {
  readonly #nodes = new Map<string, { node: Node | undefined; storage: MemoryStorage<Tags, Tag> }>();
  #queue: Packet[] = [];
  readonly #blocked = new Map<string, Set<string> | 'all'>();
  /** The blocked links the hosts saw go down (partitions): only these are seen coming back. */
  readonly #seen = new Set<string>();
  readonly #silenced = new Set<string>();
  #options: Partial<PaxosNodeOptions<Tags, Tag>> = {};
  #rng = new Rng(1);
  #out: string[] = [];

  /** Runs one command; returns its output. */
  run(line: string): string {
    this.#out = [];
    const [cmd = '', ...args] = line.trim().split(/\s+/);
    const kv = Object.fromEntries(args.filter((a) => a.includes('=')).map((a) => a.split('=') as [string, string]));
    const plain = args.filter((a) => !a.includes('='));
    switch (cmd) {
      case 'nodes':
        this.#room(Number(plain[0]), kv);
        break;
      case 'tick':
        for (let i = 0; i < Number(plain[0] ?? 1); i++) {
          for (const n of kv['on']?.split(',') ?? this.#up()) this.#act(n, (node) => node.tick());
          if (plain.includes('deliver')) this.#deliver(Infinity);
        }
        break;
      case 'deliver':
        this.#deliver(kv['rounds'] === undefined ? Infinity : Number(kv['rounds']));
        break;
      case 'propose':
        this.#act(plain[0] as string, (node) => node.propose({ tag: plain[1] as string }, plain[1] as string));
        break;
      case 'read':
        this.#act(plain[0] as string, (node) => node.read(plain[1] as string));
        break;
      case 'partition': {
        const groups = args.join(' ').split('|').map((g) => g.trim().split(/\s+/));
        for (const a of groups) for (const b of groups) if (a !== b) for (const x of a) for (const y of b) this.#block(x, y, 'all', true);
        break;
      }
      case 'cut': {
        const [from, to] = (plain[0] as string).split('->') as [string, string];
        this.#block(from, to, plain.length > 1 ? new Set(plain.slice(1)) : 'all', false);
        break;
      }
      case 'uncut': {
        const [from, to] = (plain[0] as string).split('->') as [string, string];
        this.#unblock(`${from}>${to}`);
        break;
      }
      case 'heal':
        for (const key of [...this.#blocked.keys()]) this.#unblock(key);
        break;
      case 'drop':
        this.#drop(plain);
        break;
      case 'inject': {
        const [from, to] = (plain[0] as string).split('->') as [string, string];
        this.#receive({ from: id(from), to: id(to), message: JSON.parse(line.slice(line.indexOf('{'))) as Msg }, true);
        break;
      }
      case 'crash':
        this.#node(plain[0] as string).node = undefined;
        for (const n of this.#up()) this.#nodes.get(id(n))?.node?.peerReachable(id(plain[0] as string), false);
        this.#print(`${plain[0]} crashed`);
        break;
      case 'restart':
        this.#boot(plain[0] as string, undefined);
        for (const n of this.#up()) {
          if (n === plain[0]) continue;
          this.#nodes.get(id(plain[0] as string))?.node?.peerJoined(id(n));
          this.#act(n, (node) => node.peerJoined(id(plain[0] as string)));
        }
        break;
      case 'join': {
        const n = plain[0] as string;
        this.#nodes.set(id(n), { node: undefined, storage: new MemoryStorage() });
        this.#boot(n, undefined);
        for (const other of this.#up()) {
          if (other === n) continue;
          this.#act(n, (node) => node.peerJoined(id(other)));
          this.#act(other, (node) => node.peerJoined(id(n)));
        }
        break;
      }
      case 'leave':
        this.#node(plain[0] as string).node = undefined;
        for (const n of this.#up()) this.#act(n, (node) => node.peerLeft(id(plain[0] as string)));
        this.#print(`${plain[0]} left`);
        break;
      case 'peer-left':
        this.#act(plain[0] as string, (node) => node.peerLeft(id(plain[1] as string)));
        break;
      case 'hide':
      case 'show':
        this.#act(plain[0] as string, (node) => node.setEligible(cmd === 'show'));
        break;
      case 'timing':
        this.#act(plain[0] as string, (node) => node.setTiming(Object.fromEntries(Object.entries(kv).map(([k, v]) => [k, Number(v)]))));
        break;
      case 'silence':
        this.#silenced.clear();
        for (const t of plain) this.#silenced.add(t);
        break;
      case 'status':
        for (const n of [...this.#nodes.keys()].map(short)) this.#status(n);
        break;
      default:
        throw new Error(`unknown command ${JSON.stringify(cmd)}`);
    }
    return this.#out.length === 0 ? 'ok' : this.#out.join('\n');
  }

  #room(n: number, kv: Record<string, string>): void {
    const ids = Array.from({ length: n }, (_, i) => String(i + 1));
    const max = Number(kv['max'] ?? 5);
    this.#options = {
      maxAcceptors: max,
      ...(kv['election'] ? { electionTicks: Number(kv['election']) } : {}),
      ...(kv['snapshot'] ? { snapshotEvery: Number(kv['snapshot']) } : {}),
    };
    this.#rng = new Rng(Number(kv['seed'] ?? 1));
    const founders = kv['acceptors']?.split(',') ?? ids.slice(0, max);
    for (const i of ids) {
      this.#nodes.set(id(i), { node: undefined, storage: new MemoryStorage() });
      this.#boot(i, founders.map(id));
    }
    for (const a of ids) for (const b of ids) if (a !== b) this.#nodes.get(id(a))?.node?.peerJoined(id(b));
  }

  #boot(n: string, bootstrap: readonly string[] | undefined): void {
    const entry = this.#node(n);
    const jitter = this.#rng.fork();
    entry.node = new PaxosNode<Tags, Tag>({
      ...this.#options,
      id: id(n),
      stateMachine: tagList,
      storage: entry.storage,
      random: () => jitter.next(),
      ...(bootstrap === undefined ? {} : { bootstrap }),
    });
    this.#flush(n);
  }

  #node(n: string) {
    const entry = this.#nodes.get(id(n));
    if (entry === undefined) throw new Error(`no node ${n}`);
    return entry;
  }

  #up(): string[] {
    return [...this.#nodes].filter(([, e]) => e.node !== undefined).map(([i]) => short(i));
  }

  #act(n: string, action: (node: Node) => void): void {
    const node = this.#node(n).node;
    if (node === undefined) throw new Error(`node ${n} is down`);
    action(node);
    this.#flush(n);
  }

  /** Prints what node `n` output, and queues its messages. */
  #flush(n: string): void {
    const node = this.#node(n).node;
    if (node === undefined) return;
    const out: Output<Tags, Tag> = node.drain();
    for (const e of out.events) {
      const text = event(n, e);
      if (text !== undefined) this.#print(`${n} ${text}`);
    }
    for (const a of out.applied) this.#print(`${n} applied slot ${a.slot}: ${value(a.value)}`);
    for (const p of out.proposals) this.#print(`${n} proposal ${p.id}: ${p.ok ? `decided at slot ${p.slot}` : `failed, ${p.code}: ${p.reason}`}`);
    for (const r of out.reads) this.#print(`${n} read ${r.id}: ${r.ok ? `slot ${r.slot} [${r.state.join(' ')}]` : `failed, ${r.code}: ${r.reason}`}`);
    // Messages: one line per message, the receivers of the same message together.
    const lines = new Map<string, string[]>();
    for (const { to, message } of out.messages) {
      this.#queue.push({ from: id(n), to, message });
      if (this.#silenced.has(message.type)) continue;
      const text = describe(message);
      lines.set(text, [...(lines.get(text) ?? []), short(to)]);
    }
    for (const [text, to] of lines) this.#print(`${n}->${to.join(',')} ${text}`);
  }

  #deliver(rounds: number): void {
    for (let round = 0, steps = 0; round < rounds && this.#queue.length > 0; round++) {
      const batch = this.#queue;
      this.#queue = [];
      for (const p of batch) {
        if (++steps > 100_000) throw new Error('deliver: the network never went quiet');
        this.#receive(p, false);
      }
    }
  }

  #receive(p: Packet, injected: boolean): void {
    const to = this.#nodes.get(p.to)?.node;
    const rule = this.#blocked.get(`${short(p.from)}>${short(p.to)}`);
    const silent = this.#silenced.has(p.message.type);
    if (to === undefined || rule === 'all' || rule?.has(p.message.type)) {
      if (!silent) this.#print(`${short(p.from)}->${short(p.to)} ${describe(p.message)} (lost)`);
      return;
    }
    // Through JSON and the versioned envelope, as on a data channel.
    const result = to.step(p.from, JSON.parse(JSON.stringify(toWire(p.message))));
    if (injected && !silent) this.#print(`${short(p.from)}->${short(p.to)} ${describe(p.message)} (delivered late)`);
    if (!result.ok) this.#print(`${short(p.to)} refused ${p.message.type} from ${short(p.from)}: ${result.reason}`);
    this.#flush(short(p.to));
  }

  #block(from: string, to: string, what: Set<string> | 'all', tellHosts: boolean): void {
    this.#blocked.set(`${from}>${to}`, what);
    if (!tellHosts) return;
    this.#seen.add(`${from}>${to}`);
    this.#nodes.get(id(from))?.node?.peerReachable(id(to), false);
  }

  /** Lifts the block of link `key` (`1>2`); the host sees the peer again if it saw it go. */
  #unblock(key: string): void {
    const [from, to] = key.split('>') as [string, string];
    this.#blocked.delete(key);
    if (this.#seen.delete(key) && this.#nodes.get(id(from))?.node) this.#act(from, (node) => node.peerReachable(id(to), true));
  }

  #drop(args: readonly string[]): void {
    const link = args.find((a) => a.includes('->'))?.split('->');
    const types = args.filter((a) => !a.includes('->'));
    this.#queue = this.#queue.filter((p) => {
      const match = (link === undefined || (short(p.from) === link[0] && short(p.to) === link[1])) && (types.length === 0 || types.includes(p.message.type));
      if (match && !this.#silenced.has(p.message.type)) this.#print(`${short(p.from)}->${short(p.to)} ${describe(p.message)} (dropped)`);
      return !match;
    });
  }

  #status(n: string): void {
    const node = this.#node(n).node;
    if (node === undefined) return this.#print(`${n} down`);
    const state = node.known ? `[${node.state.join(' ')}]` : 'no state';
    this.#print(
      `${n} ${node.role} leader=${node.leader === undefined ? 'none' : short(node.leader)} promised=${formatBallot(node.promisedBallot).replace(/node-0*/, '')} ` +
        `applied=${node.applied} acceptors=${node.acceptors.map(short).join(',')} ${state}`,
    );
  }

  #print(line: string): void {
    this.#out.push(line);
  }
}

/** A transcript file's blocks. */
export interface Block {
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: string;
}

export function parseTranscript(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; ) {
    const comments: string[] = [];
    for (; i < lines.length && (lines[i]?.startsWith('#') || lines[i]?.trim() === ''); i++) if (lines[i]?.startsWith('#')) comments.push(lines[i] as string);
    if (i >= lines.length) break;
    const command = lines[i++] as string;
    if (lines[i++] !== '----') throw new Error(`line ${i}: expected ---- after the command ${JSON.stringify(command)}`);
    const out: string[] = [];
    while (i < lines.length && lines[i] !== '') out.push(lines[i++] as string);
    blocks.push({ comments, command, expected: out.join('\n') });
  }
  return blocks;
}

/** Runs every block; returns the blocks with their actual output, and the text of the file rewritten. */
export function runTranscript(text: string): { blocks: (Block & { actual: string })[]; rewritten: string } {
  const room = new TranscriptRoom();
  const blocks = parseTranscript(text).map((b) => ({ ...b, actual: room.run(b.command) }));
  const rewritten = blocks.map((b) => [...b.comments, b.command, '----', b.actual, ''].join('\n')).join('\n');
  return { blocks, rewritten };
}
