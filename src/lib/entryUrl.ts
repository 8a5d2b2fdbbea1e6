import { page } from './pageState';

/**
 * The URL this page was entered with, without hash. iOS WeChat verifies `wx.config` against it
 * even after `history.pushState` (reported by users; not in the official docs). The navigation
 * entry knows it even when this SDK is loaded after a pushState; `location.href` as it was when
 * the SDK was evaluated is the fallback for browsers without Navigation Timing 2.
 */
export function entryUrl(): string {
  const navigation = performance.getEntriesByType?.('navigation')[0] as PerformanceEntry | undefined;
  return (navigation?.name || page.entryHref).split('#')[0];
}
