export { installBridge } from './installBridge';
export { verifyWithEndpoint } from './verifyWithEndpoint';
export { wechatUserAgent, wecomUserAgent } from './wechatUserAgent';
export type {
  BridgeOptions, BridgeState, ConfigRecord, VerifyRequest, VerifyResult, Platform, SimulatedBridge, SimulatedCard, WeixinJSBridge,
  OpenTagName, OpenTagRecord, OpenTagLaunch, JweixinScript,
} from './types';
export { OPEN_TAGS } from './OPEN_TAGS';
export { mountPanel, asSharedLink, PLATFORM_KEY, VERSION_KEY } from './mountPanel';
export type { PanelPlatform } from './mountPanel';
