import { createHash } from 'node:crypto';
import { callWechatApi } from './callWechatApi';
import { createCredentialCache, type Entry } from './createCredentialCache';
import { createNonceStr } from './createNonceStr';
import type { SignerOptions } from './createSigner';
import { jsapiSignature } from './jsapiSignature';
import { parseHttpUrl } from './parseHttpUrl';
import { answerOf, pageUrlOf, secondsLeft, signerCore, type LastError } from './signerParts';
import { TokenRefreshError } from './TokenRefreshError';
import { TOKEN_ERRCODES, WechatApiError } from './WechatApiError';
import { withoutTrailingSlash } from './withoutTrailingSlash';
import type { WecomSignatureData } from '../shared/WecomSignatureData';

/**
 * Options of {@link createWecomSigner}. `store`, `fetch`, `timeout`, `storeTimeout`,
 * `refreshMargin`, `onError` and `onUpstream` mean what they mean for {@link createSigner}, with
 * WeCom's API in place of WeChat's.
 */
export interface WecomSignerOptions extends Pick<SignerOptions, 'store' | 'fetch' | 'timeout' | 'storeTimeout' | 'refreshMargin' | 'onError' | 'onUpstream'> {
  /** The corp's ID (企业ID, `ww…`: 我的企业 › 企业信息), sent as `appId` in the signing answer. */
  corpId: string;
  /**
   * The Secret of the app (自建应用 › Secret) whose agentId is `agentId`: each app has its own
   * secret and its own access_token (official: "获取access_token", document/path/91039). Sent to
   * WeCom only; it never appears in a response, error, event or log.
   */
  corpSecret: string;
  /**
   * The app's agentId (a positive integer such as `1000002`). With it, `sign()` also answers the
   * agent ticket's signature (`agentSignature`, for `ww.register`'s `getAgentConfigSignature`,
   * which agent-level APIs need: official 94313). The agent ticket is fetched with **this app's**
   * token, which is why `corpSecret` must be this app's secret.
   * @default undefined: the corp signature only
   */
  agentId?: number;
  /**
   * Base URL of the WeCom API; tests, the demo and proxies point it elsewhere.
   * @default 'https://qyapi.weixin.qq.com'
   */
  apiBase?: string;
}

/** What {@link WecomSigner.status} tells, from memory only. */
export interface WecomSignerStatus {
  corpId: string;
  /** The agentId the signer was built with. */
  agentId?: number;
  /** When the in-process access_token expires, in ms since the epoch; `undefined` when none is held. */
  accessTokenExpiresAt?: number;
  /** When the in-process corp jsapi_ticket expires, in ms since the epoch. */
  corpTicketExpiresAt?: number;
  /** When the in-process agent jsapi_ticket expires, in ms since the epoch (only with `agentId`). */
  agentTicketExpiresAt?: number;
  /** The store as the signer last saw it (see {@link SignerStatus}`.store`). */
  store: { up: boolean; error?: string };
  /** The last failed refresh of any of the three credentials (api, errcode, hint, redacted message), cleared by the next success. */
  lastError?: LastError;
}

/** A WeCom signature for one page URL ({@link WecomSignatureData}) and the URL it covers. */
export type WecomSignResult = WecomSignatureData & {
  /** The URL that was signed: the input without its hash. */
  url: string;
};

