import type { Logger } from 'pino';
import { createClient, createCluster } from 'redis';
import { memoryStore, redisStore, type Store } from 'wechat-share/server';
import type { RedisConfig } from './readConfig.js';

/** The store the signers share, and how to let it go. */
export interface ConnectedStore {
  store: Store;
  /** `memory`, `redis` or `redis-cluster`: for the start log line. */
  kind: 'memory' | 'redis' | 'redis-cluster';
  /** Whether the store answers now: the Redis connection is ready (always true for memory). */
  up(): boolean;
  /** Closes the Redis connection: waits for pending commands up to `timeout` ms, then drops them. */
  close(timeout: number): Promise<void>;
}

/** Longest wait for Redis at start, in ms: past it the service starts anyway, degraded. */
const CONNECT_WAIT = 3000;

// Reconnects quickly (a Redis restart takes seconds), never gives up, at most every 2 s.
const reconnectStrategy = (retries: number) => Math.min(100 * 2 ** retries, 2000);

/**
 * Connects the store of `config` (node-redis `createClient` or `createCluster`), or makes a
 * memory store when there is none. Never rejects because Redis is down: the signers treat a
 * store that fails as a miss (the ticket in hand keeps serving), and the client reconnects.
 *
 * Commands fail at once while disconnected (`disableOfflineQueue`): a queued `SET NX` lock that
 * ran late, after the outage, would hold the lock for nobody.
 */
export async function connectStore(config: RedisConfig | undefined, logger: Logger): Promise<ConnectedStore> {
  if (!config) return { store: memoryStore(), kind: 'memory', up: () => true, close: async () => undefined };
  const client =
    'url' in config
      ? createClient({ url: config.url, disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 2000 } })
      : createCluster({
          rootNodes: config.clusterNodes.map((node) => ({ url: `redis://${node}` })),
          defaults: { disableOfflineQueue: true, socket: { reconnectStrategy, connectTimeout: 2000 } },
        });
  // One line when the connection is lost and one when it is back, not one per retry; while it is
  // down, one line per new cause (a refused connection, then a wrong password, …), so that an
  // operator sees why it never came up.
  let up = false;
  let lastCause: string | undefined;
  client.on('error', (error: Error) => {
    if (up) logger.warn({ err: { message: error.message } }, 'redis connection lost; signing goes on with the credentials in hand');
    else if (error.message !== lastCause) logger.warn({ err: { message: error.message } }, 'redis connection failed; retrying');
    lastCause = error.message;
    up = false;
  });
  client.on('ready', () => {
    if (!up) logger.info('redis ready');
    up = true;
    lastCause = undefined;
  });
  const connecting = client.connect().then(
    () => true,
    (error: Error) => (logger.warn({ err: { message: error.message } }, 'redis connection failed'), false),
  );
  const connected = await Promise.race([connecting, new Promise<false>((resolve) => setTimeout(resolve, CONNECT_WAIT, false).unref())]);
  if (!connected) logger.warn(`redis did not answer within ${CONNECT_WAIT} ms; starting anyway, and reconnecting in the background`);
  return {
    store: redisStore(client),
    kind: 'url' in config ? 'redis' : 'redis-cluster',
    up: () => client.isReady,
    async close(timeout) {
      const closing = client.close().catch(() => undefined);
      const timer = new Promise<'late'>((resolve) => setTimeout(resolve, timeout, 'late').unref());
      if ((await Promise.race([closing, timer])) === 'late') client.destroy();
    },
  };
}
