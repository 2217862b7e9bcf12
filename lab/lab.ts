/**
 * The lab: hosts behind emulated internet links, on this machine. Each host (the signaling server, each
 * browser) is its own network namespace with loopback and one TUN device (`lab0`, 10.99.x.y/16); one
 * emulator process (lab/emulator.py) owns every TUN and forwards each packet after its link's delay, loss,
 * rate and cuts. Traffic stays inside the lab: a host has no other interface.
 *
 *   const lab = await Lab.start({ hosts: [{ name: 'server', link: link('datacenter') }, { name: 'tab0', link: link('continent') }] });
 *   const child = lab.spawn('server', process.execPath, ['server.js']);   // runs inside the host
 *   await lab.cut('tab0', { ms: 5000 });                                   // the link drops, then returns
 *   const stats = await lab.stats({ reset: true });                        // the lab's own timing error, bytes
 *   await lab.stop();
 *
 * Nothing is left behind: the emulator stops when its standard input closes (its owner died) and takes the
 * namespaces and TUN devices with it; `stop()` also ends every process still inside a host; an exit handler
 * kills what is left if the owner exits without `stop()`; and `cleanupLabs()` (`npm run lab -- --cleanup`)
 * ends labs whose owner is gone, from the state each lab keeps under the temporary folder.
 */
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Link, Stage } from './links.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const EMULATOR = join(HERE, 'emulator.py');
/** Runs a program inside a host's namespace (given to Playwright as Chromium's executable). */
export const NETNS_EXEC = join(HERE, 'netns-exec.sh');
/** Every lab keeps its state here, one folder per lab, so a clean-up can find what a dead owner left. */
export const RUN_ROOT = join(tmpdir(), 'paxos-lab');
/** The emulator's real-time priority (SCHED_FIFO): without it, CPU load shows as 100+ ms latency spikes. */
export const REALTIME_PRIORITY = 10;

/** How to give the lab what it needs, for the skip line of a test and the CLI's error. */
export const HOW_TO_RUN_THE_LAB =
  'The lab needs Linux network namespaces and /dev/net/tun: run as root (e.g. `sudo scripts/netns.sh npm test`), ' +
  'or inside `unshare -rn` where /dev/net/tun is open to you; with python3, ip (iproute2), nsenter and setpriv (util-linux) installed.';

/** The Python interpreter the emulator runs on: PAXOS_LAB_PYTHON, else the system's python3. */
export function pythonPath(): string {
  return process.env.PAXOS_LAB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** Whether this machine can run a lab, and if not, why (makes one host and tears it down; ~0.2 s). */
export function labSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'the lab needs Linux' };
  for (const [tool, args] of [
    ['nsenter', ['--version']],
    ['setpriv', ['--version']],
    ['ip', ['-V']],
  ] as const) {
    const done = spawnSync(tool, args, { stdio: 'ignore' });
    if (done.error) return { ok: false, reason: `no \`${tool}\` command` };
  }
  const done = spawnSync(pythonPath(), [EMULATOR, '--check'], { encoding: 'utf8', timeout: 20_000 });
  if (done.error) return { ok: false, reason: `cannot run ${pythonPath()}: ${done.error.message}` };
  try {
    const reply = JSON.parse(done.stdout.trim().split('\n').pop() ?? '') as { ok: boolean; error?: string };
    return reply.ok ? { ok: true } : { ok: false, reason: reply.error ?? 'the emulator could not make a host' };
  } catch {
    return { ok: false, reason: `the emulator's check printed no answer: ${done.stderr.trim().slice(0, 300)}` };
  }
}

/** A host to create. */
export interface HostSpec {
  name: string;
  link: Link;
  /** Its IPv4 address on the lab network (10.99.0.0/16), default 10.99.0.(index + 1). */
  address?: string;
  /**
   * The hosts it can exchange packets with, by name (default: every host). Packets between it and any other
   * host are dropped in both directions, as by a strict NAT or firewall (e.g. `['server']`: a tab that
   * reaches the server host and nothing else, so its peers are reached only through a TURN server there or
   * the signaling relay). Counted as `blocked` on its own stages.
   */
  reach?: readonly string[];
}

