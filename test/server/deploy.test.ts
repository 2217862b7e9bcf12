// The deployment options with real socket.io clients (the official one, and the widget's own signaling
// client over `ws`) against the real server on loopback: a base path, trusted proxies with per-address
// counts, short-lived TURN credentials in the join ack, and signed room tokens.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { WebSocket } from 'ws';
import type { JoinAck } from '../../src/net/signaling-protocol.js';
import { SignalingClient } from '../../src/net/signaling-client.js';
import { createLogger } from '../../server/logger.js';
import type { SignalingServer, SignalingServerOptions } from '../../server/index.js';
import { ackJoin, rawServer } from '../net/raw-socket-io-server.js';
import { waitFor } from '../support/wait.js';
import { connect, get, join, metric, startServer, WAIT_MS, within } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A server whose log lines are kept, parsed. */
async function serverWithLogs(options: SignalingServerOptions): Promise<{ server: SignalingServer; url: string; logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const { server, url } = await startServer({ ...options, logger });
  cleanups.push(() => server.close());
  return { server, url, logs };
}

function track<T extends { close(): unknown }>(thing: T): T {
  cleanups.push(() => thing.close());
  return thing;
}

/** The widget's own signaling client (src/net) in Node. */
function widgetClient(url: string): SignalingClient {
  return track(new SignalingClient(url, { joinTimeoutMs: 5_000, WebSocket: WebSocket as never }));
}