/** Signs page URLs for one WeCom app (or a corp), keeping its access_token and tickets cached. */
export interface WecomSigner {
  /** The corpId it signs for. */
  readonly corpId: string;
  /** The agentId it signs for, if any. */
  readonly agentId?: number;
  /**
   * Signs `url` (absolute http or https; its hash is dropped; a `URL` is signed as its `href`) with
   * the cached corp jsapi_ticket and, with `agentId`, the cached agent ticket: resolves with
   * `{ appId: corpId, timestamp, nonceStr, signature, url }`, plus `agentId` and
   * `agentSignature: { timestamp, nonceStr, signature }` with `agentId`.
   * Rejects with a `TypeError` for a URL that is not absolute http(s), and with a
   * {@link WechatApiError} (`platform: 'wecom'`) when either ticket cannot be had.
   */
  sign(url: string | URL): Promise<WecomSignResult>;
  /** The app's cached access_token, fetched when missing or due. Rejects with {@link WechatApiError}. */
  accessToken(): Promise<string>;
  /** The corp's cached jsapi_ticket (`/cgi-bin/get_jsapi_ticket`). Rejects with {@link WechatApiError}. */
  corpTicket(): Promise<string>;
  /**
   * The app's cached agent jsapi_ticket (`/cgi-bin/ticket/get?type=agent_config`). Rejects with a
   * `TypeError` when the signer has no `agentId`, and with {@link WechatApiError}.
   */
  agentTicket(): Promise<string>;
  /**
   * {@link WecomSigner.accessToken} with the whole **seconds** it has left (rounded down), both from
   * the same cached entry, for a central token server's answer. Rejects as `accessToken()`.
   */
  accessTokenInfo(): Promise<{ access_token: string; expires_in: number }>;
  /** {@link WecomSigner.corpTicket} with its whole **seconds** left, from the same entry. Rejects as `corpTicket()`. */
  corpTicketInfo(): Promise<{ ticket: string; expires_in: number }>;
  /** {@link WecomSigner.agentTicket} with its whole **seconds** left, from the same entry. Rejects as `agentTicket()`. */
  agentTicketInfo(): Promise<{ ticket: string; expires_in: number }>;
  /**
   * For a backend whose WeCom call was refused with errcode 40014 or 42001 (or 40001) on the token
   * this signer handed out: resolves with a token other than `stale`, or rejects; never hands
   * `stale` back. As {@link Signer.refreshAccessToken}: when `stale` is no longer the current token
   * (compared under the store's lock) the current one answers, `refreshed: false`, without an
   * upstream call; otherwise `/cgi-bin/gettoken` is asked once for every caller on every instance.
   * WeCom has no forced refresh: when it still answers `stale` (it gives the same token while it
   * considers it valid), the call rejects with `UPSTREAM_FAILED`.
   *
   * `expires_in` is in whole seconds left. Rejects with a {@link TokenRefreshError}
   * (`REFRESH_IN_PROGRESS`, `UPSTREAM_FAILED`) with `retryAfter` in seconds; a `TypeError` when
   * `stale` is not a non-empty string.
   */
  refreshAccessToken(stale: string): Promise<{ access_token: string; expires_in: number; refreshed: boolean }>;
  /** Synchronous, for health checks and gauges: reads only what is in memory, never the store or WeCom. */
  status(): WecomSignerStatus;
}

/**
 * The store keys of a WeCom signer, each under the corp's hash tag `{corpId}` so that on a Redis
 * Cluster a corp's values and locks share a slot (each value's lock is `${key}:lock`):
 * - the access_token per corp **and agent** (each app has its own secret and token, official
 *   91039): `{corpId}:wecom:access_token:<agentId>`, or without an agentId
 *   `…:access_token:corp:<16 hex digits of the SHA-256 of corpSecret>` (two apps of one corp never
 *   share a token; `corpSecret` is needed for that key only);
 * - the corp jsapi_ticket per corp (any app's token of the corp fetches the same one, official
 *   96909): `{corpId}:wecom:jsapi_ticket`;
 * - the agent jsapi_ticket per corp **and agent** (fetched with that agent's token, official
 *   96909): `{corpId}:wecom:agent_ticket:<agentId>`.
 * Peers got these wrong: corp and agent tickets under one key (EasyWeChat #2575), agents'
 * tickets overwriting each other (EasyWeChat PR #1959, WxJava #1669), the agent ticket cached per
 * corp (wechatpy) (reported).
 */
export function wecomStoreKeys(corpId: string, agentId?: number, corpSecret?: string): { accessToken: string; corpTicket: string; agentTicket?: string } {
  const prefix = `{${corpId}}:wecom`;
  // Without an agentId the token still belongs to one app (each app has its own Secret and token,
  // official 91039): its key names the app by 16 hex digits of the Secret's SHA-256, never the Secret.
  const app = agentId ?? `corp:${createHash('sha256').update(corpSecret ?? '').digest('hex').slice(0, 16)}`;
  return {
    accessToken: `${prefix}:access_token:${app}`,
    corpTicket: `${prefix}:jsapi_ticket`,
    agentTicket: agentId === undefined ? undefined : `${prefix}:agent_ticket:${agentId}`,
  };
}

