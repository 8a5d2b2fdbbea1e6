import type { Logger } from 'pino';
import { createHostMatcher, createSigner, createWecomSigner, type Signer, type Store, type WecomSigner } from 'wechat-share/server';
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

/** One WeCom app the service signs for: its signer (corp and agent jsapi_tickets) and its hosts. */
export interface WecomApp {
  corpId: string;
  agentId: number;
  signer: WecomSigner;
  /** Whether a page on `hostname` (lower case) inside WeCom belongs to this app. */
  matches: (hostname: string) => boolean;
}

/** The key of a WeCom app in {@link Accounts.wecomByKey}: `corpId/agentId`. */
export const wecomKey = (corpId: string, agentId: number | string) => `${corpId}/${agentId}`;

/** The accounts and WeCom apps, and how a request finds its own. */
export interface Accounts {
  list: readonly Account[];
  byAppId: ReadonlyMap<string, Account>;
  /** The WeCom apps, in the order of WECHAT_ACCOUNTS. */
  wecomApps: readonly WecomApp[];
  /** The WeCom apps by {@link wecomKey} (`corpId/agentId`). */
  wecomByKey: ReadonlyMap<string, WecomApp>;
  /**
   * The account whose hosts match `hostname`; with `appId`, that account only if its hosts
   * match. `undefined` when none does.
   */
  route(hostname: string, appId?: string): Account | undefined;
  /**
   * The WeCom app whose hosts match `hostname` (a page inside WeCom, `platform=wecom`); with
   * `corpId`, that app only if it is of that corp. `undefined` when none does.
   */
  routeWecom(hostname: string, corpId?: string): WecomApp | undefined;
  /**
   * Logs the readiness (`ok`, `degraded`, `unavailable`) when it differs from the last one
   * reported, and nothing otherwise: one line per change, however often `/readyz` is polled.
   * `detail` goes into the line (the accounts that cannot sign, the store's state).
   */
  readinessIs(status: string, detail: object): void;
}

/**
 * One signer per configured account and one WeCom signer per WeCom app, all on `store`, each
 * telling `metrics` of its WeChat or WeCom API calls and `logger` of every failure (the signers'
 * `onError` events, already redacted). Log lines name an account by `appId`, a WeCom app by
 * `corpId` and `agentId`.
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
  const wecomApps = (config.wecomApps ?? []).map((app): WecomApp => {
    const { corpId, agentId } = app;
    const owner = { corpId, agentId };
    const signer = createWecomSigner({
      corpId,
      corpSecret: app.corpSecret,
      agentId,
      store,
      apiBase: config.wecomApiBase,
      onUpstream: (event) => metrics.upstream(owner, event.api, event.outcome),
      onError: (event) => {
        if (event.api.startsWith('store.')) metrics.storeError(event.api.slice('store.'.length));
        logger.warn({ corpId, agentId, api: event.api, errcode: event.errcode, errmsg: event.errmsg, durationMs: event.durationMs }, event.message);
      },
    });
    return { corpId, agentId, signer, matches: createHostMatcher(app.hosts) };
  });
  const wecomByKey = new Map(wecomApps.map((app) => [wecomKey(app.corpId, app.agentId), app]));
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
    wecomApps,
    wecomByKey,
    routeWecom(hostname, corpId) {
      // Hosts never overlap between WeCom apps (readConfig refuses it): the first match is the only one.
      const app = wecomApps.find((candidate) => candidate.matches(hostname));
      return corpId === undefined || app?.corpId === corpId ? app : undefined;
    },
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
