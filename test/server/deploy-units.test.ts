// The deployment pieces on their own: the base path, trusted proxies and client addresses, TURN REST
// credentials (against known vectors), signed room tokens (every refusal the issue lists), and the widget's
// check of what the join ack hands out.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignJWT, UnsecuredJWT, base64url } from 'jose';
import * as v from '../../src/schema/index.js';
import { JoinAckSchema, TurnServerSchema } from '../../src/net/signaling-protocol.js';
import { normalizeBasePath, socketIoPath } from '../../server/base-path.js';
import { AddressCounter, TRUST_NONE, clientAddress, compileTrustProxy } from '../../server/client-address.js';
import { resolveOptions } from '../../server/options.js';
import { MAX_JWT_LENGTH, RoomTokenVerifier } from '../../server/room-token.js';
import { turnIceServers, turnOptionsProblem, turnPassword } from '../../server/turn-credentials.js';

describe('base path', () => {
  test('canonical forms', () => {
    assert.equal(normalizeBasePath(''), '');
    assert.equal(normalizeBasePath('/'), '');
    assert.equal(normalizeBasePath('/watch'), '/watch');
    assert.equal(normalizeBasePath('/watch/'), '/watch');
    assert.equal(normalizeBasePath('/a/b.c/~d_e-f'), '/a/b.c/~d_e-f');
    assert.equal(socketIoPath(''), '/socket.io');
    assert.equal(socketIoPath('/watch'), '/watch/socket.io');
  });

  for (const bad of ['watch', '//', '/a//b', '/a/../b', '/./a', '/a b', '/a?b', '/a#b', '/a%20b', '/ä', `/${'x'.repeat(200)}`]) {
    test(`refuses ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.throws(() => normalizeBasePath(bad), /^Error: path: /);
    });
  }
});

describe('trusted proxies and client addresses', () => {
  /** A request as the HTTP server sees it: the TCP peer and the headers. */
  const req = (remoteAddress: string, xff?: string) =>
    ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  test('without trusted proxies the header is ignored', () => {
    assert.equal(clientAddress(req('203.0.113.7', '198.51.100.1'), TRUST_NONE), '203.0.113.7');
    assert.equal(clientAddress(req('::ffff:127.0.0.1', '198.51.100.1'), compileTrustProxy([])), '127.0.0.1');
  });

  test('a trusted proxy names the client: the rightmost hop it did not add itself', () => {
    const trust = compileTrustProxy(['127.0.0.1']);
    assert.equal(clientAddress(req('127.0.0.1', '198.51.100.1'), trust), '198.51.100.1');
    assert.equal(clientAddress(req('::ffff:127.0.0.1', '198.51.100.1'), trust), '198.51.100.1');
    // A client's own forged header comes before what the proxy appended: only the proxy's hop counts.
    assert.equal(clientAddress(req('127.0.0.1', '6.6.6.6, 198.51.100.1'), trust), '198.51.100.1');
    // A connection that is not from the proxy keeps its own address, whatever it claims.
    assert.equal(clientAddress(req('203.0.113.9', '198.51.100.1'), trust), '203.0.113.9');
  });

  test('CIDR ranges, IPv6 and the named ranges', () => {
    const trust = compileTrustProxy(['10.0.0.0/8', 'fd00::/8', 'loopback']);
    assert.equal(clientAddress(req('10.1.2.3', '198.51.100.2'), trust), '198.51.100.2');
    assert.equal(clientAddress(req('fd12::1', '2001:db8::5'), trust), '2001:db8::5');
    assert.equal(clientAddress(req('::1', '198.51.100.3'), trust), '198.51.100.3');
    // Two trusted hops: the client is the first untrusted one from the right.
    assert.equal(clientAddress(req('127.0.0.1', '198.51.100.4, 10.9.9.9'), trust), '198.51.100.4');
  });

  for (const bad of ['nope', '1.2.3.4/33', '', '300.1.1.1']) {
    test(`refuses trust entry ${JSON.stringify(bad)}`, () => {
      assert.throws(() => compileTrustProxy([bad]), /^Error: trustProxy: /);
    });
  }

  test('per-address connection counts and their cap', () => {
    const counter = new AddressCounter(2);
    const a1 = counter.add('a');
    assert.ok(counter.admits('a'));
    const a2 = counter.add('a');
    assert.ok(!counter.admits('a'));
    assert.ok(counter.admits('b'));
    assert.equal(counter.addresses, 1);
    a1();
    a1(); // idempotent
    assert.equal(counter.count('a'), 1);
    assert.ok(counter.admits('a'));
    a2();
    assert.equal(counter.addresses, 0);
    assert.ok(new AddressCounter(0).admits('anyone'), '0 is no cap');
  });
});

describe('TURN REST credentials', () => {
  test('the password is base64(HMAC-SHA1(secret, username)): RFC 2202 test case 2', () => {
    // RFC 2202 §3, test case 2: key "Jefe", data "what do ya want for nothing?" → effcdf6a…9a7c79.
    assert.equal(turnPassword('Jefe', 'what do ya want for nothing?'), Buffer.from('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'hex').toString('base64'));
    assert.equal(turnPassword('Jefe', 'what do ya want for nothing?'), '7/zfauXrL6LSdBbV8YTfnCWafHk=');
    // Computed independently: printf %s 1700000000:alice-node-01 | openssl dgst -sha1 -hmac paxos-video-turn-secret -binary | base64
    assert.equal(turnPassword('paxos-video-turn-secret', '1700000000:alice-node-01'), 'CkV6kcvV3wb6Af0e6DkA3f69g/A=');
  });

  test('username is <expiry>:<nodeId>, one entry per URL, the TTL in whole seconds', () => {
    const turn = { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], secret: 'paxos-video-turn-secret', ttlSeconds: 600 };
    const servers = turnIceServers(turn, 'alice-node-01', 1_699_999_400_999);
    assert.deepEqual(servers, [
      { urls: turn.urls[0], username: '1700000000:alice-node-01', credential: 'CkV6kcvV3wb6Af0e6DkA3f69g/A=' },
      { urls: turn.urls[1], username: '1700000000:alice-node-01', credential: 'CkV6kcvV3wb6Af0e6DkA3f69g/A=' },
    ]);
    // The default TTL is a day.
    const [day] = turnIceServers({ urls: [turn.urls[0]!], secret: turn.secret }, 'alice-node-01', 1_000_000_000_000);
    assert.equal(day!.username, `${1_000_000_000 + 86_400}:alice-node-01`);
    assert.equal(day!.credential, createHmac('sha1', turn.secret).update(day!.username).digest('base64'));
  });

  test('what the server hands out passes the widget\'s check of the join ack', () => {
    for (const url of ['turn:turn.example.org', 'turn:192.0.2.1:3478?transport=udp', 'turns:[2001:db8::1]:5349?transport=tcp', 'turn:a-b.c:1']) {
      assert.equal(turnOptionsProblem({ urls: [url], secret: 'x'.repeat(16) }), null, url);
      const [server] = turnIceServers({ urls: [url], secret: 'x'.repeat(16) }, 'node-abcdefgh');
      const ack = { ok: true, self: 'node-abcdefgh', peers: [], serverTime: 1, iceServers: [server] };
      assert.ok(v.safeParse(JoinAckSchema, ack).success, url);
    }
  });

  test('the widget refuses TURN entries RTCPeerConnection would throw on', () => {
    const ok = { urls: 'turn:turn.example.org:3478', username: '1:n', credential: 'c' };
    assert.ok(v.safeParse(TurnServerSchema, ok).success);
    for (const bad of [
      { ...ok, urls: 'stun:turn.example.org' },
      { ...ok, urls: 'turn:' },
      { ...ok, urls: 'turn:a b' },
      { ...ok, urls: 'turn:h?transport=sctp' },
      { ...ok, urls: ['turn:h'] },
      { ...ok, username: '' },
      { ...ok, credential: '' },
      { ...ok, credential: 5 },
      { urls: ok.urls, username: ok.username },
    ]) {
      assert.ok(!v.safeParse(TurnServerSchema, bad).success, JSON.stringify(bad));
    }
    assert.ok(!v.safeParse(JoinAckSchema, { ok: true, self: 'node-abcdefgh', peers: [], serverTime: 1, iceServers: ok }).success, 'not an array');
  });

  const problems: Array<[object, RegExp]> = [
    [{ urls: [], secret: 'x'.repeat(16) }, /at least one/],
    [{ urls: ['stun:x'], secret: 'x'.repeat(16) }, /not a turn:/],
    [{ urls: ['turn:x:0'], secret: 'x'.repeat(16) }, /not a turn:/],
    [{ urls: ['turn:x:65536'], secret: 'x'.repeat(16) }, /not a turn:/],
    [{ urls: ['turn:x?transport=tls'], secret: 'x'.repeat(16) }, /not a turn:/],
    [{ urls: Array(9).fill('turn:x'), secret: 'x'.repeat(16) }, /at most 8/],
    [{ urls: ['turn:x'], secret: 'short' }, /turn\.secret: at least 16/],
    [{ urls: ['turn:x'], secret: 'x'.repeat(16), ttlSeconds: 59 }, /ttlSeconds/],
    [{ urls: ['turn:x'], secret: 'x'.repeat(16), ttlSeconds: 1.5 }, /ttlSeconds/],
  ];
  for (const [turn, message] of problems) {
    test(`refuses ${JSON.stringify(turn).slice(0, 80)}`, () => {
      assert.match(turnOptionsProblem(turn as never) ?? '', message);
      assert.throws(() => resolveOptions({ turn: turn as never }), (err: Error) => err.message.startsWith('createSignalingServer: turn.'));
    });
  }
});

describe('signed room tokens', () => {
  const secret = 'a-32-byte-or-longer-hs256-secret-for-tests';
  const hs = new RoomTokenVerifier({ secret });
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const esPem = es.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const esVerifier = new RoomTokenVerifier({ publicKey: esPem });
  const now = Date.now();
  const exp = Math.floor(now / 1000) + 600;
  const hsToken = (claims: Record<string, unknown>, key = secret) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from(key));

  test('HS256: the room, an optional display name, the expiry', async () => {
    assert.deepEqual(await hs.verify(await hsToken({ room: 'movie-night', exp }), 'movie-night', now), { ok: true, room: 'movie-night', expiresAt: exp * 1000 });
    assert.deepEqual(await hs.verify(await hsToken({ room: 'movie-night', name: 'Ada L.', exp }), 'movie-night', now), {
      ok: true,
      room: 'movie-night',
      name: 'Ada L.',
      expiresAt: exp * 1000,
    });
  });

  test('ES256 with the backend\'s public key', async () => {
    const token = await new SignJWT({ room: 'r1', exp }).setProtectedHeader({ alg: 'ES256' }).sign(es.privateKey);
    assert.equal((await esVerifier.verify(token, 'r1', now)).ok, true);
    // Another key pair's signature is a bad signature.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = await new SignJWT({ room: 'r1', exp }).setProtectedHeader({ alg: 'ES256' }).sign(other.privateKey);
    assert.equal((await esVerifier.verify(forged, 'r1', now)).ok, false);
  });

  const refusals: Array<[string, () => Promise<string>, string, RoomTokenVerifier?]> = [
    ['another room', () => hsToken({ room: 'other-room', exp }), 'wrong-room'],
    ['no room', () => hsToken({ exp }), 'missing-claim'],
    ['a room that is not a string', () => hsToken({ room: ['r'], exp }), 'wrong-room'],
    ['expired', () => hsToken({ room: 'r', exp: Math.floor(now / 1000) - 60 }), 'expired'],
    ['no expiry', () => hsToken({ room: 'r' }), 'missing-claim'],
    ['not yet valid', () => hsToken({ room: 'r', exp, nbf: Math.floor(now / 1000) + 60 }), 'not-yet-valid'],
    ['an iat that is not a number', () => hsToken({ room: 'r', exp, iat: 'yesterday' }), 'bad-claim'],
    ['a bad signature', () => hsToken({ room: 'r', exp }, `${secret}-not-quite`), 'bad-signature'],
    ['alg none', async () => new UnsecuredJWT({ room: 'r', exp }).encode(), 'algorithm-not-allowed'],
    ['HS256 when only ES256 is configured', () => hsToken({ room: 'r', exp }), 'algorithm-not-allowed', esVerifier],
    // The classic confusion: an HS256 token "signed" with the public key's PEM as the HMAC secret.
    ['HS256 signed with the ES256 public key', () => hsToken({ room: 'r', exp }, esPem), 'algorithm-not-allowed', esVerifier],
    ['oversized', () => hsToken({ room: 'r', exp, pad: 'x'.repeat(MAX_JWT_LENGTH) }), 'too-large'],
    ['not a JWT', async () => 'not.a.jwt', 'malformed'],
    ['a control character in the name', () => hsToken({ room: 'r', exp, name: 'Ada\u0000' }), 'bad-claim'],
    ['a name too long', () => hsToken({ room: 'r', exp, name: 'n'.repeat(65) }), 'bad-claim'],
    [
      'a signature over a different payload',
      async () => {
        const [h, , s] = (await hsToken({ room: 'r', exp })).split('.');
        return `${h}.${base64url.encode(JSON.stringify({ room: 'r', exp: exp + 999_999 }))}.${s}`;
      },
      'bad-signature',
    ],
  ];
  for (const [what, make, reason, verifier] of refusals) {
    test(`refuses ${what}: ${reason}`, async () => {
      const result = await (verifier ?? hs).verify(await make(), 'r', now);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, reason, !result.ok ? result.detail : '');
    });
  }

  test('issuer and audience, when configured', async () => {
    const strict = new RoomTokenVerifier({ secret, issuer: 'https://site.example', audience: 'paxos-video' });
    const good = await hsToken({ room: 'r', exp, iss: 'https://site.example', aud: 'paxos-video' });
    assert.equal((await strict.verify(good, 'r', now)).ok, true);
    const wrongIss = await strict.verify(await hsToken({ room: 'r', exp, iss: 'https://evil.example', aud: 'paxos-video' }), 'r', now);
    assert.equal(!wrongIss.ok && wrongIss.reason, 'bad-claim');
    const noAud = await strict.verify(await hsToken({ room: 'r', exp, iss: 'https://site.example' }), 'r', now);
    assert.equal(!noAud.ok && noAud.reason, 'missing-claim');
  });

  const badKeys: Array<[object, RegExp]> = [
    [{}, /give a secret/],
    [{ secret: 'too-short' }, /jwt\.secret: at least 32 bytes/],
    [{ publicKey: 'not a key' }, /jwt\.publicKey: not a PEM public key/],
    [{ publicKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }) }, /P-256/],
    [{ publicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) }, /EC key on P-256/],
    [{ secret, issuer: '' }, /jwt\.issuer/],
  ];
  for (const [options, message] of badKeys) {
    test(`refuses key options ${JSON.stringify(options).slice(0, 60)}`, () => {
      assert.throws(() => new RoomTokenVerifier(options), message);
      assert.throws(() => resolveOptions({ jwt: options }), (err: Error) => err.message.startsWith('createSignalingServer: ') && message.test(err.message));
    });
  }
});

describe('server options', () => {
  test('path, trusted proxies and the per-address cap resolve, or fail naming the option', () => {
    const o = resolveOptions({ path: '/watch/', trustProxy: ['127.0.0.1'], maxConnectionsPerIp: 10 });
    assert.equal(o.basePath, '/watch');
    assert.equal(o.maxConnectionsPerIp, 10);
    assert.equal(o.trustProxy('127.0.0.1', 0), true);
    assert.equal(resolveOptions({}).basePath, '');
    assert.throws(() => resolveOptions({ path: 'watch' }), /^Error: createSignalingServer: path: must start with "\/"/);
    assert.throws(() => resolveOptions({ trustProxy: ['x'] }), /^Error: createSignalingServer: trustProxy: "x"/);
    assert.throws(() => resolveOptions({ maxConnectionsPerIp: -1 }), /maxConnectionsPerIp: must be at least 0/);
  });
});
