export { setupShare } from './setupShare';
export { preloadShare } from './preloadShare';
export { autoShare } from './autoShare';
export type { AutoShareOptions } from './autoShare';
export { configure } from './configure';
export { WechatShareError } from './errors';
export type { ErrorCode } from './errors';
export type { ShareData, ShareOptions, ShareResult, SignatureData, Wx, WxConfig, WxResult, WxShareApi, WxShareArgs, WxShareApiName } from './types';
