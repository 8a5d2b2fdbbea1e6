import { callAccessTokenProvider, PROVIDER_API, type AccessTokenProvider } from './callAccessTokenProvider';
import { claimForcedRefresh } from './claimForcedRefresh';
import { callWechatApi, type UpstreamEvent, type WechatErrorEvent } from './callWechatApi';
import { createCredentialCache, type Entry } from './createCredentialCache';
import { createNonceStr } from './createNonceStr';
import { jsapiSignature } from './jsapiSignature';
import { parseHttpUrl } from './parseHttpUrl';
import type { SignatureData } from '../shared/SignatureData';
import type { Store } from './Store';
import { answerOf, pageUrlOf, secondsLeft, signerCore } from './signerParts';
import { TokenRefreshError } from './TokenRefreshError';
import { TOKEN_ERRCODES, WechatApiError } from './WechatApiError';
import { withoutTrailingSlash } from './withoutTrailingSlash';

export { createNonceStr };

/** Options of {@link createSigner}. */
export interface SignerOptions {
  /** The Official Account's appId (公众号 AppID). */
  appId: string;
  /**
   * Its AppSecret. It is sent to WeChat only, and never appears in a response, error or log.
   * Exactly one of `appSecret` and `accessToken` is required.
   */
  appSecret?: string;
  /**
   * A token provider that replaces the access_token fetch from WeChat: your own central token
   * server (中控服务器, as the official Get_access_token doc advises), WeChat cloud hosting's
   * token service, or a third-party platform's authorizer_access_token. `appSecret` is then
   * not needed: exactly one of the two is required (a `TypeError` names both otherwise), and
   * `tokenMode` does not apply.
   *
   * It resolves with the token, or with `{ access_token, expires_in }` (`expires_in` in
   * **seconds** left, used as is). A bare string is cached for 60 s, so that the provider is not
   * asked per request yet a token it rotated is picked up within a minute. It is called with
   * `{}`, or with `{ stale }` when WeChat refused that token (errcode 40001, 40014 or 42001):
   * once per ticket attempt, and by {@link Signer.refreshAccessToken}. Answering `stale` again
   * counts as a failure (`UPSTREAM_FAILED`): the refused token is never taken back. A provider that throws,
   * answers anything else or takes longer than `timeout` makes the call reject with a
   * {@link WechatApiError} whose `api` is `'accessToken'`; a thrown error's message is kept,
   * with URL queries, `access_token=`-style values and every token the signer knows redacted:
   * keep other secrets out of it.
   *
   * The jsapi_ticket is still fetched from WeChat with the provided token, cached, shared
   * through `store` and refreshed as without a provider.
   * @default undefined: the token comes from WeChat with `appSecret`
   * @example
   * accessToken: async ({ stale }) => {
   *   const url = `https://tokens.internal/v1/accounts/${appId}/access_token${stale ? '/refresh' : ''}`;
   *   const response = await fetch(url, stale ? { method: 'POST', body: JSON.stringify({ stale }) } : {});
   *   return response.json(); // { access_token, expires_in }
   * }
   */
  accessToken?: AccessTokenProvider;
  /**
   * Where the access_token and jsapi_ticket are kept. Use {@link redisStore} so that every
   * instance shares one token and ticket.
   * @default memoryStore()
   */
  store?: Store;
  /**
   * Ignored with `accessToken`.
   * `'stable'`: `POST /cgi-bin/stable_token`, which WeChat recommends: repeated calls return the
   * same token while it is valid, so several servers cannot invalidate each other's token.
   * `'classic'`: `GET /cgi-bin/token`, where each call replaces the previous token.
   * @default 'stable'
   */
  tokenMode?: 'stable' | 'classic';
  /**
   * Base URL of the WeChat API; tests, the demo and proxies point it elsewhere.
   * @default 'https://api.weixin.qq.com'
   */
  apiBase?: string;
  /** The fetch to call the WeChat API with. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * Time limit in **ms** for each WeChat API call, and the longest wait for another instance
   * that holds the refresh lock (the lock's TTL is twice it; `refreshAccessToken` then rejects
   * with `REFRESH_IN_PROGRESS`, `retryAfter` this time in seconds).
   * @default 5000
   */
  timeout?: number;
  /**
   * Time limit in **ms** for each call to `store`. A store that fails or times out counts as a
   * miss: the in-process copy serves while valid, else WeChat is asked directly.
   * @default 1000
   */
  storeTimeout?: number;
  /**
   * **Seconds** (not ms, unlike `timeout`) before `expires_in` runs out at which the token and
   * the ticket are refreshed in the background while the old ones keep serving. The refresh
   * never starts before half of `expires_in` has passed, so a short `expires_in` still caches.
   * @default 300
   */
  refreshMargin?: number;
  /**
   * Told of every failed WeChat API call, every failed `accessToken` provider call (`api`
   * `'accessToken'`) and every failed or timed-out store call: log it. The event is
   * `{ api, errcode?, errmsg?, message, durationMs }` (`api` is the path, such as
   * `/cgi-bin/ticket/getticket`, or `store.get` and the like); every text in it is redacted of
   * the appSecret, access_token and jsapi_ticket. Failures come once per backoff step (at most
   * one attempt per second, doubling up to one per minute for WeChat and the provider, up to one
   * per 30 s for the store), not once per request. Errors thrown by
   * the hook are ignored.
   * @default each event's message is printed with `console.warn`, prefixed `[wechat-share]`
   * @example
   * onError: (event) => logger.warn({ api: event.api, errcode: event.errcode }, event.message)
   */
  onError?: (event: WechatErrorEvent) => void;
  /**
   * Told of every upstream call, success or failure, for metrics: `{ api, outcome, durationMs }`
   * (see {@link UpstreamEvent}; `outcome` is `'ok'`, WeChat's errcode as a string, `'timeout'`,
   * `'network'` or `'invalid'`: a small closed set, safe as a metric label). Errors thrown by the
   * hook are ignored.
   * @default undefined
   * @example
   * onUpstream: ({ api, outcome }) => upstreamCounter.inc({ api, outcome })
   */
  onUpstream?: (event: UpstreamEvent) => void;
}

