// @vitest-environment node
// The Vite plugin signs for WeCom too: a real Vite dev server with wechatShare(), asked with
// platform=wecom, answers the fake WeCom API's corp and agent signatures, which its verify endpoint accepts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { wechatShare } from '../../src/dev/vite/index';

const root = mkdtempSync(join(tmpdir(), 'wechat-share-vite-wecom-'));
writeFileSync(join(root, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
let vite: ViteDevServer;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  vi.stubEnv('WECOM_CORP_ID', '');
  vi.stubEnv('WECOM_CORP_SECRET', '');
  const logger = createLogger('info');
  logger.info = (line) => void logged.push(line);
  vite = await createServer({
    root,
    configFile: false,
    customLogger: logger,
    plugins: [wechatShare({ appId: undefined, appSecret: undefined, root: false })],
    server: { host: '127.0.0.1', port: 0, hmr: false },
  });
  await vite.listen();
  base = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await vite?.close();
  vi.unstubAllEnvs();
  rmSync(root, { recursive: true, force: true });
});

it('signs platform=wecom with the fake WeCom API, verified by its verify endpoint, and says so under Vite\'s URLs', async () => {
  const url = 'https://h5.example.com/';
  const signed = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(url)}&platform=wecom`)).json();
  expect(signed).toMatchObject({ appId: 'ww0000000000demo0', agentId: 1000002 });
  const verify = (body: object) =>
    fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  const { agentSignature, agentId, ...corp } = signed;
  await expect(verify({ ...corp, url, platform: 'wecom', kind: 'corp' })).resolves.toEqual({ ok: true, expectedUrl: url });
  await expect(verify({ appId: corp.appId, ...agentSignature, url, platform: 'wecom', kind: 'agent', agentId })).resolves.toEqual({ ok: true, expectedUrl: url });
  vite.printUrls();
  expect(logged.map((line) => line.replace(/\u001b\[[\d;]*m/g, '').trim())).toContain(
    '➜  wechat-share: WeCom signing (platform=wecom) at /api/wechat/signature (fake WeCom API, corpId ww0000000000demo0, agentId 1000002)',
  );
});
