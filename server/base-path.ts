/**
 * The URL path the server lives under, for a deployment under a path of an existing site
 * (`https://site.example/watch/`): every route (`/watch/healthz`, `/watch/paxos-video.js`, the demo at
 * `/watch/`) and socket.io's endpoint (`/watch/socket.io/`) move under it, so a reverse proxy forwards the
 * path unchanged. The widget finds the endpoint from its `signaling` URL's path (wire-socket.ts).
 */

/** Longest accepted base path, characters. */
export const MAX_BASE_PATH_LENGTH = 200;
/** One path segment: unreserved URL characters only, so the path needs no escaping anywhere. */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

/**
 * The canonical form of a base path: `''` for the root (`''` or `'/'`), else `/a/b` without a trailing
 * slash. Throws an `Error` saying what is wrong.
 */
export function normalizeBasePath(path: string): string {
  if (typeof path !== 'string') throw new Error('path: must be a string');
  if (path === '' || path === '/') return '';
  if (!path.startsWith('/')) throw new Error(`path: must start with "/", got "${path.slice(0, 100)}"`);
  if (path.length > MAX_BASE_PATH_LENGTH) throw new Error(`path: at most ${MAX_BASE_PATH_LENGTH} characters`);
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  for (const segment of trimmed.slice(1).split('/')) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new Error(`path: "${path.slice(0, 100)}" must be /segment[/segment...] of A-Z a-z 0-9 . _ ~ - (no empty, "." or ".." segments)`);
    }
  }
  return trimmed;
}

/** socket.io's endpoint under `basePath` (normalized), as its `path` option wants it. */
export function socketIoPath(basePath: string): string {
  return `${basePath}/socket.io`;
}
