import type { Logger } from 'pino';
import { createHostMatcher, createSigner, type Signer, type Store } from 'wechat-share/server';
import type { Metrics } from './createMetrics.js';
import type { ServiceConfig } from './readConfig.js';
import { remoteAccessToken } from './remoteAccessToken.js';

/** One Official Account the service signs for: its signer and its hosts. */
export interface Account {
  appId: string;
  signer: Signer;
  /** Whether a page on `hostname` (lower case) belongs to this account. */
  matches: (hostname: string) => boolean;
}

/** The accounts, and how a request finds its own. */
export interface Accounts {
  list: readonly Account[];
  byAppId: ReadonlyMap<string, Account>;
  /**
   * The account whose hosts match `hostname`; with `appId`, that account only if its hosts
   * match. `undefined` when none does.
   */
  route(hostname: string, appId?: string): Account | undefined;
  /**
   * Logs the readiness (`ok`, `degraded`, `unavailable`) when it differs from the last one
   * reported, and nothing otherwise: one line per change, however often `/readyz` is polled.
   * `detail` goes into the line (the accounts that cannot sign, the store's state).
   */
  readinessIs(status: string, detail: object): void;
}

/**
 * One signer per configured account, all on `store`, each telling `metrics` of its WeChat API
 * calls and `logger` of every failure (the signer's `onError` events, already redacted).
 */
export function createAccounts(config: ServiceConfig, store: Store, logger: Logger, metrics: Metrics): Accounts {
  const list = config.accounts.map((account): Account => {
    const { appId } = account;
    const signer = createSigner({
      appId,
      ...(account.accessTokenUrl
        ? { accessToken: remoteAccessToken({ base: account.accessTokenUrl, key: account.accessTokenKey!, appId }) }
        : { appSecret: account.appSecret! }),
      store,
      tokenMode: account.tokenMode,
      apiBase: config.wechatApiBase,
      onUpstream: (event) => metrics.upstream(appId, event.api, event.outcome),
      onError: (event) => {
        if (event.api.startsWith('store.')) metrics.storeError(event.api.slice('store.'.length));
        logger.warn({ appId, api: event.api, errcode: event.errcode, errmsg: event.errmsg, durationMs: event.durationMs }, event.message);
      },
    });
    return { appId, signer, matches: createHostMatcher(account.hosts) };
  });
  const byAppId = new Map(list.map((account) => [account.appId, account]));
  let readiness: string | undefined;
  return {
    readinessIs(status, detail) {
      if (status === readiness) return;
      const from = readiness;
      readiness = status;
      if (status === 'ok') logger.info({ from, ...detail }, 'readiness: ok');
      else logger.warn({ from, ...detail }, `readiness: ${status}`);
    },
    list,
    byAppId,
    route(hostname, appId) {
      if (appId !== undefined) {
        const account = byAppId.get(appId);
        return account?.matches(hostname) ? account : undefined;
      }
      // Hosts never overlap between accounts (readConfig refuses it): the first match is the only one.
      for (const account of list) if (account.matches(hostname)) return account;
      return undefined;
    },
  };
}
