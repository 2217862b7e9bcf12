/**
 * One peer of the sync benchmark: its own Chromium process (a real separate tab: own renderer, own WebRTC
 * stack, own compositor), one page on the benchmark page, its clock skewed by the injected probe
 * (bench/pages/bench-init.js). What the probe records is pulled into Node and validated here: the page is a
 * boundary like any other.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import * as v from '../../src/schema/index.js';
import { BenchError } from './wait.js';

/** Chromium flags of every benchmark browser (see DESIGN.md "Testing without toys"). */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
  // Several pages keep rendering video while none of them has the focus.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
]);

const PROBE = readFileSync(fileURLToPath(new URL('../pages/bench-init.js', import.meta.url)), 'utf8');

// ---- what the probe reports ------------------------------------------------------------------------------

const finite = v.pipe(v.number(), v.finite());

/** A presented frame: display time on the true clock (ms), mediaTime (s). */
export interface Frame {
  /** expectedDisplayTime on the true clock, ms since the epoch. */
  readonly t: number;
  /** The frame's mediaTime, s. */
  readonly media: number;
  /** presentedFrames counter (gaps are frames the compositor never showed). */
  readonly presented: number;
  /** presentationTime on the true clock, ms. */
  readonly presentation: number;
  /** When the callback ran, true clock, ms. */
  readonly callback: number;
  /** `video.currentTime` read in the callback (the media clock at `callback`), s. */
  readonly clock: number;
}

type FrameTuple = [number, number, number, number, number, number];
const FrameTuple = v.custom<FrameTuple>(
  (x) => Array.isArray(x) && x.length === 6 && x.every((n) => typeof n === 'number' && Number.isFinite(n)),
  'a frame is 6 finite numbers',
);

const VideoStateSchema = v.object({
  src: v.string(),
  paused: v.boolean(),
  position: finite,
  anchor: finite,
  rate: finite,
  slot: finite,
});
/** The element's decided state, as the page reported it. */
export type BenchVideoState = v.InferOutput<typeof VideoStateSchema>;

const CommandRef = v.object({ type: v.string(), proposer: v.string(), id: v.string() });

const MediaEvent = v.object({
  t: finite,
  kind: v.literal('media'),
  type: v.string(),
  currentTime: finite,
  paused: v.boolean(),
  rate: finite,
});
const PaxosEvent = v.object({ t: finite, kind: v.literal('paxos'), type: v.string(), detail: v.unknown() });
const RecordedEventSchema = v.variant('kind', [MediaEvent, PaxosEvent]);
/** A media or paxos-* event, time-stamped on the true clock. */
export type RecordedEvent = v.InferOutput<typeof RecordedEventSchema>;

/** The detail of a recorded `paxos-state` event. */
export const StateDetailSchema = v.object({ state: VideoStateSchema, slot: finite, commands: v.array(CommandRef) });
export type StateDetail = v.InferOutput<typeof StateDetailSchema>;

const TakeSchema = v.object({ frames: v.array(FrameTuple), events: v.array(RecordedEventSchema), now: finite });

const PeerSchema = v.object({ id: v.string(), role: v.string(), connected: v.boolean(), relayed: v.boolean(), rtt: v.nullable(finite) });
const SnapshotSchema = v.variant('attached', [
  v.object({ attached: v.literal(false), now: finite }),
  v.object({
    attached: v.literal(true),
    now: finite,
    status: v.string(),
    role: v.string(),
    leader: v.nullable(v.string()),
    nodeId: v.string(),
    peers: v.array(PeerSchema),
    // clockError is Infinity (null in JSON) until the first clock sample.
    stats: v.object({ drift: finite, clockOffset: finite, clockError: v.nullable(v.number()), decisions: finite, rejected: finite }),
    state: VideoStateSchema,
    video: v.object({ paused: v.boolean(), currentTime: finite, readyState: finite, rate: finite }),
  }),
]);
/** What the element and its video say at one instant. */
export type Snapshot = Extract<v.InferOutput<typeof SnapshotSchema>, { attached: true }>;

const CommandResultSchema = v.variant('ok', [
  v.object({ ok: v.literal(true), calledAt: finite, settledAt: finite, role: v.string(), nodeId: v.string(), state: VideoStateSchema }),
  v.object({
    ok: v.literal(false),
    calledAt: finite,
    settledAt: finite,
    role: v.optional(v.string()),
    nodeId: v.optional(v.string()),
    code: v.optional(v.nullable(v.string())),
    message: v.string(),
  }),
]);
/** How a command call went: times on the true clock. */
export type CommandResult = v.InferOutput<typeof CommandResultSchema>;

const CandidateEndSchema = v.object({ type: v.string(), address: v.string(), port: finite, relayProtocol: v.nullable(v.string()) });
const SelectedPairSchema = v.object({ local: CandidateEndSchema, remote: CandidateEndSchema, rtt: v.nullable(finite) });
/** The ICE candidate pair a connected RTCPeerConnection uses: each end's type and address; round trip, s. */
export type SelectedPair = v.InferOutput<typeof SelectedPairSchema>;

