/**
 * The built `paxos-video-server` CLI (dist/server/cli.js) as an operator runs it: a process with flags and
 * environment variables, whose JSON log lines the deployment tests read, stopped with SIGTERM and started
 * again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '../support/wait.js';
import { stopProcess } from './host.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/server/cli.js');

/** One running server process. */
export interface CliServer {
  process: ChildProcess;
  port: number;
  /** Its log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM, and the exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Starts the CLI with `args` (plus `--port`, `--host 127.0.0.1`) and waits for its `listening` line. */
export async function startCliServer(args: string[], env: NodeJS.ProcessEnv = {}, port = 0): Promise<CliServer> {
  if (!existsSync(CLI)) throw new Error('dist/server/cli.js is missing: run `npm run build` first (npm test does)');
  const child = spawn(process.execPath, [CLI, '--host', '127.0.0.1', '--port', String(port), ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    pending += d.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = await within(
    new Promise<number>((resolve, reject) => {
      const check = setInterval(() => {
        const line = lines.find((l) => l['msg'] === 'listening');
        if (line) {
          clearInterval(check);
          resolve(Number(line['port']));
        }
      }, 20);
      child.once('exit', (code) => {
        clearInterval(check);
        reject(new Error(`paxos-video-server exited (${code}) before listening: ${stderr}`));
      });
    }),
    'paxos-video-server to listen',
    30_000,
  );
  return {
    process: child,
    port: listening,
    logs: () => lines,
    stop: () => stopProcess(child, 'SIGTERM', 'paxos-video-server'),
  };
}
