// The CLI's flags and environment fallbacks, and its clear failures on bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError, parseCli, usage } from '../../server/cli-args.js';
import { exitCode, freePort, spawnCli } from './helpers.js';

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

describe('paxos-video-server process', () => {
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
