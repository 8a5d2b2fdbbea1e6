import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { JSON_HEADERS, createSigningEndpoint, readRequestBody, type CheckedSigningRequest } from 'wechat-share/server';
import { checkReadiness } from './checkReadiness.js';
import type { Account, Accounts, WecomApp } from './createAccounts.js';
import type { Metrics, Owner, Route } from './createMetrics.js';
import { answerFailure } from './answerFailure.js';
import type { ServiceConfig } from './readConfig.js';

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

const LIVE = JSON.stringify({ status: 'ok' });

/** Who signed, for the metrics: an appId, or a WeCom app's corpId and agentId. */
const ownerOf = (target: Account | WecomApp): Owner => ('appId' in target ? target.appId : target);
/** Who signed, for a log line: `{ appId }` or `{ corpId, agentId }`. */
const ownerFields = (target: Account | WecomApp) => ('appId' in target ? { appId: target.appId } : { corpId: target.corpId, agentId: target.agentId });

/**
 * The public listener's `(req, res)`: the signing endpoint at `SIGNING_PATH` (a page inside WeCom,
 * `platform=wecom`, signed by the WeCom app of its host, any other by the Official Account of
 * its host), the same flow as
 * `createSignatureHandler` (both are `createSigningEndpoint`: its order, checks, answers and error
 * codes), `GET`/`HEAD /livez`, `GET`/`HEAD /readyz`, and 404 for everything else.
 *
 * Per request it does the least it can: no WHATWG `Request`/`Response`, no log line (only 5xx
 * answers are logged), plain-number counters (see createMetrics), one parse of the page URL
 * (`checkSigningRequest`'s `parsedUrl` goes to `sign()`), and the constant JSON headers sent as they
 * are when there is no CORS and no shutdown.
 */
export function createPublicHandler(options: PublicHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, accounts, metrics, logger, closing, storeConnected } = options;

  // A page inside WeCom (platform=wecom) goes to the WeCom app of its host, any other to the
  // Official Account of its host: one host may have one of each (readConfig allows no more).
  const wecomRoute = (check: CheckedSigningRequest): WecomApp | string =>
    accounts.routeWecom(check.hostname, check.appId) ??
    (check.appId !== undefined && accounts.routeWecom(check.hostname)
      ? `${check.hostname} is not a host of a WeCom app of ${check.appId}.`
      : `No WeCom app is configured for ${check.hostname} (a page inside WeCom, platform=wecom).`);
  const endpoint = createSigningEndpoint<Account | WecomApp>({
    allowedOrigins: config.allowedOrigins,
    // One service signs for several accounts: the appId parameter picks one (for WeCom, the corpId).
    appIdParameter: true,
    route: (check) =>
      check.platform === 'wecom'
        ? wecomRoute(check)
        : (accounts.route(check.hostname, check.appId) ??
          (check.appId === undefined
            ? `${check.hostname} is not a host of any account here.`
            : accounts.byAppId.has(check.appId)
              ? `${check.hostname} is not a host of ${check.appId}.`
              : `appId ${check.appId} is not an account here.`)),
    sign: (target, check) => target.signer.sign(check.parsedUrl),
    onSigned: (_, target) => metrics.signed(ownerOf(target)),
    onError: (answer, target) =>
      logger.error({ ...ownerFields(target), status: answer.status, code: answer.body.error.code, errcode: answer.body.error.errcode }, `signing failed: ${answer.body.error.message}`),
  });

  // `body` is JSON text, or null for none. For HEAD, node:http sends no body whatever is passed.
  function send(res: ServerResponse, route: Route, start: number, status: number, body: string | null, headers: Readonly<Record<string, string>>) {
    res.writeHead(status, closing() ? { ...headers, Connection: 'close' } : headers);
    res.end(body ?? undefined);
    metrics.request(route, status, (performance.now() - start) / 1000);
  }

  const sign = (req: IncomingMessage, res: ServerResponse, search: string, start: number) =>
    endpoint({ method: req.method ?? 'GET', search, headers: req.headers, body: () => readRequestBody(req) }).then((answer) =>
      send(res, 'signature', start, answer.status, answer.body, answer.headers),
    );

  async function ready(res: ServerResponse, start: number) {
    if (closing()) return send(res, 'readyz', start, 503, JSON.stringify({ status: 'shutting_down' }), JSON_HEADERS);
    const readiness = await checkReadiness(accounts, storeConnected);
    if (readiness.status !== 200) {
      const { accounts: official, wecomApps = [] } = readiness.body;
      logger.error({ accounts: official.filter((a) => !a.ready), wecomApps: wecomApps.filter((a) => !a.ready) }, 'not ready: some account or WeCom app cannot sign');
    }
    send(res, 'readyz', start, readiness.status, JSON.stringify(readiness.body), JSON_HEADERS);
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
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        done = send(res, 'other', start, 405, JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: `Use GET ${path}.` } }), { ...JSON_HEADERS, Allow: 'GET, HEAD' });
      } else done = path === '/livez' ? send(res, 'livez', start, 200, LIVE, JSON_HEADERS) : ready(res, start);
    } else {
      done = send(res, 'other', start, 404, JSON.stringify({ error: { code: 'NOT_FOUND', message: `Nothing is at ${path.slice(0, 100)} on this port.` } }), JSON_HEADERS);
    }
    // The failure path is built only when a request fails: one closure per request, not four objects.
    done?.catch((error: unknown) => {
      const answer500 = () =>
        send(res, 'other', start, 500, JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be answered.' } }), { ...JSON_HEADERS, Connection: 'close' });
      answerFailure(req, res, { metrics, logger, what: 'request failed', answer500 })(error);
    });
  };
}
