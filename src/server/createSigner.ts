import { randomInt } from 'node:crypto';
import { callWechatApi, type Issued, type WechatApiContext, type WechatErrorEvent } from './callWechatApi';
import { createCredentialCache, type Entry } from './createCredentialCache';
import { guardStore } from './guardStore';
import { jsapiSignature } from './jsapiSignature';
import { memoryStore } from './memoryStore';
import { parseHttpUrl } from './parseHttpUrl';
import type { SignatureData } from '../SignatureData';
import type { Store } from './Store';
import { TOKEN_ERRCODES, WechatApiError } from './WechatApiError';

/** Options of {@link createSigner}. */
export interface SignerOptions {
  /** The Official Account's appId (公众号 AppID). */
  appId: string;
  /** Its AppSecret. It is sent to WeChat only, and never appears in a response, error or log. */
  appSecret: string;
  /**
   * Where the access_token and jsapi_ticket are kept. Use {@link redisStore} so that every
   * instance shares one token and ticket.
   * @default memoryStore()
   */
  store?: Store;
  /**
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
   * that holds the refresh lock (the lock's TTL is twice it).
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
   * Told of every failed WeChat API call and every failed or timed-out store call: log it.
   * The event is `{ api, errcode?, errmsg?, message, durationMs }` (`api` is the path, such as
   * `/cgi-bin/ticket/getticket`, or `store.get` and the like); every text in it is redacted of
   * the appSecret, access_token and jsapi_ticket. Errors thrown by the hook are ignored.
   * @default undefined: nothing is logged
   * @example
   * onError: (event) => console.warn('[wechat-share]', event.api, event.errcode ?? '', event.message)
   */
  onError?: (event: WechatErrorEvent) => void;
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
   * Rejects with a `TypeError` for a URL that is not absolute http(s), and with a
   * {@link WechatApiError} when no valid ticket can be had.
   */
  sign(url: string): Promise<SignResult>;
  /** The cached access_token, fetched when missing or due for refresh. Rejects with {@link WechatApiError}. */
  getAccessToken(): Promise<string>;
  /** The cached jsapi_ticket (`type=jsapi`), fetched when missing or due. Rejects with {@link WechatApiError}. */
  getJsapiTicket(): Promise<string>;
}

/** Longest life given to a cached value, in seconds: a larger `expires_in` is clamped to it. */
const MAX_EXPIRES_IN = 24 * 60 * 60;
const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 16 letters and digits from crypto, uniformly (randomInt rejects biased draws). */
export function createNonceStr(length = 16): string {
  let nonce = '';
  for (let i = 0; i < length; i++) nonce += NONCE_CHARS[randomInt(NONCE_CHARS.length)];
  return nonce;
}

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
 * - on errcode 40001, 40014 or 42001 the token is replaced once and the ticket asked again once.
 *
 * No error, `onError` event or answer carries the appSecret, an access_token or a jsapi_ticket.
 *
 * @throws TypeError when `appId` or `appSecret` is missing, or `apiBase` is not an http(s) URL
 * @example
 * const signer = createSigner({ appId: process.env.WECHAT_APP_ID, appSecret: process.env.WECHAT_APP_SECRET });
 * const { appId, timestamp, nonceStr, signature } = await signer.sign('https://h5.example.com/page?id=1');
 */
export function createSigner(options: SignerOptions): Signer {
  const { appId, appSecret } = options;
  if (typeof appId !== 'string' || !appId) throw new TypeError('createSigner: appId is required (the Official Account AppID).');
  if (typeof appSecret !== 'string' || !appSecret) throw new TypeError('createSigner: appSecret is required (the Official Account AppSecret).');
  const apiBase = (options.apiBase ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
  if (!parseHttpUrl(apiBase)) {
    throw new TypeError(`createSigner: apiBase must be an absolute http(s) URL such as https://api.weixin.qq.com, got ${JSON.stringify(apiBase).slice(0, 100)}.`);
  }
  const mode = options.tokenMode ?? 'stable';
  const timeout = options.timeout ?? 5000;
  const margin = (options.refreshMargin ?? 300) * 1000;
  const secrets = () => [appSecret, token.peek(), ticket.peek(), ...refused];
  // Tokens WeChat refused lately: no longer in the cache, still secret.
  const refused: string[] = [];
  const api: WechatApiContext = { apiBase, fetch: options.fetch ?? globalThis.fetch, timeout, secrets, onError: options.onError };
  const store = guardStore(options.store ?? memoryStore(), { timeout: options.storeTimeout ?? 1000, onError: options.onError, secrets });
  // One hash tag per appId: on a Redis Cluster, value, lock and backoff of an appId share a slot.
  const prefix = `{${appId}}`;

  // Caches until expires_in - margin, but never less than half of expires_in; at most 24 h.
  function entryOf({ value, expiresIn }: Issued): Entry {
    const life = Math.min(expiresIn, MAX_EXPIRES_IN) * 1000;
    const now = Date.now();
    return { value, expiresAt: now + life, refreshAt: now + Math.max(life - margin, life / 2) };
  }

  async function fetchAccessToken(): Promise<Entry> {
    if (mode === 'classic') {
      return entryOf(await callWechatApi(api, '/cgi-bin/token', 'access_token', { grant_type: 'client_credential', appid: appId, secret: appSecret }));
    }
    const body = { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: false };
    return entryOf(await callWechatApi(api, '/cgi-bin/stable_token', 'access_token', {}, body));
  }

  async function fetchTicket(): Promise<Entry> {
    // type=jsapi: the wx_card ticket is a different one and signs nothing for wx.config.
    const ask = async (accessToken: string) =>
      entryOf(await callWechatApi(api, '/cgi-bin/ticket/getticket', 'ticket', { access_token: accessToken, type: 'jsapi' }));
    const accessToken = await token.get();
    try {
      return await ask(accessToken);
    } catch (error) {
      if (!(error instanceof WechatApiError) || !TOKEN_ERRCODES.includes(error.errcode!)) throw error;
      // Once per ticket attempt, and ticket attempts back off: a 40001 storm cannot loop.
      refused.push(accessToken);
      if (refused.length > 4) refused.shift();
      return ask(await token.replace(accessToken));
    }
  }

  const token = createCredentialCache({ key: `${prefix}:access_token:${mode}`, store, timeout, fetch: fetchAccessToken });
  const ticket = createCredentialCache({ key: `${prefix}:jsapi_ticket`, store, timeout, fetch: fetchTicket });

  return {
    getAccessToken: () => token.get(),
    getJsapiTicket: () => ticket.get(),
    async sign(url) {
      if (!parseHttpUrl(url)) {
        throw new TypeError(`sign: expected an absolute http(s) URL, got ${JSON.stringify(url)?.slice(0, 100)}`);
      }
      const pageUrl = url.split('#')[0];
      const jsapi_ticket = await ticket.get();
      const nonceStr = createNonceStr();
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = jsapiSignature({ jsapi_ticket, noncestr: nonceStr, timestamp, url: pageUrl });
      return { appId, timestamp, nonceStr, signature, url: pageUrl };
    },
  };
}
