// Browser tests: real Chromium (Debian's, or CHROME_PATH), real WebRTC, and ONE real signaling server that
// this config starts on an ephemeral loopback port before the run and stops after it. Tests read its URL
// from `window.__PAXOS_SIGNALING__` (see test/browser/net/helpers.ts).
//
// Run after `npm run build` (the server comes from dist/server/index.js, and serves dist/paxos-video.js at
// /paxos-video.js for cross-origin embedding tests). Headless Chromium gathers no WebRTC candidates with
// loopback alone, so run it the way CI does: `scripts/netns.sh npx web-test-runner`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { requireChrome } from './scripts/find-chrome.mjs';
import { ensureHlsLadder } from './test/support/hls-ladder.mjs';
import { startPacedMediaServer } from './test/support/paced-media.mjs';

const root = new URL('.', import.meta.url).pathname;
const serverModule = new URL('./dist/server/index.js', import.meta.url);
if (!existsSync(serverModule)) {
  console.error('web-test-runner: dist/server/index.js is missing: run `npm run build` first (npm test does).');
  process.exit(1);
}
const executablePath = requireChrome();

/** Flags every browser test needs (see DESIGN.md "Testing without toys"). */
const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
const AUTOPLAY = '--autoplay-policy=no-user-gesture-required';

const chrome = (flags) =>
  chromeLauncher({
    launchOptions: { executablePath, headless: true, args: flags },
    concurrency: 1,
  });