/**
 * Creates a {@link WecomSigner} for one WeCom app (企业微信自建应用) of one corp, against
 * `https://qyapi.weixin.qq.com`:
 * - the app's access_token: `GET /cgi-bin/gettoken?corpid=…&corpsecret=…` (official 91039);
 * - the corp jsapi_ticket: `GET /cgi-bin/get_jsapi_ticket?access_token=…`, for
 *   `getConfigSignature` (official 96909);
 * - with `agentId`, the agent jsapi_ticket: `GET /cgi-bin/ticket/get?access_token=…&type=agent_config`
 *   with that app's token, for `getAgentConfigSignature` (official 96909).
 *
 * Each is cached and shared through `store` with the WeChat signer's guarantees (the same
 * credential cache): an in-process copy until its refresh time, a background refresh while it
 * still serves, one upstream call across instances through the store's lock, backoff after a
 * failure (1 s doubling to 60 s) during which a valid value keeps serving, and on errcode 40001,
 * 40014 or 42001 from a ticket call the token renewed once and the ticket asked again once. That
 * matters more here: WeCom allows 400 ticket calls an hour per corp and 100 per app (official
 * 96909), and blocks frequent gettoken calls (official 91039). Store keys: see
 * {@link wecomStoreKeys}. An empty ticket or token, from WeCom or from the store, is never used.
 *
 * The signature is the WeChat one, `sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")`, over the
 * URL without its hash, with each ticket (official 96909, with its test vector).
 *
 * No error, event, `status()` or answer carries the corpSecret, an access_token or a ticket.
 *
 * @throws TypeError when `corpId` or `corpSecret` is missing, when `agentId` is not a positive
 *   integer, or when `apiBase` is not an http(s) URL
 * @example
 * const wecomSigner = createWecomSigner({
 *   corpId: process.env.WECOM_CORP_ID, corpSecret: process.env.WECOM_CORP_SECRET, agentId: 1000002, store,
 * });
 * const { appId, timestamp, nonceStr, signature, agentSignature } = await wecomSigner.sign('https://h5.example.com/');
 */
