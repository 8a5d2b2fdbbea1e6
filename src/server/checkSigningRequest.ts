import type { HandlerErrorCode } from './HandlerErrorCode';
import { beforeHash } from './beforeHash';
import { parseHttpUrl } from './parseHttpUrl';

/** What {@link checkSigningRequest} reads: the parts of an HTTP request it needs, whatever the transport. */
export interface SigningRequestInput {
  /** The HTTP method, uppercase as node:http and `Request` give it. */
  method: string;
  /** The raw query string, with or without its leading `?`. */
  search: string;
  /** The `Content-Type` header: `application/json` is read as JSON, anything else as a form. */
  contentType?: string | null;
  /** The raw POST body (UTF-8). */
  body?: string;
}

/** Options of {@link checkSigningRequest}. */
export interface SigningRequestCheckOptions {
  /** Longest page URL accepted, in characters. @default 4096 */
  maxUrlLength?: number;
  /**
   * Read and check the `appId` parameter (where one server signs for several Official Accounts,
   * as the signing service does). Off, the parameter is ignored, as `createSignatureHandler`
   * (one signer) always has: turning it on for a handler that does not route by it would refuse
   * requests that work today.
   * @default false
   */
  appIdParameter?: boolean;
}

/**
 * The outcome of {@link checkSigningRequest}: the page URL to sign (absolute http(s), in the
 * serialized form `location.href` has, without hash), the same URL parsed (`parsedUrl`, whose
 * `href` is `url` plus any hash: pass it to `signer.sign()` to spare a second parse), its hostname
 * (lowercase, punycode) and the optional `appId` parameter; or the error answer to send, with its
 * status, code, message and any header it needs (`Allow` on 405).
 */
export type SigningRequestCheck =
  | {
      ok: true;
      url: string;
      parsedUrl: URL;
      hostname: string;
      appId?: string;
      /**
       * `'wecom'` when the page runs inside WeCom (`platform=wecom`): sign with the WeCom app's
       * tickets. Absent for WeChat (no `platform`, or `platform=wechat`), as before WeCom existed.
       */
      platform?: 'wecom';
    }
  | { ok: false; status: 400 | 405; code: HandlerErrorCode; message: string; headers?: Record<string, string> };

/** Longest `appId` parameter accepted (WeChat's are 18 characters). */
const MAX_APP_ID = 64;

const fail = (status: 400 | 405, code: HandlerErrorCode, message: string, headers?: Record<string, string>): SigningRequestCheck =>
  headers ? { ok: false, status, code, message, headers } : { ok: false, status, code, message };

// `value` of a query or form as URLSearchParams decodes it: '+' is a space, and a malformed
// percent-escape stays as written (decodeURIComponent would throw on it).
function decodeFormComponent(value: string): string {
  const spaced = value.includes('+') ? value.replaceAll('+', ' ') : value;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`v=${value}`).get('v')!;
  }
}

/**
 * `new URLSearchParams(query).get(name)`, without decoding every other pair: Node's
 * URLSearchParams is written in JavaScript and was half the cost of a check.
 */
export function queryParam(query: string, name: string): string | null {
  const length = query.length;
  for (let start = query.charCodeAt(0) === 63 /* ? */ ? 1 : 0; start < length; ) {
    let end = query.indexOf('&', start);
    if (end === -1) end = length;
    const equals = query.indexOf('=', start);
    const keyEnd = equals === -1 || equals > end ? end : equals;
    const key = query.slice(start, keyEnd);
    if (key === name || ((key.includes('%') || key.includes('+')) && decodeFormComponent(key) === name)) {
      return keyEnd === end ? '' : decodeFormComponent(query.slice(keyEnd + 1, end));
    }
    start = end + 1;
  }
  return null;
}

// `url` and `appId` from the query (GET, HEAD) or the body (POST, a form or JSON). A parameter of the
// wrong type is `null` (missing); `undefined` means absent.
// `platform` likewise, where a POST whose body lacks it may carry it in the query.
function paramsOf(input: SigningRequestInput): { url: unknown; appId: unknown; platform: unknown } {
  if (input.method !== 'POST') {
    return { url: queryParam(input.search, 'url'), appId: queryParam(input.search, 'appId') ?? undefined, platform: queryParam(input.search, 'platform') ?? undefined };
  }
  const body = input.body ?? '';
  const fromQuery = () => queryParam(input.search, 'platform') ?? undefined;
  if ((input.contentType ?? '').includes('application/json')) {
    try {
      const json = JSON.parse(body) as { url?: unknown; appId?: unknown; platform?: unknown } | null;
      return { url: json?.url, appId: json?.appId, platform: json?.platform ?? fromQuery() };
    } catch {
      return { url: null, appId: undefined, platform: undefined };
    }
  }
  return { url: queryParam(body, 'url'), appId: queryParam(body, 'appId') ?? undefined, platform: queryParam(body, 'platform') ?? fromQuery() };
}

