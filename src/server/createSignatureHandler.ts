import type { Signer } from './createSigner';
import type { toNodeHandler } from './toNodeHandler';
import { createHostMatcher } from './createHostMatcher';
import { createSigningEndpoint } from './createSigningEndpoint';
import type { HandlerErrorCode } from './HandlerErrorCode';

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
 * - `GET ?url=<encoded page URL>` (or `HEAD`, answered as `GET` without the body), or `POST`
 *   with form `url=` or JSON `{ "url": … }`.
 * - 200 `{ appId, timestamp, nonceStr, signature }`.
 * - Errors are `{ error: { code, message } }`: 400 `MISSING_URL`, `INVALID_URL` (not absolute
 *   http/https, or not in the serialized form `location.href` has) or `URL_TOO_LONG`; 403
 *   `HOST_NOT_ALLOWED`; 405 `METHOD_NOT_ALLOWED`; 502 `WECHAT_API_ERROR` with `errcode` and
 *   `hint` (WeChat's own errmsg is left out: 40164's names this server's IP; the signer's
 *   `onError` gets it); 500 `INTERNAL_ERROR`. None carries a secret.
 * - Every answer has `Cache-Control: no-store`; `OPTIONS` answers CORS preflights.
 *
 * The flow is {@link createSigningEndpoint}'s (its request rules `checkSigningRequest`'s, its CORS
 * headers `corsHeaders`'s, its error answers `signingErrorAnswer`'s), which the signing service's
 * node:http transport shares.
 *
 * @throws TypeError when an `allowedHosts` entry cannot be a hostname pattern
 */
export function createSignatureHandler(signer: Signer, options: HandlerOptions = {}): (request: Request) => Promise<Response> {
  // Built now, so that a pattern that can never match throws here rather than refusing every page.
  const hostAllowed = options.allowedHosts ? createHostMatcher(options.allowedHosts) : undefined;
  const endpoint = createSigningEndpoint<Signer>({
    allowedOrigins: options.allowedOrigins,
    maxUrlLength: options.maxUrlLength,
    route: hostAllowed ? (check) => (hostAllowed(check.hostname) ? signer : `${check.hostname} is not in allowedHosts.`) : () => signer,
    // The string, not `parsedUrl`: `signer` may be a user's own object whose sign() takes a string.
    sign: (own, check) => own.sign(check.url),
  });
  return async (request) => {
    // A Request's url has no fragment: what follows `?` is the query.
    const query = request.url.indexOf('?');
    const answer = await endpoint({
      method: request.method,
      search: query === -1 ? '' : request.url.slice(query + 1),
      headers: { origin: request.headers.get('origin'), 'content-type': request.headers.get('content-type') },
      body: () => request.text(),
    });
    return new Response(request.method === 'HEAD' ? null : answer.body, { status: answer.status, headers: answer.headers });
  };
}