/** Why connecting failed, or null when it connected. */
async function refusal(url: string, options: Parameters<typeof connect>[1] = {}): Promise<string | null> {
  try {
    track(await connect(url, options));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('under a base path', () => {
  test('socket.io and every route live under the path; the root has none of them', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'pv-path-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(joinPath(dir, 'demo'));
    writeFileSync(joinPath(dir, 'demo', 'index.html'), '<!doctype html><title>demo under a path</title>');
    writeFileSync(joinPath(dir, 'paxos-video.js'), 'export {};\n');
    const { server, url } = await startServer({ path: '/watch/', demoDir: joinPath(dir, 'demo'), widgetPath: joinPath(dir, 'paxos-video.js') });
    cleanups.push(() => server.close());

    const s = track(await connect(url, { path: '/watch/socket.io' }));
    assert.equal((await join(s, 'under-path', 'alice-path-01')).ok, true);
    assert.match((await refusal(url)) ?? 'connected at the root', /websocket error|xhr poll error|404|Unexpected server response/i);

    assert.equal((await get(url, '/watch/healthz')).status, 200);
    assert.equal((await get(url, '/watch/paxos-video.js')).status, 200);
    assert.match(await (await get(url, '/watch/?room=x')).text(), /demo under a path/);
    const bare = await get(url, '/watch?room=x', { redirect: 'manual' });
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/watch/?room=x');
    for (const path of ['/healthz', '/metrics', '/paxos-video.js', '/', '/watchx/healthz']) {
      assert.equal((await get(url, path)).status, 404, path);
    }
  });

  test("the widget's client finds socket.io under its signaling URL's path, with or without the slash", async () => {
    const { server, url } = await startServer({ path: '/a/watch' });
    cleanups.push(() => server.close());
    for (const [i, signaling] of [`${url}/a/watch/`, `${url}/a/watch`, `${url}/a/watch/?x=1#f`].entries()) {
      const peers = await widgetClient(signaling).join('widget-path', `widget-path-0${i}`);
      assert.deepEqual(peers.sort(), [...Array(i).keys()].map((k) => `widget-path-0${k}`), signaling);
    }
    // The origin alone points at /socket.io/, where this server has nothing: the join cannot succeed.
    const lost = widgetClient(url);
    await assert.rejects(lost.join('widget-path', 'widget-path-09'), (err: Error & { code?: string }) => err.code === 'unreachable');
    const raw = await rawServer();
    cleanups.push(() => raw.close());
    const probe = widgetClient(`${raw.url}/deep/er/`);
    void probe.join('x', 'probe-node-01').catch(() => {});
    await waitFor(() => raw.paths.length > 0, 'the raw server to see a connection', WAIT_MS);
    assert.equal(raw.paths[0], '/deep/er/socket.io/?EIO=4&transport=websocket');
  });
});

describe('behind a trusted proxy', () => {
  const via = (address: string) => ({ extraHeaders: { 'X-Forwarded-For': address } });

  test("X-Forwarded-For from a listed proxy names the client: per-address cap, counts and logs see it", async () => {
    const { server, url, logs } = await serverWithLogs({ trustProxy: ['127.0.0.1'], maxConnectionsPerIp: 2 });
    const a1 = track(await connect(url, via('198.51.100.1')));
    track(await connect(url, via('198.51.100.1')));
    // A third from the same client is refused; another client is not; a forged hop before the proxy's changes nothing.
    assert.match((await refusal(url, via('198.51.100.1'))) ?? 'connected', /websocket error|Unexpected server response/i);
    assert.match((await refusal(url, via('6.6.6.6, 198.51.100.1'))) ?? 'connected', /websocket error|Unexpected server response/i);
    track(await connect(url, via('198.51.100.2')));
    assert.equal((await join(a1, 'proxied', 'alice-proxied')).ok, true);
    const text = await (await get(url, '/metrics')).text();
    assert.equal(metric(text, 'paxos_video_client_addresses'), 2);
    assert.equal(metric(text, 'paxos_video_rejected_connections_total{reason="per-ip"}'), 2);
    assert.ok(logs.some((l) => l.msg === 'join' && l.nodeId === 'alice-proxied' && l.ip === '198.51.100.1'), 'the join log names the client');
    assert.ok(logs.some((l) => String(l.msg).startsWith('refused a connection: too many') && l.ip === '198.51.100.1'));
    // Closing frees the client's slots.
    a1.close();
    await waitFor(() => server.io.of('/').sockets.size === 2, 'the server to notice the close', WAIT_MS);
    await waitFor(async () => (await refusal(url, via('198.51.100.1'))) === null, 'a slot to free up', { timeoutMs: WAIT_MS, intervalMs: 50 });
  });

  test('without a listed proxy the header is ignored: every connection is the TCP peer', async () => {
    const { url, logs } = await serverWithLogs({ maxConnectionsPerIp: 2 });
    const a = track(await connect(url, via('198.51.100.1')));
    track(await connect(url, via('198.51.100.2')));
    assert.notEqual(await refusal(url, via('198.51.100.3')), null, 'a third connection from 127.0.0.1, whatever it claims');
    assert.equal((await join(a, 'unproxied', 'alice-unproxied')).ok, true);
    assert.ok(logs.some((l) => l.msg === 'join' && l.ip === '127.0.0.1'));
    assert.equal(metric(await (await get(url, '/metrics')).text(), 'paxos_video_client_addresses'), 1);
  });
});

describe('TURN credentials in the join ack', () => {
  const secret = 'turn-shared-secret-for-tests';
  const urls = ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];

  test('each joining node gets <expiry>:<nodeId> and its HMAC for every TURN URL', async () => {
    const { url } = await serverWithLogs({ turn: { urls, secret, ttlSeconds: 120 } });
    const s = track(await connect(url));
    const before = Math.floor(Date.now() / 1000);
    const ack = (await join(s, 'turn-room', 'alice-turn-01')) as JoinAck & { ok: true };
    assert.equal(ack.ok, true);
    assert.equal(ack.iceServers?.length, 2);
    for (const [i, server] of ack.iceServers!.entries()) {
      assert.equal(server.urls, urls[i]);
      const [expiry, nodeId] = server.username.split(':');
      assert.equal(nodeId, 'alice-turn-01');
      assert.ok(Number(expiry) >= before + 120 && Number(expiry) <= Math.floor(Date.now() / 1000) + 120, `expiry ${expiry}`);
      assert.equal(server.credential, createHmac('sha1', secret).update(server.username).digest('base64'));
    }
  });

  test('no TURN configured: no iceServers in the ack', async () => {
    const { url } = await serverWithLogs({});
    const ack = await join(track(await connect(url)), 'no-turn', 'alice-noturn');
    assert.equal(ack.ok && 'iceServers' in ack, false);
  });

  test("the widget's client keeps the latest join's credentials and gets fresh ones at a re-join", async () => {
    const { server, url } = await serverWithLogs({ turn: { urls: urls.slice(0, 1), secret, ttlSeconds: 60 } });
    const port = Number(new URL(url).port);
    const c = widgetClient(url);
    assert.equal(c.iceServers.length, 0);
    await c.join('turn-rejoin', 'alice-rejoin');
    const first = c.iceServers;
    assert.equal(first.length, 1);
    assert.match(String(first[0]!.username), /^\d+:alice-rejoin$/);
    // Expiries count whole seconds: once the clock is in a later second, the server restarts on the same
    // port and the client re-joins by itself.
    const joinedSecond = Math.floor(Date.now() / 1000);
    await waitFor(() => Math.floor(Date.now() / 1000) > joinedSecond, 'the clock to reach the next second', 2_000);
    const rejoined = new Promise<void>((resolve) => c.on('joined', ({ rejoin }) => rejoin && resolve()));
    await server.close();
    const again = (await import('../../server/index.js')).createSignalingServer({ logLevel: 'silent', turn: { urls: urls.slice(0, 1), secret, ttlSeconds: 60 } });
    cleanups.push(() => again.close());
    await again.listen(port, '127.0.0.1');
    await within(rejoined, 'the re-join', 15_000);
    const fresh = c.iceServers[0]!;
    assert.ok(Number(String(fresh.username).split(':')[0]) > Number(String(first[0]!.username).split(':')[0]), 'a later expiry');
    assert.equal(fresh.credential, createHmac('sha1', secret).update(String(fresh.username)).digest('base64'));
  });

  test("a join ack with unusable TURN entries is refused by the widget's client and counted", async () => {
    const raw = await rawServer({
      onFrame: (frame, ws) => void ackJoin(frame, ws, [], { iceServers: [{ urls: 'turn:a b', username: 'u', credential: 'c' }] }),
    });
    cleanups.push(() => raw.close());
    const c = widgetClient(raw.url);
    await assert.rejects(c.join('bad-turn', 'alice-badturn'), (err: Error & { code?: string }) => err.code === 'unreachable');
    assert.ok((c.invalid.byReason['join-ack'] ?? 0) >= 1);
    assert.equal(c.iceServers.length, 0);
  });
});

