/**
 * A ping-style probe through the lab: UDP probes from one host to another and back (lab/probe_agent.py in
 * each host), with one-way delays measured exactly: every host is on this machine, so the real-time clock is
 * one clock for both ends, and arrivals carry the kernel's receive timestamps. It reads back what a link was
 * configured to do: base delay, jitter, loss.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Lab, pythonPath } from './lab.js';

const AGENT = fileURLToPath(new URL('./probe_agent.py', import.meta.url));

export interface ProbeOptions {
  /** Probes sent (default 400). */
  count?: number;
  /** One every this many ms (default 10). */
  intervalMs?: number;
  /**
   * Sockets the probes rotate over (default 16): probes of one flow keep their order in the lab, so a probe
   * delayed by jitter would hold the next one of its flow back; spread over 16 flows, they do not.
   */
  sockets?: number;
  /** Bytes per probe (default 64). */
  size?: number;
  /** The echo's UDP port (default 7007). */
  port?: number;
}

/** One direction's one-way delays (ms) and losses. */
export interface DirectionResult {
  sent: number;
  received: number;
  /** Share of `sent` that never arrived. */
  loss: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every one-way delay, in send order. */
  delays: number[];
}

/** One probe: when it left, reached the far end and came back (epoch ms), or null where it was lost. */
export interface Probe {
  sentAt: number;
  arrivedAt: number | null;
  backAt: number | null;
}

export interface ProbeResult {
  forward: DirectionResult;
  back: DirectionResult;
  /** Round trips of the probes that came back, ms. */
  rttP50Ms: number;
  /** Every probe, in send order. */
  probes: Probe[];
}

/** Lines a child prints, as parsed JSON objects, one per call. */
function jsonLines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let closed = false;
  const failures: ((e: Error) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const w = waiting.shift();
    if (w) w(value);
    else queue.push(value);
  });
  child.once('exit', (code) => {
    closed = true;
    setTimeout(() => {
      for (const f of failures.splice(0)) f(new Error(`probe agent exited (code ${code}) ${stderr.trim()}`));
    }, 50);
  });
  return () =>
    new Promise((resolve, reject) => {
      const next = queue.shift();
      if (next) return resolve(next);
      if (closed) return reject(new Error(`probe agent exited ${stderr.trim()}`));
      waiting.push(resolve);
      failures.push(reject);
    });
}

function summarize(sent: number, delays: number[]): DirectionResult {
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
  return {
    sent,
    received: delays.length,
    loss: sent === 0 ? 0 : 1 - delays.length / sent,
    minMs: sorted[0] ?? Number.NaN,
    meanMs: delays.reduce((a, b) => a + b, 0) / Math.max(1, delays.length),
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    delays,
  };
}

/** Probes the path from host `from` to host `to` and back. */
export async function probe(lab: Lab, from: string, to: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const count = options.count ?? 400;
  const port = options.port ?? 7007;
  const echo = lab.spawn(to, pythonPath(), [AGENT, 'echo', String(port)]);
  const fromEcho = jsonLines(echo);
  try {
    const ready = await fromEcho();
    if (ready.ready !== port) throw new Error(`probe echo did not start: ${JSON.stringify(ready)}`);
    const sender = lab.spawn(from, pythonPath(), [
      AGENT,
      'send',
      lab.host(to).address,
      String(port),
      String(count),
      String(options.intervalMs ?? 10),
      String(options.sockets ?? 16),
      String(options.size ?? 64),
    ]);
    const fromSender = jsonLines(sender);
    const sent = (await fromSender()).probes as [number, number | null, number | null][];
    echo.stdin!.end();
    const arrivals = new Map((await fromEcho()).arrivals as [number, number][]);
    const forward: number[] = [];
    const back: number[] = [];
    const rtts: number[] = [];
    const probes: Probe[] = [];
    let forwarded = 0;
    sent.forEach(([t0, echoed, t2], seq) => {
      const arrived = arrivals.get(seq);
      const came = arrived !== undefined && echoed !== null && t2 !== null;
      probes.push({ sentAt: t0, arrivedAt: arrived ?? null, backAt: came ? t2 : null });
      if (arrived === undefined) return;
      forwarded++;
      forward.push(arrived - t0);
      if (came) {
        back.push(t2 - echoed);
        rtts.push(t2 - t0);
      }
    });
    rtts.sort((a, b) => a - b);
    return { forward: summarize(sent.length, forward), back: summarize(forwarded, back), rttP50Ms: rtts[Math.floor(rtts.length / 2)] ?? Number.NaN, probes };
  } finally {
    echo.kill('SIGKILL');
  }
}
