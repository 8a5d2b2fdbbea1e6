// The package entry wechat-share/server: what src/server offers a production server, and, for one
// minor version, the dev tools' old names. Those are thin wrappers that call wechat-share/dev
// (dist/server.mjs imports dist/dev.mjs for them; it does not carry their code), so src/server
// itself never imports src/dev.
import {
  createDevMiddleware as devMiddleware,
  createFakeWechatApi as fakeWechatApi,
  createVerifyHandler as verifyHandler,
  verifyConfig as verify,
  type DevMiddleware as DevMiddlewareOfDev,
  type DevMiddlewareOptions as DevMiddlewareOptionsOfDev,
  type FakeWechatApi as FakeWechatApiOfDev,
  type FakeWechatApiCalls as FakeWechatApiCallsOfDev,
  type FakeWechatApiOptions as FakeWechatApiOptionsOfDev,
  type VerifierOptions as VerifierOptionsOfDev,
  type VerifyClient as VerifyClientOfDev,
  type VerifyHandlerOptions as VerifyHandlerOptionsOfDev,
  type VerifyRequest as VerifyRequestOfDev,
  type VerifyResult as VerifyResultOfDev,
} from '../dev/index';

export * from '../server/index';

/**
 * `createDevMiddleware` of `wechat-share/dev`, which see.
 * @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version.
 */
export function createDevMiddleware(options?: DevMiddlewareOptionsOfDev): DevMiddlewareOfDev {
  return devMiddleware(options);
}

/**
 * `createFakeWechatApi` of `wechat-share/dev`, which see.
 * @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version.
 */
export function createFakeWechatApi(options: FakeWechatApiOptionsOfDev): FakeWechatApiOfDev {
  return fakeWechatApi(options);
}

/**
 * `createVerifyHandler` of `wechat-share/dev`, which see.
 * @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version.
 */
export function createVerifyHandler(options: VerifyHandlerOptionsOfDev): ReturnType<typeof verifyHandler> {
  return verifyHandler(options);
}

/**
 * `verifyConfig` of `wechat-share/dev`, which see.
 * @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version.
 */
export function verifyConfig(request: VerifyRequestOfDev, options: VerifierOptionsOfDev): VerifyResultOfDev {
  return verify(request, options);
}

/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type DevMiddleware = DevMiddlewareOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type DevMiddlewareOptions = DevMiddlewareOptionsOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type FakeWechatApi = FakeWechatApiOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type FakeWechatApiOptions = FakeWechatApiOptionsOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type FakeWechatApiCalls = FakeWechatApiCallsOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type VerifyHandlerOptions = VerifyHandlerOptionsOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type VerifyClient = VerifyClientOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type VerifyRequest = VerifyRequestOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type VerifyResult = VerifyResultOfDev;
/** @deprecated Import it from `wechat-share/dev`: `wechat-share/server` drops it in the next minor version. */
export type VerifierOptions = VerifierOptionsOfDev;