/** A running host. */
export interface LabHost {
  name: string;
  /** Its current address on the lab network. */
  address: string;
  /** The process that holds its namespace. */
  pid: number;
  /** `net:[inode]`: the namespace's identity. */
  netns: string;
  /** Open this to enter the namespace (`nsenter --net=PATH`). */
  netnsPath: string;
}

/** Counters of one stage since the last reset. */
export interface StageCounters {
  packets: number;
  bytes: number;
  udpBytes: number;
  tcpBytes: number;
  /** Dropped by the loss model, by a cut, by a full queue, by the host's `reach`. */
  lost: number;
  cut: number;
  queueFull: number;
  blocked: number;
}

/** Lateness of packets against their schedule, ms. */
export interface TimingSummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Packets sent more than 1 ms and more than 10 ms late. */
  over1Ms: number;
  over10Ms: number;
}

/** What the emulator measured: of itself (timing, CPU) and of each host's link. */
export interface LabStats {
  timing: { window: TimingSummary; total: TimingSummary };
  cpu: { window: { seconds: number; wallSeconds: number; share: number | null }; total: { seconds: number; wallSeconds: number; share: number | null } };
  realtime: { ok: boolean; reason?: string; policy?: string; priority?: number };
  unroutable: number;
  tunFull: number;
  packets: number;
  hosts: Record<string, { addresses: string[]; up: StageCounters; down: StageCounters; link: Link; reach: string[] | null }>;
}

export interface LabOptions {
  hosts: readonly HostSpec[];
  /** SCHED_FIFO priority of the emulator, 0 for none (default {@link REALTIME_PRIORITY}). */
  realtime?: number;
  /** Seed of the emulator's jitter and loss. */
  seed?: number;
  /** Also listen for control requests on a Unix socket (`<dir>/control.sock`), for other shells. */
  controlSocket?: boolean;
  /** Lines the emulator writes to stderr (default: to this process's stderr). */
  onStderr?: (line: string) => void;
}

type Reply = { ok: boolean; error?: string; id?: number; event?: string } & Record<string, unknown>;

const live = new Set<Lab>();
let exitHookInstalled = false;

/** This process's start time (clock ticks since boot, /proc/PID/stat field 22): tells a pid from its reuse. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Every process whose network namespace is one of `namespaces` (`net:[inode]`). */
export function processesIn(namespaces: ReadonlySet<string>): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (namespaces.has(readlinkSync(`/proc/${entry}/ns/net`))) found.push(Number(entry));
    } catch {
      // gone, or not ours to look at
    }
  }
  return found;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A running lab. */
export class Lab {
  readonly id: string;
  /** Its state folder (state.json, owner.json, control.sock). */
  readonly dir: string;
  readonly hosts = new Map<string, LabHost>();
  /** Whether the emulator got real-time priority, and if not why. */
  realtime: LabStats['realtime'] = { ok: false };
  readonly #emulator: ChildProcess;
  readonly #pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  readonly #children = new Set<ChildProcess>();
  readonly #listeners = new Set<(event: Reply) => void>();
  /** When each host's last cut ended, epoch ms. */
  readonly #restoredAt = new Map<string, number>();
  #nextId = 0;
  #exited = false;
  #stopping: Promise<void> | undefined;

  private constructor(id: string, dir: string, emulator: ChildProcess) {
    this.id = id;
    this.dir = dir;
    this.#emulator = emulator;
  }