/** The command methods the benchmark calls. */
export type CommandKind = 'play' | 'pause' | 'seek';

function parse<T extends v.GenericSchema>(schema: T, value: unknown, what: string): v.InferOutput<T> {
  const result = v.safeParse(schema, value);
  if (!result.success) {
    const issue = result.issues[0]!;
    const path = v.getDotPath(issue);
    throw new BenchError(`the benchmark page sent a malformed ${what}${path ? ` at ${path}` : ''}: ${issue.message}`);
  }
  return result.output;
}

// ---- one page --------------------------------------------------------------------------------------------

/** One browser process with one benchmark page. */
export class BenchPage {
  /** Frames pulled so far, in display order. */
  frames: Frame[] = [];
  /** Events pulled so far. */
  events: RecordedEvent[] = [];
  #context: BrowserContext | undefined;
  #page: Page | undefined;
  #cdp: CDPSession | undefined;
  #browserCdp: CDPSession | undefined;
  #crashed = false;

  private constructor(
    /** Index among the benchmark's pages (P0, P1, ...). */
    readonly index: number,
    /** This page's clock skew, ms. */
    readonly skewMs: number,
    readonly browser: Browser,
    /** Also record every `paxos-message` event (for a latency breakdown; many). */
    readonly recordMessages: boolean,
  ) {}

