import { WechatShareError } from '../errors';
import type { Wx } from '../types';
import { page } from './pageState';
import { timedOut, withTimeout } from '../shared/withTimeout';

/**
 * Where jweixin `version` is served: the official host first, then the official backup host
 * (official JS-SDK and open-tag docs: `res.wx.qq.com`, backup `res2.wx.qq.com`, same path).
 */
export const jweixinUrls = (version: string): string[] => ['res', 'res2'].map((host) => `https://${host}.wx.qq.com/open/js/jweixin-${version}.js`);

/**
 * What the boot snippet (`bootScript()` of wechat-share/server, first in `<head>`) started, as it
 * hands it to the SDK through `window.wechatShareBoot`: `jweixin` settles once jweixin loaded from
 * res.wx.qq.com or res2.wx.qq.com, or both failed (it never rejects: the SDK then loads it itself);
 * its signing request's answer is kept under that request's GET URL
 * (`{endpoint}?url={encodeURIComponent(url)}`, also when it was sent as POST), `undefined` after a
 * network error (the SDK then asks itself). The SDK takes the answer when it would make that very
 * request. The first SDK call that loads or signs claims the handover (an empty one when no
 * snippet ran first), so that a snippet running after it starts nothing: one jweixin and one
 * signing request, in either order.
 */
export interface BootHandover {
  jweixin?: Promise<unknown>;
  /** Inside WeCom: the snippet's @wecom/jssdk load, settling as `jweixin` does. */
  ww?: Promise<unknown>;
  [signingRequest: string]: Promise<Response | undefined> | Promise<unknown> | undefined;
}

declare global {
  interface Window {
    /** The boot snippet's handover; see {@link BootHandover}. */
    wechatShareBoot?: BootHandover;
  }
}

/** Claims the boot snippet's handover (see {@link BootHandover}). */
export const bootHandover = (): BootHandover => (window.wechatShareBoot ||= {});

// The browser exposes an element with id or name "wx" (or "jWeixin") as window.wx: an element has
// no config function (a form's named field would be an element too), jweixin has.
const globalWx = (): Wx | undefined => [window.wx, window.jWeixin].find((value) => typeof value?.config == 'function');

/** Resolves when `script` fires load, rejects on error or after `timeout` ms. */
export function whenLoaded(script: HTMLScriptElement, timeout: number): Promise<unknown> {
  const events = new Promise((resolve, reject) => {
    script.addEventListener('load', resolve);
    script.addEventListener('error', () => reject(new Error('error')));
  });
  return withTimeout(events, timeout);
}

/**
 * Inserts a `<script>` for each of `urls` in turn, each within `timeout` ms, until `found()` gives
 * what they define (jweixin's `wx`, WeCom's `ww`); a URL that `hanging(url)` says the boot snippet
 * left pending is not asked for again (it had its time limit). Resolves with the failures,
 * `url: reason` each; a failed script is removed.
 */
export async function loadFirst(urls: string[], timeout: number, found: () => unknown, hanging: (url: string) => boolean): Promise<string[]> {
  const failures: string[] = [];
  for (const url of urls) {
    if (found()) break;
    if (hanging(url)) {
      failures.push(`${url}: ${timedOut(timeout)}`);
      continue;
    }
    const script = document.createElement('script');
    script.src = url;
    try {
      await whenLoaded(document.head.appendChild(script), timeout);
    } catch (error) {
      script.remove();
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  return failures;
}

async function load(urls: string[], timeout: number): Promise<Wx> {
  // The boot snippet's jweixin, if it started one: waited for, not loaded twice.
  const early = bootHandover().jweixin;
  if (early) await withTimeout(early, timeout).catch(() => undefined);
  // A page that already loads jweixin itself keeps its copy: a second copy would cost a request
  // and, with jweixin's `if (!window.jWeixin)` guard, do nothing. The snippet's own script had its
  // time in the wait above: neither waited for again nor asked for again (one time limit, not two).
  const existing = document.querySelector<HTMLScriptElement>('script[src*="jweixin"]');
  if (existing && !early && !globalWx()) await whenLoaded(existing, timeout).catch(() => undefined);
  // That guard also stops jweixin (1.4.0 and 1.6.0 alike) when anything else holds the name.
  if (!globalWx() && window.jWeixin) {
    throw new WechatShareError('SDK_LOAD_FAILED', 'An element with id or name jWeixin stops jweixin: rename it.');
  }
  const failures = await loadFirst(urls, timeout, globalWx, (url) => !!early && existing?.src == url);
  const wx = globalWx();
  if (wx) return wx;
  throw new WechatShareError('SDK_LOAD_FAILED', `Could not load jweixin: ${failures.join('; ') || 'no window.wx'}`);
}

/**
 * Loads jweixin once per page and resolves with its `wx`. A jweixin `window.wx` (or
 * `window.jWeixin`) already present is used as it is; anything else of that name (an element
 * with that id or name) is not jweixin and is passed over. A jweixin `<script>` already on the page
 * is waited for, and so is the one the boot snippet started ({@link BootHandover}). Otherwise each URL is tried in turn, each within `timeout` ms. (Whether the `wx` can send
 * `openTagList` is setupShare's question: without it the card is still applied.) Rejects with `SDK_LOAD_FAILED` and
 * forgets a failed load, so that a later call tries again.
 */
export function loadJweixin(urls: string[], timeout: number): Promise<Wx> {
  if (!page.jweixinLoading) {
    page.jweixinLoading = load(urls, timeout);
    page.jweixinLoading.catch(() => (page.jweixinLoading = undefined));
  }
  return page.jweixinLoading;
}
