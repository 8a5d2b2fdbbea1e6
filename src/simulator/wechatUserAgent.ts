import type { Platform } from './types';

/**
 * A WeChat user agent for `platform`, as jweixin and this SDK parse it. HarmonyOS NEXT: the user
 * agent of WeChat's HarmonyOS client as Huawei's guide to WeChat web pages shows it
 * (juejin.cn/post/7472730338558492691, "微信内网页拉端适配指南": ArkWeb's default user agent,
 * `OpenHarmony 5.0`, then `MicroMessenger/1.0.3.52(0xf3100334)`); WeChat's own HarmonyOS guide
 * ("鸿蒙网页开发适配指南") says to recognise it by `OpenHarmony` with `MicroMessenger`. Its
 * WeChat counts its own versions from 1.0 (later builds report 8.0.x, e.g. `8.0.9.39` in
 * matomo-org/device-detector#8091).
 */
export function wechatUserAgent(platform: Platform, version?: string): string {
  if (platform === 'harmony') {
    return `Mozilla/5.0 (Phone; OpenHarmony 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile MicroMessenger/${version ?? '1.0.3.52'}(0xf3100334) Weixin NetType/4G Language/zh_CN MMWEBID/2965 MMWEBSDK/202412070032 XWEB/1140157`;
  }
  version ??= '8.0.50';
  return platform === 'ios'
    ? `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/${version}(0x18003237) NetType/WIFI Language/zh_CN`
    : `Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 XWEB/1260117 MMWEBSDK/20240801 MicroMessenger/${version}.2700(0x28003252) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64`;
}

/**
 * A WeCom (企业微信) user agent on `platform`'s OS: WeChat's WebView user agent with
 * `wxwork/<version>` and `MicroMessenger/7.0.1` (the form users report and @wecom/jssdk 2.4.0
 * tests: `/wxwork\/([\d.]+)/`, WeCom told from WeChat by `wxwork`; see docs/wecom.md).
 */
export function wecomUserAgent(platform: Platform, version = '4.1.30'): string {
  return platform === 'ios'
    ? `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/${version} MicroMessenger/7.0.1 Language/zh ColorScheme/Light`
    : `Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 wxwork/${version} MicroMessenger/7.0.1 NetType/WIFI Language/zh Lang/zh ColorScheme/Light`;
}
