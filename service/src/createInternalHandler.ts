import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { JSON_HEADERS as HEADERS, signingErrorAnswer, TokenRefreshError } from 'wechat-share/server';
import { wecomKey, type Accounts } from './createAccounts.js';
import { createKeyCheck } from './createKeyCheck.js';
import type { Metrics } from './createMetrics.js';
import { answerFailure } from './answerFailure.js';
import type { ServiceConfig } from './readConfig.js';
import { MAX_BODY, readBody } from './readBody.js';

/** What the internal listener needs. */
export interface InternalHandlerOptions {
  config: ServiceConfig;
  accounts: Accounts;
  metrics: Metrics;
  logger: Logger;
  closing: () => boolean;
}

const TOKEN_PATH = /^\/v1\/accounts\/([^/]+)\/(access_token|jsapi_ticket|access_token\/refresh)$/;
// A WeCom app's access_token, agent ticket and refresh under agents/{agentId}; the corp ticket without.
const WECOM_PATH = /^\/v1\/wecom\/([^/]+)\/(?:agents\/([^/]+)\/(access_token|jsapi_ticket|access_token\/refresh)|(jsapi_ticket))$/;

type Resource = 'access_token' | 'jsapi_ticket' | 'access_token/refresh';

/**
 * What the token API serves for one path: an Official Account, a WeCom app, or a WeCom corp (its
 * corp jsapi_ticket only). `platform` names whose API refused a token, in the messages.
 */
interface TokenSource {
  platform: 'WeChat' | 'WeCom';
  /** How its log lines name it: `{ appId }` or `{ corpId, agentId }`. */
  fields: Record<string, string | number>;
  accessToken?: () => Promise<{ access_token: string; expires_in: number }>;
  jsapiTicket: () => Promise<{ ticket: string; expires_in: number }>;
  refresh?: (stale: string) => Promise<{ access_token: string; expires_in: number; refreshed: boolean }>;
}

/** The token source of `path`, or the message of a 403 `UNKNOWN_APP_ID`; `undefined` when `path` is no token API path. */
function sourceOf(path: string, accounts: Accounts): { source: TokenSource | string; resource: Resource } | undefined {
  let match = TOKEN_PATH.exec(path);
  try {
    if (match) {
      const appId = decodeURIComponent(match[1]);
      const account = accounts.byAppId.get(appId);
      const resource = match[2] as Resource;
      if (!account) return { source: `${appId.slice(0, 64)} is not an account of this service.`, resource };
      const { signer } = account;
      return {
        resource,
        source: { platform: 'WeChat', fields: { appId }, accessToken: () => signer.getAccessTokenInfo(), jsapiTicket: () => signer.getJsapiTicketInfo(), refresh: (stale) => signer.refreshAccessToken(stale) },
      };
    }
    match = WECOM_PATH.exec(path);
    if (!match) return undefined;
    const corpId = decodeURIComponent(match[1]);
    if (match[4]) {
      // The corp ticket: one per corp, fetched with any of its apps' tokens (official 96909), so
      // when one app cannot have it (its Secret refused, say), the next app of the corp is asked.
      const apps = accounts.wecomApps.filter((candidate) => candidate.corpId === corpId);
      if (!apps.length) return { source: `${corpId.slice(0, 64)} is not the corp of a WeCom app of this service.`, resource: 'jsapi_ticket' };
      const jsapiTicket = async () => {
        let first: unknown;
        for (const { signer } of apps) {
          try {
            return await signer.corpTicketInfo();
          } catch (error) {
            first ??= error;
          }
        }
        throw first;
      };
      return { resource: 'jsapi_ticket', source: { platform: 'WeCom', fields: { corpId }, jsapiTicket } };
    }
    const agentId = decodeURIComponent(match[2]);
    const resource = match[3] as Resource;
    const app = accounts.wecomByKey.get(wecomKey(corpId, agentId));
    if (!app) return { source: `${corpId.slice(0, 64)} agent ${agentId.slice(0, 16)} is not a WeCom app of this service.`, resource };
    const { signer } = app;
    return {
      resource,
      source: {
        platform: 'WeCom',
        fields: { corpId, agentId: app.agentId },
        accessToken: () => signer.accessTokenInfo(),
        // The agent ticket, for wx.agentConfig / ww.register's getAgentConfigSignature.
        jsapiTicket: () => signer.agentTicketInfo(),
        refresh: (stale) => signer.refreshAccessToken(stale),
      },
    };
  } catch {
    return undefined; // a malformed escape: no such path
  }
}