/**
 * Reads and checks one signing request, the single place for the endpoint's request rules,
 * shared by {@link createSignatureHandler} and any other transport (the signing service's
 * node:http handler):
 *
 * - method `GET` (or `HEAD`, checked as `GET` is) with `?url=<encoded page URL>`, or `POST` with a
 *   form `url=` or JSON `{ "url": … }`; any other method is 405 `METHOD_NOT_ALLOWED` with `Allow:
 *   GET, HEAD, POST, OPTIONS` (answering an `OPTIONS` preflight is the caller's job: see {@link corsHeaders});
 * - `url` missing, empty or not a string: 400 `MISSING_URL`; longer than `maxUrlLength`
 *   characters: 400 `URL_TOO_LONG`; not absolute http(s): 400 `INVALID_URL`; not in the
 *   serialized form `location.href` has (which WeChat checks the signature against, so the host
 *   checked is the host of the string signed): 400 `INVALID_URL` naming that form;
 * - the optional `platform` parameter (query, form or JSON; for a POST, the query when the body
 *   has none): `wecom` for a page inside WeCom (`platform: 'wecom'` in the result), `wechat` or
 *   absent for WeChat; anything else 400 `BAD_REQUEST` naming the two values;
 * - with `appIdParameter`, the optional `appId` parameter (query, form or JSON), picking one
 *   Official Account where several are served: a string of 1 to 64 characters, else 400
 *   `INVALID_APP_ID`.
 *
 * It never throws and does no I/O; the host allowlist is the caller's ({@link createHostMatcher}).
 *
 * @param input - the request's method, raw query string, Content-Type and raw body
 * @param options - `maxUrlLength` in characters (default 4096)
 * @example
 * const check = checkSigningRequest({ method: req.method, search: '?url=https%3A%2F%2Fh5.example.com%2F' });
 * if (check.ok) await signer.sign(check.parsedUrl);
 */
export function checkSigningRequest(input: SigningRequestInput, options: SigningRequestCheckOptions = {}): SigningRequestCheck {
  if (input.method !== 'GET' && input.method !== 'HEAD' && input.method !== 'POST') {
    return fail(405, 'METHOD_NOT_ALLOWED', `Use GET ?url= or POST url=, not ${input.method}.`, { Allow: 'GET, HEAD, POST, OPTIONS' });
  }
  const maxUrlLength = options.maxUrlLength ?? 4096;
  const params = paramsOf(input);
  const url = params.url;
  const appId = options.appIdParameter ? params.appId : undefined;
  if (typeof url !== 'string' || !url) return fail(400, 'MISSING_URL', 'Send the page URL as url= (location.href.split("#")[0], encoded).');
  if (url.length > maxUrlLength) return fail(400, 'URL_TOO_LONG', `The URL has ${url.length} characters; at most ${maxUrlLength} are accepted.`);
  const parsed = parseHttpUrl(url);
  if (!parsed) return fail(400, 'INVALID_URL', 'The URL must be absolute http or https, such as https://h5.example.com/page.');
  const page = beforeHash(url);
  const form = beforeHash(parsed.href);
  if (form !== page) return fail(400, 'INVALID_URL', `Send the URL exactly as location.href gives it: ${form.slice(0, 200)}`);
  const platform = params.platform;
  if (platform !== undefined && platform !== 'wechat' && platform !== 'wecom') {
    return fail(400, 'BAD_REQUEST', `platform, when sent, must be "wecom" (a page inside WeCom) or "wechat", got ${JSON.stringify(platform)?.slice(0, 40)}.`);
  }
  if (appId !== undefined && (typeof appId !== 'string' || !appId || appId.length > MAX_APP_ID)) {
    return fail(400, 'INVALID_APP_ID', `appId, when sent, must be the Official Account's AppID (at most ${MAX_APP_ID} characters).`);
  }
  const check: SigningRequestCheck = { ok: true, url: page, parsedUrl: parsed, hostname: parsed.hostname };
  if (appId !== undefined) check.appId = appId as string;
  if (platform === 'wecom') check.platform = 'wecom';
  return check;
}
