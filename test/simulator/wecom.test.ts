// The simulator's WeCom client (issue 21.5) driven by Tencent's real @wecom/jssdk 2.4.0
// (dist/wecom.global.js) in jsdom, and the SDK's WeCom path against it. Signatures are real: made
// and checked with the corp and agent tickets of the library's fake qyapi, through the dev verifier.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeWecomApi } from '../../src/dev/createFakeWecomApi';
import { verifyConfig } from '../../src/dev/verifyConfig';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { installBridge } from '../../src/simulator/installBridge';
import type { SimulatedBridge, VerifyRequest } from '../../src/simulator/types';
import { WECOM_SHARE_APIS } from '../../src/wecom/shareInWecom';
import { ENDPOINT, HttpResponse, http, openPage, ORIGIN, scriptRequests, server } from '../helpers/wechat';

const require = createRequire(import.meta.url);
const WW = readFileSync(require.resolve('@wecom/jssdk/dist/wecom.global.js'), 'utf8');
const CORP = 'ww5e71a0c3d9b2f486';
const AGENT = 1000002;
const TICKETS = { corp: 'corp_ticket_for_tests_9f1c', agent: 'agent_ticket_for_tests_4e2a' };

interface Ww {
  register(options: Record<string, unknown>): void;
  ensureConfigReady(): Promise<unknown>;
  onMenuShareWechat(card: Record<string, unknown>): void;
  on(event: string, handler: () => void): Promise<void>;
}

let bridge: SimulatedBridge | undefined;
afterEach(() => {
  bridge?.uninstall();
  bridge = undefined;
  delete (window as { ww?: unknown }).ww;
});

// What the dev verifier answers, with these tickets.
const verify = (request: VerifyRequest) =>
  verifyConfig(request, { appId: CORP, agentId: AGENT, jsapi_ticket: request.kind === 'agent' ? TICKETS.agent : TICKETS.corp });
const sign = (ticket: string, url: string) => {
  const nonceStr = 'n' + Math.random().toString(36).slice(2);
  const timestamp = Math.floor(Date.now() / 1000);
  return { timestamp, nonceStr, signature: jsapiSignature({ jsapi_ticket: ticket, noncestr: nonceStr, timestamp, url }) };
};

/** A WeCom client of `version`, then the real ww running in the page (it reads the user agent when it runs). */
function wecom(version: string, options: { corpTicket?: string } = {}): Ww {
  bridge = installBridge({ platform: 'android', client: 'wecom', wecomVersion: version, latency: 1, verify });
  new Function(`${WW}\nwindow.ww = ww;`)();
  const ww = (window as unknown as { ww: Ww }).ww;
  ww.register({
    corpId: CORP,
    agentId: AGENT,
    jsApiList: ['onMenuShareWechat'],
    getConfigSignature: (url: string) => sign(options.corpTicket ?? TICKETS.corp, url),
    getAgentConfigSignature: (url: string) => sign(TICKETS.agent, url),
  });
  return ww;
}

