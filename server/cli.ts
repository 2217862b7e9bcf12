/**
 * `paxos-video-server`: runs the signaling server from flags and environment variables, and stops it
 * gracefully on SIGTERM or SIGINT (clients get `shutdown`, the process exits 0 within 5 s).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, parseCli, usage } from './cli-args.js';
import { createSignalingServer, type SignalingServer } from './index.js';
import { packageRoot } from './package-root.js';

/** Past this, a stop that hangs anyway ends the process. */
const HARD_STOP_MS = 5500;

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  let command;
  try {
    command = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`paxos-video-server: ${err.message}\nRun paxos-video-server --help for usage.\n`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${version()}\n`);
    return;
  }

  const server: SignalingServer = createSignalingServer(command.options);
  try {
    await server.listen();
  } catch (err) {
    server.logger.fatal({ err: String(err) }, 'cannot start');
    process.stderr.write(`paxos-video-server: ${(err as Error).message}\n`);
    await server.close().catch(() => {});
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'stopping');
    setTimeout(() => {
      server.logger.error('stop took too long; exiting');
      process.exit(1);
    }, HARD_STOP_MS).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.logger.error({ err: String(err) }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
