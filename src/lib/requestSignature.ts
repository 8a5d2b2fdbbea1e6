import { WechatShareError } from '../errors';
import type { ShareOptions, SignatureData } from '../types';
import { CROSS_ORIGIN_HINT } from './hintFor';
import { bootHandover, type BootHandover } from './loadJweixin';
import { normalizeSignature } from './normalizeSignature';
import { page } from './pageState';
import { withTimeout } from '../shared/withTimeout';

/**
 * The longest request target (path and query) sent with GET when `method` is not set: nginx's
 * default limit for a whole request line is 8 KB (`large_client_header_buffers 4 8k`).
 */
export const MAX_GET_TARGET = 8000;

/**
 * Gets the signature for `url` (the page URL without hash, not yet encoded): through
 * `options.sign` when given, otherwise from `options.endpoint` as
 * `GET {endpoint}?url={encodeURIComponent(url)}` or the same `url=…` form-encoded with
 * `method: 'POST'`; aborted after `options.timeout` ms. Without `method`, a GET whose request
 * target (path and query) would pass {@link MAX_GET_TARGET} characters is sent as POST instead.
 * Resolves with the normalised {@link SignatureData}; rejects with `INVALID_OPTIONS` (neither
 * endpoint nor sign), `SIGN_REQUEST_FAILED` (network, non-2xx, non-JSON, timeout, `sign`
 * rejected; a GET answered 414 or 431 says to set `method: 'POST'`; a network error from an
 * endpoint on another origin carries {@link CROSS_ORIGIN_HINT} as `hint`) or `SIGN_RESPONSE_INVALID`.
 * When the boot snippet (`bootScript()`) already asked `endpoint` for `url`, its answer is taken
 * instead of a new request (once: see {@link BootHandover}), and read by the same rules.
 */
export async function requestSignature(url: string, options: ShareOptions & { timeout: number }): Promise<SignatureData> {
  const { endpoint, sign, timeout } = options;
  if (!sign && !endpoint) {
    throw new WechatShareError('INVALID_OPTIONS', 'No signing endpoint: set endpoint, sign or data-endpoint.');
  }
  const controller = new AbortController();
  let crossOrigin = false;
  const exchange = async (): Promise<unknown> => {
    if (sign) return sign(url);
    const get = endpoint + (endpoint!.indexOf('?') < 0 ? '?' : '&') + 'url=' + encodeURIComponent(url);
    const target = new URL(get, location.href);
    // Percent-encoding can triple a URL: past nginx's default limit (and near Node's), GET is
    // refused before the handler runs.
    const post = options.method ? options.method === 'POST' : target.href.length - target.origin.length > MAX_GET_TARGET;
    crossOrigin = target.origin !== location.origin;
    // The boot snippet's answer to this very request, taken once (a body reads once); after its
    // network error, this request instead.
    const boot = bootHandover();
    const early = boot[get] as Promise<Response | undefined> | undefined;
    delete boot[get];
    const response =
      (await early) ||
      (await fetch(
        post ? endpoint! : get,
        // A URLSearchParams body is sent as application/x-www-form-urlencoded.
        { method: post ? 'POST' : 'GET', body: post ? new URLSearchParams({ url }) : undefined, signal: controller.signal },
      ));
    const { status } = response;
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`HTTP ${status} ${!post && (status === 414 || status === 431) ? "URL too long: use method: 'POST'" : body.slice(0, 200)}`);
    }
    return JSON.parse(body);
  };
  let raw: unknown;
  try {
    raw = await withTimeout(exchange(), timeout, () => controller.abort());
  } catch (error) {
    // A network error is a TypeError ("Failed to fetch", "Load failed"), and says no more when CORS
    // blocked the answer. (The time limit's error is not one; nor is an HTTP status or bad JSON.)
    const hint = crossOrigin && error instanceof TypeError ? CROSS_ORIGIN_HINT : undefined;
    throw new WechatShareError('SIGN_REQUEST_FAILED', `Signing failed (${sign ? 'sign' : endpoint}): ${error}`, { cause: error, hint });
  }
  return normalizeSignature(raw, options.appId);
}

/**
 * {@link requestSignature} once per `key` for the page's life (`page.signatures`: the signing URL,
 * or `wecom <url>` inside WeCom); a failed request drops its entry, so a later call asks again.
 */
export function cachedSignature(key: string, url: string, options: ShareOptions & { timeout: number }): Promise<SignatureData> {
  let signature = page.signatures.get(key);
  if (!signature) {
    signature = requestSignature(url, options);
    page.signatures.set(key, signature);
    signature.catch(() => page.signatures.delete(key));
  }
  return signature;
}
