/**
 * Helpers of the inspector tests: create `<paxos-inspector>` elements next to a real room, and read what
 * they show (their shadow DOM), the way a person looking at the panel would.
 */
import '../../../src/inspector/index.js';
import type { PaxosInspector } from '../../../src/inspector/paxos-inspector.js';
import type { PaxosVideo } from '../../../src/paxos-video.js';
import { waitFor } from '../element/helpers.js';

export { waitFor };

const created: HTMLElement[] = [];
let ids = 0;

/** Gives `el` an id (when it has none) and adds `<paxos-inspector for=that-id>` to the page. */
export function addInspector(el: PaxosVideo, attrs: Record<string, string> = {}): PaxosInspector {
  if (!el.id) el.id = `watched-${++ids}-${Math.random().toString(36).slice(2, 7)}`;
  const inspector = document.createElement('paxos-inspector');
  inspector.setAttribute('for', el.id);
  for (const [k, v] of Object.entries(attrs)) inspector.setAttribute(k, v);
  document.body.append(inspector);
  created.push(inspector);
  return inspector;
}

/** Adds an element to the page and removes it in `removeInspectors`. */
export function track<T extends HTMLElement>(el: T): T {
  created.push(el);
  return el;
}

/** Removes every inspector (and tracked element) the tests added. */
export function removeInspectors(): void {
  for (const el of created.splice(0)) el.remove();
}

function root(inspector: PaxosInspector): ShadowRoot {
  if (!inspector.shadowRoot) throw new Error('the inspector has not rendered');
  return inspector.shadowRoot;
}

/** The rows of the nodes table, as shown. */
export function nodeRows(inspector: PaxosInspector): { id: string; role: string; decided: string; promised: string; self: boolean; text: string }[] {
  return [...root(inspector).querySelectorAll<HTMLElement>('[part~="node"]')].map((tr) => ({
    id: tr.dataset['id'] ?? '',
    role: tr.dataset['role'] ?? '',
    decided: tr.dataset['decided'] ?? '',
    promised: tr.dataset['promised'] ?? '',
    self: tr.hasAttribute('data-self'),
    text: tr.textContent?.replace(/\s+/g, ' ').trim() ?? '',
  }));
}

/** The lines of the decided log, newest first. */
export function logEntries(inspector: PaxosInspector): { kind: string; slot: number | null; value: string; lost: boolean; text: string }[] {
  return [...root(inspector).querySelectorAll<HTMLElement>('[part~="entry"]')].map((li) => ({
    kind: li.dataset['kind'] ?? '',
    slot: li.dataset['slot'] === undefined ? null : Number(li.dataset['slot']),
    value: li.dataset['value'] ?? '',
    lost: li.dataset['lost'] === 'true',
    text: li.textContent?.replace(/\s+/g, ' ').trim() ?? '',
  }));
}

/** The messages drawn in flight right now. */
export function flights(inspector: PaxosInspector): { type: string; from: string; to: string }[] {
  return [...root(inspector).querySelectorAll<SVGGElement>('[part~="flight"]')].map((g) => ({
    type: g.dataset['type'] ?? '',
    from: g.dataset['from'] ?? '',
    to: g.dataset['to'] ?? '',
  }));
}

/** The quorum badge. */
export function quorumBadge(inspector: PaxosInspector): { state: string; text: string } {
  const badge = root(inspector).querySelector<HTMLElement>('[part~="quorum"]');
  return { state: badge?.dataset['state'] ?? '', text: badge?.textContent?.trim() ?? '' };
}

/** Text of the problem line(s) and the counters. */
export function textOf(inspector: PaxosInspector, part: string): string {
  return [...root(inspector).querySelectorAll(`[part~="${part}"]`)].map((e) => e.textContent?.replace(/\s+/g, ' ').trim()).join(' | ');
}

/** The pause button. */
export function pauseButton(inspector: PaxosInspector): HTMLButtonElement {
  const button = root(inspector).querySelector<HTMLButtonElement>('[part~="pause"]');
  if (!button) throw new Error('no pause button');
  return button;
}

/** Resolves after `n` animation frames: the inspector renders at most once per frame, so it had `n` chances. */
export async function frames(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => requestAnimationFrame(() => r(undefined)));
}

/** The first characters of a node id, as the inspector shows it. */
export const short = (id: string): string => id.slice(0, 6);
