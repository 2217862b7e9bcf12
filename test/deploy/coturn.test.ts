/**
 * TURN with short-lived credentials against a real coturn (Debian's `turnserver`, on this machine's address,
 * configured by docs/deployment/turnserver.conf with `use-auth-secret`) and real Chromium:
 *
 * 1. The credentials the server mints (server/turn-credentials.ts) open a TURN allocation: an
 *    RTCPeerConnection with `iceTransportPolicy: 'relay'` gathers a relay candidate over UDP, TCP and TLS
 *    (`turns:`). Expired credentials, and credentials made with another secret, get 401 and no candidate.
 * 2. The plumbing, end to end: the signaling server hands each joining tab its credentials in the join ack,
 *    the widget's mesh adds them to its RTCPeerConnections, and two peers that may use relay candidates only
 *    open a DIRECT data channel (not the signaling relay) through coturn; coturn's log shows an allocation
 *    for each node's `<expiry>:<nodeId>`. With a signaling server configured with a wrong secret, coturn
 *    refuses them (401) and the same peers fall back to the signaling server's relay.
 *
 * This is one machine: a relayed path here proves the credentials and the plumbing, not NAT traversal (the
 * internet lab does that). Needs coturn (without it: skipped with a how-to; under CI=true: failed), openssl,
 * Chromium and a non-loopback interface: `scripts/netns.sh npm run test:node -- deploy/coturn`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChrome, HOW_TO_GET_CHROME } from '../../scripts/find-chrome.mjs';
import { createSignalingServer, type SignalingServer } from '../../server/index.js';
import { turnIceServers } from '../../server/turn-credentials.js';
import { within } from '../support/wait.js';
import { findTurnserver, HOW_TO_GET_COTURN, startCoturn, turnserverConfig, type Coturn } from './coturn.js';
import { freePort, machineAddress } from './host.js';
import { makeCertificate } from './nginx.js';
import type { PairOutcome } from './turn-page.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECRET = 'coturn-test-secret-0123456789abcdef';

const ip = machineAddress();
const skip = (() => {
  if (process.env['CI']) return false;
  if (!findTurnserver()) return `no coturn here. ${HOW_TO_GET_COTURN}`;
  if (!findChrome()) return `no Chromium here. ${HOW_TO_GET_CHROME}`;
  if (!ip) return 'no non-loopback network interface for WebRTC: run it as `scripts/netns.sh npm run test:node -- deploy/coturn`';
  return false;
})();

/** Gathers with `iceServers` and policy `relay` in the page: the relay candidates and the candidate errors. */
function gatherRelay(page: Page, iceServers: RTCIceServer[]): Promise<{ relay: string[]; errors: string[] }> {
  return page.evaluate(async (servers) => {
    const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
    pc.createDataChannel('probe');
    const relay: string[] = [];
    const errors: string[] = [];
    pc.onicecandidate = (e) => {
      if (e.candidate?.candidate) relay.push(e.candidate.candidate);
    };
    pc.onicecandidateerror = (e) => errors.push(`${e.errorCode} ${e.errorText}`);
    await pc.setLocalDescription();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      pc.onicegatheringstatechange = () => {
        if (pc.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      };
    });
    pc.close();
    return { relay, errors };
  }, iceServers);
}

/** Two relay-only peers in the page (turn-page.ts). */
function relayOnlyPair(page: Page, origin: string, room: string, directTimeoutMs: number): Promise<PairOutcome> {
  return page.evaluate(
    ({ origin, room, directTimeoutMs }) => (window as unknown as { __turnPair: (o: string, r: string, d: number) => Promise<PairOutcome> }).__turnPair(origin, room, directTimeoutMs),
    { origin, room, directTimeoutMs },
  );
}

