import type { Signer } from './createSigner';
import type { WecomSigner } from './createWecomSigner';
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
  /**
   * Hostnames whose pages the WeCom signer signs (its app's trusted domains, 可信域名), in
   * `allowedHosts`' form; a page inside WeCom on another host gets 403 `HOST_NOT_ALLOWED` saying
   * that no WeCom app is configured for it. `allowedHosts` still applies first.
   * @default undefined: every host `allowedHosts` allows
   */
  wecomHosts?: string[];
}

/**
 * The signers of {@link createSignatureHandler}: the WeChat one for requests without `platform`
 * (or `platform=wechat`), the WeCom one for `platform=wecom`. At least one is required.
 */
export interface HandlerSigners {
  /** Signs for WeChat (an Official Account): `createSigner(…)`. */
  signer?: Signer;
  /** Signs for WeCom (a corp's app): `createWecomSigner(…)`. */
  wecomSigner?: WecomSigner;
}

/**
 * The signing endpoint as a web-standard handler, `(Request) => Promise<Response>`: use it as it
 * is in Next.js route handlers, Hono, Bun, Deno or workers, and through {@link toNodeHandler}
 * in node:http, Express, Connect or Koa. One endpoint serves both clients: give it a WeChat
 * signer, a WeCom signer, or both (`{ signer, wecomSigner }`).
 *
 * - `GET ?url=<encoded page URL>` (or `HEAD`, answered as `GET` without the body), or `POST`
 *   with form `url=` or JSON `{ "url": … }`; inside WeCom with `platform=wecom` too (the same
 *   field in a POST).
 * - 200 `{ appId, timestamp, nonceStr, signature }`; for `platform=wecom` the WeCom signer's
 *   answer: the corpId as `appId` and the corp jsapi_ticket's signature, plus `agentId` and
 *   `agentSignature: { timestamp, nonceStr, signature }` for an app with an agentId.
 * - Errors are `{ error: { code, message } }`: 400 `MISSING_URL`, `INVALID_URL` (not absolute
 *   http/https, or not in the serialized form `location.href` has), `URL_TOO_LONG` or
 *   `BAD_REQUEST` (a `platform` other than `wechat`/`wecom`); 403 `HOST_NOT_ALLOWED` (a host
 *   outside `allowedHosts`; `platform=wecom` without a WeCom signer for the host, or a WeChat
 *   request without a WeChat signer, each saying so); 405 `METHOD_NOT_ALLOWED`; 502
 *   `WECHAT_API_ERROR` with `errcode` and `hint` (WeChat's or WeCom's own errmsg is left out:
 *   40164's and 60020's name this server's IP; the signer's `onError` gets it); 500
 *   `INTERNAL_ERROR`. None carries a secret.
 * - Every answer has `Cache-Control: no-store`; `OPTIONS` answers CORS preflights.
 *
 * The flow is {@link createSigningEndpoint}'s (its request rules `checkSigningRequest`'s, its CORS
 * headers `corsHeaders`'s, its error answers `signingErrorAnswer`'s), which the signing service's
 * node:http transport shares.
 *
 * @param signers - a WeChat {@link Signer} (as before WeCom), or `{ signer?, wecomSigner? }`
 * @throws TypeError when an `allowedHosts` or `wecomHosts` entry cannot be a hostname pattern, or
 *   when no signer is given
 * @example
 * const handler = createSignatureHandler({ signer: createSigner({ appId, appSecret, store }), wecomSigner: createWecomSigner({ corpId, corpSecret, agentId, store }) });
 */
export function createSignatureHandler(signers: Signer | HandlerSigners, options: HandlerOptions = {}): (request: Request) => Promise<Response> {
  const isSigner = (value: unknown): value is { sign: (url: string) => Promise<unknown> } => typeof (value as Signer | undefined)?.sign === 'function';
  const { signer, wecomSigner } = isSigner(signers) ? { signer: signers, wecomSigner: undefined } : (signers ?? {});
  if (!isSigner(signer) && !isSigner(wecomSigner)) {
    throw new TypeError('createSignatureHandler: give a signer (createSigner), or { signer, wecomSigner } with at least one of them (createWecomSigner for WeCom).');
  }
  // Built now, so that a pattern that can never match throws here rather than refusing every page.
  const hostAllowed = options.allowedHosts ? createHostMatcher(options.allowedHosts) : undefined;
  const wecomHost = options.wecomHosts ? createHostMatcher(options.wecomHosts, 'wecomHosts') : undefined;
  const endpoint = createSigningEndpoint<Signer | WecomSigner>({
    allowedOrigins: options.allowedOrigins,
    maxUrlLength: options.maxUrlLength,
    route: (check) => {
      if (hostAllowed && !hostAllowed(check.hostname)) return `${check.hostname} is not in allowedHosts.`;
      if (check.platform === 'wecom') {
        return wecomSigner && (!wecomHost || wecomHost(check.hostname))
          ? wecomSigner
          : `No WeCom app is configured for ${check.hostname} (the page asked with platform=wecom): ${wecomSigner ? 'list the host in wecomHosts' : 'give this endpoint a wecomSigner (createWecomSigner)'}.`;
      }
      return signer ?? `No WeChat Official Account is configured for ${check.hostname}: this endpoint signs for WeCom only (platform=wecom).`;
    },
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
