import type { SignatureData } from '../shared/SignatureData';
import type { WecomSignatureData } from '../shared/WecomSignatureData';
import { checkSigningRequest, type SigningRequestCheck } from './checkSigningRequest';
import { corsHeaders } from './corsHeaders';
import { JSON_HEADERS } from './jsonHeaders';
import { MAX_BODY } from './readRequestBody';
import { signingErrorAnswer, type SigningErrorAnswer } from './signingErrorAnswer';

/** A signing request as {@link createSigningEndpoint} reads it, whatever the transport (Fetch, node:http). */
export interface SigningRequest {
  /** The HTTP method, uppercase as node:http and `Request` give it. */
  method: string;
  /** The raw query string, with or without its leading `?`. */
  search: string;
  /** The two headers read, by lowercase name: node:http's `req.headers` can be passed as it is. */
  headers: { readonly origin?: string | null; readonly 'content-type'?: string | null };
  /**
   * Reads the body; called for `POST` only. Resolves with the text, or `undefined` when it passes
   * the transport's limit (answered 413 `PAYLOAD_TOO_LARGE`), such as `readRequestBody(req)`.
   */
  body?: () => Promise<string | undefined>;
}

/**
 * What to send: the status, the headers (shared, frozen objects: copy before changing), and the
 * body, JSON text or `null` for none (204). For a `HEAD` request, send no body.
 */
export interface SigningAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string | null;
}

/** A request that passed {@link checkSigningRequest}: its URL, parsed URL, hostname and `appId`. */
export type CheckedSigningRequest = Extract<SigningRequestCheck, { ok: true }>;

/** Options of {@link createSigningEndpoint}; `Target` is what signs (a signer, an account). */
export interface SigningEndpointOptions<Target extends object> {
  /**
   * Origins allowed to call from another origin (CORS), such as `['https://h5.example.com']`, or `['*']`.
   * @default undefined: no CORS headers
   */
  allowedOrigins?: readonly string[];
  /** Longest page URL accepted, in characters. @default 4096 */
  maxUrlLength?: number;
  /** Read the `appId` parameter (see `checkSigningRequest`). @default false */
  appIdParameter?: boolean;
  /**
   * Who signs this page: the target, or the message of a 403 `HOST_NOT_ALLOWED` (a host outside
   * the allowlist, an `appId` not served here, a page inside WeCom (`check.platform === 'wecom'`)
   * where no WeCom app is configured for its host). Called once per checked request; must not throw.
   */
  route: (check: CheckedSigningRequest) => Target | string;
  /** Signs the page with the target, such as `(signer, check) => signer.sign(check.url)`. */
  sign: (target: Target, check: CheckedSigningRequest) => Promise<SignatureData>;
  /** Called with each signature answered 200 (for a counter). Must not throw. */
  onSigned?: (result: SignatureData, target: Target) => void;
  /** Called with each failure of `sign` and the answer it gets, 502 or 500 (to log it). Must not throw. */
  onError?: (answer: SigningErrorAnswer, target: Target, error: unknown) => void;
}

// A preflight's answer carries no body, so no Content-Type.
const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store' });
const TOO_LARGE = JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `The body passes ${MAX_BODY} bytes.` } });

const errorJson = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/**
 * The answer's JSON: `{ appId, timestamp, nonceStr, signature }`, and for WeCom (an `agentId` or
 * `agentSignature` present) `agentId` and `agentSignature: { timestamp, nonceStr, signature }` after
 * them; any other field (the signer's `url`) is left out.
 *
 * The WeChat answer is the object JSON.stringify would write, field by field (each string still through it): a tenth to
 * a fifth of the cost in a microbenchmark, on the path every request takes. Anything but strings
 * and a finite number (a user's own signer) goes through JSON.stringify itself.
 */
export function signatureJson(data: SignatureData | WecomSignatureData): string {
  const { appId, timestamp, nonceStr, signature } = data;
  const { agentId, agentSignature } = data as WecomSignatureData;
  if (agentId !== undefined || agentSignature !== undefined) {
    // WeCom's answer: the four fields, then the agent's (the signer's `url` stays out, as for WeChat).
    const agent = agentSignature && { timestamp: agentSignature.timestamp, nonceStr: agentSignature.nonceStr, signature: agentSignature.signature };
    return JSON.stringify({ appId, timestamp, nonceStr, signature, agentId, agentSignature: agent });
  }
  if (typeof appId !== 'string' || typeof nonceStr !== 'string' || typeof signature !== 'string' || !Number.isFinite(timestamp)) {
    return JSON.stringify({ appId, timestamp, nonceStr, signature });
  }
  return `{"appId":${JSON.stringify(appId)},"timestamp":${timestamp},"nonceStr":${JSON.stringify(nonceStr)},"signature":${JSON.stringify(signature)}}`;
}

