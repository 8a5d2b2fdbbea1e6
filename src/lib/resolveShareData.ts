import { WechatShareError } from '../errors';
import type { ShareData } from '../types';
import type { PageSnapshot } from './readPage';
import { stripShareParams } from './stripShareParams';

// `url` resolved against the page; only http(s) may reach WeChat or the simulator's "open" button.
// (A URL that does not even parse throws a TypeError, which setupShare reports as INVALID_OPTIONS.)
// `field` is named in the error. (`protocol` is the scheme and its colon, the only colon in it.)
function httpUrl(field: string, url: string, base: string): string {
  const absolute = new URL(url, base);
  if (!/^https?:/.test(absolute.protocol)) {
    throw new WechatShareError('INVALID_OPTIONS', `share.${field} is not http(s): ${url.slice(0, 60)}`);
  }
  return absolute.href;
}

/** The `content` of `<meta property="og:{key}">` (Open Graph), if any. */
const openGraph = (key: string): string | undefined =>
  document.querySelector<HTMLMetaElement>(`meta[property="og:${key}"]`)?.content || undefined;

// `og:url` or `og:image` when it is an http(s) URL, else undefined: a page's tag is not the
// caller's option, so a bad one is dropped (the field's default applies), not an error.
function openGraphUrl(key: 'url' | 'image'): string | undefined {
  const url = openGraph(key);
  try {
    return url && httpUrl(key, url, location.href);
  } catch {
    // httpUrl's error is not the caller's (nor its field name): only whether it throws matters here.
  }
}

/**
 * What the page's tags say the card is, read from the few tags it is made of: `og:title`, else
 * `document.title`; `og:description`, else `<meta name="description">`, else `''`; `og:url` and
 * `og:image` when they are http(s) URLs. Nothing else in the page is read.
 */
export const pageCard = (): ShareData => ({
  title: openGraph('title') ?? document.title,
  desc: openGraph('description') ?? document.querySelector<HTMLMetaElement>('meta[name="description"]')?.content ?? '',
  link: openGraphUrl('url'),
  imgUrl: openGraphUrl('image'),
});

/**
 * The card with every gap filled from the page ({@link pageCard}): `title`, `desc` and `imgUrl`
 * from its tags; `link` from the page URL without WeChat's share parameters. `link` and `imgUrl`
 * are resolved against the page and must then be http or https (a `javascript:`, `data:` or
 * `blob:` URL given in `share` throws `INVALID_OPTIONS` naming the field; one in `og:image` is
 * dropped); an empty `imgUrl` stays empty. Another origin is allowed: it may be on the JS safe
 * domain too.
 */
export function resolveShareData(share: ShareData, snapshot: PageSnapshot): Required<ShareData> {
  const tags = pageCard();
  const image = share.imgUrl ?? tags.imgUrl;
  return {
    title: share.title ?? tags.title!,
    desc: share.desc ?? tags.desc!,
    link: share.link ? httpUrl('link', share.link, snapshot.href) : stripShareParams(snapshot.href),
    imgUrl: image ? httpUrl('imgUrl', image, snapshot.href) : '',
  };
}
