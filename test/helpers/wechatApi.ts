// msw mounts the library's fake WeChat API at api.weixin.qq.com for the server tests.
import { http } from 'msw';
import { createFakeWechatApi, type FakeWechatApiOptions } from '../../src/server/createFakeWechatApi';

export const APP_ID = 'wx_test_app_id';
export const APP_SECRET = 'SECRET_d41d8cd98f00b204e9800998ecf8427e';
export const API = 'https://api.weixin.qq.com';

/** A fake WeChat API and the msw handler that serves it. */
export function fakeWechat(options: Partial<FakeWechatApiOptions> = {}) {
  const api = createFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET, ...options });
  const handler = http.all(`${API}/*`, ({ request }) => api.handle(request));
  return { api, handler };
}