describe('signed room tokens', () => {
  const secret = 'hs256-secret-of-at-least-32-bytes!!';
  const exp = () => Math.floor(Date.now() / 1000) + 300;
  const hs = (claims: Record<string, unknown>, key = secret) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(Buffer.from(key));

  test('each bad token is unauthorized for the client, with its reason in the log and the metric only', async () => {
    const { url, logs } = await serverWithLogs({ jwt: { secret } });
    const good = await hs({ room: 'jwt-room', name: 'Ada', exp: exp() });
    const ok = await join(track(await connect(url)), 'jwt-room', 'alice-jwt-01', good);
    assert.equal(ok.ok, true);
    assert.ok(logs.some((l) => l.msg === 'join' && l.nodeId === 'alice-jwt-01' && l.name === 'Ada' && l.ip === '127.0.0.1'));

    const cases: Array<[string, string, string]> = [
      ['another room', await hs({ room: 'other-room', exp: exp() }), 'wrong-room'],
      ['expired', await hs({ room: 'jwt-room', exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
      ['bad signature', await hs({ room: 'jwt-room', exp: exp() }, `${secret}?`), 'bad-signature'],
      ['alg none', new UnsecuredJWT({ room: 'jwt-room', exp: exp() }).encode(), 'algorithm-not-allowed'],
      ['oversized', await hs({ room: 'jwt-room', exp: exp(), pad: 'x'.repeat(2500) }), 'too-large'],
      ['no token', '', 'missing'],
    ];
    for (const [i, [what, token, reason]] of cases.entries()) {
      const nodeId = `mallory-jwt-${i}`;
      const ack = await join(track(await connect(url)), 'jwt-room', nodeId, token || undefined);
      assert.deepEqual(ack, { ok: false, error: { code: 'unauthorized', message: 'a valid token is required', event: 'join' } }, what);
      const line = logs.find((l) => l.msg === 'refused a join: unauthorized' && l.nodeId === nodeId);
      assert.equal(line?.reason, reason, `${what}: ${JSON.stringify(line)}`);
      assert.equal(typeof line?.detail, 'string');
    }
    const text = await (await get(url, '/metrics')).text();
    for (const reason of ['wrong-room', 'expired', 'bad-signature', 'algorithm-not-allowed', 'too-large', 'missing']) {
      assert.equal(metric(text, `paxos_video_rejected_tokens_total{reason="${reason}"}`), 1, reason);
    }
    // No token ever reaches the log.
    assert.ok(!JSON.stringify(logs).includes(good.split('.')[2]!));
    // Past the protocol's limit a token is not even read: bad-request.
    const huge = await join(track(await connect(url)), 'jwt-room', 'mallory-jwt-9', 'x'.repeat(4097));
    assert.equal(!huge.ok && huge.error.code, 'bad-request');
  });

  test('ES256 with a public key; a shared token and signed tokens side by side', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { url } = await serverWithLogs({ token: 'old-shared-token', jwt: { publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    const es = await new SignJWT({ room: 'es-room', exp: exp() }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    assert.equal((await join(track(await connect(url)), 'es-room', 'alice-es-01', es)).ok, true);
    assert.equal((await join(track(await connect(url)), 'es-room', 'alice-es-02', 'old-shared-token')).ok, true);
    const hsToken = await hs({ room: 'es-room', exp: exp() });
    assert.equal((await join(track(await connect(url)), 'es-room', 'alice-es-03', hsToken)).ok, false);
  });

  test("the widget's client joins with a signed token longer than the old 256-character limit", async () => {
    const { url } = await serverWithLogs({ jwt: { secret } });
    const token = await hs({ room: 'long-token', exp: exp(), name: 'A rather long display name, 64 characters at most, exactly here', sub: 'u'.repeat(100) });
    assert.ok(token.length > 256, `${token.length} characters`);
    assert.deepEqual(await widgetClient(url).join('long-token', 'alice-long-01', token), []);
    await assert.rejects(widgetClient(url).join('long-token', 'alice-long-02', await hs({ room: 'other', exp: exp() })), (err: Error & { code?: string }) => err.code === 'unauthorized');
  });
});
