import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { checkSigningRequest, corsHeaders, signingErrorAnswer } from 'wechat-share/server';
import { checkReadiness } from './checkReadiness.js';
import type { Accounts } from './createAccounts.js';
import type { Metrics, Route } from './createMetrics.js';
import { answerFailure } from './answerFailure.js';
import type { ServiceConfig } from './readConfig.js';
import { MAX_BODY, readBody } from './readBody.js';

/** What the public listener needs. */
export interface PublicHandlerOptions {
  config: ServiceConfig;
  accounts: Accounts;
  metrics: Metrics;
  logger: Logger;
  /** Whether the store's connection is up, for `/readyz`. */
  storeConnected: () => boolean;
  /** True once shutdown began: answers then close their connection, and `/readyz` says 503. */
  closing: () => boolean;
}

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' } as const;
// One service signs for several accounts: the appId parameter picks one.
const CHECK_OPTIONS = { appIdParameter: true } as const;

/**
 * The public listener's `(req, res)`: the signing endpoint at `SIGNING_PATH` with the protocol
 * of `createSignatureHandler` (its checks, answers and error codes, shared through
 * `checkSigningRequest`, `corsHeaders` and `signingErrorAnswer`), `GET /livez`, `GET /readyz`,
 * and 404 for everything else.
 *
 * Per request it does the least it can: no WHATWG `Request`/`Response`, no log line (only 5xx
 * answers are logged), plain-number counters (see createMetrics), and one parse of the page URL
 * (`checkSigningRequest`'s `parsedUrl` goes to `sign()`).
 */
export function createPublicHandler(options: PublicHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, accounts, metrics, logger, closing, storeConnected } = options;
  const origins = config.allowedOrigins;

  // `headers` is undefined for most answers (no CORS, not closing): the constant JSON_HEADERS go
  // out as they are, without a copy per request.
  // `body` is an object to serialize, JSON already serialized (a string), or null for no body.
  function send(res: ServerResponse, route: Route, start: number, status: number, body: object | string | null, headers?: Record<string, string>) {
    if (closing()) headers = { ...headers, Connection: 'close' };
    res.writeHead(status, body === null ? { 'Cache-Control': 'no-store', ...headers } : headers ? { ...JSON_HEADERS, ...headers } : JSON_HEADERS);
    res.end(body === null ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    metrics.request(route, status, (performance.now() - start) / 1000);
  }

  async function sign(req: IncomingMessage, res: ServerResponse, search: string, start: number) {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') return send(res, 'signature', start, 204, null, corsHeaders(origin, origins, true));
    const cors = origin === undefined ? undefined : corsHeaders(origin, origins);
    let body: string | undefined;
    if (req.method === 'POST') {
      body = await readBody(req);
      if (body === undefined) {
        return send(res, 'signature', start, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `The body passes ${MAX_BODY} bytes.` } }, { ...cors, Connection: 'close' });
      }
    }
    const check = checkSigningRequest({ method: req.method ?? 'GET', search, contentType: req.headers['content-type'], body }, CHECK_OPTIONS);
    if (!check.ok) return send(res, 'signature', start, check.status, { error: { code: check.code, message: check.message } }, { ...cors, ...check.headers });
    const account = accounts.route(check.hostname, check.appId);
    if (!account) {
      const message =
        check.appId === undefined
          ? `${check.hostname} is not a host of any account here.`
          : accounts.byAppId.has(check.appId)
            ? `${check.hostname} is not a host of ${check.appId}.`
            : `appId ${check.appId} is not an account here.`;
      return send(res, 'signature', start, 403, { error: { code: 'HOST_NOT_ALLOWED', message } }, cors);
    }
    try {
      const { appId, timestamp, nonceStr, signature } = await account.signer.sign(check.parsedUrl);
      metrics.signed(appId);
      // The object JSON.stringify would write, field by field (each string still through it): a
      // tenth to a fifth of the cost in a microbenchmark, on the path every request takes.
      const json = `{"appId":${JSON.stringify(appId)},"timestamp":${timestamp},"nonceStr":${JSON.stringify(nonceStr)},"signature":${JSON.stringify(signature)}}`;
      send(res, 'signature', start, 200, json, cors);
    } catch (error) {
      const answer = signingErrorAnswer(error);
      logger.error({ appId: account.appId, status: answer.status, code: answer.body.error.code, errcode: answer.body.error.errcode }, `signing failed: ${answer.body.error.message}`);
      send(res, 'signature', start, answer.status, answer.body, cors);
    }
  }

  async function ready(res: ServerResponse, start: number) {
    if (closing()) return send(res, 'readyz', start, 503, { status: 'shutting_down' });
    const readiness = await checkReadiness(accounts, storeConnected);
    if (readiness.status !== 200) logger.error({ accounts: readiness.body.accounts.filter((a) => !a.ready) }, 'not ready: some account cannot sign');
    send(res, 'readyz', start, readiness.status, readiness.body);
  }

  return (req, res) => {
    const start = performance.now();
    metrics.started();
    const target = req.url ?? '/';
    const mark = target.indexOf('?');
    const path = mark === -1 ? target : target.slice(0, mark);
    const search = mark === -1 ? '' : target.slice(mark);
    let done: Promise<void> | void;
    if (path === config.signingPath) done = sign(req, res, search, start);
    else if (path === '/livez' || path === '/readyz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') done = send(res, 'other', start, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `Use GET ${path}.` } }, { Allow: 'GET, HEAD' });
      else done = path === '/livez' ? send(res, 'livez', start, 200, { status: 'ok' }) : ready(res, start);
    } else done = send(res, 'other', start, 404, { error: { code: 'NOT_FOUND', message: `Nothing is at ${path.slice(0, 100)} on this port.` } });
    // The failure path is built only when a request fails: one closure per request, not four objects.
    done?.catch((error: unknown) => {
      const answer500 = () => send(res, 'other', start, 500, { error: { code: 'INTERNAL_ERROR', message: 'The request could not be answered.' } }, { Connection: 'close' });
      answerFailure(req, res, { metrics, logger, what: 'request failed', answer500 })(error);
    });
  };
}