describe('the simulated WeCom client under the real @wecom/jssdk', () => {
  it('plays a WeCom user agent and, from 3.0.24, verifies only the agent config against the agent ticket', async () => {
    const ww = wecom('4.1.30');
    expect(navigator.userAgent).toMatch(/wxwork\/4\.1\.30 MicroMessenger\//);
    await ww.ensureConfigReady();
    expect(bridge!.state.configs.map((c) => [c.kind, c.state, c.agentId])).toEqual([['agent', 'ok', AGENT]]);
    expect(bridge!.state.configs[0].appId).toBe(CORP);
  });

  it('below 3.0.24 verifies the corp config first, and refuses an agentConfig that comes before it', async () => {
    const ww = wecom('3.0.16');
    await ww.ensureConfigReady();
    expect(bridge!.state.configs.map((c) => `${c.kind}:${c.state}`)).toEqual(['corp:ok', 'agent:ok']);
    bridge!.uninstall();
    bridge = installBridge({ platform: 'android', client: 'wecom', wecomVersion: '3.0.16', latency: 1, verify });
    await vi.waitFor(() => expect(window.WeixinJSBridge).toBeDefined());
    const answer = await new Promise<{ err_msg: string }>((resolve) => window.WeixinJSBridge!.invoke('agentConfig', { corpid: CORP, agentid: AGENT }, resolve));
    expect(answer.err_msg).toMatch(/^agentConfig:fail/);
    expect(bridge.state.configs).toEqual([]);
  });

  it('a corp signature made with another ticket fails "invalid signature", and share listeners are refused before a verified register', async () => {
    bridge = installBridge({ platform: 'ios', client: 'wecom', latency: 1, verify });
    await vi.waitFor(() => expect(window.WeixinJSBridge).toBeDefined());
    const url = location.href.split('#')[0];
    const { timestamp, nonceStr, signature } = sign('not_the_corp_ticket', url);
    const args = { verifyAppId: CORP, verifyJsApiList: ['menu:share:wechat'], verifyTimestamp: timestamp, verifyNonceStr: nonceStr, verifySignature: signature };
    const answer = await new Promise<{ err_msg: string }>((resolve) => window.WeixinJSBridge!.invoke('preVerifyJSAPI', args, resolve));
    expect(answer.err_msg).toBe('preVerifyJSAPI:fail_invalid signature');
    // WeCom tells no realAuthUrl: it checks the current URL, which the page signs.
    expect(bridge.state.configs.map((c) => [c.kind, c.state, c.url, c.realAuthUrl])).toEqual([['corp', 'failed', url, undefined]]);
    window.WeixinJSBridge!.on('menu:share:wechat', () => undefined);
    expect(bridge.state.menuHandlers).toEqual([]);
    expect(await bridge.tapShare('wechat')).toBe('menu:share:wechat:fail no handler registered');
  });

  it('sends the card the page set to WeChat when the user taps 微信', async () => {
    const ww = wecom('4.1.30');
    await ww.ensureConfigReady();
    ww.onMenuShareWechat({ title: 'Orders', desc: 'Week 49', link: location.href, imgUrl: 'https://h5.example.com/a.png' });
    await expect.poll(() => bridge!.state.menuHandlers).toContain('menu:share:wechat');
    expect(await bridge!.tapShare('wechat')).toBe('shareWechat:ok');
    expect(bridge!.state.sent).toEqual([{ api: 'shareWechat', card: { title: 'Orders', desc: 'Week 49', link: location.href, imgUrl: 'https://h5.example.com/a.png' } }]);
  });
});

describe('the fake qyapi and the verifier agree', () => {
  it('a signature made with the fake\'s agent ticket passes as an agent config and fails as a corp one', async () => {
    const fake = createFakeWecomApi({ corpId: CORP, apps: [{ agentId: AGENT, secret: 'CORPSECRET_sim_test' }] });
    const token = (await (await fake.handle(new Request(`https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=${CORP}&corpsecret=CORPSECRET_sim_test`))).json()).access_token;
    const agentTicket = (await (await fake.handle(new Request(`https://qyapi.weixin.qq.com/cgi-bin/ticket/get?access_token=${token}&type=agent_config`))).json()).ticket;
    const url = 'https://h5.example.com/p';
    const signed = { url, appId: CORP, ...sign(agentTicket, url), platform: 'wecom' as const, agentId: AGENT };
    expect(verifyConfig({ ...signed, kind: 'agent' }, { appId: CORP, agentId: AGENT, jsapi_ticket: fake.currentAgentTicket(AGENT)! }).ok).toBe(true);
    expect(verifyConfig({ ...signed, kind: 'corp' }, { appId: CORP, jsapi_ticket: fake.currentCorpTicket() ?? 'none yet' }).ok).toBe(false);
  });
});

describe('setupShare inside WeCom, on the simulated client with the real @wecom/jssdk', () => {
  // The signing endpoint inside WeCom: the corp signature for the URL it is asked for.
  const asked: string[] = [];
  const corpEndpoint = () =>
    http.get(ENDPOINT, ({ request }) => {
      asked.push(request.url);
      return HttpResponse.json({ appId: CORP, ...sign(TICKETS.corp, new URL(request.url).searchParams.get('url')!) });
    });

  it('signs the current URL with platform=wecom, configures ww, and sets the card on WeCom\'s menus, with nothing of jweixin', async () => {
    asked.length = 0;
    server.use(corpEndpoint());
    const page = await openPage({ path: '/w?id=1', bridge: { client: 'wecom', verify }, routes: {} });
    bridge = page.bridge;
    // The page's own ww (@wecom/jssdk), which the SDK uses as it is.
    new Function(`${WW}\nwindow.ww = ww;`)();
    const result = await page.sdk.setupShare({ title: 'Orders', desc: 'Week 49' }, { endpoint: ENDPOINT });
    expect(result).toEqual({ status: 'ready', platform: 'wecom', signedUrl: `${ORIGIN}/w?id=1`, jsApiList: WECOM_SHARE_APIS, openTagList: [] });
    expect(asked).toEqual([`${ENDPOINT}?platform=wecom&url=${encodeURIComponent(`${ORIGIN}/w?id=1`)}`]);
    expect([scriptRequests, bridge.state.configs.map((c) => [c.kind, c.state])]).toEqual([[], [['corp', 'ok']]]);
    await expect.poll(() => bridge!.state.menuHandlers).toContain('menu:share:wechat');
    expect(await bridge.tapShare('wechat')).toBe('shareWechat:ok');
    expect(bridge.state.sent).toEqual([{ api: 'shareWechat', card: { title: 'Orders', desc: 'Week 49', link: `${ORIGIN}/w?id=1`, imgUrl: '' } }]);
  });
});
