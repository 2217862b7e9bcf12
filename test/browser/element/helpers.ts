/**
 * Helpers of the element tests: rooms of real `<paxos-video>` elements in one page (each a real peer with
 * its own WebRTC connections to the others), over the real signaling server the test runner started.
 */
import '../../../src/index.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { hooks } from '../../support/element-hooks.js';
import { signalingUrl, uniqueRoom, waitFor } from '../net/helpers.js';

export { hooks, signalingUrl, uniqueRoom, waitFor };

/**
 * The committed demo video (60 s, 30 fps test pattern), from the signaling server, which answers range
 * requests (the test runner's own file server does not, and a video without them cannot seek).
 */
export const videoSrc = (): string => `${signalingUrl()}/test-pattern.webm`;

/** Attributes of a test element. */
export interface ElementOptions {
  room: string;
  secret?: string;
  token?: string;
  maxAcceptors?: number;
  /** Local clock skew, ms, injected before the element connects. */
  skewMs?: number;
  /** Add a `<video>` child (default true). */
  video?: boolean;
  /** Install the test hooks (element-hooks.ts: partitions, raw frames) before it connects. */
  hooks?: boolean;
  attrs?: Record<string, string>;
}

const containers: HTMLElement[] = [];

/** Creates and connects one element. */
export function addElement(options: ElementOptions): PaxosVideo {
  let container = containers[0];
  if (!container) {
    container = document.createElement('div');
    document.body.append(container);
    containers.push(container);
  }
  const el = document.createElement('paxos-video');
  el.setAttribute('signaling', signalingUrl());
  el.setAttribute('room', options.room);
  if (options.secret) el.setAttribute('secret', options.secret);
  if (options.token) el.setAttribute('token', options.token);
  if (options.maxAcceptors) el.setAttribute('max-acceptors', String(options.maxAcceptors));
  for (const [k, v] of Object.entries(options.attrs ?? {})) el.setAttribute(k, v);
  if (options.skewMs) {
    const skew = options.skewMs;
    el.localClock = () => performance.timeOrigin + performance.now() + skew;
  }
  if (options.video !== false) {
    const video = document.createElement('video');
    video.src = videoSrc();
    video.muted = true;
    video.playsInline = true;
    video.preload = 'auto';
    video.width = 160;
    el.append(video);
  }
  if (options.hooks) hooks(el);
  container.append(el);
  return el;
}

/** Removes every element the helpers created (their rooms close, their identities are released). */
export function cleanup(): void {
  for (const c of containers.splice(0)) c.remove();
}

/** Waits until every element is `synced` and they all agree on the acceptors and the leader. */
export async function waitForRoom(els: PaxosVideo[], timeoutMs = 20_000, maxAcceptors = 5): Promise<void> {
  await waitFor(() => els.every((e) => e.status === 'synced'), 'every element synced', timeoutMs);
  await waitFor(
    () => {
      const leader = els[0]!.leader;
      // Direct channels: a peer that has just joined counts as connected through the relay at once, and a
      // test that stops the server next needs the channels.
      return leader !== null && els.every((e) => e.leader === leader) && els.every((e) => e.peers.filter((p) => p.connected && !p.relayed).length >= els.length - 1);
    },
    'one leader known to all and a full direct mesh',
    timeoutMs,
  );
  // Joiners start as learners; the leader promotes them while there is room.
  const want = Math.min(els.length, maxAcceptors);
  await waitFor(() => els.filter((e) => e.paxosRole !== 'learner').length === want, `${want} acceptors`, timeoutMs);
}

/** Creates a room of `n` elements and waits until it has formed. */
export async function makeRoom(n: number, options: Partial<ElementOptions> = {}): Promise<PaxosVideo[]> {
  const room = options.room ?? uniqueRoom('el');
  const els: PaxosVideo[] = [];
  for (let i = 0; i < n; i++) {
    els.push(addElement({ ...options, room, ...(options.skewMs ? { skewMs: options.skewMs * (i % 2 === 0 ? 1 : -1) * (i + 1) } : {}) }));
    // The first one founds the room; the others join it.
    if (i === 0) await waitFor(() => els[0]!.status === 'synced', 'the founder synced');
  }
  await waitForRoom(els);
  return els;
}

/** Waits for the next `name` event on `el` matching `predicate`. */
export function nextEvent<T>(el: EventTarget, name: string, predicate: (detail: T) => boolean = () => true, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      el.removeEventListener(name, on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name}`));
    }, timeoutMs);
    const on = (e: Event) => {
      const detail = (e as CustomEvent<T>).detail;
      if (!predicate(detail)) return;
      clearTimeout(timer);
      el.removeEventListener(name, on);
      resolve(detail);
    };
    el.addEventListener(name, on);
  });
}

/** Waits until every element's decided state satisfies `check`. */
export function waitForState(els: PaxosVideo[], check: (s: PaxosVideo['state']) => boolean, what: string, timeoutMs = 15_000): Promise<unknown> {
  return waitFor(() => els.every((e) => check(e.state)), what, timeoutMs);
}

/** The videos' positions read in one task (the same instant for all), seconds. */
export function positions(els: PaxosVideo[]): number[] {
  return els.map((e) => e.video!.currentTime);
}

/** Largest pairwise difference of the videos' positions, ms. */
export function spreadMs(els: PaxosVideo[]): number {
  const p = positions(els);
  return (Math.max(...p) - Math.min(...p)) * 1000;
}

/** One line per element (status, role, leader, decided state, peers): for a failure message. */
export function describeRoom(els: PaxosVideo[]): string {
  return els
    .map((e) => {
      const s = e.state;
      const peers = e.peers.map((p) => `${p.id.slice(0, 6)}:${p.role}:${p.connected ? (p.relayed ? 'relayed' : 'direct') : 'down'}`).join(' ');
      return `${e.nodeId.slice(0, 6)} ${e.status} ${e.paxosRole} leader=${e.leader?.slice(0, 6) ?? '-'} slot=${s.slot} paused=${s.paused} [${peers}]`;
    })
    .join('\n  ');
}

/** {@link waitFor}, whose timeout error ends with {@link describeRoom} of `els`. */
export async function waitForElements<T>(els: PaxosVideo[], check: () => T | undefined | false | null, what: string, timeoutMs = 15_000): Promise<T> {
  try {
    return await waitFor(check, what, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n  ${describeRoom(els)}`);
  }
}