  /** Creates the hosts and starts forwarding. Throws with the emulator's reason when it cannot. */
  static async start(options: LabOptions): Promise<Lab> {
    if (options.hosts.length === 0) throw new Error('a lab needs at least one host');
    const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
    const dir = join(RUN_ROOT, id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'owner.json'), JSON.stringify({ pid: process.pid, start: startTime(process.pid) }));
    const config = {
      hosts: options.hosts.map((h, i) => ({ name: h.name, address: h.address ?? `10.99.0.${i + 1}`, link: h.link, reach: h.reach ?? null })),
      prefix: 16,
      realtime: options.realtime ?? REALTIME_PRIORITY,
      seed: options.seed ?? null,
      statedir: dir,
      control: options.controlSocket ? join(dir, 'control.sock') : null,
    };
    const emulator = spawn(pythonPath(), ['-u', EMULATOR, '--config-on-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const lab = new Lab(id, dir, emulator);
    live.add(lab);
    installExitHook();
    const onStderr = options.onStderr ?? ((line: string) => process.stderr.write(`[lab ${id}] ${line}\n`));
    createInterface({ input: emulator.stderr! }).on('line', onStderr);
    const ready = new Promise<Reply>((resolve, reject) => {
      lab.#listeners.add(function first(event) {
        if (event.event === 'ready' || event.event === 'error') {
          lab.#listeners.delete(first);
          if (event.event === 'ready') resolve(event);
          else reject(new Error(`the lab could not start: ${event.error}`));
        }
      });
      emulator.once('exit', (code) => reject(new Error(`the lab's emulator exited (code ${code}) before it was ready`)));
      emulator.once('error', reject);
    });
    createInterface({ input: emulator.stdout! }).on('line', (line) => lab.#onLine(line));
    emulator.once('exit', () => {
      lab.#exited = true;
      for (const p of lab.#pending.values()) p.reject(new Error('the lab stopped'));
      lab.#pending.clear();
    });
    emulator.stdin!.write(`${JSON.stringify(config)}\n`);
    try {
      const event = await ready;
      for (const h of event.hosts as { name: string; addresses: string[]; pid: number; netns: string; netnsPath: string }[]) {
        lab.hosts.set(h.name, { name: h.name, address: h.addresses[0]!, pid: h.pid, netns: h.netns, netnsPath: h.netnsPath });
      }
      lab.realtime = event.realtime as LabStats['realtime'];
      return lab;
    } catch (error) {
      await lab.stop();
      throw error;
    }
  }

  #onLine(line: string): void {
    let message: Reply;
    try {
      message = JSON.parse(line) as Reply;
    } catch {
      process.stderr.write(`[lab ${this.id}] ${line}\n`);
      return;
    }
    if (typeof message.id === 'number' && this.#pending.has(message.id)) {
      const waiter = this.#pending.get(message.id)!;
      this.#pending.delete(message.id);
      if (message.ok) waiter.resolve(message);
      else waiter.reject(new Error(`lab: ${message.error ?? 'request failed'}`));
      return;
    }
    if (message.event === 'restored') this.#restoredAt.set(message.host as string, message.epochMs as number);
    for (const listener of [...this.#listeners]) listener(message);
  }

  /** Sends one control request to the emulator and waits for its answer. */
  request(op: string, fields: Record<string, unknown> = {}): Promise<Reply> {
    if (this.#exited) return Promise.reject(new Error('the lab is not running'));
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#emulator.stdin!.write(`${JSON.stringify({ ...fields, op, id })}\n`);
    });
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name} (hosts: ${[...this.hosts.keys()].join(', ')})`);
    return h;
  }

  /**
   * Starts `command` inside host `name`'s namespace (nsenter, then setpriv, then the command: one pid, so it
   * can be signalled). It is killed when this process dies (a parent-death signal), and {@link stop} ends it.
   */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const host = this.host(name);
    const child = spawn('nsenter', [`--net=${host.netnsPath}`, '--', 'setpriv', '--pdeathsig', 'KILL', '--', command, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options,
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** How Playwright launches a Chromium inside host `name`: pass these to `chromium.launch`. */
  chromiumLaunch(name: string, chromePath: string): { executablePath: string; env: Record<string, string> } {
    const host = this.host(name);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    return { executablePath: NETNS_EXEC, env: { ...env, PAXOS_LAB_NETNS: host.netnsPath, PAXOS_LAB_EXEC: chromePath } };
  }

  /** Changes host `name`'s link; fields not given keep their value (give both stages for a whole new link). */
  async setLink(name: string, link: { up?: Stage; down?: Stage }, merge = false): Promise<Link> {
    const reply = await this.request('set', { host: name, ...link, merge });
    return reply.link as Link;
  }

  /** Restricts host `name` to exchange packets with the hosts `reach` names only, from now on; null lifts it. */
  async setReach(name: string, reach: readonly string[] | null): Promise<string[] | null> {
    const reply = await this.request('set', { host: name, reach });
    return reply.reach as string[] | null;
  }

  /**
   * Cuts host `name`'s link (both directions unless told), for `ms` if given (the emulator restores it on
   * time and reports the instant), else until {@link restore}. Resolves with the instant of the cut (epoch ms).
   */
  async cut(name: string, options: { ms?: number; direction?: 'both' | 'up' | 'down' } = {}): Promise<number> {
    const reply = await this.request('cut', { host: name, ...options });
    return reply.epochMs as number;
  }

  /** Ends a cut of host `name`'s link now; resolves with the instant (epoch ms). */
  async restore(name: string, direction: 'both' | 'up' | 'down' = 'both'): Promise<number> {
    const reply = await this.request('restore', { host: name, direction });
    return reply.epochMs as number;
  }

  /**
   * Resolves with the instant (epoch ms) at which host `name`'s cut ends: the first `restored` event after
   * `after` (epoch ms; one that already came counts).
   */
  restored(name: string, after = 0): Promise<number> {
    const seen = this.#restoredAt.get(name);
    if (seen !== undefined && seen > after) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listeners = this.#listeners;
      const wait = (event: Reply) => {
        if (event.event !== 'restored' || event.host !== name || (event.epochMs as number) <= after) return;
        listeners.delete(wait);
        resolve(event.epochMs as number);
      };
      listeners.add(wait);
    });
  }

  /** Gives host `name` a new address (the old one goes away, as on a network change); resolves with the instant. */
  async readdress(name: string, address: string): Promise<number> {
    const reply = await this.request('readdress', { host: name, address });
    const host = this.host(name);
    host.address = address;
    return reply.epochMs as number;
  }

  /**
   * What the emulator measured since measurement window `window` (default `default`) began or was last
   * reset, and its timing since it started (`total`). Windows are independent: a benchmark can time a
   * whole profile in one and each phase in another. `reset` starts the window again after this reading.
   */
  async stats(options: { window?: string; reset?: boolean } = {}): Promise<LabStats> {
    return (await this.request('stats', { window: options.window ?? 'default', reset: options.reset === true })) as unknown as LabStats;
  }

  /** The lab's namespaces, as `net:[inode]`. */
  namespaces(): Set<string> {
    return new Set([...this.hosts.values()].map((h) => h.netns));
  }

  /** Ends every process inside the lab, the emulator, its namespaces and TUN devices, and the state folder. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    for (const child of this.#children) kill(child.pid!, 'SIGTERM');
    for (let i = 0; i < 30 && this.#children.size > 0; i++) await sleep(100);
    for (const child of this.#children) kill(child.pid!, 'SIGKILL');
    // Whatever else runs inside a host (a browser Playwright started there) keeps its namespace alive.
    const namespaces = this.namespaces();
    for (const pid of processesIn(namespaces)) if (!this.#isHolder(pid)) kill(pid, 'SIGKILL');
    if (!this.#exited) {
      const exited = new Promise((resolve) => this.#emulator.once('exit', resolve));
      this.#emulator.stdin!.end();
      await Promise.race([exited, sleep(3000)]);
      if (!this.#exited) {
        kill(this.#emulator.pid!, 'SIGKILL');
        await Promise.race([exited, sleep(2000)]);
      }
    }
    for (let i = 0; i < 20 && processesIn(namespaces).length > 0; i++) {
      for (const pid of processesIn(namespaces)) kill(pid, 'SIGKILL');
      await sleep(100);
    }
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #isHolder(pid: number): boolean {
    return [...this.hosts.values()].some((h) => h.pid === pid);
  }

  /** Last resort at process exit (synchronous): kill what the lab started. */
  killNow(): void {
    for (const child of this.#children) kill(child.pid!, 'SIGKILL');
    for (const pid of processesIn(this.namespaces())) kill(pid, 'SIGKILL');
    if (!this.#exited) kill(this.#emulator.pid!, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lab of live) lab.killNow();
  });
}

/**
 * Stops every lab of this process on SIGINT and SIGTERM, then exits (130 / 143): for command-line tools.
 * Tests leave signals to their runner; the exit hook and the emulator's own watch on its input still clean up.
 */
export function stopLabsOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...live].map((lab) => lab.stop())).then(() => process.exit(code));
    });
  }
}

/** What a clean-up did. */
export interface CleanupReport {
  /** Labs whose owner was gone, cleaned up. */
  removed: string[];
  /** Labs whose owner still runs, left alone. */
  inUse: string[];
  /** Processes ended. */
  killed: number[];
}

/** The cookie (`SO_NETNS_COOKIE`) of process `pid`'s network namespace, as text; undefined if unknown. */
export function namespaceCookie(pid: number): string | undefined {
  const done = spawnSync('nsenter', [`--net=/proc/${pid}/ns/net`, pythonPath(), EMULATOR, '--netns-cookie'], { encoding: 'utf8', timeout: 10_000 });
  return done.status === 0 ? done.stdout.trim() : undefined;
}

/** Whether the namespace named `netns` now is the one whose cookie is `cookie` (asked of a process in it). */
function sameNamespace(netns: string, cookie: string): boolean {
  const pid = processesIn(new Set([netns]))[0];
  return pid !== undefined && namespaceCookie(pid) === cookie;
}

/**
 * Ends the labs whose owning process is gone (a crash, a kill -9): the processes still inside their
 * namespaces, their emulators and holders, and their state folders. Labs whose owner still runs (another
 * benchmark, another test) are left alone.
 */
export function cleanupLabs(): CleanupReport {
  const report: CleanupReport = { removed: [], inUse: [], killed: [] };
  if (!existsSync(RUN_ROOT)) return report;
  for (const id of readdirSync(RUN_ROOT)) {
    const dir = join(RUN_ROOT, id);
    const read = <T>(file: string): T | undefined => {
      try {
        return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
      } catch {
        return undefined;
      }
    };
    const owner = read<{ pid: number; start?: string }>('owner.json');
    if (owner && startTime(owner.pid) !== undefined && startTime(owner.pid) === owner.start) {
      report.inUse.push(id);
      continue;
    }
    const state = read<{ emulator: number; hosts: Record<string, { pid: number; netns: string; cookie?: string | null }> }>('state.json');
    if (state) {
      // A namespace's name (its inode) is given to the next namespace made after it is gone: a test run's own
      // (scripts/netns.sh), another lab's, a browser sandbox's. Its processes are ended only when the namespace
      // found under that name still has the cookie the lab recorded; without one, nothing is ended in it.
      const namespaces = new Set(Object.values(state.hosts).filter((h) => h.cookie != null && sameNamespace(h.netns, h.cookie)).map((h) => h.netns));
      const isEmulator = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('emulator.py');
        } catch {
          return false;
        }
      };
      const targets = new Set(processesIn(namespaces));
      for (const pid of [state.emulator, ...Object.values(state.hosts).map((h) => h.pid)]) if (isEmulator(pid)) targets.add(pid);
      for (const pid of targets) {
        kill(pid, 'SIGKILL');
        report.killed.push(pid);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    report.removed.push(id);
  }
  return report;
}
