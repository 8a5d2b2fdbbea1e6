import { normalizeSignature } from './normalizeSignature';
import { page } from './pageState';

/** The id of the `<script type="application/json">` that holds the embedded signature. */
export const EMBEDDED_SIGNATURE_ID = 'wechat-share-signature';

/**
 * Takes the signature the server put into the page (`signatureScript()` of wechat-share/server:
 * `<script type="application/json" id="wechat-share-signature">{…, "url": …}</script>`) into the
 * page's signature cache, once per page, so that signing its `url` needs no request. A missing or
 * malformed element is ignored: the endpoint signs as usual. When WeChat refuses it, setupShare
 * drops it from the cache like any refused signature, and asks the endpoint.
 */
export function takeEmbeddedSignature(): void {
  if (page.embeddedTaken) return;
  page.embeddedTaken = true;
  try {
    const raw = JSON.parse(document.getElementById(EMBEDDED_SIGNATURE_ID)!.textContent!);
    const signature = normalizeSignature(raw);
    if (typeof raw.url === 'string') page.signatures.set(raw.url, Promise.resolve(signature));
  } catch {
    // None, or not one: sign through the endpoint.
  }
}
