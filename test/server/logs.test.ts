// Logs are JSON lines that say what happened (joins, leaves, rejections, floods, stop) without tokens or
// signal payloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorNotice, SignalDelivery } from '../../src/net/signaling-protocol.js';
import { createLogger } from '../../server/logger.js';
import { connect, emitRaw, join, next, startServer } from './helpers.js';

test('debug logs carry room, node and reason, never the token or SDP', async () => {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const token = 'super-secret-token-123';
  const sdp = 'v=0 o=- 123456 2 IN IP4 10.77.0.1 a=fingerprint:sha-256 AB:CD:EF';
  const { server, url } = await startServer({ logger, token });
  try {
    const a = await connect(url);
    const b = await connect(url);
    assert.equal((await join(a, 'logged', 'alice-logs1', token)).ok, true);
    assert.equal((await join(b, 'logged', 'bob-logs-01', token)).ok, true);
    const got = next<SignalDelivery>(b, 'signal');
    a.emit('signal', { to: 'bob-logs-01', data: { type: 'offer', sdp } });
    await got;
    const err = next<ErrorNotice>(a, 'error');
    emitRaw(a, 'signal', { to: 'bob-logs-01', data: { sdp }, token });
    await err;
    const wrong = await join(await connect(url), 'logged', 'eve-logs-01', `${token}-guess`);
    assert.equal(!wrong.ok && wrong.error.code, 'unauthorized');
    a.close();
    b.close();
  } finally {
    await server.close();
  }
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(records.some((r) => r.msg === 'join' && r.room === 'logged' && r.nodeId === 'alice-logs1'));
  assert.ok(records.some((r) => r.msg === 'rejected event' && r.reason === 'invalid'));
  assert.ok(records.some((r) => r.msg === 'rejected event' && r.reason === 'unauthorized'));
  assert.ok(records.some((r) => r.msg === 'closed'));
  const all = lines.join('');
  assert.ok(!all.includes('super-secret-token'), 'no token in the logs');
  assert.ok(!all.includes('fingerprint'), 'no SDP in the logs');
});
