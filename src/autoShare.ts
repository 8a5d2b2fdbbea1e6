import { enqueue } from './setupShare';
import { page } from './lib/pageState';
import { openGraph } from './lib/resolveShareData';
import type { ShareOptions } from './types';

/**
 * Zero-code mode: the card comes from the page's Open Graph tags: `og:title` (else
 * `document.title`), `og:description` (else `<meta name="description">`), `og:image`, and `og:url`
 * (else the page URL without WeChat's share parameters). It is applied at once, and again after
 * every change of the URL (`pushState`, `replaceState`, `popstate`, `hashchange`, whatever the
 * router uses) or of `<title>` and the `<meta>` tags: every `interval` ms it compares them with
 * what it last applied (a string comparison; nothing else runs while they stay the same), so a
 * burst of changes within one interval is applied once. The `<script>` build starts it for a tag
 * with `data-auto`. A {@link setupShare} call takes over: auto mode stops, and the card is the one
 * you set. A failure is reported with `console.warn` (the next change tries again); outside
 * WeChat nothing is loaded or requested.
 *
 * @param options - any {@link ShareOptions} (`endpoint`…), and `interval` (ms, default 200)
 * @returns `stop()`, which ends auto mode
 * @example
 * const stop = autoShare({ endpoint: '/api/wechat/signature' });
 */
export function autoShare(options: ShareOptions & { interval?: number } = {}): () => void {
  if (typeof document === 'undefined') return () => undefined;
  page.stopAuto?.();
  let applied: string | undefined;
  const check = () => {
    const state = location.href + [...document.head.querySelectorAll('title,meta')].map((tag) => tag.outerHTML);
    if (state === applied) return;
    applied = state;
    // The WechatShareError itself: its message, code and hint, expandable in the console.
    enqueue({ link: openGraph('url') }, options).catch(console.warn);
  };
  const timer = setInterval(check, options.interval ?? 200);
  const stop = () => {
    clearInterval(timer);
    if (page.stopAuto === stop) page.stopAuto = undefined;
  };
  page.stopAuto = stop;
  check();
  return stop;
}