export function createWecomSigner(options: WecomSignerOptions): WecomSigner {
  const { corpId, corpSecret, agentId } = options;
  if (typeof corpId !== 'string' || !corpId) throw new TypeError('createWecomSigner: corpId is required (the corp ID, 企业ID, starting with ww).');
  if (typeof corpSecret !== 'string' || !corpSecret) {
    throw new TypeError("createWecomSigner: corpSecret is required (the Secret of the app whose agentId you give).");
  }
  if (agentId !== undefined && !(Number.isSafeInteger(agentId) && agentId > 0)) {
    throw new TypeError(`createWecomSigner: agentId must be the app's AgentId, a positive integer such as 1000002, got ${JSON.stringify(agentId)?.slice(0, 40)}.`);
  }
  const apiBase = withoutTrailingSlash(options.apiBase ?? 'https://qyapi.weixin.qq.com');
  if (!parseHttpUrl(apiBase)) {
    throw new TypeError(`createWecomSigner: apiBase must be an absolute http(s) URL such as https://qyapi.weixin.qq.com, got ${JSON.stringify(apiBase).slice(0, 100)}.`);
  }
  const timeout = options.timeout ?? 5000;
  const margin = (options.refreshMargin ?? 300) * 1000;
  const who = agentId === undefined ? corpId : `${corpId}/${agentId}`;
  const { api, store, lastError, remember, tracked } = signerCore(options, { apiBase, timeout, margin, label: `WeCom ${who}` }, () => [
    corpSecret,
    token.peek(),
    corpTicket.peek(),
    agentTicket?.peek(),
  ]);
  const keys = wecomStoreKeys(corpId, agentId, corpSecret);

  const fetchAccessToken = () => tracked(() => callWechatApi(api, '/cgi-bin/gettoken', 'access_token', { corpid: corpId, corpsecret: corpSecret }));

  // A ticket with the app's token; on 40001/40014/42001 the token is renewed once and the ticket
  // asked again once (ticket attempts back off, so a storm of refusals cannot loop).
  async function fetchTicket(path: string, query: Record<string, string>): Promise<Entry> {
    const ask = (accessToken: string) => tracked(() => callWechatApi(api, path, 'ticket', { access_token: accessToken, ...query }));
    const accessToken = await token.get();
    try {
      return await ask(accessToken);
    } catch (error) {
      if (!(error instanceof WechatApiError) || !TOKEN_ERRCODES.includes(error.errcode!)) throw error;
      remember(accessToken);
      return ask((await renew(accessToken)).entry.value);
    }
  }

  const token = createCredentialCache({ key: keys.accessToken, store, timeout, api: '/cgi-bin/gettoken', fetch: fetchAccessToken });
  const corpTicket = createCredentialCache({
    key: keys.corpTicket,
    store,
    timeout,
    api: '/cgi-bin/get_jsapi_ticket',
    fetch: () => fetchTicket('/cgi-bin/get_jsapi_ticket', {}),
  });
  const agentTicket =
    keys.agentTicket === undefined
      ? undefined
      : createCredentialCache({
          key: keys.agentTicket,
          store,
          timeout,
          api: '/cgi-bin/ticket/get',
          fetch: () => fetchTicket('/cgi-bin/ticket/get', { type: 'agent_config' }),
        });

  // gettoken answers the token in force: another one than `stale` when WeCom dropped it. While
  // another instance's lock outlives the wait, asking too would only duplicate its call.
  const renew = (stale: string) =>
    token.renew(stale, (contended) => {
      if (contended) {
        return Promise.reject(
          new TokenRefreshError('REFRESH_IN_PROGRESS', timeout / 1000, '/cgi-bin/gettoken', 'another instance holds the refresh lock: its refresh is slow, or it stopped and its lock is left to expire'),
        );
      }
      return fetchAccessToken();
    });

  const noAgent = () => new TypeError(`agentTicket: the WeCom signer of ${corpId} has no agentId; give createWecomSigner the app's agentId.`);

  return {
    corpId,
    agentId,
    accessToken: () => token.get(),
    corpTicket: () => corpTicket.get(),
    agentTicket: () => (agentTicket ? agentTicket.get() : Promise.reject(noAgent())),
    accessTokenInfo: () => answerOf(token.entry(), 'access_token'),
    corpTicketInfo: () => answerOf(corpTicket.entry(), 'ticket'),
    agentTicketInfo: () => (agentTicket ? answerOf(agentTicket.entry(), 'ticket') : Promise.reject(noAgent())),
    async refreshAccessToken(stale) {
      if (typeof stale !== 'string' || !stale) throw new TypeError('refreshAccessToken: stale must be the access_token that WeCom refused.');
      const { entry, renewed } = await renew(stale);
      if (renewed) remember(stale);
      return { access_token: entry.value, expires_in: secondsLeft(entry.expiresAt), refreshed: renewed };
    },
    status() {
      const health = store.health();
      return {
        corpId,
        agentId,
        accessTokenExpiresAt: token.peekEntry()?.expiresAt,
        corpTicketExpiresAt: corpTicket.peekEntry()?.expiresAt,
        agentTicketExpiresAt: agentTicket?.peekEntry()?.expiresAt,
        store: health.up ? { up: true } : { up: false, error: health.error },
        lastError: lastError(),
      };
    },
    async sign(input) {
      const url = pageUrlOf(input);
      // Warm, no await beyond the one of an async function; cold, both tickets at once.
      let corp = corpTicket.fresh();
      let agent = agentTicket?.fresh();
      if (corp === undefined || (agentTicket && agent === undefined)) {
        [corp, agent] = await Promise.all([corp ?? corpTicket.get(), agentTicket ? (agent ?? agentTicket.get()) : undefined]);
      }
      const timestamp = Math.floor(Date.now() / 1000);
      const nonceStr = createNonceStr();
      const signature = jsapiSignature({ jsapi_ticket: corp, noncestr: nonceStr, timestamp, url });
      if (agentId === undefined || agent === undefined) return { appId: corpId, timestamp, nonceStr, signature, url };
      const agentNonce = createNonceStr();
      const agentSignature = { timestamp, nonceStr: agentNonce, signature: jsapiSignature({ jsapi_ticket: agent, noncestr: agentNonce, timestamp, url }) };
      return { appId: corpId, timestamp, nonceStr, signature, agentId, agentSignature, url };
    },
  };
}
