// Issue 16, item 13 (dev half): createDevMiddleware and the Vite plugin hand pages the jweixin of an
// installed weixin-js-sdk 1.6 or later, so that they work without the internet; never 1.4.x, which
// would leave a page that asks for open tags without them. The packages are the real files: 1.4.0
// (`weixin-js-sdk@1.4.0-test`) and 1.6.0 (`jweixin-1.6.0`, an alias of `weixin-js-sdk@1.6.0`), laid
// out as each published version ships them.
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { findJweixin, type LocalJweixin } from '../../src/dev/findJweixin';
import { createDevMiddleware } from '../../src/dev/index';

const projects = mkdtempSync(join(tmpdir(), 'wechat-share-jweixin-'));
afterAll(() => rmSync(projects, { recursive: true, force: true }));
/** A project folder whose node_modules/weixin-js-sdk holds `files` (name → source file) and that version. */
function project(name: string, version: string, files: Record<string, string>): string {
  const folder = join(projects, name, 'node_modules', 'weixin-js-sdk');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'weixin-js-sdk', version, main: 'index.js' }));
  for (const [file, source] of Object.entries(files)) cpSync(source, join(folder, file));
  return join(projects, name);
}
const V16 = 'node_modules/jweixin-1.6.0';
// 1.4.0-test and 1.6.0 ship the official file as index.original.js beside a CommonJS index.js.
const with160 = project('v160', '1.6.0', { 'index.original.js': `${V16}/index.original.js`, 'index.js': `${V16}/index.js` });
// 1.6.2 to 1.6.5 ship only the CommonJS index.js (made from jweixin 1.6.0), which never sets window.wx.
const with165 = project('v165', '1.6.5', { 'index.js': `${V16}/index.js` });
const with140 = project('v140', '1.4.0-test', { 'index.original.js': 'node_modules/weixin-js-sdk/index.original.js', 'index.js': 'node_modules/weixin-js-sdk/index.js' });
const empty = join(projects, 'none');
mkdirSync(empty);

const found = (root: string): LocalJweixin => {
  const lookup = findJweixin(root);
  if (!('found' in lookup)) throw new Error(`not found: ${lookup.missing}`);
  return lookup.found;
};
type Page = Omit<Window, 'wx' | 'jWeixin'> & { wx?: Record<string, unknown>; jWeixin?: unknown; define?: unknown };
// Runs the served script in this test's jsdom window as a fresh page would (jweixin starts only
// while window.jWeixin is unset), optionally with an AMD loader on the page.
function run(script: string, amd = false): Page {
  const page = window as unknown as Page;
  delete page.wx;
  delete page.jWeixin;
  if (amd) page.define = Object.assign(() => {}, { amd: true });
  try {
    new Function(script).call(window);
  } finally {
    delete page.define;
  }
  return page;
}

describe('findJweixin', () => {
  it.each([
    ['1.6.0 (index.original.js)', with160],
    ['1.6.5 (CommonJS index.js only)', with165],
  ])('finds %s and serves a script that sets window.wx and window.jWeixin, with an AMD loader on the page too', async (_, root) => {
    const jweixin = found(root);
    expect(jweixin.fileName).toBe('jweixin-1.6.0.js');
    for (const amd of [false, true]) {
      const page = run(await jweixin.script(), amd);
      expect(typeof page.wx?.config).toBe('function');
      expect(typeof page.wx?.updateAppMessageShareData).toBe('function');
      expect(page.jWeixin).toBe(page.wx);
    }
  });

  it('serves the official 1.6.0 file itself when the package has it', async () => {
    expect(await found(with160).script()).toContain(readFileSync(`${V16}/index.original.js`, 'utf8'));
    expect(found(with165).version).toBe('1.6.5');
  });

  it('leaves a page\'s own jweixin in place (jweixin starts once per page)', async () => {
    const page = window as unknown as Page;
    const mine = { mine: true };
    page.wx = page.jWeixin = mine;
    new Function(await found(with165).script()).call(window);
    expect([page.wx, page.jWeixin]).toEqual([mine, mine]);
  });

  it('does not hand out 1.4.x, which has no open tags, and says why; nor what is not installed', () => {
    expect(findJweixin(with140)).toEqual({ missing: 'weixin-js-sdk 1.4.0-test is installed, without open tags' });
    expect(findJweixin(empty)).toEqual({ missing: 'weixin-js-sdk is not installed' });
  });
});

describe('createDevMiddleware with weixin-js-sdk installed', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });
  const quiet = { log: () => {}, appId: undefined, appSecret: undefined };

  it('serves it, puts its tag after the simulator\'s in pages, and says so', async () => {
    const middleware = createDevMiddleware({ ...quiet, root: with165 });
    expect(middleware.jweixinPath).toBe('/__wechat-share/jweixin-1.6.0.js');
    expect(middleware.mounted).toContain('jweixin: /__wechat-share/jweixin-1.6.0.js, from weixin-js-sdk 1.6.5 (pages work offline)');
    const tags = '<script src="/__wechat-share/simulator.js" data-verify="/__wechat-share/verify"></script><script src="/__wechat-share/jweixin-1.6.0.js"></script>';
    expect(middleware.simulatorTag).toBe(tags);
    server = createServer((req, res) => middleware(req, res, () => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><head></head></html>'))).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const script = await fetch(`${base}/__wechat-share/jweixin-1.6.0.js`);
    expect([script.status, script.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(await script.text()).toBe(await found(with165).script());
    expect(await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text()).toBe(`<html><head>\n${tags}</head></html>`);
  });

  it('says where pages load jweixin from when it is not served: 1.4.x, not installed, root: false, no simulator', () => {
    const line = (options: object) => createDevMiddleware({ ...quiet, ...options }).mounted.find((l) => l.startsWith('jweixin'));
    expect(line({ root: with140 })).toBe('jweixin: from res.wx.qq.com (weixin-js-sdk 1.4.0-test is installed, without open tags; npm install -D weixin-js-sdk@^1.6 to work offline)');
    expect(line({ root: empty })).toBe('jweixin: from res.wx.qq.com (weixin-js-sdk is not installed; npm install -D weixin-js-sdk@^1.6 to work offline)');
    expect(line({ root: false })).toBeUndefined();
    expect(line({ root: with160, simulate: false })).toBeUndefined();
    expect(createDevMiddleware({ ...quiet, root: with140 }).jweixinPath).toBeUndefined();
  });
});