describe('TURN with short-lived credentials (real coturn, real Chromium)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paxos-coturn-'));
  let coturn: Coturn | undefined;
  let browser: Browser | undefined;
  const servers: SignalingServer[] = [];
  after(async () => {
    await browser?.close().catch(() => {});
    for (const s of servers) await s.close();
    await coturn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('coturn accepts the minted credentials (UDP, TCP, TLS), refuses expired and foreign ones, and two relay-only peers connect through it', { timeout: 180_000, skip }, async (t) => {
    const turnserver = findTurnserver();
    const chrome = findChrome();
    assert.ok(turnserver, HOW_TO_GET_COTURN);
    assert.ok(chrome, HOW_TO_GET_CHROME);
    assert.ok(ip, 'a non-loopback interface (run inside scripts/netns.sh)');

    const cert = makeCertificate(dir, 'turn.example.org', ip);
    const ports = { udpTcp: await freePort(ip), tls: await freePort(ip), relayMin: 50_000 + Math.floor(Math.random() * 90) * 100 };
    coturn = await startCoturn(turnserver, dir, turnserverConfig({ ip, ports, secret: SECRET, cert }), { ip, port: ports.udpTcp, peerIp: ip });
    const version = /Coturn-[\d.]+ '[^']*'/.exec(coturn.log())?.[0] ?? 'coturn';
    t.diagnostic(`${version} on ${ip}:${ports.udpTcp} (TLS ${ports.tls}), relays ${ports.relayMin}-${ports.relayMin + 99}`);

    // The page: served by a signaling server on loopback, with the widget's net layer bundled for it.
    const bundle = await build({ entryPoints: [join(ROOT, 'test/deploy/turn-page.ts')], bundle: true, format: 'esm', target: 'es2022', write: false });
    writeFileSync(join(dir, 'net.js'), bundle.outputFiles[0]!.text);
    writeFileSync(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>turn</title><script type="module" src="net.js"></script>');
    const start = async (secret: string): Promise<string> => {
      const server = createSignalingServer({
        logLevel: 'silent',
        demoDir: dir,
        turn: { urls: [`turn:${ip}:${ports.udpTcp}?transport=udp`], secret, ttlSeconds: 600 },
      });
      servers.push(server);
      const { port } = await server.listen(0, '127.0.0.1');
      return `http://127.0.0.1:${port}`;
    };
    const origin = await start(SECRET);

    browser = await chromium.launch({
      executablePath: chrome,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-quic', `--ignore-certificate-errors-spki-list=${cert.spkiSha256}`],
    });
    const page = await browser.newPage();
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => '__turnPair' in window);

    // ---- 1. the minted credentials against coturn ----
    const mint = (urls: string[], secret = SECRET, nowMs = Date.now()) =>
      turnIceServers({ urls, secret, ttlSeconds: 600 }, 'probe-node-01', nowMs) as RTCIceServer[];
    for (const [what, url] of [
      ['UDP', `turn:${ip}:${ports.udpTcp}?transport=udp`],
      ['TCP', `turn:${ip}:${ports.udpTcp}?transport=tcp`],
      ['TLS', `turns:${ip}:${ports.tls}?transport=tcp`],
    ] as const) {
      const got = await gatherRelay(page, mint([url]));
      assert.ok(got.relay.length > 0 && got.relay.every((c) => / typ relay /.test(c) && c.includes(ip)), `${what}: a relay candidate on ${ip}: ${JSON.stringify(got)}`);
      t.diagnostic(`${what}: ${got.relay[0]}`);
    }
    const expired = await gatherRelay(page, mint([`turn:${ip}:${ports.udpTcp}?transport=udp`], SECRET, Date.now() - 660_000));
    assert.deepEqual(expired.relay, [], 'expired credentials open nothing');
    assert.ok(expired.errors.some((e) => e.startsWith('401')), `expired: ${JSON.stringify(expired.errors)}`);
    const foreign = await gatherRelay(page, mint([`turn:${ip}:${ports.udpTcp}?transport=udp`], `${SECRET}-other`));
    assert.deepEqual(foreign.relay, [], 'credentials of another secret open nothing');
    assert.ok(foreign.errors.some((e) => e.startsWith('401')), `another secret: ${JSON.stringify(foreign.errors)}`);

    // ---- 2. join ack → mesh → coturn: a direct channel over relay candidates only ----
    const pair = await within(relayOnlyPair(page, origin, `turn-${Date.now()}`, 20_000), 'the relay-only pair', 90_000);
    for (const [i, servers] of pair.iceServers.entries()) {
      assert.equal(servers.length, 1);
      assert.match(String(servers[0]!.username), new RegExp(`^\\d+:${pair.ids[i]}$`));
    }
    assert.deepEqual(pair.relayed, [false, false], 'a direct data channel, through coturn (relay candidates only)');
    assert.deepEqual(
      pair.received.map((r) => r.relayed),
      [false, false],
      `both messages over the data channel: ${JSON.stringify(pair.received)}`,
    );
    for (const id of pair.ids) {
      assert.match(coturn.log(), new RegExp(`user <\\d+:${id}>: incoming packet ALLOCATE processed, success`), `coturn allocated for ${id}`);
    }
    t.diagnostic(`relay-only pair connected directly through coturn: ${pair.ids.join(', ')}`);

    // ---- the control: the signaling server's secret does not match coturn's ----
    const wrongOrigin = await start(`${SECRET}-wrong`);
    const refused = await within(relayOnlyPair(page, wrongOrigin, `turn-wrong-${Date.now()}`, 3_000), 'the pair with refused credentials', 90_000);
    assert.deepEqual(refused.relayed, [true, true], 'no TURN allocation: the signaling relay carries them');
    assert.deepEqual(
      refused.received.map((r) => r.relayed),
      [true, true],
    );
    for (const id of refused.ids) assert.doesNotMatch(coturn.log(), new RegExp(`user <\\d+:${id}>: incoming packet ALLOCATE processed, success`));
    assert.match(coturn.log(), new RegExp(`user <\\d+:${refused.ids[0]}>: incoming packet message processed, error 401`));
  });
});
