// wechat-share/miniprogram: the Mini Program side of an H5 page in a <web-view>. No DOM, no
// dependency; built as plain ES2015 for the Mini Program runtime.

/** The card an H5 page posts with `wx.miniProgram.postMessage` (what `setupShare` sends there). */
export interface WebViewCard {
  type: 'wechat-share';
  title: string;
  desc: string;
  link: string;
  imgUrl: string;
}

/** Options of {@link webViewShare}. */
export interface WebViewShareOptions {
  /**
   * The Mini Program page that hosts the `<web-view>`, as an absolute path such as
   * `/pages/web/web`: a shared card opens it, with the H5 link in `param`.
   */
  page: string;
  /**
   * The query parameter of `page` that carries the H5 URL (encoded with `encodeURIComponent`).
   * @default 'url'
   */
  param?: string;
}

/** What `onShareAppMessage` returns: the Mini Program's share card. */
export interface MiniProgramShareCard {
  /** The card's title; `undefined` leaves the Mini Program's default. */
  title?: string;
  /** The card's image (the H5 card's `imgUrl`); `undefined` leaves the default screenshot. */
  imageUrl?: string;
  /** `page?param=encodeURIComponent(link)`. */
  path: string;
}

/** The `bindmessage` event of `<web-view>`: `detail.data` lists every message posted so far. */
export interface WebViewMessageEvent {
  detail: { data: unknown[] };
}

/** The argument of `onShareAppMessage` on a page with a `<web-view>`. */
export interface ShareAppMessageOptions {
  /** The web-view's URL, from the Mini Program (official docs; users report it can be the first URL only). */
  webViewUrl?: string;
  from?: string;
}

// A string with something in it, else undefined: message fields are whatever the page posted.
const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

/** What is kept of a card: its string fields only (anything else posted is ignored). */
interface KeptCard {
  title?: string;
  link?: string;
  imgUrl?: string;
}

// A posted message of type `wechat-share`, reduced to its string fields; anything else undefined.
// Every page in the web-view can post, so nothing in a message is trusted to be what the type says.
function keptCard(message: unknown): KeptCard | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const card = message as Record<string, unknown>;
  if (card.type !== 'wechat-share') return undefined;
  return { title: text(card.title), link: text(card.link), imgUrl: text(card.imgUrl) };
}

// The latest card, per page instance (a page can be open twice in the stack).
const CARD = '__wechatShareCard';
type Host = { [CARD]?: KeptCard } | undefined;

/**
 * The two handlers a Mini Program page needs to share the H5 page its `<web-view>` shows with the
 * card that page set with `setupShare`:
 * - `onMessage`: bind it to the web-view (`bindmessage="onMessage"`). WeChat delivers the page's
 *   `wx.miniProgram.postMessage` messages only at certain moments (share, back, the web-view
 *   destroyed), as an array of every message so far (official web-view docs); it keeps the latest
 *   card of type `wechat-share`. Users report that on share it arrives before `onShareAppMessage`.
 * - `onShareAppMessage`: returns `{ title, imageUrl, path }` from that card, `path` being
 *   `page + '?' + param + '=' + encodeURIComponent(link)`; with no card yet, the web-view's own
 *   URL (`options.webViewUrl`) with no title or image (the Mini Program's defaults).
 *
 * Any page the web-view opens can post, so a card is not trusted: only its non-empty string fields
 * are kept (anything else is ignored, as if absent), a card without a usable `link` shares
 * `options.webViewUrl`, one without `title` or `imgUrl` the Mini Program's default. Neither handler
 * throws, whatever the messages hold.
 *
 * The page then opens the H5 URL it is given: `onLoad(query) { this.setData({ src: decodeURIComponent(query.url) }) }`.
 *
 * @throws TypeError when `page` is not an absolute path (`/pages/…`)
 * @example
 * const share = webViewShare({ page: '/pages/web/web' });
 * Page({ onMessage: share.onMessage, onShareAppMessage: share.onShareAppMessage });
 */
export function webViewShare(options: WebViewShareOptions): {
  onMessage(this: unknown, event: WebViewMessageEvent): void;
  onShareAppMessage(this: unknown, options?: ShareAppMessageOptions): MiniProgramShareCard;
} {
  const { page, param = 'url' } = options || ({} as WebViewShareOptions);
  if (typeof page !== 'string' || page.charAt(0) !== '/') {
    throw new TypeError(`webViewShare: page must be the absolute path of the page that hosts the web-view, such as '/pages/web/web', not ${JSON.stringify(page)}.`);
  }
  let latest: KeptCard | undefined;
  const host = (self: unknown): Host => (typeof self === 'object' && self !== null ? (self as Host) : undefined);
  // `page?param=link`, or undefined for no link or one encodeURIComponent refuses (a lone surrogate).
  const pathTo = (link: string | undefined): string | undefined => {
    try {
      return link && `${page}?${param}=${encodeURIComponent(link)}`;
    } catch {
      return undefined;
    }
  };
  return {
    onMessage(event) {
      const data = event && event.detail && Array.isArray(event.detail.data) ? event.detail.data : [];
      let card: KeptCard | undefined;
      for (const message of data) card = keptCard(message) || card;
      if (!card) return;
      latest = card;
      const self = host(this);
      if (self) self[CARD] = card;
    },
    onShareAppMessage(shareOptions) {
      const self = host(this);
      // Per page instance when called as a page method; the last card seen when called unbound.
      const card: KeptCard = (self ? self[CARD] : latest) || {};
      return {
        title: card.title,
        imageUrl: card.imgUrl,
        path: pathTo(card.link) || pathTo(text(shareOptions && shareOptions.webViewUrl)) || page,
      };
    },
  };
}
