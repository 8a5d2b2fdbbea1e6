import { WechatShareError } from '../errors';
import type { ShareData } from '../types';
import type { PageSnapshot } from './readPage';
import { stripShareParams } from './stripShareParams';

// `url` resolved against the page; only http(s) may reach WeChat or the simulator's "open" button.
// (A URL that does not even parse throws a TypeError, which setupShare reports as INVALID_OPTIONS.)
function httpUrl(field: 'link' | 'imgUrl', url: string, base: string): string {
  const absolute = new URL(url, base);
  if (!/^https?:$/.test(absolute.protocol)) {
    throw new WechatShareError('INVALID_OPTIONS', `share.${field} must be an http(s) URL, not ${url.slice(0, 60)}`);
  }
  return absolute.href;
}

/** The `content` of `<meta property="og:{key}">` (Open Graph), if any. */
export const openGraph = (key: string): string | undefined =>
  document.querySelector<HTMLMetaElement>(`meta[property="og:${key}"]`)?.content || undefined;

/**
 * The card with every gap filled from the page: `title` from `og:title`, else `document.title`;
 * `desc` from `og:description`, else `<meta name="description">`; `link` from the page URL without
 * WeChat's share parameters; `imgUrl` from `og:image`. `link` and `imgUrl` are resolved against the page
 * and must then be http or https (a `javascript:`, `data:` or `blob:` URL throws
 * `INVALID_OPTIONS` naming the field); an empty `imgUrl` stays empty. Another origin is allowed:
 * it may be on the JS safe domain too.
 */
export function resolveShareData(share: ShareData, snapshot: PageSnapshot): Required<ShareData> {
  const image = share.imgUrl ?? openGraph('image');
  return {
    title: share.title ?? openGraph('title') ?? document.title,
    desc: share.desc ?? openGraph('description') ?? document.querySelector<HTMLMetaElement>('meta[name="description"]')?.content ?? '',
    link: share.link ? httpUrl('link', share.link, snapshot.href) : stripShareParams(snapshot.href),
    imgUrl: image ? httpUrl('imgUrl', image, snapshot.href) : '',
  };
}
