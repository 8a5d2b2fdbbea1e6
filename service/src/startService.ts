import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { connectStore } from './connectStore.js';
import { createAccounts } from './createAccounts.js';
import { createInternalHandler } from './createInternalHandler.js';
import { createMetrics } from './createMetrics.js';
import { createPublicHandler } from './createPublicHandler.js';
import type { ServiceConfig } from './readConfig.js';

/** A running service. */
export interface Service {
  /** Where the public listener (signing, health) listens. */
  publicAddress: AddressInfo;
  /** Where the internal listener (metrics, token API) listens. */
  internalAddress: AddressInfo;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `SHUTDOWN_TIMEOUT` ms
   * (then cuts them), and closes Redis. Resolves once all of it is done; calling it again
   * returns the same promise.
   */
  close(): Promise<void>;
}

// ms after SIGTERM before idle connections are closed: a request accepted just before it has this
// long to be read, however busy the process is.
const DRAIN_GRACE = 1000;

// Longer than the idle timeouts of common load balancers (60 s), so that they close first and
// never send a request on a connection this server is closing.
const KEEP_ALIVE_TIMEOUT = 65_000;

// `variable` names the setting in the error, so that a port in use says which one to change.
function listen(server: Server, port: number, host: string, variable: 'PORT' | 'INTERNAL_PORT'): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is in use by another process' : error.code === 'EACCES' ? 'needs privileges this process lacks' : `cannot be opened (${error.code ?? error.message})`;
      // No `cause`: the message names the error's code, which is all a person needs here.
      reject(new Error(`${variable}=${port}: port ${port} on ${host} ${why}; set ${variable} to a free port`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve(server.address() as AddressInfo);
    });
  });
}

function tune(server: Server): Server {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT + 1000;
  // A client that trickles its request for longer is not a signing client.
  server.requestTimeout = 30_000;
  return server;
}

/**
 * Starts the service from a validated configuration: connects the store, makes one signer per
 * account and WeCom app (and asks each for its jsapi_ticket, and a WeCom app for its agent ticket too, at once, so that `/readyz` and the first pages do
 * not wait), and opens the public and the internal listener. Logs one line saying what listens
 * where, which store, which accounts and which WeCom apps.
 *
 * Rejects when a listener cannot open (such as `EADDRINUSE`: the message names `PORT` or
 * `INTERNAL_PORT`), after closing what was opened.
 */
export async function startService(config: ServiceConfig, logger: Logger): Promise<Service> {
  for (const warning of config.warnings ?? []) logger.warn(`configuration: ${warning}`);
  const connected = await connectStore(config.redis, logger);
  if (connected.kind === 'memory') {
    logger.warn('no REDIS_URL or REDIS_CLUSTER_NODES: the memory store is in use, so each instance fetches its own access_token and jsapi_ticket');
  }
  // Read at scrape time only, once the accounts exist.
  const metrics = createMetrics(function* ttl() {
    const now = Date.now();
    const left = (expiresAt: number) => Math.max(0, (expiresAt - now) / 1000);
    for (const account of accounts.list) {
      const status = account.signer.status();
      const owner = account.appId;
      if (status.accessTokenExpiresAt !== undefined) yield { owner, credential: 'access_token', seconds: left(status.accessTokenExpiresAt) };
      if (status.jsapiTicketExpiresAt !== undefined) yield { owner, credential: 'jsapi_ticket', seconds: left(status.jsapiTicketExpiresAt) };
    }
    for (const app of accounts.wecomApps) {
      const status = app.signer.status();
      const owner = { corpId: app.corpId, agentId: app.agentId };
      if (status.accessTokenExpiresAt !== undefined) yield { owner, credential: 'access_token', seconds: left(status.accessTokenExpiresAt) };
      if (status.corpTicketExpiresAt !== undefined) yield { owner, credential: 'jsapi_ticket', seconds: left(status.corpTicketExpiresAt) };
      if (status.agentTicketExpiresAt !== undefined) yield { owner, credential: 'agent_jsapi_ticket', seconds: left(status.agentTicketExpiresAt) };
    }
  });
  const accounts = createAccounts(config, connected.store, logger, metrics);

  let closing = false;
  const isClosing = () => closing;
  const publicServer = tune(createServer(createPublicHandler({ config, accounts, metrics, logger, closing: isClosing, storeConnected: connected.up })));
  const internalServer = tune(createServer(createInternalHandler({ config, accounts, metrics, logger, closing: isClosing })));
  let publicAddress: AddressInfo;
  let internalAddress: AddressInfo;
  try {
    publicAddress = await listen(publicServer, config.port, config.host, 'PORT');
    internalAddress = await listen(internalServer, config.internalPort, config.internalHost, 'INTERNAL_PORT');
  } catch (error) {
    publicServer.close();
    await connected.close(1000);
    throw error;
  }
  // Errors are in the log (onError); a failed warm-up is retried by the next request.
  for (const account of accounts.list) account.signer.getJsapiTicket().catch(() => undefined);
  for (const app of accounts.wecomApps) {
    app.signer.corpTicket().catch(() => undefined);
    app.signer.agentTicket().catch(() => undefined);
  }

  logger.info(
    {
      public: `${publicAddress.address}:${publicAddress.port}`,
      internal: `${internalAddress.address}:${internalAddress.port}`,
      signingPath: config.signingPath,
      store: connected.kind,
      accounts: config.accounts.map((account) => ({ appId: account.appId, hosts: account.hosts, tokenMode: account.tokenMode, token: account.accessTokenUrl ? 'accessTokenUrl' : 'WeChat' })),
      wecomApps: (config.wecomApps ?? []).map((app) => ({ corpId: app.corpId, agentId: app.agentId, hosts: app.hosts })),
      tokenApi: config.apiKeys.length > 0,
    },
    'wechat-share-service listening',
  );

  let closed: Promise<void> | undefined;
  async function shutdown() {
    closing = true;
    const servers = [publicServer, internalServer];
    const ended = Promise.all(servers.map((server) => (server.listening ? once(server, 'close') : undefined)));
    // Stop listening only. http.Server#close() would also drop every connection without a request
    // in progress right away, including ones accepted a moment ago whose request is not yet parsed
    // (a busy process reads late): their clients would see ECONNRESET. Answers from now on carry
    // `Connection: close`, so busy connections end after their response.
    for (const server of servers) NetServer.prototype.close.call(server);
    logger.info('listeners closed: no new connections; finishing the requests in flight');
    // After a grace for those late requests, idle keep-alive connections are closed as they appear.
    let sweep: NodeJS.Timeout | undefined;
    const grace = setTimeout(() => {
      sweep = setInterval(() => servers.forEach((server) => server.closeIdleConnections()), 100);
      servers.forEach((server) => server.closeIdleConnections());
    }, Math.min(DRAIN_GRACE, config.shutdownTimeout / 2));
    const timeout = setTimeout(() => {
      logger.warn(`requests still in flight after SHUTDOWN_TIMEOUT (${config.shutdownTimeout} ms): closing their connections`);
      servers.forEach((server) => server.closeAllConnections());
    }, config.shutdownTimeout);
    try {
      await ended;
    } finally {
      clearTimeout(grace);
      clearInterval(sweep);
      clearTimeout(timeout);
    }
    await connected.close(2000);
  }
  return {
    publicAddress,
    internalAddress,
    close: () => (closed ??= shutdown()),
  };
}
