// HTTP routes (/healthz, /metrics, the widget bundle, the demo) and origin checks of socket.io connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { SignalDelivery } from '../../src/net/signaling-protocol.js';
import type { HealthReport, SignalingServer } from '../../server/index.js';
import { packageRoot } from '../../server/package-root.js';
import { ROOT, connect, get, metric, next, peer, startServer, type ClientSocket, within } from './helpers.js';

/** Status of a plain GET with exactly these headers. */
function rawGet(target: string, headers: Record<string, string>): Promise<number> {
  return within(
    new Promise<number>((resolve, reject) => {
      request(target, { headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .once('error', reject)
        .end();
    }),
    `GET ${target}`,
  );
}

/** A GET's status, headers and undecoded body. */
function rawBody(target: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return within(
    new Promise((resolve, reject) => {
      request(target, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .once('error', reject)
        .end();
    }),
    `GET ${target}`,
  );
}

describe('http routes', () => {
  let server: SignalingServer;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'pv-http-'));
  const widget = join(dir, 'paxos-video.js');
  const demo = join(dir, 'demo');
  const video = Buffer.from([...Array(1000).keys()].map((i) => i % 256));
  const sockets: ClientSocket[] = [];

  before(async () => {
    writeFileSync(widget, 'export const widget = 1;\n');
    writeFileSync(`${widget}.map`, '{"version":3}');
    rmSync(demo, { recursive: true, force: true });
    (await import('node:fs')).mkdirSync(demo);
    writeFileSync(join(demo, 'index.html'), '<!doctype html><title>demo</title><paxos-video></paxos-video>');
    writeFileSync(join(demo, 'clip.webm'), video);
    ({ server, url } = await startServer({ widgetPath: widget, demoDir: demo }));
  });
  after(async () => {
    for (const s of sockets) s.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/healthz reports status, rooms, sockets and uptime', async () => {
    const a = await peer(url, 'health', 'alice-health');
    const b = await peer(url, 'health-2', 'bob-health1');
    const idle = await connect(url);
    sockets.push(a.socket, b.socket, idle);
    const res = await get(url, '/healthz');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as HealthReport;
    assert.equal(body.status, 'ok');
    assert.equal(body.rooms, 2);
    assert.equal(body.sockets, 3);
    assert.equal(body.peers, 2);
    assert.ok(body.uptime >= 0 && body.uptime < 600);
    assert.ok(body.memory.heapUsed > 0);
  });

  test('/metrics exposes sockets, rooms, joins, relays, rejections and the relay histogram', async () => {
    const a = await peer(url, 'metrics', 'alice-metric');
    const b = await peer(url, 'metrics', 'bob-metrics1');
    sockets.push(a.socket, b.socket);
    const before = await (await get(url, '/metrics')).text();
    const got = next<SignalDelivery>(b.socket, 'signal');
    a.socket.emit('signal', { to: 'bob-metrics1', data: 'hi' });
    await got;
    const res = await get(url, '/metrics');
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    assert.equal(metric(text, 'paxos_video_relayed_messages_total'), metric(before, 'paxos_video_relayed_messages_total') + 1);
    assert.equal(metric(text, 'paxos_video_relay_latency_seconds_count'), metric(before, 'paxos_video_relay_latency_seconds_count') + 1);
    assert.ok(metric(text, 'paxos_video_joins_total') >= 2);
    assert.ok(metric(text, 'paxos_video_sockets') >= 2);
    assert.ok(metric(text, 'paxos_video_rooms') >= 1);
    assert.equal(metric(text, 'paxos_video_rejected_messages_total{reason="unknown-event"}'), 0);
    assert.match(text, /^process_resident_memory_bytes /m);
  });

  test('/paxos-video.js is served to any origin, with ETag and a short max-age', async () => {
    const res = await get(url, '/paxos-video.js', { headers: { Origin: 'https://some-blog.example' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'export const widget = 1;\n');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
    const etag = res.headers.get('etag');
    assert.ok(etag);
    // fetch() marks conditional requests no-cache (which defeats revalidation); a browser's cache does not.
    const again = await rawGet(`${url}/paxos-video.js`, { 'If-None-Match': etag, 'Accept-Encoding': res.headers.get('content-encoding') ?? 'identity' });
    assert.equal(again, 304);
    assert.equal((await get(url, '/paxos-video.js.map')).status, 200);
  });

  test('/paxos-video.js goes in Brotli or gzip to a client that accepts it, and plain to one that does not', async () => {
    // Bigger than a TCP initial window, as the real bundle is, so compression matters.
    const source = `export const parts = [${[...Array(4000).keys()].map((i) => `'part ${i}'`).join(', ')}];\n`;
    writeFileSync(widget, source);
    try {
      for (const [accept, encoding] of [
        ['gzip, deflate, br', 'br'],
        ['gzip', 'gzip'],
        ['identity', null],
      ] as const) {
        const raw = await rawBody(`${url}/paxos-video.js`, { 'Accept-Encoding': accept });
        assert.equal(raw.status, 200, accept);
        assert.equal(raw.headers['content-encoding'], encoding ?? undefined, accept);
        assert.equal(raw.headers['access-control-allow-origin'], '*');
        assert.match(String(raw.headers['content-type']), /javascript/);
        const body = encoding === 'br' ? brotliDecompressSync(raw.body) : encoding === 'gzip' ? gunzipSync(raw.body) : raw.body;
        assert.equal(body.toString(), source, accept);
        if (encoding) {
          assert.ok(raw.body.length < source.length / 3, `${encoding}: ${raw.body.length} bytes of ${source.length}`);
          assert.equal(raw.headers.vary, 'Accept-Encoding');
          const etag = String(raw.headers.etag);
          assert.equal(await rawGet(`${url}/paxos-video.js`, { 'Accept-Encoding': accept, 'If-None-Match': etag }), 304);
        }
      }
      // A new build is sent anew, not the compressed copy of the old one.
      writeFileSync(widget, `${source}// v2\n`);
      const next = await rawBody(`${url}/paxos-video.js`, { 'Accept-Encoding': 'br' });
      assert.match(brotliDecompressSync(next.body).toString(), /\/\/ v2\n$/);
    } finally {
      writeFileSync(widget, 'export const widget = 1;\n');
    }
  });

  test('/ serves the demo, and its assets with range requests', async () => {
    const page = await get(url, '/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<paxos-video>/);
    const part = await get(url, '/clip.webm', { headers: { Range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/1000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), video.subarray(100, 200));
  });

  test('unknown paths are 404 JSON; nothing leaks outside the demo folder', async () => {
    const res = await get(url, '/nope');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'not found' });
    assert.equal((await get(url, '/..%2fpaxos-video.js')).status, 404);
    assert.equal(res.headers.get('x-powered-by'), null);
  });
});

describe('widget location', () => {
  test('the package root is found from source and from the build folder alike', () => {
    assert.equal(packageRoot(join(ROOT, 'server')), ROOT.replace(/\/$/, ''));
    assert.equal(packageRoot(join(ROOT, 'dist', 'server')), ROOT.replace(/\/$/, ''));
  });

  test('without a built widget, /paxos-video.js says how to build it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pv-empty-'));
    const { server, url } = await startServer({ staticDir: dir, demoDir: dir });
    try {
      assert.ok(!existsSync(join(dir, 'paxos-video.js')));
      const res = await get(url, '/paxos-video.js');
      assert.equal(res.status, 404);
      assert.match(await res.text(), /npm run build/);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('origins', () => {
  let server: SignalingServer;
  let url: string;
  before(async () => ({ server, url } = await startServer({ corsOrigins: ['https://allowed.example'] })));
  after(() => server.close());

  test('a listed origin connects; another is refused and counted; no origin (not a browser) connects', async () => {
    const ok = await connect(url, { extraHeaders: { Origin: 'https://allowed.example' } });
    ok.close();
    await assert.rejects(connect(url, { extraHeaders: { Origin: 'https://evil.example' } }));
    await assert.rejects(connect(url, { extraHeaders: { Origin: 'https://allowed.example.evil.example' } }));
    const plain = await connect(url);
    plain.close();
    const text = await (await get(url, '/metrics')).text();
    assert.equal(metric(text, 'paxos_video_rejected_connections_total{reason="origin"}'), 2);
  });

  test('the polling handshake answers CORS for the listed origin only', async () => {
    const path = '/socket.io/?EIO=4&transport=polling';
    const good = await get(url, path, { headers: { Origin: 'https://allowed.example' } });
    assert.equal(good.status, 200);
    assert.equal(good.headers.get('access-control-allow-origin'), 'https://allowed.example');
    await good.text();
    const bad = await get(url, path, { headers: { Origin: 'https://evil.example' } });
    assert.equal(bad.status, 403);
    await bad.text();
  });
});
