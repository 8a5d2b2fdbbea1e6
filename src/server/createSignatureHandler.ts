import type { Signer } from './createSigner';
import type { toNodeHandler } from './toNodeHandler';
import { parseHttpUrl } from './parseHttpUrl';
import { WechatApiError } from './WechatApiError';

/** Options of {@link createSignatureHandler}. */
export interface HandlerOptions {
  /**
   * Hostnames whose pages may be signed, such as `['h5.example.com', '*.example.com']`
   * (`*.` allows subdomains). Anything else gets 403: the endpoint will not sign for other sites.
   * @default undefined: any host
   */
  allowedHosts?: string[];
  /**
   * Origins allowed to call the endpoint from another origin (CORS), such as
   * `['https://h5.example.com']`, or `['*']`. Same-origin pages need nothing.
   * @default undefined: no CORS headers
   */
  allowedOrigins?: string[];
  /** Longest URL accepted, in characters. @default 4096 */
  maxUrlLength?: number;
}

/** Error codes of the handler's `{ error: { code, message } }` answers (`PAYLOAD_TOO_LARGE` and `BAD_REQUEST` come from {@link toNodeHandler}). */
export type HandlerErrorCode =
  | 'MISSING_URL'
  | 'INVALID_URL'
  | 'URL_TOO_LONG'
  | 'HOST_NOT_ALLOWED'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'BAD_REQUEST'
  | 'WECHAT_API_ERROR'
  | 'INTERNAL_ERROR';

const hostAllowed = (host: string, patterns: string[]) =>
  patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) : host === p;
  });

async function urlFrom(request: Request): Promise<string | null> {
  if (request.method === 'GET') return new URL(request.url).searchParams.get('url');
  const type = request.headers.get('content-type') ?? '';
  const body = await request.text();
  if (type.includes('application/json')) {
    try {
      const json = JSON.parse(body) as { url?: unknown };
      return typeof json?.url === 'string' ? json.url : null;
    } catch {
      return null;
    }
  }
  return new URLSearchParams(body).get('url');
}

/**
 * The signing endpoint as a web-standard handler, `(Request) => Promise<Response>`: use it as it
 * is in Next.js route handlers, Hono, Bun, Deno or workers, and through {@link toNodeHandler}
 * in node:http, Express, Connect or Koa.
 *
 * - `GET ?url=<encoded page URL>`, or `POST` with form `url=` or JSON `{ "url": … }`.
 * - 200 `{ appId, timestamp, nonceStr, signature }`.
 * - Errors are `{ error: { code, message } }`: 400 `MISSING_URL`, `INVALID_URL` (not absolute
 *   http/https, or not in the serialized form `location.href` has) or `URL_TOO_LONG`; 403
 *   `HOST_NOT_ALLOWED`; 405 `METHOD_NOT_ALLOWED`; 502 `WECHAT_API_ERROR` with `errcode` and
 *   `hint` (WeChat's own errmsg is left out: 40164's names this server's IP; the signer's
 *   `onError` gets it); 500 `INTERNAL_ERROR`. None carries a secret.
 * - Every answer has `Cache-Control: no-store`; `OPTIONS` answers CORS preflights.
 */
export function createSignatureHandler(signer: Signer, options: HandlerOptions = {}): (request: Request) => Promise<Response> {
  const maxUrlLength = options.maxUrlLength ?? 4096;
  return async (request) => {
    const origin = request.headers.get('origin');
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' };
    const origins = options.allowedOrigins;
    if (origin && origins && (origins.includes('*') || origins.includes(origin))) {
      headers['Access-Control-Allow-Origin'] = origins.includes('*') ? '*' : origin;
      headers.Vary = 'Origin';
    }
    const reply = (status: number, body: object, extra: Record<string, string> = {}) =>
      new Response(JSON.stringify(body), { status, headers: { ...headers, ...extra } });
    const fail = (status: number, code: HandlerErrorCode, message: string, more: object = {}, extra: Record<string, string> = {}) =>
      reply(status, { error: { code, message, ...more } }, extra);

    if (request.method === 'OPTIONS') {
      return new Response(null, {
        status: 204,
        headers: { ...headers, 'Access-Control-Allow-Methods': 'GET, POST, OPTIONS', 'Access-Control-Allow-Headers': 'Content-Type', 'Access-Control-Max-Age': '600' },
      });
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      return fail(405, 'METHOD_NOT_ALLOWED', `Use GET ?url= or POST url=, not ${request.method}.`, {}, { Allow: 'GET, POST, OPTIONS' });
    }
    const url = await urlFrom(request);
    if (!url) return fail(400, 'MISSING_URL', 'Send the page URL as url= (location.href.split("#")[0], encoded).');
    if (url.length > maxUrlLength) return fail(400, 'URL_TOO_LONG', `The URL has ${url.length} characters; at most ${maxUrlLength} are accepted.`);
    const parsed = parseHttpUrl(url);
    if (!parsed) return fail(400, 'INVALID_URL', 'The URL must be absolute http or https, such as https://h5.example.com/page.');
    // WeChat checks the signature against location.href, which is always serialized: sign only
    // that form, so that the host checked below is the host of the string that gets signed.
    const serialized = parsed.href.split('#')[0];
    if (serialized !== url.split('#')[0]) {
      return fail(400, 'INVALID_URL', `Send the URL exactly as location.href gives it: ${serialized.slice(0, 200)}`);
    }
    const host = parsed.hostname.toLowerCase();
    if (options.allowedHosts && !hostAllowed(host, options.allowedHosts)) {
      return fail(403, 'HOST_NOT_ALLOWED', `${host} is not in allowedHosts.`);
    }
    try {
      const { appId, timestamp, nonceStr, signature } = await signer.sign(url);
      return reply(200, { appId, timestamp, nonceStr, signature });
    } catch (error) {
      if (error instanceof WechatApiError) {
        const what = error.errcode === undefined ? 'gave no usable answer' : `answered errcode ${error.errcode}`;
        return fail(502, 'WECHAT_API_ERROR', `WeChat API ${error.api} ${what}; details are in the server log (onError).`, {
          errcode: error.errcode,
          hint: error.hint,
        });
      }
      return fail(500, 'INTERNAL_ERROR', 'Signing failed: the store or the signer threw.');
    }
  };
}
