import { randomInt } from 'node:crypto';
import { jsapiSignature } from './jsapiSignature';
import { memoryStore } from './memoryStore';
import { parseHttpUrl } from './parseHttpUrl';
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
  /** Time limit in ms for each WeChat API call, and for waiting on another instance's refresh. @default 5000 */
  timeout?: number;
  /**
   * Seconds before `expires_in` runs out at which the token and the ticket are fetched again.
   * Until they really expire, the old ones keep serving if that refresh fails.
   * @default 300
   */
  refreshMargin?: number;
}

/** A signature for one page URL: what `wx.config` needs, and the URL it covers. */
export interface SignResult {
  appId: string;
  /** Unix time in whole seconds. */
  timestamp: number;
  /** 16 random letters and digits. */
  nonceStr: string;
  /** 40 hex characters; see {@link jsapiSignature}. */
  signature: string;
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

interface Entry {
  value: string;
  /** ms since the epoch: fetch again from here on. */
  refreshAt: number;
  /** ms since the epoch: unusable from here on. */
  expiresAt: number;
}

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** 16 letters and digits from crypto, uniformly (randomInt rejects biased draws). */
export function createNonceStr(length = 16): string {
  let nonce = '';
  for (let i = 0; i < length; i++) nonce += NONCE_CHARS[randomInt(NONCE_CHARS.length)];
  return nonce;
}

/**
 * Creates a {@link Signer} for one Official Account.
 *
 * The access_token and the jsapi_ticket are cached in `store` until `expires_in` minus
 * `refreshMargin`, never fetched per request. Concurrent callers share one fetch: in a process
 * through one promise, across processes through a lock in the store (`SET NX PX`), while the
 * other instances wait for the result. On errcode 40001, 40014 or 42001 the token is dropped
 * and fetched once more, and the call retried once; other errcodes reject at once.
 *
 * @throws TypeError when `appId` or `appSecret` is missing
 * @example
 * const signer = createSigner({ appId: process.env.WECHAT_APP_ID, appSecret: process.env.WECHAT_APP_SECRET });
 * const { appId, timestamp, nonceStr, signature } = await signer.sign('https://h5.example.com/page?id=1');
 */
export function createSigner(options: SignerOptions): Signer {
  const { appId, appSecret } = options;
  if (typeof appId !== 'string' || !appId) throw new TypeError('createSigner: appId is required (the Official Account AppID).');
  if (typeof appSecret !== 'string' || !appSecret) throw new TypeError('createSigner: appSecret is required (the Official Account AppSecret).');
  const store = options.store ?? memoryStore();
  const mode = options.tokenMode ?? 'stable';
  const apiBase = (options.apiBase ?? 'https://api.weixin.qq.com').replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeout = options.timeout ?? 5000;
  const margin = (options.refreshMargin ?? 300) * 1000;
  const keys = {
    access_token: `${appId}:access_token:${mode}`,
    jsapi_ticket: `${appId}:jsapi_ticket`,
  };
  const inflight = new Map<string, Promise<string>>();

  // One WeChat API call. `path` is named in errors; the query (secret, token) never is.
  async function call(path: string, query: Record<string, string>, body?: object): Promise<Record<string, unknown>> {
    const url = `${apiBase}${path}?${new URLSearchParams(query)}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    let data: Record<string, unknown>;
    try {
      const response = await fetchFn(url, {
        method: body ? 'POST' : 'GET',
        headers: body ? { 'Content-Type': 'application/json' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: controller.signal,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      const reason = controller.signal.aborted ? `timed out after ${timeout} ms` : String((error as Error)?.message ?? error);
      throw new WechatApiError(path, reason, undefined, error);
    } finally {
      clearTimeout(timer);
    }
    if (typeof data.errcode === 'number' && data.errcode !== 0) throw new WechatApiError(path, String(data.errmsg ?? ''), data.errcode);
    return data;
  }

  function entryOf(data: Record<string, unknown>, field: string, path: string): Entry {
    const value = data[field];
    const expiresIn = Number(data.expires_in);
    if (typeof value !== 'string' || !value || !(expiresIn > 0)) {
      throw new WechatApiError(path, `the answer has no ${field} and expires_in`);
    }
    const now = Date.now();
    return { value, expiresAt: now + expiresIn * 1000, refreshAt: now + Math.max(expiresIn * 1000 - margin, 0) };
  }

  async function fetchAccessToken(): Promise<Entry> {
    if (mode === 'classic') {
      const path = '/cgi-bin/token';
      return entryOf(await call(path, { grant_type: 'client_credential', appid: appId, secret: appSecret }), 'access_token', path);
    }
    const path = '/cgi-bin/stable_token';
    const body = { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: false };
    return entryOf(await call(path, {}, body), 'access_token', path);
  }

  async function fetchTicket(): Promise<Entry> {
    const path = '/cgi-bin/ticket/getticket';
    // type=jsapi: the wx_card ticket is a different one and signs nothing for wx.config.
    const ask = async () => entryOf(await call(path, { access_token: await getAccessToken(), type: 'jsapi' }), 'ticket', path);
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof WechatApiError) || !TOKEN_ERRCODES.includes(error.errcode!)) throw error;
      await store.delete(keys.access_token);
      return ask();
    }
  }

  async function read(key: string): Promise<Entry | undefined> {
    const raw = await store.get(key);
    return raw ? (JSON.parse(raw) as Entry) : undefined;
  }

  // Fetches a new value under the store's lock, or waits for the instance that holds it.
  async function refresh(key: string, fetcher: () => Promise<Entry>): Promise<string> {
    const lockKey = `${key}:lock`;
    const deadline = Date.now() + timeout * 3;
    for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
      const token = await store.lock(lockKey, timeout * 3);
      if (token) {
        try {
          const current = await read(key);
          if (current && Date.now() < current.refreshAt) return current.value;
          const entry = await fetcher();
          await store.set(key, JSON.stringify(entry), entry.expiresAt - Date.now());
          return entry.value;
        } finally {
          await store.unlock(lockKey, token);
        }
      }
      // Another instance is fetching: a still-valid old value serves meanwhile, else wait for its result.
      const current = await read(key);
      if (current && Date.now() < current.expiresAt) return current.value;
      if (Date.now() > deadline) throw new WechatApiError(key.slice(appId.length + 1), `timed out waiting for another instance to fetch it`);
      await sleep(wait);
    }
  }

  async function cached(key: string, fetcher: () => Promise<Entry>): Promise<string> {
    const current = await read(key);
    if (current && Date.now() < current.refreshAt) return current.value;
    let pending = inflight.get(key);
    if (!pending) {
      pending = refresh(key, fetcher).finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    try {
      return await pending;
    } catch (error) {
      // An early refresh failed: the value in hand is still good until it really expires.
      if (current && Date.now() < current.expiresAt) return current.value;
      throw error;
    }
  }

  const getAccessToken = () => cached(keys.access_token, fetchAccessToken);
  const getJsapiTicket = () => cached(keys.jsapi_ticket, fetchTicket);

  return {
    getAccessToken,
    getJsapiTicket,
    async sign(url) {
      if (!parseHttpUrl(url)) {
        throw new TypeError(`sign: expected an absolute http(s) URL, got ${JSON.stringify(url)?.slice(0, 100)}`);
      }
      const pageUrl = url.split('#')[0];
      const ticket = await getJsapiTicket();
      const nonceStr = createNonceStr();
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = jsapiSignature({ jsapi_ticket: ticket, noncestr: nonceStr, timestamp, url: pageUrl });
      return { appId, timestamp, nonceStr, signature, url: pageUrl };
    },
  };
}
