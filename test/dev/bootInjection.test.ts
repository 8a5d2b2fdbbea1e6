// createDevMiddleware's `bootScript` and `jweixinPackage` options (issue 23, items 1 and 5): the boot
// snippet put into HTML pages after the simulator's and jweixin's tags, and jweixin 1.6.0 served from
// an alias (this repository's jweixin-1.6.0) when weixin-js-sdk is 1.4.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevMiddleware } from '../../src/dev/index';
import { bootScript } from '../../src/server/index';

const quiet = { log: () => {}, appId: undefined, appSecret: undefined };
let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

async function page(middleware: ReturnType<typeof createDevMiddleware>): Promise<string> {
  server = createServer((req, res) => middleware(req, res, () => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><head></head></html>'))).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: { accept: 'text/html' } });
  return response.text();
}

describe('createDevMiddleware bootScript', () => {
  it('puts the snippet for its endpoint after the simulator and the local jweixin, and says so', async () => {
    const middleware = createDevMiddleware({ ...quiet, endpoint: '/sign', jweixinPackage: 'jweixin-1.6.0', bootScript: { jweixinVersion: '1.6.0' } });
    const boot = bootScript({ endpoint: '/sign', jweixinVersion: '1.6.0' });
    expect(middleware.bootTag).toBe(boot);
    expect(middleware.mounted).toContain('boot snippet in HTML pages: jweixin and /sign start from <head>');
    expect(await page(middleware)).toBe(`<html><head>\n${middleware.simulatorTag}${boot}</head></html>`);
    expect(middleware.simulatorTag).toContain('<script src="/__wechat-share/jweixin-1.6.0.js"></script>');
  });

  it('puts it into pages without the simulator too, and nothing when not asked', async () => {
    const alone = createDevMiddleware({ ...quiet, simulate: false, bootScript: true });
    expect(await page(alone)).toBe(`<html><head>\n${bootScript({ endpoint: '/api/wechat/signature' })}</head></html>`);
    server?.close();
    const off = createDevMiddleware({ ...quiet, simulate: false });
    expect(off.bootTag).toBe('');
    expect(await page(off)).toBe('<html><head></head></html>');
  });
});

describe('createDevMiddleware jweixinPackage', () => {
  it('serves jweixin 1.6.0 from an alias of weixin-js-sdk, naming it', () => {
    const middleware = createDevMiddleware({ ...quiet, jweixinPackage: 'jweixin-1.6.0' });
    expect(middleware.jweixinPath).toBe('/__wechat-share/jweixin-1.6.0.js');
    expect(middleware.mounted).toContain('jweixin: /__wechat-share/jweixin-1.6.0.js, from jweixin-1.6.0: weixin-js-sdk 1.6.0 (pages work offline)');
    expect(createDevMiddleware({ ...quiet, jweixinPackage: 'no-such-alias' }).mounted).toContain(
      'jweixin: from res.wx.qq.com (no-such-alias is not installed; npm install -D weixin-js-sdk@^1.6 to work offline)',
    );
  });
});
