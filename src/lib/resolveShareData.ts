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

/**
 * The card with every gap filled from the page: `title` from `document.title`, `desc` from
 * `<meta name="description">`, `link` from the page URL without WeChat's share parameters,
 * `imgUrl` from `<meta property="og:image">`. `link` and `imgUrl` are resolved against the page
 * and must then be http or https (a `javascript:`, `data:` or `blob:` URL throws
 * `INVALID_OPTIONS` naming the field); an empty `imgUrl` stays empty. Another origin is allowed:
 * it may be on the JS safe domain too.
 */
export function resolveShareData(share: ShareData, snapshot: PageSnapshot): Required<ShareData> {
  const meta = (selector: string) => document.querySelector<HTMLMetaElement>(selector)?.content;
  const image = share.imgUrl ?? meta('meta[property="og:image"]');
  return {
    title: share.title ?? document.title,
    desc: share.desc ?? meta('meta[name="description"]') ?? '',
    link: share.link ? httpUrl('link', share.link, snapshot.href) : stripShareParams(snapshot.href),
    imgUrl: image ? httpUrl('imgUrl', image, snapshot.href) : '',
  };
}
