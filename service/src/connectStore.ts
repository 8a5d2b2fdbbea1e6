import type { Logger } from 'pino';
import { createClient, createCluster } from 'redis';
import { memoryStore, redisStore, type Store } from 'wechat-share/server';
import type { RedisConfig } from './readConfig.js';

/** The store the signers share, and how to let it go. */
export interface ConnectedStore {
  store: Store;
  /** `memory`, `redis` or `redis-cluster`: for the start log line. */
  kind: 'memory' | 'redis' | 'redis-cluster';
  /**
   * Whether the store answers now: the Redis connection is ready, or for a cluster every
   * master's connection is (always true for memory). Synchronous: reads the clients' state.
   */
  up(): boolean;
  /** Stops reconnecting and closes the Redis connection: waits for pending commands up to `timeout` ms, then drops them. */
  close(timeout: number): Promise<void>;
}

/** Longest wait for Redis at start, in ms: past it the service starts anyway, degraded. */
const CONNECT_WAIT = 3000;
/** Longest wait for one TCP connection to a Redis node, in ms. */
const CONNECT_TIMEOUT = 2000;
/** How often the connection's state is looked at, in ms, to log when it is lost and when it is back. */
const WATCH_INTERVAL = 250;

/**
 * The delay before reconnect attempt `retries` (0 first), in ms: 100, 200, 400, … at most 2 s,
 * for the life of the process. A Redis restart takes seconds; the short ceiling is what lets the
 * service use it, and `/readyz` say `ok`, within a few seconds of its return.
 */
export const reconnectDelay = (retries: number) => Math.min(100 * 2 ** retries, 2000);

type SingleClient = ReturnType<typeof createClient>;
type ClusterClient = ReturnType<typeof createCluster>;
type Client = SingleClient | ClusterClient;
const isCluster = (client: Client): client is ClusterClient => 'masters' in client;

function newClient(config: RedisConfig): Client {
  const socket = { reconnectStrategy: reconnectDelay, connectTimeout: CONNECT_TIMEOUT };
  return 'url' in config
    ? createClient({ url: config.url, disableOfflineQueue: true, socket })
    : createCluster({ rootNodes: config.clusterNodes.map((node) => ({ url: `redis://${node}` })), defaults: { disableOfflineQueue: true, socket } });
}

// A single client says so itself; a cluster is up when it knows its masters and all are ready.
function isUp(client: Client): boolean {
  if (!isCluster(client)) return client.isReady;
  const masters: readonly { client?: { isReady: boolean } }[] = client.masters;
  return client.isOpen && masters.length > 0 && masters.every((master) => master.client?.isReady === true);
}

/**
 * Connects the store of `config` (node-redis `createClient` or `createCluster`), or makes a
 * memory store when there is none. Never rejects because Redis is down: it waits for Redis up
 * to 3 s, then resolves with a store whose calls fail at once until Redis answers (the signers
 * treat a store that fails as a miss: the credentials in hand keep serving).
 *
 * The connection always comes back, for the life of the process: a single client reconnects by
 * itself (node-redis `reconnectStrategy`, {@link reconnectDelay}); a cluster that could not be
 * reached at start (node-redis then closes the cluster client for good: "The client is
 * closed") is made anew after each failed attempt, with the same delays; a cluster lost later
 * reconnects node by node. The store is used from the moment the connection is ready.
 *
 * Logs one line when the connection is lost and one when it is ready (with how long it was
 * down), and while it is down one line per distinct cause (a refused connection, then a wrong
 * password, …), so that an operator sees why it does not come up without a line per retry.
 *
 * Commands fail at once while disconnected (`disableOfflineQueue`): a queued `SET NX` lock that
 * ran late, after the outage, would hold the lock for nobody.
 */
export async function connectStore(config: RedisConfig | undefined, logger: Logger): Promise<ConnectedStore> {
  if (!config) return { store: memoryStore(), kind: 'memory', up: () => true, close: async () => undefined };
  const redis = config;

  let client = newClient(config);
  let store = redisStore(client);
  let closed = false;
  let attempts = 0;
  let retry: NodeJS.Timeout | undefined;
  let up = false;
  let downSince = Date.now();
  // The causes logged during this outage, and the latest one.
  const causes = new Set<string>();
  let lastCause: string | undefined;

  function onError(error: Error) {
    lastCause = error.message;
    // While up, the watcher tells of the loss, with this cause.
    if (closed || up || causes.has(error.message)) return;
    causes.add(error.message);
    logger.warn({ err: { message: error.message } }, 'redis connection failed; retrying');
  }

  function watch() {
    const now = isUp(client);
    if (now === up || closed) return;
    up = now;
    if (up) {
      logger.info({ downMs: Date.now() - downSince }, 'redis ready');
      causes.clear();
      lastCause = undefined;
    } else {
      downSince = Date.now();
      if (lastCause) causes.add(lastCause);
      logger.warn({ err: lastCause && { message: lastCause } }, 'redis connection lost; signing goes on with the credentials in hand');
    }
  }
  const watcher = setInterval(watch, WATCH_INTERVAL).unref();

  // Resolves true once `client` connected; false when this client gave up (a cluster whose
  // root nodes all failed), after arranging the next attempt with a new client.
  function connect(): Promise<boolean> {
    const attempt = client;
    attempt.on('error', onError);
    return attempt.connect().then(
      () => {
        attempts = 0;
        watch();
        return true;
      },
      (error: Error) => {
        onError(error);
        try {
          attempt.destroy();
        } catch {
          // already closed
        }
        if (!closed) {
          retry = setTimeout(() => {
            client = newClient(redis);
            store = redisStore(client);
            void connect();
          }, reconnectDelay(attempts++));
        }
        return false;
      },
    );
  }

  const first = connect();
  const connected = await Promise.race([first, new Promise<false>((resolve) => setTimeout(resolve, CONNECT_WAIT, false).unref())]);
  if (!connected) logger.warn(`redis did not answer within ${CONNECT_WAIT} ms; starting anyway, and reconnecting in the background until it does`);

  // The signers hold this object for the life of the process; the client behind it may change.
  const notConnected = async (): Promise<never> => {
    throw new Error('redis is not connected');
  };
  // A cluster still discovering its slots is not asked: its commands would wait for nothing.
  const current = () => (client.isOpen && (!isCluster(client) || client.masters.length > 0) ? store : undefined);
  return {
    store: {
      get: (key) => current()?.get(key) ?? notConnected(),
      set: (key, value, ttl) => current()?.set(key, value, ttl) ?? notConnected(),
      delete: (key) => current()?.delete(key) ?? notConnected(),
      lock: (key, ttl) => current()?.lock(key, ttl) ?? notConnected(),
      unlock: (key, token) => current()?.unlock(key, token) ?? notConnected(),
      // Ends the signers' pause of store calls as soon as the connection is back (Store.ready).
      ready: () => !closed && isUp(client),
    },
    kind: 'url' in config ? 'redis' : 'redis-cluster',
    up: () => !closed && isUp(client),
    async close(timeout) {
      closed = true;
      clearTimeout(retry);
      clearInterval(watcher);
      if (!client.isOpen) {
        client.destroy();
        return;
      }
      const closing = client.close().catch(() => undefined);
      const timer = new Promise<'late'>((resolve) => setTimeout(resolve, timeout, 'late').unref());
      if ((await Promise.race([closing, timer])) === 'late') client.destroy();
    },
  };
}