/** What {@link Signer.status} tells, from memory only. */
export interface SignerStatus {
  appId: string;
  /** When the in-process access_token expires, in ms since the epoch; `undefined` when none is held. */
  accessTokenExpiresAt?: number;
  /** When the in-process jsapi_ticket expires, in ms since the epoch; `undefined` when none is held. */
  jsapiTicketExpiresAt?: number;
  /**
   * The store as the signer last saw it: `up: false` while store calls are paused after a failure
   * (1 s, doubling to 30 s), with that failure's message in `error`, redacted.
   */
  store: { up: boolean; error?: string };
  /**
   * The last failed refresh of the access_token or the jsapi_ticket (`api` as in
   * {@link WechatApiError}, its errcode and hint, and its redacted message), cleared by the next
   * successful one.
   */
  lastError?: { api: string; errcode?: number; hint?: string; message: string };
}

/** A signature for one page URL: the four values `wx.config` needs, and the URL they cover. */
export interface SignResult extends SignatureData {
  /** The URL that was signed: the input without its hash. */
  url: string;
}

/** Signs page URLs, keeping the access_token and jsapi_ticket cached. */
export interface Signer {
  /**
   * Signs `url` (absolute http or https; its hash is dropped) with the cached jsapi_ticket.
   * A string is signed as written; a `URL` (such as `checkSigningRequest`'s `parsedUrl`) is
   * signed as its `href`, without being parsed again.
   * Rejects with a `TypeError` for a URL that is not absolute http(s), and with a
   * {@link WechatApiError} when no valid ticket can be had.
   */
  sign(url: string | URL): Promise<SignResult>;
  /** The cached access_token, fetched when missing or due for refresh. Rejects with {@link WechatApiError}. */
  getAccessToken(): Promise<string>;
  /** The cached jsapi_ticket (`type=jsapi`), fetched when missing or due. Rejects with {@link WechatApiError}. */
  getJsapiTicket(): Promise<string>;
  /**
   * The cached access_token with the whole **seconds** left before it expires (rounded down), as a
   * central token server hands it to other backends. Fetched when missing or due, like
   * `getAccessToken()`. Rejects with {@link WechatApiError}.
   */
  getAccessTokenInfo(): Promise<{ access_token: string; expires_in: number }>;
  /** The cached jsapi_ticket with the whole **seconds** left (rounded down). Rejects with {@link WechatApiError}. */
  getJsapiTicketInfo(): Promise<{ ticket: string; expires_in: number }>;
  /**
   * The central token server's refresh, for a backend whose call WeChat refused with errcode
   * 40001, 40014 or 42001 (official Get_access_token doc: the central server offers other servers
   * a way to ask for a refresh). Resolves with a token other than `stale`, or rejects: it never
   * hands `stale` back.
   *
   * When `stale` is no longer the current token (compared under the store's lock with the store's
   * value), the current one answers, `refreshed: false`, without an upstream call: twenty callers,
   * on any number of instances, holding the same stale token cause one refresh. Otherwise:
   *
   * - `tokenMode: 'stable'`: first a normal `POST /cgi-bin/stable_token` (free: 10,000 calls a
   *   minute), which answers the token in force: another one than `stale` is the new token. Only
   *   when WeChat answers `stale` again, a call with `force_refresh: true`, which WeChat allows 20
   *   times a day, at least 30 s apart (official getStableAccessToken doc): at most one per 30 s
   *   and 20 per rolling 24 h per appId across every instance sharing the store (counted there,
   *   in keys `{appId}:access_token:stable:force` and `…:force:1` to `…:force:20`). A forced call
   *   that gets no answer (a timeout: WeChat may have made the new token all the same) is followed
   *   by normal calls for up to `timeout` ms, which learn that token.
   * - `'classic'`: `GET /cgi-bin/token` (which replaces the token; the old one works 5 more minutes).
   * - with `accessToken`: the provider is asked with `{ stale }`.
   *
   * While another instance's refresh lock outlives the wait (`timeout` ms), stable mode asks
   * WeChat normally once; otherwise it rejects with `REFRESH_IN_PROGRESS`. After a rejection the
   * token in hand keeps answering `getAccessToken()` (only its reporter said it failed), and each
   * use checks again (at most once per 1 s, doubling to 60 s) whether the store or WeChat (stable
   * mode, normal call) has another one.
   *
   * `expires_in` is in whole seconds left. Subject to the same backoff as every refresh.
   * Rejects with a {@link TokenRefreshError} (a {@link WechatApiError} too) with `code` and `retryAfter`
   *   (seconds): `REFRESH_LIMITED` (the 30 s window or the daily 20), `REFRESH_IN_PROGRESS`,
   *   `UPSTREAM_FAILED` (WeChat or the provider failed, with `errcode` when it answered one; under
   *   backoff at once), `STORE_UNAVAILABLE` (a forced refresh is needed and the store, where they
   *   are counted, is down); a `TypeError` when `stale` is not a non-empty string.
   * @param stale - the access_token WeChat refused
   */
  refreshAccessToken(stale: string): Promise<{ access_token: string; expires_in: number; refreshed: boolean }>;
  /** Synchronous, for health checks and gauges: reads only what is in memory, never the store or WeChat. */
  status(): SignerStatus;
}

