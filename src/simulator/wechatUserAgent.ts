import type { Platform } from './types';

/** A WeChat user agent for `platform`, as jweixin and this SDK parse it. */
export function wechatUserAgent(platform: Platform, version = '8.0.50'): string {
  return platform === 'ios'
    ? `Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/${version}(0x18003237) NetType/WIFI Language/zh_CN`
    : `Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0.6478.188 Mobile Safari/537.36 XWEB/1260117 MMWEBSDK/20240801 MicroMessenger/${version}.2700(0x28003252) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64`;
}
