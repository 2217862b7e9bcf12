/**
 * The private network namespace the benchmark runs in (loopback plus one veth pair, as CI runs the tests):
 * headless Chromium gathers no WebRTC candidate with loopback alone, and no packet may leave this machine.
 * When the benchmark is not in one, it runs itself again under scripts/netns.sh.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Set in the environment of the re-executed benchmark, so it never loops. */
export const NETNS_ENV = 'PAXOS_BENCH_NETNS';

/** The network interfaces of this process's namespace (from /proc/net/dev, which is per namespace). */
export function networkInterfaces(): string[] {
  const text = readFileSync('/proc/net/dev', 'utf8');
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter((name) => name !== '')
    .sort();
}

/** True inside the namespace scripts/netns.sh creates: exactly lo, pv0 and pv1. */
export function inBenchNetns(): boolean {
  return networkInterfaces().join(',') === 'lo,pv0,pv1';
}

/**
 * Runs this same script again inside the namespace, with the same arguments, and resolves with its exit
 * code. Ctrl-C reaches the child (same process group), which cleans up its browsers.
 */
export function rerunInNetns(scriptUrl: string, args: readonly string[]): Promise<number> {
  const netns = fileURLToPath(new URL('../../scripts/netns.sh', import.meta.url));
  const child = spawn(netns, [process.execPath, ...process.execArgv, fileURLToPath(scriptUrl), ...args], {
    stdio: 'inherit',
    env: { ...process.env, [NETNS_ENV]: '1' },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1)));
  });
}