/**
 * The internal listener's `(req, res)`: `GET /metrics` (Prometheus text), and, when `API_KEYS`
 * is set, the token API of WeChat's central-server pattern (中控服务器) for the organisation's
 * other backends. Each token API call needs `Authorization: Bearer <key>` (401 without a known
 * key; keys compared in constant time); an appId not served here gets 403.
 *
 * - `GET /v1/accounts/{appId}/access_token` → `{ access_token, expires_in }` (seconds left)
 * - `GET /v1/accounts/{appId}/jsapi_ticket` → `{ ticket, expires_in }`
 * - `POST /v1/accounts/{appId}/access_token/refresh` with `{ "stale": "<token WeChat refused>" }`
 *   → `{ access_token, expires_in, refreshed }`, never with `stale` itself: a refresh only while
 *   `stale` is still the current token, one across every instance (see
 *   `Signer.refreshAccessToken`: in stable mode a normal stable_token call first, a forced one only
 *   when WeChat answers `stale` again, at most one per 30 s and 20 per 24 h per account). When no
 *   other token can be had now: 503 with `Retry-After` (seconds) and
 *   `{ error: { code, message, retryAfter } }`, `code` one of `REFRESH_LIMITED`,
 *   `REFRESH_IN_PROGRESS`, `UPSTREAM_FAILED` (with `errcode` and `hint` when WeChat answered one)
 *   and `STORE_UNAVAILABLE`.
 *
 * WeCom apps are served the same way, with the same keys, answers and errors (403
 * `UNKNOWN_APP_ID` for a corpId or agentId not served here):
 * - `GET /v1/wecom/{corpId}/agents/{agentId}/access_token` → the app's `{ access_token, expires_in }`
 * - `GET /v1/wecom/{corpId}/jsapi_ticket` → the corp jsapi_ticket `{ ticket, expires_in }`
 * - `GET /v1/wecom/{corpId}/agents/{agentId}/jsapi_ticket` → the agent jsapi_ticket (`type=agent_config`)
 * - `POST /v1/wecom/{corpId}/agents/{agentId}/access_token/refresh` with `{ "stale" }`, as above
 *   (see `WecomSigner.refreshAccessToken`: WeCom has no forced refresh, so a `stale` token that
 *   WeCom still answers gets 503 `UPSTREAM_FAILED`).
 *
 * `HEAD` is answered wherever `GET` is, without the body.
 */
