import { configure } from './configure';
import { page } from './lib/pageState';
import { enqueue } from './setupShare';
import type { ShareData, ShareOptions } from './types';

/**
 * Starts everything a card needs as early as possible, before the app knows its card: loads
 * jweixin, gets the signature (the one embedded in the page, or from the endpoint) and calls
 * `wx.config` with every share API, applying the page's default card (see {@link ShareData}:
 * `og:title` or `document.title`, the description, `og:image`, the clean page URL). A later {@link setupShare} then only
 * applies its own card, without waiting for any of that. Call it at the top of your app's entry;
 * the `<script>` build does it itself when evaluated (see `data-preload`).
 *
 * `options` become the defaults of later calls, as with {@link configure}. Outside WeChat (and
 * under SSR) it does nothing and requests nothing. It never throws and never rejects. The first
 * `setupShare` (without options) made before the early start applies its default card hands its
 * card over instead: one round, and that call reports what failed. A later `setupShare` waits for
 * the early start, tries once more what failed there, and reports.
 *
 * @param options - any {@link ShareOptions}, typically `{ endpoint }`
 * @example
 * // main.ts, first lines
 * preloadShare({ endpoint: '/api/wechat/signature' });
 */
export function preloadShare(options: ShareOptions = {}): void {
  configure(options);
  const share: ShareData = {};
  // Until it reads its card (or fails), a setupShare may hand its card over: page.early.
  const result = (page.early = { share, result: enqueue(share, {}) }).result;
  result.catch(() => undefined);
}
