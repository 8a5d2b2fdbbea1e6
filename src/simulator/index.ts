export { installBridge, verifyWithEndpoint, wechatUserAgent } from './installBridge';
export type {
  BridgeOptions, BridgeState, ConfigRecord, VerifyRequest, VerifyResult, Platform, SimulatedBridge, SimulatedCard,
} from './installBridge';
export { mountPanel, asSharedLink, PLATFORM_KEY, VERSION_KEY } from './mountPanel';
