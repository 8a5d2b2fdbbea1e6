// The URL a page was entered with. iOS WeChat verifies wx.config against it even after
// history.pushState (reported by users, see shared/wechat-facts.md "Single-page apps"). The
// navigation entry knows it even when this SDK is loaded after a pushState; the value read at
// first evaluation is the fallback for browsers without Navigation Timing 2.
const loadedAt = typeof location === 'undefined' ? '' : location.href;

/** The URL this page was entered with, without hash. */
export function entryUrl(): string {
  const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceEntry | undefined;
  return (nav?.name || loadedAt).split('#')[0];
}

/**
 * The two URLs that WeChat may verify a signature against, most likely first: on iOS the entry
 * URL, elsewhere `location.href` without the hash. `flip` swaps them, once a page has learnt
 * that its client behaves the other way.
 */
export function signingUrls(flip: boolean): [string, string] {
  const current = location.href.split('#')[0];
  const entry = entryUrl() || current;
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent);
  return ios !== flip ? [entry, current] : [current, entry];
}
