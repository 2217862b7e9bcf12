/** The node-redis client the server uses for both the socket.io adapter and room membership. */
import { createClient } from 'redis';

/** Connection attempts before a server that never reached Redis gives up (listen() then fails). */
const FIRST_CONNECT_ATTEMPTS = 4;

/**
 * A node-redis client for `url`, not yet connected. RESP2, because the socket.io Redis Streams adapter reads
 * XREAD replies in the RESP2 shape. Until the first connection succeeds it tries a few times and then
 * fails, so a wrong URL is a quick, clear startup error; after that it reconnects with backoff up to 2 s,
 * forever, so a Redis restart heals.
 */
export function newRedisClient(url: string) {
  let connectedOnce = false;
  const client = createClient({
    url,
    RESP: 2,
    socket: {
      reconnectStrategy: (retries: number, cause: Error) =>
        !connectedOnce && retries >= FIRST_CONNECT_ATTEMPTS - 1 ? cause : Math.min(100 * 2 ** retries, 2000),
    },
  });
  client.on('ready', () => (connectedOnce = true));
  return client;
}

/** A node-redis client as {@link newRedisClient} makes it. */
export type RedisClient = ReturnType<typeof newRedisClient>;
