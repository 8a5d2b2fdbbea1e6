import { entryUrl } from './entryUrl';
import type { PageSnapshot } from './readPage';

/**
 * The two URLs that WeChat may verify a signature against, most likely first: on iOS the entry
 * URL, elsewhere the current URL (both without hash). With `checksOtherUrl`, once the page has
 * learnt that its client behaves the other way, the order is swapped.
 */
export function signingUrls(snapshot: PageSnapshot, checksOtherUrl: boolean): [string, string] {
  const entry = entryUrl() || snapshot.currentUrl;
  const entryFirst = snapshot.ios !== checksOtherUrl;
  return entryFirst ? [entry, snapshot.currentUrl] : [snapshot.currentUrl, entry];
}
