// The CLI's flags and environment fallbacks, and its clear failures on bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { SignJWT } from 'jose';
import { CliError, FLAGS, parseCli, usage, type ReadFile } from '../../server/cli-args.js';
import { cliPort, connect, exitCode, freePort, get, join, spawnCli, stopChild } from './helpers.js';

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const c = parseCli(argv, env);
  assert.equal(c.kind, 'run');
  return c.kind === 'run' ? c.options : {};
};

describe('parseCli', () => {
  test('no flags and no environment: every default', () => {
    assert.deepEqual(run([]), {});
  });

  test('every flag, in both spellings', () => {
    assert.deepEqual(
      run([
        '--port', '9000', '--host=127.0.0.1', '--cors-origin', 'https://a.example', '--cors-origin=https://b.example:8443/',
        '--max-room-size', '8', '--redis-url', 'redis://127.0.0.1:6390', '--token', 'tok', '--log-level', 'warn',
      ]),
      {
        port: 9000,
        host: '127.0.0.1',
        corsOrigins: ['https://a.example', 'https://b.example:8443'],
        maxRoomSize: 8,
        redisUrl: 'redis://127.0.0.1:6390',
        token: 'tok',
        logLevel: 'warn',
      },
    );
  });

  test('environment fallbacks, and flags win over them', () => {
    const env = {
      PORT: '7000', HOST: '::1', CORS_ORIGIN: 'https://a.example, https://b.example', MAX_ROOM_SIZE: '5',
      REDIS_URL: 'redis://localhost', PAXOS_VIDEO_TOKEN: 'from-env', LOG_LEVEL: 'debug',
    };
    assert.deepEqual(run([], env), {
      port: 7000, host: '::1', corsOrigins: ['https://a.example', 'https://b.example'], maxRoomSize: 5,
      redisUrl: 'redis://localhost', token: 'from-env', logLevel: 'debug',
    });
    assert.equal(run(['--port', '7001'], env).port, 7001);
    assert.deepEqual(run(['--cors-origin', '*'], env).corsOrigins, '*');
  });

  test('--help and --version', () => {
    assert.deepEqual(parseCli(['--port', '1', '--help']), { kind: 'help' });
    assert.deepEqual(parseCli(['--version']), { kind: 'version' });
    for (const flag of ['--port', '--host', '--cors-origin', '--max-room-size', '--redis-url', '--token', '--log-level']) {
      assert.ok(usage().includes(flag), flag);
    }
  });

  const bad: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--port', 'abc'], {}, /^--port: expected an integer 0-65535, got "abc"$/],
    [['--port', '70000'], {}, /--port: .*got 70000/],
    [['--port', '-1'], {}, /--port needs a value|--port: expected/],
    [['--port'], {}, /--port needs a value/],
    [['--port', '1', '--port', '2'], {}, /--port given more than once/],
    [['--max-room-size', '1'], {}, /--max-room-size: expected an integer 2-10000/],
    [['--max-room-size', '3.5'], {}, /--max-room-size: expected an integer/],
    [['--redis-url', 'http://localhost'], {}, /--redis-url: expected redis:\/\//],
    [['--log-level', 'loud'], {}, /--log-level: expected one of/],
    [['--cors-origin', 'not a url'], {}, /--cors-origin: not a URL/],
    [['--cors-origin', 'https://a.example/path'], {}, /scheme:\/\/host\[:port\] only/],
    [['--cors-origin', 'ftp://a.example'], {}, /must be http\(s\)/],
    [['--cors-origin', '*', '--cors-origin', 'https://a.example'], {}, /cannot be combined/],
    [['--bogus'], {}, /unknown flag --bogus/],
    [['--__proto__', 'x'], {}, /unknown flag --__proto__/],
    [['serve'], {}, /unexpected argument "serve"/],
    [['--token', 'x'.repeat(4097)], {}, /--token: at most 4096 characters/],
    [[], { PORT: 'eighty' }, /^PORT: expected an integer/],
    [[], { MAX_ROOM_SIZE: '0' }, /^MAX_ROOM_SIZE: /],
    [[], { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL: /],
  ];
  for (const [argv, env, message] of bad) {
    test(`refuses ${JSON.stringify(argv)} ${JSON.stringify(env)}`, () => {
      assert.throws(() => parseCli(argv, env), (err: unknown) => err instanceof CliError && message.test(err.message));
    });
  }
});

describe('deployment flags', () => {
  const files: Record<string, string> = {
    '/run/secrets/turn': 'turn-secret-from-a-file-0123\n',
    '/run/secrets/jwt': 'jwt-secret-from-a-file-0123456789abcdef\r\n',
    '/etc/paxos-video/jwt.pem': generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  const readFile: ReadFile = (path) => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return files[path]!;
  };
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const c = parseCli(argv, env, readFile);
    return c.kind === 'run' ? c.options : assert.fail('not a run');
  };

  test('every deployment flag, with secrets from files', () => {
    assert.deepEqual(
      parse([
        '--path', '/watch/', '--trust-proxy', '127.0.0.1', '--trust-proxy=10.0.0.0/8', '--max-connections-per-ip', '20',
        '--turn-url', 'turn:turn.example.org:3478?transport=udp', '--turn-url', 'turns:turn.example.org:5349?transport=tcp',
        '--turn-secret-file', '/run/secrets/turn', '--turn-ttl', '3600',
        '--jwt-secret-file', '/run/secrets/jwt', '--jwt-public-key-file', '/etc/paxos-video/jwt.pem', '--jwt-issuer', 'https://site.example', '--jwt-audience', 'paxos-video',
      ]),
      {
        path: '/watch',
        trustProxy: ['127.0.0.1', '10.0.0.0/8'],
        maxConnectionsPerIp: 20,
        turn: { urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'], secret: 'turn-secret-from-a-file-0123', ttlSeconds: 3600 },
        jwt: { secret: 'jwt-secret-from-a-file-0123456789abcdef', publicKey: files['/etc/paxos-video/jwt.pem'], issuer: 'https://site.example', audience: 'paxos-video' },
      },
    );
  });

  test('environment fallbacks: secrets from the environment, lists comma-separated', () => {
    const env = {
      BASE_PATH: '/w', TRUST_PROXY: 'loopback, 192.0.2.1', MAX_CONNECTIONS_PER_IP: '5', TURN_URL: 'turn:a.example, turn:b.example:3479',
      TURN_SECRET: 'turn-secret-from-the-env', TURN_TTL: '600', PAXOS_VIDEO_JWT_SECRET: 'j'.repeat(32), PAXOS_VIDEO_JWT_ISSUER: 'iss',
    };
    assert.deepEqual(parse([], env), {
      path: '/w', trustProxy: ['loopback', '192.0.2.1'], maxConnectionsPerIp: 5,
      turn: { urls: ['turn:a.example', 'turn:b.example:3479'], secret: 'turn-secret-from-the-env', ttlSeconds: 600 },
      jwt: { secret: 'j'.repeat(32), issuer: 'iss' },
    });
    assert.deepEqual(parse([], { TURN_URL: 'turn:a.example', TURN_SECRET_FILE: '/run/secrets/turn' }).turn?.secret, 'turn-secret-from-a-file-0123');
    assert.equal(parse(['--path', '/'], env).path, '/');
  });

  test('the help lists every flag with its variable', () => {
    for (const [name, spec] of Object.entries(FLAGS)) {
      assert.ok(usage().includes(`--${name} `), name);
      assert.ok(usage().includes(`[${spec.env}]`), spec.env);
    }
  });

  const bad: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
    [['--path', 'watch'], {}, /^--path: must start with "\/", got "watch"$/],
    [['--path', '/a/../b'], {}, /^--path: /],
    [[], { BASE_PATH: '/a b' }, /^BASE_PATH: /],
    [['--trust-proxy', 'proxy.example'], {}, /^--trust-proxy: "proxy.example" is not an IP address/],
    [[], { TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY: /],
    [['--max-connections-per-ip', '-3'], {}, /--max-connections-per-ip/],
    [['--turn-url', 'turn:x'], {}, /^--turn-url: needs the secret/],
    [['--turn-secret', 'x'.repeat(20)], {}, /^--turn-secret: needs a TURN server/],
    [['--turn-url', 'stun:x', '--turn-secret', 'x'.repeat(20)], {}, /^--turn-url: "stun:x" is not a turn:/],
    [['--turn-url', 'turn:x', '--turn-secret', 'short'], {}, /^--turn-secret: at least 16 characters$/],
    [['--turn-url', 'turn:x', '--turn-secret', 'x'.repeat(20), '--turn-secret-file', '/run/secrets/turn'], {}, /give the secret one way/],
    [['--turn-url', 'turn:x', '--turn-secret-file', '/nope'], {}, /^--turn-secret-file: cannot read "\/nope" \(ENOENT\)$/],
    [['--turn-url', 'turn:x', '--turn-secret', 'x'.repeat(20), '--turn-ttl', '10'], {}, /^--turn-ttl: expected an integer 60-604800, got 10$/],
    [['--turn-ttl', '600'], {}, /^--turn-ttl: needs a TURN server/],
    [['--jwt-secret', 'short'], {}, /^--jwt-secret: at least 32 bytes/],
    [['--jwt-public-key-file', '/run/secrets/jwt'], {}, /^--jwt-public-key-file: not a PEM public key/],
    [['--jwt-public-key-file', '/nope.pem'], {}, /^--jwt-public-key-file: cannot read "\/nope.pem" \(ENOENT\)$/],
    [['--jwt-issuer', 'iss'], {}, /^--jwt-issuer: needs a key/],
  ];
  for (const [argv, env, message] of bad) {
    test(`refuses ${JSON.stringify(argv).slice(0, 100)} ${JSON.stringify(env)}`, () => {
      assert.throws(
        () => parseCli(argv, env, readFile),
        (err: unknown) => err instanceof CliError && message.test(err.message),
      );
    });
  }

  test('a secret never appears in a message', () => {
    for (const argv of [['--turn-url', 'stun:x', '--turn-secret', 'SECRET-VALUE-1234567'], ['--jwt-secret', 'SECRET-VALUE'], ['--turn-url', 'turn:x', '--turn-secret', 'SECRET']]) {
      assert.throws(() => parseCli(argv, {}, readFile), (err: Error) => !err.message.includes('SECRET'));
    }
  });
});

describe('paxos-video-server process', () => {
  test('under a path, with the TURN and token secrets from files named in the environment', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'pv-cli-'));
    try {
      writeFileSync(joinPath(dir, 'turn'), 'cli-turn-secret-0123456789\n', { mode: 0o600 });
      writeFileSync(joinPath(dir, 'jwt'), 'cli-jwt-secret-0123456789abcdefghijkl\n', { mode: 0o600 });
      const cli = spawnCli(['--port', '0', '--host', '127.0.0.1', '--path', '/watch', '--turn-url', 'turn:turn.example.org:3478'], {
        TURN_SECRET_FILE: joinPath(dir, 'turn'),
        PAXOS_VIDEO_JWT_SECRET_FILE: joinPath(dir, 'jwt'),
      });
      try {
        const port = await cliPort(cli.output, cli.child);
        const url = `http://127.0.0.1:${port}`;
        assert.equal((await get(url, '/watch/healthz')).status, 200);
        const socket = await connect(url, { path: '/watch/socket.io' });
        const token = await new SignJWT({ room: 'cli-room', exp: Math.floor(Date.now() / 1000) + 60 })
          .setProtectedHeader({ alg: 'HS256' })
          .sign(Buffer.from('cli-jwt-secret-0123456789abcdefghijkl'));
        const ack = await join(socket, 'cli-room', 'alice-cli-01', token);
        assert.equal(ack.ok && ack.iceServers?.[0]?.urls, 'turn:turn.example.org:3478');
        socket.close();
        assert.doesNotMatch(cli.output().stdout, /cli-turn-secret|cli-jwt-secret/);
        assert.match(cli.output().stdout, /"msg":"deployment options"/);
      } finally {
        await stopChild(cli.child);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a bad flag value prints a clear message and exits 2', async () => {
    // One process is enough: every other refusal goes through the same parseCli, tested above.
    const cli = spawnCli(['--port', 'abc']);
    assert.equal(await exitCode(cli.child, 30_000), 2);
    assert.equal(cli.output().stderr, 'paxos-video-server: --port: expected an integer 0-65535, got "abc"\nRun paxos-video-server --help for usage.\n');
  });

  test('an unreachable Redis is a clear startup failure (exit 1), without the password', async () => {
    const port = await freePort(); // nothing listens there
    const cli = spawnCli(['--port', '0', '--host', '127.0.0.1', '--redis-url', `redis://user:hunter2@127.0.0.1:${port}`, '--log-level', 'silent']);
    assert.equal(await exitCode(cli.child, 30_000), 1);
    const { stderr } = cli.output();
    assert.match(stderr, /cannot connect to Redis at redis:\/\/user:\*\*\*@127\.0\.0\.1/);
    assert.doesNotMatch(stderr, /hunter2/);
  });
});