/**
 * Pauses before the normal stable_token calls that follow a forced call without an answer, in ms:
 * a refresh WeChat made all the same is learnt within seconds (within `timeout` ms in all).
 */
const FOLLOW_UP_PAUSES = [500, 1000, 2000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/**
 * Creates a {@link Signer} for one Official Account.
 *
 * The access_token and the jsapi_ticket are never fetched per request:
 * - warm: an in-process copy serves until `expires_in` minus `refreshMargin` (at least half of
 *   `expires_in`), without touching the store;
 * - then a still-valid value keeps serving at once while one background refresh runs (one per
 *   process; one across instances through a lock in the store, `SET NX PX`);
 * - cold: the store first, then one fetch shared by every concurrent caller. Another instance's
 *   lock is waited on for at most `timeout` ms;
 * - after a failed fetch, no new attempt for that value for 1 s, doubling up to 60 s: `sign()`
 *   serves a still-valid value meanwhile, or rejects at once with the last error;
 * - every store call is limited to `storeTimeout` ms; a store that is down counts as a miss;
 * - on errcode 40001, 40014 or 42001 the token is renewed once as by `refreshAccessToken` and the
 *   ticket asked again once;
 * - the access_token comes from WeChat with `appSecret`, or from your own `accessToken` provider;
 * - without `onError`, each failure is printed once with `console.warn` (redacted).
 *
 * No error, `onError` or `onUpstream` event, `status()` or answer carries the appSecret, an
 * access_token or a jsapi_ticket.
 *
 * @throws TypeError when `appId` is missing, when not exactly one of `appSecret` and
 *   `accessToken` is given, or when `apiBase` is not an http(s) URL
 * @example
 * const signer = createSigner({ appId: process.env.WECHAT_APP_ID, appSecret: process.env.WECHAT_APP_SECRET });
 * const { appId, timestamp, nonceStr, signature } = await signer.sign('https://h5.example.com/page?id=1');
 * @example
 * // The token comes from your central token server; the jsapi_ticket is still cached here.
 * const signer = createSigner({ appId, accessToken: ({ stale }) => tokenServer.accessToken(appId, stale) });
 */
export function createSigner(options: SignerOptions): Signer {
  const { appId, appSecret, accessToken: provider } = options;
  if (typeof appId !== 'string' || !appId) throw new TypeError('createSigner: appId is required (the Official Account AppID).');
  if (provider !== undefined && typeof provider !== 'function') {
    throw new TypeError('createSigner: accessToken must be a function ({ stale }) => Promise<string | { access_token, expires_in }>.');
  }
  if (provider ? appSecret !== undefined : typeof appSecret !== 'string' || !appSecret) {
    throw new TypeError(
      provider
        ? 'createSigner: give either appSecret or accessToken, not both: with an accessToken provider the appSecret is not used.'
        : 'createSigner: appSecret or accessToken is required (the Official Account AppSecret, or a provider of its access_token).',
    );
  }
  const apiBase = withoutTrailingSlash(options.apiBase ?? 'https://api.weixin.qq.com');
  if (!parseHttpUrl(apiBase)) {
    throw new TypeError(`createSigner: apiBase must be an absolute http(s) URL such as https://api.weixin.qq.com, got ${JSON.stringify(apiBase).slice(0, 100)}.`);
  }
  const mode = options.tokenMode ?? 'stable';
  const timeout = options.timeout ?? 5000;
  const margin = (options.refreshMargin ?? 300) * 1000;
  const { api, store, lastError, remember, tracked } = signerCore(options, { apiBase, timeout, margin, label: appId }, () => [appSecret, token.peek(), ticket.peek()]);
  // One hash tag per appId: on a Redis Cluster, value, lock and backoff of an appId share a slot.
  const prefix = `{${appId}}`;
  const tokenKey = `${prefix}:access_token:${provider ? 'provider' : mode}`;

  // The API a token refresh calls: what a TokenRefreshError names.
  const tokenApi = provider ? PROVIDER_API : mode === 'classic' ? '/cgi-bin/token' : '/cgi-bin/stable_token';

  function fetchAccessToken(stale?: string, force = false): Promise<Entry> {
    return tracked(() => {
      if (provider) return callAccessTokenProvider(api, provider, stale);
      if (mode === 'classic') {
        return callWechatApi(api, '/cgi-bin/token', 'access_token', { grant_type: 'client_credential', appid: appId, secret: appSecret! });
      }
      const body = { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: force };
      return callWechatApi(api, '/cgi-bin/stable_token', 'access_token', {}, body);
    });
  }

  async function fetchTicket(): Promise<Entry> {
    // type=jsapi: the wx_card ticket is a different one and signs nothing for wx.config.
    const ask = (accessToken: string) =>
      tracked(() => callWechatApi(api, '/cgi-bin/ticket/getticket', 'ticket', { access_token: accessToken, type: 'jsapi' }));
    const accessToken = await token.get();
    try {
      return await ask(accessToken);
    } catch (error) {
      if (!(error instanceof WechatApiError) || !TOKEN_ERRCODES.includes(error.errcode!)) throw error;
      // Once per ticket attempt, and ticket attempts back off: a 40001 storm cannot loop.
      remember(accessToken);
      return ask((await renew(accessToken)).entry.value);
    }
  }

  const stableMode = !provider && mode === 'stable';
  const token = createCredentialCache({
    key: tokenKey,
    store,
    timeout,
    api: tokenApi,
    fetch: () => fetchAccessToken(),
    current: stableMode ? () => fetchAccessToken() : undefined,
  });
  const ticket = createCredentialCache({ key: `${prefix}:jsapi_ticket`, store, timeout, api: '/cgi-bin/ticket/getticket', fetch: fetchTicket });

  const renew = (stale: string) => token.renew(stale, (contended) => renewAccessToken(stale, contended));

  // A token other than `stale`, which WeChat refused and which is still the current one (or none
  // is), as refreshAccessToken documents it; `contended`: another instance holds the lock.
  async function renewAccessToken(stale: string, contended: boolean): Promise<Entry> {
    const inProgress = () =>
      new TokenRefreshError('REFRESH_IN_PROGRESS', timeout / 1000, tokenApi, 'another instance holds the refresh lock: its refresh is slow, or it stopped and its lock is left to expire');
    if (!stableMode) {
      if (contended) throw inProgress();
      return fetchAccessToken(stale);
    }
    // The normal call first: free, and it answers the token in force, which may already be another.
    const normal = await fetchAccessToken();
    if (normal.value !== stale) return normal;
    if (contended) throw inProgress();
    let wait: number;
    try {
      wait = await claimForcedRefresh(store, `${tokenKey}:force`);
    } catch {
      throw new TokenRefreshError('STORE_UNAVAILABLE', 5, tokenApi, 'WeChat still answers the refused token, and forced refreshes cannot be counted while the store is down');
    }
    if (wait) {
      throw new TokenRefreshError('REFRESH_LIMITED', wait / 1000, tokenApi, 'WeChat still answers the refused token, and force_refresh is limited to one per 30 s and 20 per 24 h per account');
    }
    try {
      return await fetchAccessToken(stale, true);
    } catch (error) {
      // An errcode means WeChat answered, and refused; no answer may still mean a new token.
      if (!(error instanceof WechatApiError) || error.errcode !== undefined) throw error;
      const deadline = Date.now() + timeout;
      for (const pause of FOLLOW_UP_PAUSES) {
        if (Date.now() + pause > deadline) break;
        await sleep(pause);
        const entry = await fetchAccessToken().catch(() => undefined);
        if (entry && entry.value !== stale) return entry;
      }
      throw error;
    }
  }

  return {
    getAccessToken: () => token.get(),
    getJsapiTicket: () => ticket.get(),
    getAccessTokenInfo: () => answerOf(token.entry(), 'access_token'),
    getJsapiTicketInfo: () => answerOf(ticket.entry(), 'ticket'),
    async refreshAccessToken(stale) {
      if (typeof stale !== 'string' || !stale) throw new TypeError('refreshAccessToken: stale must be the access_token that WeChat refused.');
      const { entry, renewed } = await renew(stale);
      // Only a token that really was current is a secret to keep out of errors: a caller's made-up
      // `stale` must not push real refused tokens off that short list.
      if (renewed) remember(stale);
      return { access_token: entry.value, expires_in: secondsLeft(entry.expiresAt), refreshed: renewed };
    },
    status() {
      const health = store.health();
      return {
        appId,
        accessTokenExpiresAt: token.peekEntry()?.expiresAt,
        jsapiTicketExpiresAt: ticket.peekEntry()?.expiresAt,
        store: health.up ? { up: true } : { up: false, error: health.error },
        lastError: lastError(),
      };
    },
    async sign(input) {
      const pageUrl = pageUrlOf(input);
      // Warm, no await: sign() runs per request.
      const jsapi_ticket = ticket.fresh() ?? (await ticket.get());
      const nonceStr = createNonceStr();
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = jsapiSignature({ jsapi_ticket, noncestr: nonceStr, timestamp, url: pageUrl });
      return { appId, timestamp, nonceStr, signature, url: pageUrl };
    },
  };
}
