// A media server for the streaming tests and the sync benchmark that delivers each tab's video at the rate the
// test chooses: `GET /<key>/<path>` serves `<root>/<path>`, and all the responses of one key share that key's
// link (a token bucket in bits per second), so a tab that loads its stream under its own key gets its own
// bandwidth, which the test can change at any moment (`setPace`), to 0 to stop delivering for good. Until a
// key gets a pace it is not limited. A key's responses under way can also be stuck for good (`stick`), as
// a connection is whose data went into a cut link, while its new requests are served: the video tests'
// dead connection. Answers a `Range` request with its part (206), so a video can seek without the whole
// file; answers with `Access-Control-Allow-Origin: *` (test pages come from another origin) and counts what
// each key fetched.
//
// Plain JavaScript so the web-test-runner config can import it as is. Listens on loopback only.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.webm': 'video/webm',
};
const KEY = /^[A-Za-z0-9_-]{1,64}$/;
/** Chunks of a paced response per second of its link (smaller chunks: smoother delivery). */
const CHUNKS_PER_SECOND = 20;

/**
 * @typedef {object} KeyStats
 * @property {number} requests responses begun
 * @property {number} bytes bytes sent
 * @property {number} segments media segments completed (not playlists)
 */

/**
 * Starts the server on 127.0.0.1 (`port` 0: any free port). It serves the files under `root` (none when it
 * is undefined), and each of `files` (name: absolute path) as `/<key>/<name>`.
 * @param {{ root?: string, files?: Record<string, string>, port?: number }} options
 */
export async function startPacedMediaServer({ root, files = {}, port = 0 }) {
  /** @type {Map<string, number>} bits per second; absent: unlimited */
  const paces = new Map();
  /** @type {Map<string, number>} when each key's link is free again, ms (performance.now) */
  const freeAt = new Map();
  /** @type {Map<string, KeyStats>} */
  const stats = new Map();
  /** @type {Map<import('node:http').ServerResponse, string>} the responses under way, with their keys */
  const open = new Map();
  /** @type {WeakSet<import('node:http').ServerResponse>} responses that never send another byte */
  const stuck = new WeakSet();
  const base = root === undefined ? undefined : normalize(root + sep);

  const statsOf = (key) => {
    let s = stats.get(key);
    if (!s) stats.set(key, (s = { requests: 0, bytes: 0, segments: 0 }));
    return s;
  };

  /** Sends `body` to `res` at the pace of `key`, chunk by chunk, each when the key's link is free. */
  async function send(key, res, body) {
    const s = statsOf(key);
    let offset = 0;
    while (offset < body.length) {
      if (res.destroyed) return;
      const bps = paces.get(key);
      if (bps === 0 || stuck.has(res)) {
        await delay(100); // stopped: nothing moves until the pace changes
        continue;
      }
      const chunk = bps === undefined ? body.length - offset : Math.max(1024, Math.floor(bps / 8 / CHUNKS_PER_SECOND));
      const piece = body.subarray(offset, offset + chunk);
      if (bps !== undefined) {
        const now = performance.now();
        const start = Math.max(now, freeAt.get(key) ?? now);
        freeAt.set(key, start + (piece.length * 8 * 1000) / bps);
        if (start > now) await delay(start - now);
        if (res.destroyed) return;
      }
      res.write(piece);
      offset += piece.length;
      s.bytes += piece.length;
    }
    res.end();
    if (!/\.m3u8$/.test(res.req.url ?? '')) s.segments++;
  }

  const server = createServer(async (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    const [, key, ...rest] = decodeURIComponent((req.url ?? '/').split('?')[0]).split('/');
    const name = rest.join('/');
    const path = Object.hasOwn(files, name) ? files[name] : base && normalize(join(base, name));
    if (req.method !== 'GET' || !KEY.test(key ?? '') || !path || !(path === files[name] || path.startsWith(base))) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('GET /<key>/<path>\n');
      return;
    }
    let body;
    try {
      body = await readFile(path);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    statsOf(key).requests++;
    open.set(res, key);
    res.on('close', () => open.delete(res));
    const headers = { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store', 'Accept-Ranges': 'bytes' };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const first = Number(range[1]);
      const last = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1);
      if (first > last) {
        res.writeHead(416, { 'Content-Range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${first}-${last}/${body.length}`, 'Content-Length': last - first + 1 });
      body = body.subarray(first, last + 1);
    } else res.writeHead(200, { ...headers, 'Content-Length': body.length });
    await send(key, res, body);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());

  return {
    /** e.g. http://127.0.0.1:41234 */
    url: `http://127.0.0.1:${address.port}`,
    /**
     * Sets the link of `key`: bits per second, 0 to stop delivering (responses under way stall), or null
     * for no limit.
     * @param {string} key
     * @param {number | null} bps
     */
    setPace(key, bps) {
      if (!KEY.test(key)) throw new Error(`bad key ${JSON.stringify(key)}`);
      if (bps === null) paces.delete(key);
      else if (Number.isFinite(bps) && bps >= 0) paces.set(key, bps);
      else throw new Error(`bad pace ${bps}: bits per second >= 0, or null`);
    },
    /**
     * Sticks every response of `key` under way now: none sends another byte (the connection stays open), as
     * a connection stuck after a cut link; later requests of `key` are served. Answers how many it stuck.
     * @param {string} key
     */
    stick(key) {
      let n = 0;
      for (const [res, k] of open) if (k === key && !res.writableEnded) stuck.add(res), n++;
      return n;
    },
    /** What `key` fetched so far. @param {string} key @returns {KeyStats} */
    stats: (key) => ({ ...statsOf(key) }),
    /** Stops the server, cutting responses under way. */
    async close() {
      for (const res of open.keys()) res.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** @param {number} ms */
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
