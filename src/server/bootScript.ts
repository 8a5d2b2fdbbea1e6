/** Options of {@link bootScript}. */
export interface BootScriptOptions {
  /**
   * The signing endpoint, exactly as the SDK is given it (`endpoint` or `data-endpoint`): the SDK
   * takes the snippet's answer only when the endpoint and the URL are the same as its own.
   * @example '/api/wechat/signature'
   */
  endpoint: string;
  /**
   * The jweixin version the page uses: `'1.6.0'` when it asks for open tags (`openTagList`), else
   * the SDK's default `'1.4.0'`. A different one leaves the page with the snippet's jweixin: open
   * tags then need 1.6.0.
   * @default '1.4.0'
   */
  jweixinVersion?: '1.4.0' | '1.6.0';
  /**
   * The page's `method` option, when it sets one. Without it the snippet follows the SDK's rule: GET,
   * or POST when the GET request target would pass 8,000 characters.
   */
  method?: 'GET' | 'POST';
  /** A nonce of the page's Content-Security-Policy (`script-src 'nonce-…'`), set as the tag's `nonce`. */
  nonce?: string;
}

/**
 * The test for the clients the snippet works in: WeChat's user agent has `MicroMessenger`. WeCom's
 * has it too, with `wxwork/`: the snippet tells the two apart by that, as the SDK does.
 */
const CLIENT_TEST = '/MicroMessenger/i';
// WeChat's second-share parameters (see the SDK's stripShareParams): with them the SDK redirects
// to the clean URL, so the snippet leaves the requests to the next page. (A little wider than the
// SDK's rule, never narrower: at worst the SDK makes its requests itself.)
const SHARE_PARAMS = '/[?&](isappinstalled|from=(singlemessage|groupmessage|timeline))\\b/';

// The snippet, its values given as arguments (e: endpoint, v: jweixin version, m: method). In
// WeChat, once per page (nothing when the SDK already claimed window.wechatShareBoot), it:
// - loads jweixin from res.wx.qq.com, on error from res2.wx.qq.com (the SDK's hosts and paths),
//   unless a jweixin is already there; `jweixin` settles either way (the SDK loads it itself after
//   a failure); in WeCom (`wxwork/`) instead @wecom/jssdk 2.4.0 from wwcdn, then its backup path
//   (the SDK's), unless a `window.ww` is there, as `ww`, and the signing request with
//   `platform=wecom`, as the SDK asks inside WeCom;
// - asks the endpoint to sign location.href without hash, as the SDK does (same query, same
//   GET/POST rule), except in a Mini Program's <web-view>, where the SDK does not sign; the
//   Response, or undefined after a network error (the SDK then asks itself), is kept under the
//   request's GET URL, the key the SDK looks for.
const SNIPPET = `(function(w,d,e,v,m){var u=location.href.split('#')[0],n=navigator.userAgent,c=/wxwork\\//i.test(n),b,g,t,p,W='https://wwcdn.weixin.qq.com/node/',F='/js/wecom-jssdk-2.4.0.js';function L(x,z){return new Promise(function(y){(function a(h){var s=d.createElement('script');s.src=h;s.onload=y;s.onerror=function(){s.remove();h!=z?a(z):y()};d.head.appendChild(s)})(x)})}if(w.wechatShareBoot||!${CLIENT_TEST}.test(n)||${SHARE_PARAMS}.test(u))return;b=w.wechatShareBoot={};c?w.ww||(b.ww=L(W+'open'+F,W+'wework/wwopen'+F)):w.jWeixin||(b.jweixin=L('https://res'+(v='.wx.qq.com/open/js/jweixin-'+v+'.js'),'https://res2'+v));if(!/miniProgram/i.test(n)){if(c)e+=(e.indexOf('?')<0?'?':'&')+'platform=wecom';g=e+(e.indexOf('?')<0?'?':'&')+'url='+encodeURIComponent(u);t=new URL(g,location.href);p=m?m=='POST':t.href.length-t.origin.length>8e3;b[g]=fetch(p?e:g,p?{method:'POST',body:new URLSearchParams({url:u})}:{}).catch(function(){})}})`;

// A value inside the inline script: JSON, with every `<` written \\u003c so that no value can
// close the tag (`</script>`) or open a comment (`<!--`), and U+2028 and U+2029 escaped, which
// JavaScript before ES2019 (older WebViews) does not allow in a string literal.
const scriptValue = (value: string) => JSON.stringify(value).replace(/[<\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/**
 * The boot snippet: an inline `<script>` (about 1 KB) to put first in `<head>`, that in WeChat
 * starts jweixin and the signing request (in WeCom: Tencent's WeCom JS-SDK, `ww`, and the signing
 * request with `platform=wecom`) before the SDK's file has even arrived, and hands both
 * to the SDK (through `window.wechatShareBoot`): the SDK then waits for them instead of making its
 * own, so the card is applied as soon as a hand-written page would apply it. In whatever order the
 * two run, the page makes one jweixin request and one signing request; outside WeChat the
 * snippet requests nothing, and a page without the SDK loses only those two requests.
 *
 * The snippet signs `location.href` without hash, which is the URL the SDK signs as long as the page
 * has not changed its URL before the SDK's first call (on iOS the SDK signs the entry URL, which
 * is that URL too). A page whose signature the server embeds (`signatureScript()`) needs no
 * snippet. `jweixinVersion` must be the one the page uses (`'1.6.0'` with open tags).
 *
 * @param options - see {@link BootScriptOptions}
 * @returns `<script>…</script>`, or `<script nonce="…">…</script>`; every value escaped
 * @throws TypeError when `endpoint` is not a non-empty string, or `jweixinVersion`, `method` or
 *   `nonce` is not one of the values described
 * @example
 * const html = page.replace('<head>', `<head>${bootScript({ endpoint: '/api/wechat/signature' })}`);
 */
export function bootScript(options: BootScriptOptions): string {
  const { nonce } = options ?? ({} as BootScriptOptions);
  if (nonce !== undefined && (typeof nonce !== 'string' || !nonce)) {
    throw new TypeError('bootScript: nonce must be the non-empty nonce of the page\'s Content-Security-Policy, or left out.');
  }
  return `<script${nonce ? ` nonce="${attribute(nonce)}"` : ''}>${bootSnippet(options)}</script>`;
}

/**
 * The JavaScript of {@link bootScript}'s tag, for tools that write the tag themselves (Vite's
 * `transformIndexHtml`); every value escaped as there. `nonce` is not used.
 * @throws TypeError as {@link bootScript}
 */
export function bootSnippet(options: BootScriptOptions): string {
  const { endpoint, jweixinVersion = '1.4.0', method } = options ?? ({} as BootScriptOptions);
  if (typeof endpoint !== 'string' || !endpoint) {
    throw new TypeError(`bootScript: endpoint must be the signing endpoint the SDK uses, such as '/api/wechat/signature', not ${JSON.stringify(endpoint)}.`);
  }
  if (jweixinVersion !== '1.4.0' && jweixinVersion !== '1.6.0') {
    throw new TypeError(`bootScript: jweixinVersion must be '1.4.0' or '1.6.0' (the one the page uses), not ${JSON.stringify(jweixinVersion)}.`);
  }
  if (method !== undefined && method !== 'GET' && method !== 'POST') {
    throw new TypeError(`bootScript: method must be 'GET', 'POST' or left out, not ${JSON.stringify(method)}.`);
  }
  const args = ['window', 'document', scriptValue(endpoint), scriptValue(jweixinVersion), ...(method ? [scriptValue(method)] : [])];
  return `${SNIPPET}(${args.join(',')})`;
}
