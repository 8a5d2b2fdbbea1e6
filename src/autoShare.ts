import { enqueue } from './setupShare';
import { page } from './lib/pageState';
import { readPage } from './lib/readPage';
import { pageCard } from './lib/resolveShareData';
import type { WechatShareError } from './errors';
import { reportTo } from './lib/messages';
import type { ShareData, ShareOptions } from './types';

/** What {@link autoShare} takes: any {@link ShareOptions} (`endpoint`…), and these two. */
export interface AutoShareOptions extends ShareOptions {
  /**
   * How often the URL is compared with the one last applied, in ms.
   * @default 200
   */
  interval?: number;
  /**
   * Told of each failure to apply the card (a {@link WechatShareError}; the next change tries
   * again). Without it, a failure is printed with `console.warn` only when `debug` is on (here or
   * in `configure()`); otherwise auto mode is silent.
   */
  onError?: (error: WechatShareError) => void;
}

/**
 * Zero-code mode: the card comes from the page's Open Graph tags: `og:title` (else
 * `document.title`), `og:description` (else `<meta name="description">`), `og:image`, and `og:url`
 * (else the page URL without WeChat's share parameters). An `og:url` or `og:image` that is not an
 * http(s) URL is left out (that field takes its default; the rest of the card applies). The card
 * is applied at once, and again after every change of the URL (`pushState`, `replaceState`,
 * `popstate`, `hashchange`, whatever the router uses) or of what it is made of in `<head>`
 * (`<title>` and those `<meta>` tags): every `interval` ms it compares the URL and, only when
 * something in `<head>` changed since (a `MutationObserver` says so), those few tags with what it
 * last applied; so a poll reads no tag while `<head>` stays the same, and a burst of changes
 * within one interval is applied once. The `<script>` build starts it for a tag with `data-auto`.
 * A {@link setupShare} call takes over: auto mode stops, and the card is the one you set. A
 * failure goes to `onError`, or, with `debug` on and no `onError`, to `console.warn`; without
 * either it is silent (the next change tries again).
 *
 * Outside WeChat (no `MicroMessenger` in the user agent) and under SSR it does not start at all:
 * nothing is read, polled, loaded or requested, and `stop()` does nothing.
 *
 * @param options - any {@link ShareOptions} (`endpoint`…), `interval` (ms, default 200) and `onError`: see {@link AutoShareOptions}
 * @returns `stop()`, which ends auto mode
 * @example
 * const stop = autoShare({ endpoint: '/api/wechat/signature' });
 */
export function autoShare(options: AutoShareOptions = {}): () => void {
  // Nothing can be shared outside WeChat: no timer, nothing read.
  if (typeof document === 'undefined' || !readPage().inWechat) return () => undefined;
  page.stopAuto?.();
  let applied: string | undefined;
  let card: ShareData;
  let headChanged = true;
  // Reading the card's tags means searching <head>, which on some pages holds thousands of
  // <meta> tags: done only after <head> changed, not on every poll. (`document.title = …`
  // replaces the text of <title>: a childList change.)
  const observer = new MutationObserver(() => (headChanged = true));
  observer.observe(document.head, { subtree: true, childList: true, attributes: true });
  const check = () => {
    if (headChanged) card = pageCard();
    headChanged = false;
    const state = location.href + JSON.stringify(card);
    if (state === applied) return;
    applied = state;
    // No promise carries this failure to the page: onError, or the console under debug.
    enqueue({ link: card.link }, options).catch(reportTo(options.onError, options.debug ?? page.defaults.debug));
  };
  const timer = setInterval(check, options.interval ?? 200);
  const stop = () => {
    clearInterval(timer);
    observer.disconnect();
    if (page.stopAuto === stop) page.stopAuto = undefined;
  };
  page.stopAuto = stop;
  check();
  return stop;
}
