/**
 * A real coturn (Debian's `turnserver`) for the deployment tests, serving docs/deployment/turnserver.conf
 * (the configuration the operator documentation shows) with only its addresses, ports, secret and
 * certificate paths replaced; the process settings of a test instance (its own user database, pid file,
 * a verbose log on stdout, where each allocation shows) and the one peer address it may relay to (this
 * machine's, a private one the documented file denies) are given as command-line flags.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { within } from '../support/wait.js';
import { findBinary, stopProcess } from './host.js';
import type { TestCertificate } from './nginx.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/** The documented coturn configuration this module runs. */
export const TURNSERVER_CONF = join(ROOT, 'docs/deployment/turnserver.conf');

export const HOW_TO_GET_COTURN =
  'No coturn found. Install it (Debian: `sudo apt-get install coturn`) or point TURNSERVER_PATH at its turnserver binary; ' +
  'the test starts its own instance and never touches the system one.';

/** The turnserver binary: TURNSERVER_PATH, else Debian's, else one on PATH; undefined when there is none. */
export function findTurnserver(): string | undefined {
  return findBinary('TURNSERVER_PATH', ['/usr/bin/turnserver'], 'turnserver');
}

function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`${TURNSERVER_CONF}: expected "${from}" once, found it ${n} times`);
  return text.replace(from, to);
}

/** What a test instance listens on. */
export interface CoturnPorts {
  udpTcp: number;
  tls: number;
  /** Relay ports: min-port .. min-port + 99. */
  relayMin: number;
}

/** The documented configuration with this run's address, ports, secret and certificate. */
export function turnserverConfig(o: { ip: string; ports: CoturnPorts; secret: string; cert: TestCertificate }): string {
  let text = readFileSync(TURNSERVER_CONF, 'utf8');
  text = replaceOnce(text, 'listening-ip=203.0.113.10', `listening-ip=${o.ip}`);
  text = replaceOnce(text, 'relay-ip=203.0.113.10', `relay-ip=${o.ip}`);
  text = replaceOnce(text, 'listening-port=3478', `listening-port=${o.ports.udpTcp}`);
  text = replaceOnce(text, 'tls-listening-port=5349', `tls-listening-port=${o.ports.tls}`);
  text = replaceOnce(text, 'min-port=49152', `min-port=${o.ports.relayMin}`);
  text = replaceOnce(text, 'max-port=65535', `max-port=${o.ports.relayMin + 99}`);
  text = replaceOnce(text, 'static-auth-secret=replace-with-the-secret-in-etc-paxos-video-turn-secret', `static-auth-secret=${o.secret}`);
  text = replaceOnce(text, '/etc/ssl/turn.example.org/fullchain.pem', o.cert.certPath);
  text = replaceOnce(text, '/etc/ssl/turn.example.org/privkey.pem', o.cert.keyPath);
  return text;
}

/** A running coturn. */
export interface Coturn {
  process: ChildProcess;
  /** Its log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts a program somewhere (default: `spawn`, on this machine; a lab host's `Lab.spawn`, inside it). */
export type Runner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/**
 * Starts `binary` on `config` in `dir`, allowed to relay to `peerIp` (an address or a range `A-B`). Resolves
 * once it answers a STUN binding request on its UDP port, or rejects with its log. With a `runner` that
 * puts it where this process cannot send (inside a lab host), it is ready once its log says its UDP listener
 * on ip:port opened.
 */
export async function startCoturn(binary: string, dir: string, config: string, o: { ip: string; port: number; peerIp: string; runner?: Runner }): Promise<Coturn> {
  writeFileSync(join(dir, 'turnserver.conf'), config);
  const child = (o.runner ?? spawn)(
    binary,
    ['-c', join(dir, 'turnserver.conf'), '--userdb', join(dir, 'turndb'), '--pidfile', join(dir, 'turnserver.pid'), '--log-file', 'stdout', '--simple-log', '--verbose', '--allowed-peer-ip', o.peerIp],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`turnserver exited (${code}):\n${log.slice(-3000)}`))));
  exited.catch(() => {});
  const stop = () => stopProcess(child, 'SIGTERM', 'turnserver');
  try {
    const ready = o.runner ? logSays(() => log, `UDP listener opened on: ${o.ip}:${o.port}`) : stunAnswers(o.ip, o.port);
    await within(Promise.race([ready, exited]), `turnserver on ${o.ip}:${o.port}`, 15_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${log.slice(-3000)}`);
  }
  return { process: child, log: () => log, stop };
}

/** Resolves once `log()` contains `text`. */
async function logSays(log: () => string, text: string): Promise<void> {
  while (!log().includes(text)) await new Promise((r) => setTimeout(r, 50));
}

/** Resolves once a STUN binding request to ip:port gets a binding success response. */
async function stunAnswers(ip: string, port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      // Binding request: type 0x0001, length 0, magic cookie, 12-byte transaction id.
      const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), Buffer.alloc(12, 7)]);
      const timer = setTimeout(() => done(false), 300);
      function done(result: boolean): void {
        clearTimeout(timer);
        socket.close();
        resolve(result);
      }
      socket.once('message', (msg) => done(msg.readUInt16BE(0) === 0x0101));
      socket.once('error', () => done(false));
      socket.send(request, port, ip);
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
