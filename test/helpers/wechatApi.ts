// msw mounts the library's fake WeChat API at api.weixin.qq.com for the server tests.
import { http } from 'msw';
import { createFakeWechatApi, type FakeWechatApiOptions } from '../../src/dev/createFakeWechatApi';

export const APP_ID = 'wx_test_app_id';
export const APP_SECRET = 'SECRET_d41d8cd98f00b204e9800998ecf8427e';
export const API = 'https://api.weixin.qq.com';

/** A fake WeChat API and the msw handler that serves it. */
export function fakeWechat(options: Partial<FakeWechatApiOptions> = {}) {
  const api = createFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET, ...options });
  const handler = http.all(`${API}/*`, ({ request }) => api.handle(request));
  return { api, handler };
}

/** How {@link faultyWechat}'s API behaves right now. */
export type Fault = 'ok' | 'hang' | 'http500' | { errcode: number; errmsg: string };

/**
 * The fake WeChat API behind a `fetch` for `createSigner({ fetch })`, with a switchable fault:
 * answering, hanging until the caller's signal aborts, HTTP 500, or one errcode on every call.
 * `upstream` counts every request that reached it, faulty or not.
 */
export function faultyWechat(options: Partial<FakeWechatApiOptions> = {}) {
  const api = createFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET, ...options });
  const state = { fault: 'ok' as Fault, upstream: 0 };
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    state.upstream++;
    const fault = state.fault;
    if (fault === 'hang') {
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    if (fault === 'http500') return new Response('busy', { status: 500 });
    if (typeof fault === 'object') return Response.json(fault);
    return api.handle(new Request(input, init));
  };
  return { api, state, fetch: fetch as typeof globalThis.fetch };
}