/**
 * The signing endpoint without a transport: one request in, one answer out, in the one order every
 * transport follows. `createSignatureHandler` (Fetch) and the signing service (node:http) are built
 * on it; build another transport on it too.
 *
 * 1. `OPTIONS`: 204, with the preflight's CORS headers when the origin is allowed.
 * 2. The CORS headers of the `Origin` (see `corsHeaders`) go on every other answer.
 * 3. `POST`: the body is read; past the transport's limit, 413 `PAYLOAD_TOO_LARGE` with `Connection: close`.
 * 4. `checkSigningRequest`: 400 `MISSING_URL`, `INVALID_URL`, `URL_TOO_LONG`, `INVALID_APP_ID`,
 *    `BAD_REQUEST` (a `platform` other than `wechat`/`wecom`), or 405 `METHOD_NOT_ALLOWED` with
 *    `Allow` (`HEAD` is answered as `GET` is).
 * 5. `route`: 403 `HOST_NOT_ALLOWED` with its message, or the target (by `check.platform` too:
 *    `'wecom'` for a page inside WeCom).
 * 6. `sign`: 200 `{ appId, timestamp, nonceStr, signature }` (for WeCom also `agentId` and
 *    `agentSignature`, see {@link signatureJson}); a failure 502 `WECHAT_API_ERROR` or
 *    500 `INTERNAL_ERROR` (see `signingErrorAnswer`: no secret, no upstream message).
 *
 * Every answer has `Cache-Control: no-store`, and JSON ones `Content-Type: application/json; charset=utf-8`.
 * The returned function never rejects unless `route`, `onSigned` or `onError` throws, or `body()` rejects (the client left).
 *
 * @returns `(request) => Promise<SigningAnswer>`
 * @example
 * const endpoint = createSigningEndpoint({ route: () => signer, sign: (s, check) => s.sign(check.url) });
 * const { status, headers, body } = await endpoint({ method: 'GET', search: '?url=…', headers: {} });
 */
export function createSigningEndpoint<Target extends object>(options: SigningEndpointOptions<Target>): (request: SigningRequest) => Promise<SigningAnswer> {
  const { allowedOrigins, route, sign, onSigned, onError } = options;
  // Hoisted: checkSigningRequest reads its options per request.
  const checkOptions = { maxUrlLength: options.maxUrlLength, appIdParameter: options.appIdParameter };
  return async (request) => {
    const { method } = request;
    const origin = request.headers.origin;
    if (method === 'OPTIONS') {
      return { status: 204, headers: origin && allowedOrigins ? { ...NO_STORE, ...corsHeaders(origin, allowedOrigins, true) } : NO_STORE, body: null };
    }
    // Without CORS (most requests), the constant headers go out as they are, without a copy.
    const cors = origin && allowedOrigins ? corsHeaders(origin, allowedOrigins) : undefined;
    const headers: Readonly<Record<string, string>> = cors?.Vary ? { ...JSON_HEADERS, ...cors } : JSON_HEADERS;
    let body: string | undefined;
    if (method === 'POST' && request.body) {
      body = await request.body();
      if (body === undefined) return { status: 413, headers: { ...headers, Connection: 'close' }, body: TOO_LARGE };
    }
    const check = checkSigningRequest({ method, search: request.search, contentType: request.headers['content-type'], body }, checkOptions);
    if (!check.ok) return { status: check.status, headers: check.headers ? { ...headers, ...check.headers } : headers, body: errorJson(check.code, check.message) };
    const target = route(check);
    if (typeof target === 'string') return { status: 403, headers, body: errorJson('HOST_NOT_ALLOWED', target) };
    let result: SignatureData;
    try {
      result = await sign(target, check);
    } catch (error) {
      // The failure path is built only on failure.
      const answer = signingErrorAnswer(error);
      onError?.(answer, target, error);
      return { status: answer.status, headers, body: JSON.stringify(answer.body) };
    }
    onSigned?.(result, target);
    return { status: 200, headers, body: signatureJson(result) };
  };
}
