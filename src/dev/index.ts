// wechat-share/dev: the tools for development and tests (the dev middleware, the simulator's
// verify endpoint, the verifier, the fake WeChat API). None of it belongs in a production server,
// which imports wechat-share/server: that bundle does not carry this code.
export { verifyConfig } from './verifyConfig';
export type { VerifyRequest, VerifyResult, VerifierOptions } from './verifyConfig';
export { createVerifyHandler } from './createVerifyHandler';
export type { VerifyHandlerOptions, VerifyWecomOptions, VerifyClient } from './createVerifyHandler';
export { createFakeWechatApi } from './createFakeWechatApi';
export type { FakeWechatApi, FakeWechatApiOptions, FakeWechatApiCalls } from './createFakeWechatApi';
export { createFakeWecomApi } from './createFakeWecomApi';
export type { FakeWecomApi, FakeWecomApiOptions, FakeWecomApiCalls } from './createFakeWecomApi';
export { createDevMiddleware } from './createDevMiddleware';
export type { DevMiddleware, DevMiddlewareOptions, DevWecomOptions } from './createDevMiddleware';
