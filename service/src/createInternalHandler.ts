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
// A WeCom app's: /v1/wecom/{corpId}/agents/{agentId}/(access_token|jsapi_ticket|access_token/refresh),
// and the corp's own jsapi_ticket at /v1/wecom/{corpId}/jsapi_ticket.
const WECOM_PATH = /^\/v1\/wecom\/([^/]+)\/(?:agents\/([^/]+)\/(access_token|jsapi_ticket|access_token\/refresh)|(jsapi_ticket))$/;

/** What the token API reads from one account or WeCom app: the same three calls either way. */
interface TokenSource {
  /** Names it in log lines: `{ appId }`, or `{ corpId, agentId }`. */
  log: Record<string, string | number>;
  accessToken(): Promise<{ access_token: string; expires_in: number }>;
  ticket(): Promise<{ ticket: string; expires_in: number }>;
  refresh(stale: string): Promise<{ access_token: string; expires_in: number; refreshed: boolean }>;
}

// Whole seconds left until `expiresAt` (ms since the epoch), as WeChat's `expires_in`.
const secondsTo = (expiresAt: number | undefined) => (expiresAt === undefined ? 0 : Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)));

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
 * A WeCom app (`corpId` and `agentId` of `WECHAT_ACCOUNTS`) has the same answers and errors at:
 *
 * - `GET /v1/wecom/{corpId}/agents/{agentId}/access_token`: that app's token (WeCom gives each app
 *   its own, official: developer.work.weixin.qq.com/document/path/91039)
 * - `GET /v1/wecom/{corpId}/jsapi_ticket`: the corp jsapi_ticket (one per corp, for `wx.config` /
 *   `getConfigSignature`), had with the token of the corp's first app listed
 * - `GET /v1/wecom/{corpId}/agents/{agentId}/jsapi_ticket`: the agent jsapi_ticket (`type=agent_config`,
 *   for `wx.agentConfig` / `getAgentConfigSignature`), had with that app's token (document/path/90506)
 * - `POST /v1/wecom/{corpId}/agents/{agentId}/access_token/refresh` with `{ "stale" }`: as above;
 *   WeCom has no forced refresh, so a WeCom that still answers `stale` gives 503 `UPSTREAM_FAILED`
 *
 * An unknown corpId or agentId gets 403 `UNKNOWN_WECOM_APP`.
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

  function accountSource(appId: string): TokenSource | string {
    const account = accounts.byAppId.get(appId);
    if (!account) return `${appId.slice(0, 64)} is not an account of this service.`;
    return {
      log: { appId },
      accessToken: () => account.signer.getAccessTokenInfo(),
      ticket: () => account.signer.getJsapiTicketInfo(),
      refresh: (stale) => account.signer.refreshAccessToken(stale),
    };
  }

  // `agentId` undefined: the corp's own jsapi_ticket, through the first app of the corp.
  function wecomSource(corpId: string, agentId: string | undefined): TokenSource | string {
    const app = agentId === undefined ? accounts.wecomApps.find((candidate) => candidate.corpId === corpId) : accounts.wecomByKey.get(wecomKey(corpId, agentId));
    if (!app) return `${corpId.slice(0, 64)}${agentId === undefined ? '' : ` agent ${agentId.slice(0, 16)}`} is not a WeCom app of this service.`;
    const { signer } = app;
    return {
      log: agentId === undefined ? { corpId } : { corpId, agentId: app.agentId },
      accessToken: async () => {
        const access_token = await signer.accessToken();
        return { access_token, expires_in: secondsTo(signer.status().accessTokenExpiresAt) };
      },
      ticket: async () => {
        if (agentId === undefined) {
          const ticket = await signer.corpTicket();
          return { ticket, expires_in: secondsTo(signer.status().corpTicketExpiresAt) };
        }
        const ticket = await signer.agentTicket();
        return { ticket, expires_in: secondsTo(signer.status().agentTicketExpiresAt) };
      },
      refresh: (stale) => signer.refreshAccessToken(stale),
    };
  }

  async function tokenApi(req: IncomingMessage, res: ServerResponse, start: number, source: TokenSource | string, resource: string, unknownCode: string) {
    if (!authorized(req.headers.authorization)) {
      return fail(res, start, 401, 'UNAUTHORIZED', 'Send Authorization: Bearer <one of API_KEYS>.', { 'WWW-Authenticate': 'Bearer' });
    }
    if (typeof source === 'string') return fail(res, start, 403, unknownCode, source);
    const log = source.log;
    const allowed = resource === 'access_token/refresh' ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) return fail(res, start, 405, 'METHOD_NOT_ALLOWED', `Use ${allowed[0]}.`, { Allow: allowed.join(', ') });
    try {
      if (resource === 'access_token') {
        const { access_token, expires_in } = await source.accessToken();
        return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in }));
      }
      if (resource === 'jsapi_ticket') {
        const { ticket, expires_in } = await source.ticket();
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
        return fail(res, start, 400, 'MISSING_STALE', 'Send JSON {"stale": "<the access_token that WeChat refused with 40001 (WeCom: 40014 or 42001)>"}.');
      }
      const { access_token, expires_in, refreshed } = await source.refresh(stale);
      logger.info({ ...log, refreshed }, refreshed ? 'access_token refreshed on request' : 'access_token refresh request: the current token answered');
      return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in, refreshed }));
    } catch (error) {
      if (error instanceof TokenRefreshError) {
        // No token other than the refused one can be had now: say when to come back, never 200 with it.
        const { code, retryAfter, errcode, hint } = error;
        logger.warn({ ...log, code, retryAfter, errcode }, `token API failed: ${error.message}`);
        const what = resource === 'access_token/refresh' ? 'No access_token other than the refused one can be had now' : `The ${resource} needs an access_token that could not be renewed now`;
        const body = { error: { code, message: `${what} (${code}); retry after ${retryAfter} s.`, retryAfter, errcode, hint } };
        return send(res, 'token_api', start, 503, JSON.stringify(body), { ...HEADERS, 'Retry-After': String(retryAfter) });
      }
      const answer = signingErrorAnswer(error);
      logger.error({ ...log, resource, status: answer.status, code: answer.body.error.code, errcode: answer.body.error.errcode }, `token API failed: ${answer.body.error.message}`);
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
      const match = config.apiKeys.length ? TOKEN_PATH.exec(path) : null;
      const wecom = config.apiKeys.length && !match ? WECOM_PATH.exec(path) : null;
      let ids: string[] | undefined;
      try {
        ids = match ? [decodeURIComponent(match[1])] : wecom ? [decodeURIComponent(wecom[1]), ...(wecom[2] === undefined ? [] : [decodeURIComponent(wecom[2])])] : undefined;
      } catch {
        // a malformed escape: no such account path
      }
      if (match && ids) done = tokenApi(req, res, start, accountSource(ids[0]), match[2], 'UNKNOWN_APP_ID');
      else if (wecom && ids) done = tokenApi(req, res, start, wecomSource(ids[0], ids[1]), wecom[3] ?? wecom[4], 'UNKNOWN_WECOM_APP');
      else done = send(res, 'other', start, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `Nothing is at ${path.slice(0, 100)} on this port.` } }));
    }
    if (done) {
      const answer500 = () => send(res, 'other', start, 500, JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be answered.' } }));
      done.catch(answerFailure(req, res, { metrics, logger, what: 'internal request failed', answer500 }));
    }
  };
}
