/**
 * What the deployment tests need of this machine: its address for WebRTC, free ports, the binaries of the
 * real parts, and a way to stop the processes they start.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { within } from '../support/wait.js';

/** This machine's first non-loopback IPv4 address (one of the veth pair's inside scripts/netns.sh). */
export function machineAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** A free TCP port on `host`. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A binary: the path in environment variable `envVar` (when it exists), else the first of `paths`, else `name` on PATH. */
export function findBinary(envVar: string, paths: readonly string[], name: string): string | undefined {
  const fromEnv = process.env[envVar];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const found = paths.find((p) => existsSync(p));
  if (found) return found;
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Sends `signal` and waits for the exit; SIGKILL after 10 s. */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, what: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await within(gone, `${what} to stop`, 10_000).catch(async () => {
    child.kill('SIGKILL');
    await gone;
  });
}
