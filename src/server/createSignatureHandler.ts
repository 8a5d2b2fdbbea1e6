import type { Signer } from './createSigner';
import type { toNodeHandler } from './toNodeHandler';
import { checkSigningRequest } from './checkSigningRequest';
import { corsHeaders } from './corsHeaders';
import { createHostMatcher } from './createHostMatcher';
import type { HandlerErrorCode } from './HandlerErrorCode';
import { signingErrorAnswer } from './signingErrorAnswer';

export type { HandlerErrorCode };

/** Options of {@link createSignatureHandler}. */
export interface HandlerOptions {
  /**
   * Hostnames whose pages may be signed, such as `['h5.example.com', '*.example.com']`
   * (`*.` allows subdomains). Anything else gets 403: the endpoint will not sign for other sites.
   * Entries are trimmed, lowercased and IDN-converted as `URL` does; one that can never match a
   * page (`https://h5.example.com`, `h5.example.com:443`, `::1`, a path, an empty string) makes
   * `createSignatureHandler` throw a `TypeError` naming it (see {@link createHostMatcher}).
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
 *
 * The request rules are {@link checkSigningRequest}'s, the CORS headers {@link corsHeaders}'s and
 * the error answers {@link signingErrorAnswer}'s: other transports reuse the same functions.
 *
 * @throws TypeError when an `allowedHosts` entry cannot be a hostname pattern
 */
export function createSignatureHandler(signer: Signer, options: HandlerOptions = {}): (request: Request) => Promise<Response> {
  const { allowedOrigins, maxUrlLength = 4096 } = options;
  // Built now, so that a pattern that can never match throws here rather than refusing every page.
  const hostAllowed = options.allowedHosts ? createHostMatcher(options.allowedHosts) : undefined;
  return async (request) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8' };
    const { method } = request;
    if (method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: { ...headers, ...corsHeaders(request.headers.get('origin'), allowedOrigins, true) } });
    }
    Object.assign(headers, corsHeaders(request.headers.get('origin'), allowedOrigins));
    const reply = (status: number, body: object, extra?: Record<string, string>) =>
      new Response(JSON.stringify(body), { status, headers: extra ? { ...headers, ...extra } : headers });

    const query = request.url.indexOf('?');
    const check = checkSigningRequest(
      {
        method,
        search: query === -1 ? '' : request.url.slice(query + 1),
        contentType: request.headers.get('content-type'),
        body: method === 'POST' ? await request.text() : undefined,
      },
      { maxUrlLength },
    );
    if (!check.ok) return reply(check.status, { error: { code: check.code, message: check.message } }, check.headers);
    if (hostAllowed && !hostAllowed(check.hostname)) {
      return reply(403, { error: { code: 'HOST_NOT_ALLOWED', message: `${check.hostname} is not in allowedHosts.` } });
    }
    try {
      // The string, not `parsedUrl`: `signer` may be a user's own object whose sign() takes a string.
      const { appId, timestamp, nonceStr, signature } = await signer.sign(check.url);
      return reply(200, { appId, timestamp, nonceStr, signature });
    } catch (error) {
      const { status, body } = signingErrorAnswer(error);
      return reply(status, body);
    }
  };
}
