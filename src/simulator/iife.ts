// dist/wechat-simulator.iife.js: put it first in <head>, before jweixin. It turns the page into a
// simulated WeChat client (platform from sessionStorage, iOS by default, or data-platform: ios,
// android, harmony (WeChat on HarmonyOS NEXT), miniprogram (a Mini Program's web-view), wecom-ios or
// wecom-android (WeCom, 企业微信) or browser) and draws
// the preview panel. data-verify names the demo server's verify endpoint; data-version plays
// another WeChat version (sessionStorage wins); data-open-tags-error plays a client that cannot
// use open tags (WeixinOpenTagsError with that errMsg).
import { installBridge } from './installBridge';
import type { SimulatedBridge } from './types';
import { verifyWithEndpoint } from './verifyWithEndpoint';
import { mountPanel, PLATFORM_KEY, VERSION_KEY, type PanelPlatform } from './mountPanel';

const tag = document.currentScript as HTMLScriptElement | null;
const chosen = sessionStorage.getItem(PLATFORM_KEY) ?? tag?.dataset.platform ?? 'ios';
const platform: PanelPlatform = ['android', 'harmony', 'browser', 'miniprogram', 'wecom-ios', 'wecom-android'].includes(chosen) ? (chosen as PanelPlatform) : 'ios';
let bridge: SimulatedBridge | undefined;
if (platform !== 'browser') {
  // An older client can be played too: below 6.7.2 the new share APIs do not exist.
  const version = sessionStorage.getItem(VERSION_KEY) ?? tag?.dataset.version;
  const miniProgram = platform === 'miniprogram';
  const wecom = platform.startsWith('wecom-');
  bridge = installBridge({
    platform: miniProgram || platform === 'wecom-android' ? 'android' : platform === 'wecom-ios' ? 'ios' : (platform as 'ios' | 'android' | 'harmony'),
    client: wecom ? 'wecom' : 'wechat',
    miniProgram,
    // data-version is WeCom's version when playing WeCom (below 3.0.24: corp config before agentConfig).
    version: wecom ? undefined : version,
    wecomVersion: wecom ? version : undefined,
    openTagsError: tag?.dataset.openTagsError,
    verify: verifyWithEndpoint(tag?.dataset.verify),
  });
}
mountPanel(bridge, platform);

export { bridge };
