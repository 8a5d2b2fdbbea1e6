import type { SignResult } from './createSigner';

/** The id of the element {@link signatureScript} writes and the browser SDK reads. */
export const SIGNATURE_ELEMENT_ID = 'wechat-share-signature';

/**
 * The signature of a page, as a tag to put into the page's HTML (in `<head>`, before the SDK):
 * `<script type="application/json" id="wechat-share-signature">{"appId":…,"timestamp":…,"nonceStr":…,"signature":…,"url":…}</script>`.
 * The browser SDK reads it and configures WeChat without a signing request when `url` is the URL
 * it would sign (the entry URL on iOS, the current URL elsewhere); on `invalid signature` (a page
 * served stale from a cache, a rotated ticket) it asks the endpoint once.
 *
 * Every `<` of the JSON is written `\u003c`, so no value can close the tag; the JSON still parses
 * to the same values. The result holds no secret: a signature is only good for its URL.
 *
 * @param result - what {@link Signer.sign} resolved with for the URL of the page being rendered
 *   (the URL as the browser has it: `https://host/path?query`, without hash)
 * @throws TypeError when `result` lacks a field, so that a broken tag is never rendered
 * @example
 * const html = page.replace('<head>', `<head>${signatureScript(await signer.sign(pageUrl))}`);
 */
export function signatureScript(result: SignResult): string {
  const { appId, timestamp, nonceStr, signature, url } = result ?? ({} as SignResult);
  if (typeof appId !== 'string' || !Number.isInteger(timestamp) || typeof nonceStr !== 'string' || typeof signature !== 'string' || typeof url !== 'string') {
    throw new TypeError('signatureScript: pass what signer.sign(url) resolved with: { appId, timestamp, nonceStr, signature, url }.');
  }
  const json = JSON.stringify({ appId, timestamp, nonceStr, signature, url }).replace(/</g, '\\u003c');
  return `<script type="application/json" id="${SIGNATURE_ELEMENT_ID}">${json}</script>`;
}
