// Graceful stop: every client hears `shutdown`, then is disconnected; the server is closed within 5 s,
// both through close() and through SIGTERM to the CLI (which then exits 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerNotice, ShutdownNotice } from '../../src/net/signaling-protocol.js';
import { cliPort, connect, exitCode, get, next, peer, spawnCli, startServer, within } from './helpers.js';

test('close() sends shutdown to every client, disconnects them and stops within 5 s', async () => {
  const { server, url } = await startServer();
  const a = await peer(url, 'stop', 'alice-stop1');
  const b = await peer(url, 'stop', 'bob-stop-01');
  const idle = await connect(url);
  const clients = [a.socket, b.socket, idle];
  const heard = clients.map((s) => next<ShutdownNotice>(s, 'shutdown'));
  const gone = clients.map((s) => next<string>(s, 'disconnect'));
  const t0 = performance.now();
  await within(server.close(), 'close()', 5000);
  const elapsed = performance.now() - t0;
  for (const notice of await Promise.all(heard)) assert.deepEqual(notice, { reason: 'server-stopping' });
  for (const reason of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
  assert.ok(elapsed < 5000, `closed in ${elapsed} ms`);
  await assert.rejects(get(url, '/healthz'));
  await assert.rejects(connect(url));
  // close() is idempotent.
  await server.close();
});

test('close() with a lingering HTTP keep-alive connection still finishes in time', async () => {
  const { server, url } = await startServer({ shutdownTimeoutMs: 1000 });
  const res = await get(url, '/healthz', { keepalive: true });
  await res.json();
  await within(server.close(), 'close()', 5000);
});

test('SIGTERM to the CLI: clients hear shutdown, the process exits 0 within 5 s', async () => {
  const cli = spawnCli(['--port', '0', '--host', '127.0.0.1', '--log-level', 'info']);
  const port = await cliPort(cli.output, cli.child);
  const url = `http://127.0.0.1:${port}`;
  const a = await peer(url, 'sigterm', 'alice-term1');
  const b = await peer(url, 'sigterm', 'bob-term-01');
  const heard = next<ShutdownNotice>(a.socket, 'shutdown');
  const left = new Promise<PeerNotice | undefined>((resolve) => {
    a.socket.once('peer-left', resolve);
    a.socket.once('disconnect', () => resolve(undefined));
  });
  const t0 = performance.now();
  cli.child.kill('SIGTERM');
  assert.deepEqual(await heard, { reason: 'server-stopping' });
  assert.equal(await exitCode(cli.child, 6000), 0);
  assert.ok(performance.now() - t0 < 5000);
  await left;
  b.socket.close();
  a.socket.close();
  const logs = cli.output().stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
  assert.ok(logs.some((l) => l.msg === 'closed'), 'logs the end of the stop');
});
