import { normalizeSignature } from './normalizeSignature';
import { page } from './pageState';

/**
 * The element that holds the embedded signature, for `querySelector`: only a `<script type="application/json">`
 * with the id `wechat-share-signature`. Any other element can carry the id too (a `<div>` in user content),
 * and would then decide how the page is signed.
 */
export const EMBEDDED_SIGNATURE = 'script#wechat-share-signature[type="application/json"]';

/**
 * Takes the signature the server put into the page (`signatureScript()` of wechat-share/server:
 * `<script type="application/json" id="wechat-share-signature">{…, "url": …}</script>`) into the
 * page's signature cache, once (it removes the element), so that signing its `url` needs no request. A missing or
 * malformed element is ignored: the endpoint signs as usual. Only a `<script type="application/json">` counts
 * ({@link EMBEDDED_SIGNATURE}). When WeChat refuses it, setupShare
 * drops it from the cache like any refused signature, and asks the endpoint.
 */
export function takeEmbeddedSignature(): void {
  const tag = document.querySelector(EMBEDDED_SIGNATURE);
  try {
    const raw = JSON.parse(tag!.textContent!);
    // Kept under its url; one without a url sits under a key no page URL can equal.
    page.signatures.set(raw.url, Promise.resolve(normalizeSignature(raw)));
  } catch {
    // None, or not one: sign through the endpoint.
  }
  // Taken once: the element goes, so a signature WeChat refused is never taken again.
  tag?.remove();
}
