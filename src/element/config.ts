/**
 * The element's connection settings: defaults for the attributes a page may leave out, and the checks that
 * turn a bad attribute into a clear `bad-attribute` error instead of an exception in the page.
 */
import { nameProblem } from '../playback/display-name.js';

/** What the element connects with, after defaults. */
export interface ConnectionConfig {
  readonly signaling: string;
  readonly room: string;
  /** Parsed `ice-servers`; undefined when absent or unparseable (see `raw`). */
  readonly iceServers: RTCIceServer[] | undefined;
  readonly maxAcceptors: number;
  readonly token?: string;
  readonly secret?: string;
  /** The attributes as written, for error messages. */
  readonly raw: Readonly<Record<string, string | undefined>>;
}

const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Most acceptors a configuration may have (the consensus core's limit). */
export const MAX_ACCEPTORS_LIMIT = 15;

/** The origin this script was loaded from: where the widget came from, the signaling server is too. */
export function defaultSignaling(): string {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return globalThis.location?.origin ?? '';
  }
}

/** 32-bit FNV-1a, hex: a short stable digest for room names derived from long addresses. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/**
 * A room name derived from the page's address (host and path, without query or hash), so every tab of one
 * page meets in one room by default. Long addresses keep a readable prefix and a digest of the whole.
 */
export function defaultRoom(href: string = globalThis.location?.href ?? 'about:blank'): string {
  let base: string;
  try {
    const url = new URL(href);
    base = `${url.host}${url.pathname}`;
  } catch {
    base = href;
  }
  const clean = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'room';
  return clean.length <= 64 ? clean : `${clean.slice(0, 55)}-${fnv1a(base)}`;
}

/** The element's connection attributes, as its properties hold them. */
export interface ConnectionAttributes {
  readonly signaling: string | undefined;
  readonly room: string | undefined;
  readonly iceServers: string | undefined;
  readonly maxAcceptors: number;
  readonly token: string | undefined;
  readonly secret: string | undefined;
  getAttribute(name: string): string | null;
}

/** What the element connects with: its attributes with the defaults filled in, and as written. */
export function connectionConfig(el: ConnectionAttributes): ConnectionConfig {
  const raw = {
    signaling: el.signaling,
    room: el.room,
    'ice-servers': el.iceServers,
    'max-acceptors': el.getAttribute('max-acceptors') ?? undefined,
  };
  let iceServers: RTCIceServer[] | undefined;
  try {
    iceServers = el.iceServers ? (JSON.parse(el.iceServers) as RTCIceServer[]) : undefined;
  } catch {
    iceServers = undefined; // attributeProblems says why
  }
  return {
    raw,
    signaling: el.signaling || defaultSignaling(),
    room: el.room || defaultRoom(),
    iceServers,
    maxAcceptors: el.maxAcceptors,
    ...(el.token ? { token: el.token } : {}),
    ...(el.secret ? { secret: el.secret } : {}),
  };
}

/** Everything wrong with the attributes, as sentences; empty when they are fine. */
export function attributeProblems(config: ConnectionConfig): string[] {
  const problems: string[] = [];
  if (!isHttpUrl(config.signaling)) {
    problems.push(`signaling="${config.raw.signaling ?? config.signaling}" is not an http(s) URL`);
  }
  if (!ROOM_PATTERN.test(config.room)) {
    problems.push(`room="${config.room}" must be 1-64 characters of A-Z a-z 0-9 _ . -`);
  }
  const ice = config.raw['ice-servers'];
  if (ice !== undefined && ice !== null) {
    const error = iceServersProblem(ice);
    if (error) problems.push(`ice-servers: ${error}`);
  }
  const max = config.maxAcceptors;
  if (!Number.isInteger(max) || max < 1 || max > MAX_ACCEPTORS_LIMIT) {
    problems.push(`max-acceptors="${config.raw['max-acceptors'] ?? max}" must be an integer from 1 to ${MAX_ACCEPTORS_LIMIT}`);
  }
  return problems;
}

/** Whether `text` is an absolute http: or https: URL. */
function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Why an `ice-servers` value is not a JSON array of RTCIceServer, or null when it is. */
export function iceServersProblem(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (!Array.isArray(value)) return 'must be a JSON array';
  for (const [i, server] of value.entries()) {
    if (typeof server !== 'object' || server === null) return `entry ${i} is not an object`;
    const urls = (server as { urls?: unknown }).urls;
    const list = Array.isArray(urls) ? urls : [urls];
    if (list.length === 0 || !list.every((u) => typeof u === 'string' && /^(stun|turn)s?:/.test(u))) {
      return `entry ${i}: "urls" must be stun(s): or turn(s): URLs`;
    }
    for (const key of ['username', 'credential'] as const) {
      const field = (server as Record<string, unknown>)[key];
      if (field !== undefined && typeof field !== 'string') return `entry ${i}: "${key}" must be a string`;
    }
  }
  return null;
}

/** The attributes that say who this tab is and how the room waits for it. */
export interface WaitAttributes {
  readonly name: string | undefined;
  readonly wait: string;
  readonly waitTimeout: number;
}

/** Longest `wait-timeout`, seconds (the wait command's bound). */
export const MAX_WAIT_TIMEOUT_S = 600;

/** Everything wrong with `name`, `wait` and `wait-timeout`, as sentences; empty when they are fine. */
export function waitProblems(el: WaitAttributes): string[] {
  const problems: string[] = [];
  const name = el.name === undefined ? null : nameProblem(el.name);
  if (name) problems.push(`name="${el.name}" ${name}`);
  if (el.wait !== 'hold' && el.wait !== 'none') problems.push(`wait="${el.wait}" must be hold or none`);
  if (!(el.waitTimeout >= 0 && el.waitTimeout <= MAX_WAIT_TIMEOUT_S)) problems.push(`wait-timeout="${el.waitTimeout}" must be 0 to ${MAX_WAIT_TIMEOUT_S} seconds`);
  return problems;
}
