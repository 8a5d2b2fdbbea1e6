// msw mounts the library's fake WeCom API at qyapi.weixin.qq.com for the server tests.
import { http } from 'msw';
import { createFakeWecomApi, type FakeWecomApiOptions } from '../../src/dev/createFakeWecomApi';

export const CORP_ID = 'ww_test_corp_id';
export const AGENT_A = 1000002;
export const AGENT_B = 1000003;
export const SECRET_A = 'WWSECRET_A_0123456789abcdef0123456789abcdef';
export const SECRET_B = 'WWSECRET_B_0123456789abcdef0123456789abcdef';
export const QYAPI = 'https://qyapi.weixin.qq.com';

/** A fake WeCom API with two apps of one corp, and the msw handler that serves it. */
export function fakeWecom(options: Partial<FakeWecomApiOptions> = {}) {
  const api = createFakeWecomApi({
    corpId: CORP_ID,
    apps: [
      { agentId: AGENT_A, secret: SECRET_A },
      { agentId: AGENT_B, secret: SECRET_B },
    ],
    ...options,
  });
  const handler = http.all(`${QYAPI}/*`, ({ request }) => api.handle(request));
  return { api, handler };
}
