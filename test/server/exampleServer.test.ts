// @vitest-environment node
// examples/server as deployed: env parsing, static files kept inside their folders, the dev-only
// verify endpoint off unless asked for, and signing through the fake WeChat API without credentials.
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JS example, typed by use
import { optionsFromEnv, startServer } from '../../examples/server/server.mjs';

type Running = { url: string; port: number; close: () => Promise<void> };
let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const start = async (env: Record<string, string>, argv: string[] = []) => {
  running = (await startServer({ ...optionsFromEnv(env, argv), port: 0 })) as Running;
  return `http://127.0.0.1:${running.port}`;
};

describe('examples/server', () => {
  it('reads its settings from the environment', () => {
    expect(optionsFromEnv({ WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's', ALLOWED_HOSTS: 'a.com, b.com', PORT: '9000' }, [])).toMatchObject({
      appId: 'wx1', appSecret: 's', allowedHosts: ['a.com', 'b.com'], port: 9000, host: '127.0.0.1', simulator: false, localJweixin: false,
    });
    expect(optionsFromEnv({}, ['--demo'])).toMatchObject({ port: 8080, simulator: true, localJweixin: true });
    expect(optionsFromEnv({ WECHAT_SHARE_SIMULATOR: '1' }, [])).toMatchObject({ simulator: true, localJweixin: false });
  });

  it('signs through the fake WeChat API without credentials and keeps its own host list', async () => {
    const base = await start({ ALLOWED_HOSTS: 'h5.example.com' });
    const ok = await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent('https://h5.example.com/')}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ appId: 'wx_demo_app_id', signature: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect((await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent('https://evil.example.net/')}`)).status).toBe(403);
  });

  it('has the verify endpoint only when the simulator is on', async () => {
    const off = await start({});
    expect((await fetch(`${off}/__wechat-share/verify`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await (await fetch(`${off}/h5/`)).text()).not.toContain('wechat-simulator');
    await running!.close();
    const on = await start({}, ['--demo']);
    const verdict = await fetch(`${on}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://h5.example.com/', appId: 'wx_demo_app_id', nonceStr: 'n', timestamp: 1, signature: 'x' }) });
    expect(await verdict.json()).toMatchObject({ ok: false, errMsg: 'invalid signature', expectedUrl: 'https://h5.example.com/' });
    expect(await (await fetch(`${on}/h5/`)).text()).toContain('<script src="/dist/wechat-simulator.iife.js"');
  });

  it('takes the verifier\'s JS safe domains from ALLOWED_HOSTS, wildcards included', async () => {
    const base = await start({ ALLOWED_HOSTS: '*.example.com', WECHAT_SHARE_SIMULATOR: '1' });
    const page = 'https://h5.example.com/p';
    const signature = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(page)}`)).json();
    const verify = (url: string) =>
      fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...signature, url }) }).then((r) => r.json());
    expect(await verify(page)).toEqual({ ok: true, expectedUrl: page });
    expect(await verify('https://evil.example.net/p')).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
  });

  it('serves nothing outside its folders and survives a malformed path', async () => {
    const base = await start({});
    for (const path of ['/dist/..%2Fpackage.json', '/assets/..%2F..%2Fpackage.json', '/nope']) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400);
    expect((await fetch(`${base}/dist/wechat-share.mjs`)).headers.get('content-type')).toMatch(/javascript/);
  });
});
