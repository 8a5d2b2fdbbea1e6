import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { JSON_HEADERS as HEADERS, signingErrorAnswer, TokenRefreshError } from 'wechat-share/server';
import type { Accounts } from './createAccounts.js';
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

  async function tokenApi(req: IncomingMessage, res: ServerResponse, start: number, appId: string, resource: string) {
    if (!authorized(req.headers.authorization)) {
      return fail(res, start, 401, 'UNAUTHORIZED', 'Send Authorization: Bearer <one of API_KEYS>.', { 'WWW-Authenticate': 'Bearer' });
    }
    const account = accounts.byAppId.get(appId);
    if (!account) return fail(res, start, 403, 'UNKNOWN_APP_ID', `${appId.slice(0, 64)} is not an account of this service.`);
    const allowed = resource === 'access_token/refresh' ? ['POST'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? '')) return fail(res, start, 405, 'METHOD_NOT_ALLOWED', `Use ${allowed[0]}.`, { Allow: allowed.join(', ') });
    try {
      if (resource === 'access_token') {
        const { access_token, expires_in } = await account.signer.getAccessTokenInfo();
        return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in }));
      }
      if (resource === 'jsapi_ticket') {
        const { ticket, expires_in } = await account.signer.getJsapiTicketInfo();
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
        return fail(res, start, 400, 'MISSING_STALE', 'Send JSON {"stale": "<the access_token that WeChat refused with 40001>"}.');
      }
      const { access_token, expires_in, refreshed } = await account.signer.refreshAccessToken(stale);
      logger.info({ appId, refreshed }, refreshed ? 'access_token refreshed on request' : 'access_token refresh request: the current token answered');
      return send(res, 'token_api', start, 200, JSON.stringify({ access_token, expires_in, refreshed }));
    } catch (error) {
      if (error instanceof TokenRefreshError) {
        // No token other than the refused one can be had now: say when to come back, never 200 with it.
        const { code, retryAfter, errcode, hint } = error;
        logger.warn({ appId, code, retryAfter, errcode }, `token API failed: ${error.message}`);
        const what = resource === 'access_token/refresh' ? 'No access_token other than the refused one can be had now' : `The ${resource} needs an access_token that could not be renewed now`;
        const body = { error: { code, message: `${what} (${code}); retry after ${retryAfter} s.`, retryAfter, errcode, hint } };
        return send(res, 'token_api', start, 503, JSON.stringify(body), { ...HEADERS, 'Retry-After': String(retryAfter) });
      }
      const answer = signingErrorAnswer(error);
      logger.error({ appId, resource, status: answer.status, code: answer.body.error.code, errcode: answer.body.error.errcode }, `token API failed: ${answer.body.error.message}`);
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
      let appId: string | undefined;
      try {
        appId = match ? decodeURIComponent(match[1]) : undefined;
      } catch {
        // a malformed escape: no such account path
      }
      if (match && appId !== undefined) done = tokenApi(req, res, start, appId, match[2]);
      else done = send(res, 'other', start, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `Nothing is at ${path.slice(0, 100)} on this port.` } }));
    }
    if (done) {
      const answer500 = () => send(res, 'other', start, 500, JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be answered.' } }));
      done.catch(answerFailure(req, res, { metrics, logger, what: 'internal request failed', answer500 }));
    }
  };
}
