import { page } from './pageState';

/**
 * The URL this page was entered with, without hash. iOS WeChat verifies `wx.config` against it
 * even after `history.pushState` (reported by users; not in the official docs). Best known from
 * the client itself: the `realAuthUrl` it reported with an `invalid signature` (reported by users,
 * not documented; see setupShare). Else the navigation entry knows it even when this SDK is loaded
 * after a pushState; `location.href` as it was when the SDK was evaluated is the last guess, for
 * WebViews without Navigation Timing 2 (wrong when the page rewrote its URL before, as an app
 * removing OAuth's `code` and `state` with `history.replaceState` does).
 */
export function entryUrl(): string {
  const navigation = performance.getEntriesByType?.('navigation')[0] as PerformanceEntry | undefined;
  return (page.reportedEntry || navigation?.name || page.entryHref!).split('#')[0];
}
