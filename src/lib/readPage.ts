/** The facts about the page that one setupShare call works from, read once. */
export interface PageSnapshot {
  /** `location.href` as it is. */
  href: string;
  /** `location.href` without its hash: what WeChat checks when it checks the current URL. */
  currentUrl: string;
  /** Inside WeChat: the user agent has `MicroMessenger`. */
  inWechat: boolean;
  /** Inside WeCom (企业微信): the user agent has `wxwork/` (and `MicroMessenger` too). */
  wecom: boolean;
  /** iPhone, iPad or iPod: WeChat there checks the entry URL (reported by users). */
  ios: boolean;
  /**
   * HarmonyOS NEXT: the user agent has `OpenHarmony` (official: WeChat's HarmonyOS web guide,
   * "鸿蒙网页开发适配指南", names `OpenHarmony` with `MicroMessenger`). Its WeChat numbers its own
   * versions (1.0.x at launch).
   */
  harmony: boolean;
  /** The WeChat version after `MicroMessenger/` (`8.0.50`, `1.0.3.52`), if the user agent has one. */
  wechatVersion?: string;
  /**
   * In a Mini Program's `<web-view>`: `miniProgram` in the user agent, or
   * `window.__wxjs_environment === 'miniprogram'` (official web-view docs).
   */
  inMiniProgram: boolean;
}

/** Reads the page once; the rest of the call works from this snapshot. */
export function readPage(): PageSnapshot {
  const href = location.href;
  const userAgent = navigator.userAgent;
  return {
    href,
    currentUrl: href.split('#')[0],
    inWechat: /micromessenger/i.test(userAgent),
    wecom: /wxwork\//i.test(userAgent),
    ios: /iphone|ipad|ipod/i.test(userAgent),
    harmony: /openharmony/i.test(userAgent),
    wechatVersion: userAgent.match(/micromessenger\/([\d.]+)/i)?.[1],
    inMiniProgram: /miniprogram/i.test(userAgent) || (window as { __wxjs_environment?: string }).__wxjs_environment === 'miniprogram',
  };
}
