import { WechatShareError } from '../errors';
import type { ShareOptions, SignatureData } from '../types';
import { normalizeSignature } from './normalizeSignature';
import { withTimeout } from './withTimeout';

/**
 * Gets the signature for `url` (the page URL without hash, not yet encoded): through
 * `options.sign` when given, otherwise from `options.endpoint` as
 * `GET {endpoint}?url={encodeURIComponent(url)}` or the same `url=…` form-encoded with
 * `method: 'POST'`; aborted after `options.timeout` ms. Resolves with the normalised
 * {@link SignatureData}; rejects with `INVALID_OPTIONS` (neither endpoint nor sign),
 * `SIGN_REQUEST_FAILED` (network, non-2xx, non-JSON, timeout, `sign` rejected) or
 * `SIGN_RESPONSE_INVALID`.
 */
export async function requestSignature(url: string, options: ShareOptions & { timeout: number }): Promise<SignatureData> {
  const { endpoint, sign, timeout } = options;
  if (!sign && !endpoint) {
    throw new WechatShareError('INVALID_OPTIONS', 'No signing endpoint: set endpoint, sign or data-endpoint.');
  }
  const controller = new AbortController();
  const query = 'url=' + encodeURIComponent(url);
  const exchange = async (): Promise<unknown> => {
    if (sign) return sign(url);
    const post = options.method === 'POST';
    const response = await fetch(
      post ? endpoint! : endpoint + (endpoint!.indexOf('?') < 0 ? '?' : '&') + query,
      // A URLSearchParams body is sent as application/x-www-form-urlencoded.
      { method: post ? 'POST' : 'GET', body: post ? new URLSearchParams({ url }) : undefined, signal: controller.signal },
    );
    const body = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status} ${body.slice(0, 200)}`);
    return JSON.parse(body);
  };
  let raw: unknown;
  try {
    raw = await withTimeout(exchange(), timeout, () => {
      controller.abort();
      return new Error(`timed out (${timeout} ms)`);
    });
  } catch (error) {
    throw new WechatShareError('SIGN_REQUEST_FAILED', `Signing request failed (${sign ? 'options.sign' : endpoint}): ${error}`, { cause: error });
  }
  return normalizeSignature(raw, options.appId);
}