export function createInternalHandler(options: InternalHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, accounts, metrics, logger, closing } = options;
  const authorized = createKeyCheck(config.apiKeys);

  function send(res: ServerResponse, route: 'metrics' | 'token_api' | 'other', start: number, status: number, body: string, headers: Record<string, string> = HEADERS) {
    res.writeHead(status, closing() ? { ...headers, Connection: 'close' } : headers);
    res.end(body);
    metrics.request(route, status, (performance.now() - start) / 1000);
  }
  const fail = (res: ServerResponse, start: number, status: number, code: string, message: string, extra: Record<string, string> = {}) =>
    send(res, 'token_api', start, status, JSON.stringify({ error: { code, message } }), { ...HEADERS, ...extra });

  async function tokenApi(req: IncomingMessage, res: ServerResponse, start: number, source: TokenSource | string, resource: Resource) {
    if (!authorized(req.headers.authorization)) {
      return fail(res, start, 401, 'UNAUTHORIZED', 'Send Authorization: Bearer <one of API_KEYS>.', { 'WWW-Authenticate': 'Bearer' });
    }
    if (typeof source === 'string') return fail(res, start, 403, 'UNKNOWN_APP_ID', source);
    const allowed = resource === 'access_token/refresh' ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) return fail(res, start, 405, 'METHOD_NOT_ALLOWED', `Use ${allowed[0]}.`, { Allow: allowed.join(', ') });
    const { fields, platform } = source;
    try {
      if (resource === 'access_token') {
        const { access_token, expires_in } = await source.accessToken!();
        return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in }));
      }
      if (resource === 'jsapi_ticket') {
        const { ticket, expires_in } = await source.jsapiTicket();
        return send(res, 'token_api', start, 200, JSON.stringify({ ticket, expires_in }));
      }
      const text = await readBody(req);
      if (text === undefined) {
        // The rest of the body was read and dropped (so that this answer arrives); the connection ends with it.
        return fail(res, start, 413, 'PAYLOAD_TOO_LARGE', `The body passes ${MAX_BODY} bytes; send only {"stale": "…"}.`, { Connection: 'close' });
      }
      let stale: unknown;
      try {
        stale = (JSON.parse(text) as { stale?: unknown } | null)?.stale;
      } catch {
        // answered below
      }
      if (typeof stale !== 'string' || !stale) {
        return fail(res, start, 400, 'MISSING_STALE', `Send JSON {"stale": "<the access_token that ${platform} refused with ${platform === 'WeChat' ? '40001' : '42001 or 40014'}>"}.`);
      }
      const { access_token, expires_in, refreshed } = await source.refresh!(stale);
      logger.info({ ...fields, refreshed }, refreshed ? 'access_token refreshed on request' : 'access_token refresh request: the current token answered');
      return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in, refreshed }));
    } catch (error) {
      if (error instanceof TokenRefreshError) {
        // No token other than the refused one can be had now: say when to come back, never 200 with it.
        const { code, retryAfter, errcode, hint } = error;
        logger.warn({ ...fields, code, retryAfter, errcode }, `token API failed: ${error.message}`);
        const what = resource === 'access_token/refresh' ? 'No access_token other than the refused one can be had now' : `The ${resource} needs an access_token that could not be renewed now`;
        const body = { error: { code, message: `${what} (${code}); retry after ${retryAfter} s.`, retryAfter, errcode, hint } };
        return send(res, 'token_api', start, 503, JSON.stringify(body), { ...HEADERS, 'Retry-After': String(retryAfter) });
      }
      const answer = signingErrorAnswer(error);
      logger.error({ ...fields, resource, status: answer.status, code: answer.body.error.code, errcode: answer.body.error.errcode }, `token API failed: ${answer.body.error.message}`);
      return send(res, 'token_api', start, answer.status, JSON.stringify(answer.body));
    }
  }

  return (req, res) => {
    const start = performance.now();
    metrics.started();
    const path = (req.url ?? '/').split('?')[0];
    let done: Promise<void> | void;
    if (path === '/metrics') {
      if (req.method !== 'GET' && req.method !== 'HEAD') done = send(res, 'metrics', start, 405, '', { Allow: 'GET, HEAD' });
      else done = metrics.registry.metrics().then((text) => send(res, 'metrics', start, 200, text, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' }));
    } else {
      const found = config.apiKeys.length ? sourceOf(path, accounts) : undefined;
      if (found) done = tokenApi(req, res, start, found.source, found.resource);
      else done = send(res, 'other', start, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `Nothing is at ${path.slice(0, 100)} on this port.` } }));
    }
    if (done) {
      const answer500 = () => send(res, 'other', start, 500, JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be answered.' } }));
      done.catch(answerFailure(req, res, { metrics, logger, what: 'internal request failed', answer500 }));
    }
  };
}
