import { WechatShareError } from '../errors';
import type { Wx } from '../types';
import { page } from './pageState';
import { withTimeout } from './withTimeout';

/** The official host first, then the official backup host. */
export const DEFAULT_SDK_URLS = [
  'https://res.wx.qq.com/open/js/jweixin-1.4.0.js',
  'https://res2.wx.qq.com/open/js/jweixin-1.4.0.js',
];

const globalWx = (): Wx | undefined => window.wx || window.jWeixin;

// Resolves when `script` fires load, rejects on error or after `timeout` ms.
function whenLoaded(script: HTMLScriptElement, timeout: number): Promise<unknown> {
  const events = new Promise((resolve, reject) => {
    script.addEventListener('load', resolve);
    script.addEventListener('error', () => reject(new Error('error')));
  });
  return withTimeout(events, timeout, () => new Error(`timed out (${timeout} ms)`));
}

async function load(urls: string[], timeout: number): Promise<Wx> {
  // A page that already loads jweixin itself keeps its copy: a second copy would cost a request
  // and, with jweixin's `if (!window.jWeixin)` guard, do nothing.
  const existing = document.querySelector<HTMLScriptElement>('script[src*="jweixin"]');
  if (existing && !globalWx()) await whenLoaded(existing, timeout).catch(() => undefined);
  const failures: string[] = [];
  for (const url of urls) {
    const wx = globalWx();
    if (wx) return wx;
    const script = document.createElement('script');
    script.src = url;
    try {
      await whenLoaded(document.head.appendChild(script), timeout);
    } catch (error) {
      script.remove();
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  const wx = globalWx();
  if (wx) return wx;
  throw new WechatShareError('SDK_LOAD_FAILED', `Could not load jweixin: ${failures.join('; ') || 'no window.wx'}`);
}

/**
 * Loads jweixin once per page and resolves with its `wx`. A `window.wx` (or `window.jWeixin`)
 * already present is used as it is; a jweixin `<script>` already on the page is waited for.
 * Otherwise each URL is tried in turn, each within `timeout` ms. Rejects with `SDK_LOAD_FAILED`
 * and forgets the failure, so that a later call tries again.
 */
export function loadJweixin(urls: string[], timeout: number): Promise<Wx> {
  if (!page.jweixinLoading) {
    page.jweixinLoading = load(urls, timeout);
    page.jweixinLoading.catch(() => (page.jweixinLoading = undefined));
  }
  return page.jweixinLoading;
}
