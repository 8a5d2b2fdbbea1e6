export { installBridge, verifyWithEndpoint, wechatUserAgent } from './installBridge';
export type {
  BridgeOptions, BridgeState, BridgeVerifyRequest, BridgeVerifyResult, ConfigRecord, Platform, SimulatedBridge, SimulatedCard,
} from './installBridge';
export { mountPanel, asSharedLink, PLATFORM_KEY } from './mountPanel';
