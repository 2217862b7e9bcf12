/**
 * How busy the whole machine was during a measurement window: the benchmark shares its CPUs with whatever
 * else runs, and a starved decoder stalls video, so every figure is reported next to the load it was taken
 * under.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Cumulative CPU time of the machine, from /proc/stat (clock ticks). */
interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** What the machine did between {@link startLoadWindow} and `end()`. */
export interface LoadReport {
  /** Share of all CPUs' time spent busy (by anything, this benchmark included), 0..1. */
  busyShare: number;
  /** 1-minute load average at the end. */
  loadavg1m: number;
  cpus: number;
}

/** Starts a window; `end()` reports the machine's load over it. */
export function startLoadWindow(): { end(): LoadReport } {
  const start = cpuTimes();
  return {
    end() {
      const now = cpuTimes();
      const total = now.total - start.total;
      return { busyShare: total > 0 ? (now.busy - start.busy) / total : Number.NaN, loadavg1m: loadavg()[0]!, cpus: cpus().length };
    },
  };
}