  /**
   * Launches a Chromium process for page `index`, its clock skewed by `skewMs`. `launcher` starts it some
   * other way (inside a lab host: lab/lab.ts `chromiumLaunch`).
   */
  static async launch(
    index: number,
    skewMs: number,
    executablePath: string,
    options: { recordMessages?: boolean; launcher?: { executablePath: string; env: Record<string, string> } } = {},
  ): Promise<BenchPage> {
    const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_FLAGS], ...options.launcher });
    return new BenchPage(index, skewMs, browser, options.recordMessages === true);
  }

  get label(): string {
    return `P${this.index}`;
  }

  /** Whether the page's renderer crashed (and no page was opened since). */
  get crashed(): boolean {
    return this.#crashed;
  }

  /**
   * Opens `url` in a fresh browser context (so a fresh sessionStorage: a new node, never a returning one),
   * closing the previous one, and forgets what was recorded before.
   */
  async open(url: string): Promise<void> {
    await this.#closeContext();
    this.frames = [];
    this.events = [];
    this.#crashed = false;
    const context = await this.browser.newContext({ viewport: { width: 520, height: 320 } });
    this.#context = context;
    const config = { skewMs: this.skewMs, recordMessages: this.recordMessages };
    await context.addInitScript({ content: `window.__PAXOS_BENCH_CONFIG__ = ${JSON.stringify(config)};\n${PROBE}` });
    const page = await context.newPage();
    this.#page = page;
    page.on('crash', () => {
      this.#crashed = true;
    });
    page.on('pageerror', (error) => console.error(`[${this.label}] page error: ${error.message}`));
    this.#cdp = await context.newCDPSession(page);
    await this.#cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    await page.goto(url, { waitUntil: 'load' });
    const problem = await page.evaluate('window.__benchProblem ?? null');
    if (problem) throw new BenchError(`${this.label}: the benchmark page refused to start: ${String(problem)}`);
    try {
      await page.waitForFunction('window.__bench.snapshot().attached', null, { timeout: 15_000, polling: 50 });
    } catch {
      throw new BenchError(`${this.label}: <paxos-video> was not defined within 15 s of loading ${url}: did /paxos-video.js load?`);
    }
  }

  /**
   * Tells the page its network went away (`offline` event, `navigator.onLine` false) or came back
   * (`online`), as the browser does on a network change. Only the page's own view: the lab cuts the link.
   */
  async setOffline(offline: boolean): Promise<void> {
    await this.#context?.setOffline(offline);
  }

  /** Leaves the room the way closing the tab does (unload), keeping the browser. */
  async leave(): Promise<void> {
    await this.#closeContext();
  }

  #pageOrThrow(): Page {
    if (!this.#page || this.#crashed) throw new BenchError(`${this.label}: no live page`);
    return this.#page;
  }

  /** Pulls what the probe recorded since the last pull into {@link frames} and {@link events}. */
  async pull(): Promise<void> {
    if (!this.#page || this.#crashed) return;
    const raw = await this.#page.evaluate('window.__bench.take()');
    const taken = parse(TakeSchema, raw, 'recording');
    for (const [t, media, presented, presentation, callback, clock] of taken.frames) {
      this.frames.push({ t, media, presented, presentation, callback, clock });
    }
    this.events.push(...taken.events);
  }

  async snapshot(): Promise<Snapshot> {
    const raw = await this.#pageOrThrow().evaluate('window.__bench.snapshot()');
    const snap = parse(SnapshotSchema, raw, 'snapshot');
    if (!snap.attached) throw new BenchError(`${this.label}: the element is not attached yet`);
    return snap;
  }

  /** Calls `play()`, `pause()` or `seek(arg)` on the element and waits until it settles. */
  async command(kind: CommandKind, arg?: number): Promise<CommandResult> {
    const raw = await this.#pageOrThrow().evaluate(`window.__bench.command(${JSON.stringify(kind)}, ${JSON.stringify(arg ?? null)})`);
    return parse(CommandResultSchema, raw, 'command result');
  }

  /**
   * One sample of (page true clock - `nodeNow()`), and the round trip it took: with several, the one with
   * the smallest round trip says how well the two clocks agree.
   */
  async clockSample(nodeNow: () => number): Promise<{ offset: number; rtt: number }> {
    const page = this.#pageOrThrow();
    const t0 = nodeNow();
    const pageNow = parse(finite, await page.evaluate('window.__bench.trueNow()'), 'clock reading');
    const t1 = nodeNow();
    return { offset: pageNow - (t0 + t1) / 2, rtt: t1 - t0 };
  }

  /**
   * Every RTCPeerConnection the page made, with its state changes (ms after creation), as text: for
   * diagnosing a mesh that does not form.
   */
  async connectionLog(): Promise<string> {
    if (!this.#page || this.#crashed) return `${this.label}: no live page`;
    const raw = (await this.#page.evaluate('window.__bench.connections()')) as unknown;
    if (!Array.isArray(raw)) return `${this.label}: no connection log`;
    return raw
      .map((c: { created?: unknown; changes?: unknown }, i) => {
        const changes = Array.isArray(c.changes) ? c.changes.map((x) => (Array.isArray(x) ? `${String(x[0])}:${String(x[1])}` : '?')).join(' ') : '';
        return `${this.label} pc#${i} ${changes}`;
      })
      .join('\n');
  }

  /** The selected candidate pair of each of the page's connected RTCPeerConnections. */
  async selectedPairs(): Promise<SelectedPair[]> {
    return parse(v.array(SelectedPairSchema), await this.#pageOrThrow().evaluate('window.__bench.selectedPairs()'), 'candidate pair list');
  }

  /** When the page's navigation started (its performance.timeOrigin), on the true clock. */
  async navigationStart(): Promise<number> {
    return parse(finite, await this.#pageOrThrow().evaluate('performance.timeOrigin'), 'timeOrigin');
  }

  /**
   * When the page's parts arrived, ms from navigation start: the document (`document`), then each resource by
   * the last part of its path (a module, the video), by Resource Timing's `responseEnd`.
   */
  async loadTimings(): Promise<Record<string, number>> {
    const raw = await this.#pageOrThrow().evaluate(`(() => {
      const out = {};
      const nav = performance.getEntriesByType('navigation')[0];
      if (nav) out.document = nav.responseEnd;
      for (const r of performance.getEntriesByType('resource')) {
        const name = new URL(r.name).pathname.split('/').pop() || r.name;
        if (!(name in out)) out[name] = r.responseEnd;
      }
      return out;
    })()`);
    const timings = v.custom<Record<string, number>>((x) => typeof x === 'object' && x !== null && Object.values(x).every((t) => Number.isFinite(t)), 'an object of finite times');
    return parse(timings, raw, 'load timings');
  }

  /** Crashes the page's renderer (CDP Page.crash: a real crash, no unload) and waits until it is gone. */
  async crash(): Promise<void> {
    const page = this.#pageOrThrow();
    const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
    // The command never answers: the renderer it talks to dies.
    this.#cdp!.send('Page.crash').catch(() => undefined);
    await crashed;
    this.#crashed = true;
  }

  /** CPU seconds used so far by every process of this page's browser (the browser's own process metrics). */
  async processCpuSeconds(): Promise<number> {
    this.#browserCdp ??= await this.browser.newBrowserCDPSession();
    const info = (await this.#browserCdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number; cpuTime: number }[] };
    const processes = parse(v.array(v.object({ type: v.string(), id: finite, cpuTime: finite })), info.processInfo, 'process list');
    return processes.reduce((sum, p) => sum + p.cpuTime, 0);
  }

  /** The renderer main thread's task and script time so far, s (CDP Performance.getMetrics). */
  async mainThreadSeconds(): Promise<{ task: number; script: number }> {
    const { metrics } = (await this.#cdp!.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    return { task: get('TaskDuration'), script: get('ScriptDuration') };
  }

  async #closeContext(): Promise<void> {
    const context = this.#context;
    this.#context = undefined;
    this.#page = undefined;
    this.#cdp = undefined;
    await context?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.#closeContext();
    await this.browser.close().catch(() => undefined);
  }
}
