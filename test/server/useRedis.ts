// A real redis-server for one test file, started before its tests and stopped after, and
// node-redis clients as an app should have them: with an 'error' listener, reconnecting by
// themselves, disconnected after the file.
import { createClient } from 'redis';
import { afterAll, beforeAll } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';

export type RedisServer = Awaited<ReturnType<typeof startRedis>>;

export function useRedis() {
  let server: RedisServer | undefined;
  const clients: ReturnType<typeof createClient>[] = [];
  beforeAll(async () => {
    server = await startRedis();
  }, 700_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
    await server?.stop();
  });
  return {
    /** The server's redis:// URL, once started. */
    url: () => server!.url,
    /** A connected client of `url` (the file's server by default). */
    async client(url = server!.url) {
      const c = createClient({ url, socket: { reconnectStrategy: () => 100 } });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
  };
}
