// WeChat appends these when a shared link is opened (from=singlemessage|groupmessage|timeline,
// isappinstalled=0), before any "#" (reported by users and seen in WeChat itself; the official
// docs name only the resulting invalid signature, JS-SDK Appendix 5).
const SHARE_PARAM = /^(isappinstalled(=|$)|from=(singlemessage|groupmessage|timeline)$)/;

/**
 * `href` without WeChat's second-share parameters. Works on the raw query string, so the page's
 * own parameters keep their exact encoding and order (re-serialising through URLSearchParams
 * would change the URL that gets signed). The hash is kept; an `href` without share parameters
 * comes back unchanged.
 */
export function stripShareParams(href: string): string {
  // No anchors needed: the match starts at index 0 (each part may be empty) and `.*` runs to the
  // end (an href has no line break).
  const [, base, query, hash] = /([^?#]*)(?:\?([^#]*))?(.*)/.exec(href)!;
  if (query === undefined) return href;
  const kept = query.split('&').filter((pair) => !SHARE_PARAM.test(pair));
  return base + (kept.length ? '?' + kept.join('&') : '') + hash;
}