// The signaling server: started by the dev server's `serverStart` hook, stopped by `serverStop`.
let signalingUrl = '';
let signaling;
// A second server that requires a join token, for the token tests.
const TEST_TOKEN = 'test-token-7f3a';
let tokenUrl = '';
let tokenServer;
// A third server that tests may stop and start again on the same port (signaling outages), through the
// server commands `outage-server-stop` and `outage-server-start` (executeServerCommand in the browser).
let outagePort = 0;
let outageServer;
let createServer;
// Two histories under one room name (test/browser/element/history.test.ts). `outage-server-start` may hold
// back the joins of some node ids (dropped unanswered, in the CONNECT or as an event: the tab retries after
// its ack timeout) until
// `outage-release-joins`, so a new tab reaches a restarted server before the room's old tabs re-join it.
// `redis-pair-start` starts a redis-server and two servers sharing rooms through it, whose join acks list
// no peers for the rooms named in its payload: two first joins that raced, each founding a history.
const heldJoins = new Set();
const blindRooms = new Set();
let redisPair;
const testLog = () => process.env.PAXOS_TEST_SERVER_LOG ?? 'warn';
/** Test-only middleware on a server's sockets: held joins, and blind rooms' join acks. */
function tamperJoins(server) {
  // Before the server's own dispatcher, which never passes a packet on.
  server.io.sockets.prependListener('connection', (socket) => {
    // A join in the CONNECT (the widget's): a held one is taken out (the client sends it again as a `join`
    // event after its ack timeout, held below); a blind room's answer lists no peers.
    const auth = socket.handshake.auth;
    if (heldJoins.has(auth?.j?.nodeId)) delete auth.j;
    if (blindRooms.has(auth?.j?.room)) {
      const emit = socket.emit.bind(socket);
      socket.emit = (event, reply, ...rest) => emit(event, event === 'joined' && reply?.ok ? { ...reply, peers: [] } : reply, ...rest);
    }
    socket.use((packet, next) => {
      const [event, payload] = packet;
      if (event !== 'join') return next();
      if (heldJoins.has(payload?.nodeId)) return; // no ack: the client retries
      const ack = packet.at(-1);
      if (blindRooms.has(payload?.room) && typeof ack === 'function') packet[packet.length - 1] = (reply) => ack(reply?.ok ? { ...reply, peers: [] } : reply);
      next();
    });
  });
  return server;
}
async function startRedisPair() {
  const { spawn } = await import('node:child_process');
  const { createServer: netServer, connect } = await import('node:net');
  const port = await new Promise((resolve) => {
    const probe = netServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolve(p));
    });
  });
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const up = () => new Promise((resolve) => connect(port, '127.0.0.1').once('connect', function () { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
  for (let i = 0; !(await up()); i++) {
    if (i > 200) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const redisUrl = `redis://127.0.0.1:${port}`;
  const servers = [0, 1].map(() => tamperJoins(createServer({ logLevel: testLog(), redisUrl })));
  const urls = [];
  for (const s of servers) urls.push(`http://127.0.0.1:${(await s.listen(0, '127.0.0.1')).port}`);
  return { redis, servers, urls };
}
const signalingServerPlugin = {
  name: 'paxos-video-signaling-server',
  async serverStart() {
    const { createSignalingServer } = await import(serverModule.href);
    createServer = createSignalingServer;
    signaling = createSignalingServer({ logLevel: process.env.PAXOS_TEST_SERVER_LOG ?? 'warn' });
    const { port } = await signaling.listen(0, '127.0.0.1');
    signalingUrl = `http://127.0.0.1:${port}`;
    tokenServer = createSignalingServer({ logLevel: process.env.PAXOS_TEST_SERVER_LOG ?? 'warn', token: TEST_TOKEN });
    tokenUrl = `http://127.0.0.1:${(await tokenServer.listen(0, '127.0.0.1')).port}`;
    outageServer = tamperJoins(createSignalingServer({ logLevel: process.env.PAXOS_TEST_SERVER_LOG ?? 'warn' }));
    outagePort = (await outageServer.listen(0, '127.0.0.1')).port;
    console.log(`web-test-runner: signaling servers on ${signalingUrl}, with a token ${tokenUrl}, for outages :${outagePort}`);
  },
  async serverStop() {
    await Promise.all([signaling?.close(), tokenServer?.close(), outageServer?.close(), ...(redisPair?.servers ?? []).map((s) => s.close())]);
    redisPair?.redis.kill();
  },
  async executeCommand({ command, payload }) {
    if (command === 'outage-server-stop') {
      await outageServer?.close();
      outageServer = undefined;
      return true;
    }
    if (command === 'outage-release-joins') {
      heldJoins.clear();
      return true;
    }
    if (command === 'redis-pair-start') {
      redisPair ??= await startRedisPair();
      for (const room of payload?.blindRooms ?? []) blindRooms.add(room);
      return redisPair.urls;
    }
    if (command === 'outage-server-start') {
      for (const id of payload?.holdJoins ?? []) heldJoins.add(id);
      if (!outageServer) {
        outageServer = tamperJoins(createServer({ logLevel: process.env.PAXOS_TEST_SERVER_LOG ?? 'warn' }));
        await outageServer.listen(outagePort, '127.0.0.1');
      }
      return true;
    }
    return undefined;
  },
};

// Streaming: the HLS ladder (made by ffmpeg on first use, then cached) and the demo's video from a media
// server that paces each tab's delivery (test/support/paced-media.mjs). Commands: `paxos-media-setup`
// answers {url} (or {error}: no ffmpeg for the ladder), `paxos-media-url` answers {url} (the demo's video,
// `/<key>/test-pattern.webm`, needs no ffmpeg), `paxos-media-pace` {key, bps} sets a tab's link (bits/s, 0
// stops it, null lifts the cap), `paxos-media-stick` {key} sticks its responses under way for good (a
// connection stuck after a cut), `paxos-media-stats` {key} answers what that key fetched.
// The ladder is made (or found in the cache) before the tests start: a command may take 20 s at most.
let media;
let mediaError;
const mediaPlugin = {
  name: 'paxos-video-media',
  async serverStart() {
    let ladder;
    try {
      ladder = await ensureHlsLadder();
    } catch (error) {
      mediaError = error.message;
    }
    media = await startPacedMediaServer({ root: ladder, files: { 'test-pattern.webm': join(root, 'demo/test-pattern.webm') } });
  },
  async serverStop() {
    await media?.close();
  },
  async executeCommand({ command, payload }) {
    if (command === 'paxos-media-setup') {
      return mediaError === undefined ? { url: media.url } : { error: mediaError, ci: process.env.CI === 'true' || process.env.CI === '1' };
    }
    if (command === 'paxos-media-url') return { url: media.url };
    if (command === 'paxos-media-stick') return media.stick(payload.key);
    if (command === 'paxos-media-pace') {
      media.setPace(payload.key, payload.bps);
      return true;
    }
    if (command === 'paxos-media-stats') return media.stats(payload.key);
    return undefined;
  },
};

// A real network change for the ICE tests: `executeServerCommand('paxos-netns-addresses', { up })` removes
// or restores the veth addresses of the private network namespace (scripts/netns.sh), the only ones
// WebRTC can use there. Answers false outside that namespace (no pv0), so such a test can skip.
const NETNS_UP = [
  'ip addr add 10.77.0.1/24 dev pv0',
  'ip addr add 10.77.0.2/24 dev pv1',
  'ip route replace default via 10.77.0.2 dev pv0',
];
const NETNS_DOWN = ['ip addr flush dev pv0', 'ip addr flush dev pv1'];
const netnsPlugin = {
  name: 'paxos-video-netns',
  async executeCommand({ command, payload }) {
    if (command !== 'paxos-netns-addresses') return undefined;
    const { execFileSync } = await import('node:child_process');
    const run = (line) => execFileSync(line.split(' ')[0], line.split(' ').slice(1), { stdio: 'pipe' });
    try {
      run('ip link show pv0');
    } catch {
      return false; // not inside scripts/netns.sh
    }
    for (const line of payload?.up ? NETNS_UP : NETNS_DOWN) run(line);
    return true;
  },
};

// Files named *.autoplay-blocked.test.ts run in their own browser, launched without the autoplay flag.
const AUTOPLAY_BLOCKED = '.autoplay-blocked.test.ts';
const walk = (dir) =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      })
    : [];
const hasAutoplayBlocked = walk(join(root, 'test/browser')).some((f) => f.endsWith(AUTOPLAY_BLOCKED));
const filesFromCli = process.argv.some((a) => a === '--files' || a.startsWith('--files='));

export default {
  rootDir: root,
  files: ['test/browser/**/*.test.ts', `!test/browser/**/*${AUTOPLAY_BLOCKED}`],
  // Packages with Node and browser builds: take the browser one.
  nodeResolve: { browser: true, exportConditions: ['browser'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  browsers: [chrome([...BASE_FLAGS, AUTOPLAY])],
  groups:
    hasAutoplayBlocked && !filesFromCli
      ? [{ name: 'autoplay-blocked', files: `test/browser/**/*${AUTOPLAY_BLOCKED}`, browsers: [chrome(BASE_FLAGS)] }]
      : [],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: new URL('./tsconfig.json', import.meta.url).pathname }), signalingServerPlugin, netnsPlugin, mediaPlugin],
  testFramework: { config: { timeout: 60_000 } },
  testsFinishTimeout: 10 * 60_000,
  browserStartTimeout: 60_000,
  testRunnerHtml: (testFramework) => `<!doctype html>
<html>
  <head><script>
    window.__PAXOS_SIGNALING__ = ${JSON.stringify(signalingUrl)};
    window.__PAXOS_SIGNALING_TOKEN_URL__ = ${JSON.stringify(tokenUrl)};
    window.__PAXOS_SIGNALING_TOKEN__ = ${JSON.stringify(TEST_TOKEN)};
    window.__PAXOS_SIGNALING_OUTAGE_URL__ = ${JSON.stringify(`http://127.0.0.1:${outagePort}`)};
  </script></head>
  <body><script type="module" src="${testFramework}"></script></body>
</html>`,
};
