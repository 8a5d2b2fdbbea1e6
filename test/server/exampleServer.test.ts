// @vitest-environment node
// examples/server as deployed: env parsing, static files kept inside their folders, the dev-only
// verify endpoint off unless asked for, and signing through the fake WeChat API without credentials.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startRedis } from '../../scripts/system.mjs';
// @ts-expect-error plain JS example, typed by use
import { optionsFromEnv, startServer } from '../../examples/server/server.mjs';

type Running = { url: string; port: number; close: () => Promise<void> };
let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

const root = fileURLToPath(new URL('../../', import.meta.url));
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

  it('signs pages inside WeCom (platform=wecom) with the fake WeCom API, checked by the demo\'s verify endpoint, and embeds no WeChat signature in them', async () => {
    expect(optionsFromEnv({ WECOM_CORP_ID: 'ww1', WECOM_CORP_SECRET: 's', WECOM_AGENT_ID: '1000005' }, [])).toMatchObject({ wecomCorpId: 'ww1', wecomCorpSecret: 's', wecomAgentId: 1000005 });
    const base = await start({}, ['--demo']);
    const page = 'https://h5.example.com/h5/';
    const signed = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(page)}&platform=wecom`)).json();
    expect(signed).toMatchObject({ appId: 'ww0000000000demo0', agentId: 1000002, agentSignature: { signature: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    const verify = (body: object) =>
      fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const { agentSignature, agentId, ...corp } = signed;
    expect(await verify({ ...corp, url: page, platform: 'wecom', kind: 'corp' })).toEqual({ ok: true, expectedUrl: page });
    expect(await verify({ appId: corp.appId, ...agentSignature, url: page, platform: 'wecom', kind: 'agent', agentId })).toEqual({ ok: true, expectedUrl: page });
    expect(await verify({ appId: corp.appId, ...agentSignature, url: page, platform: 'wecom', kind: 'corp' })).toMatchObject({ ok: false, errMsg: 'invalid signature' });
    const pageIn = (userAgent: string) => fetch(`${base}/h5/`, { headers: { 'user-agent': userAgent } }).then((r) => r.text());
    const wechatUa = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50';
    const wecomUa = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1';
    const inWechat = await pageIn(wechatUa);
    const inWecom = await pageIn(wecomUa);
    expect(inWechat).toContain('id="wechat-share-signature"');
    expect(inWecom).not.toContain('id="wechat-share-signature"');
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

  it('serves the same pages for jweixin 1.6.0 with jweixinVersion, the open-tags page unchanged', async () => {
    const text = (path: string) => fetch(`${base}${path}`).then((r) => r.text());
    let base = await start({});
    const h5 = await text('/h5/');
    const spa = await text('/spa/');
    const openTags = await text('/open-tags/');
    expect(h5).not.toContain('data-jweixin');
    await running!.close();
    running = (await startServer({ ...optionsFromEnv({}, []), port: 0, jweixinVersion: '1.6.0' })) as Running;
    base = `http://127.0.0.1:${running.port}`;
    // Only the script tag says which jweixin; the SPA's SDK module is configured before the app uses it.
    expect(await text('/h5/')).toBe(h5.replace('<script src="/dist/wechat-share.iife.js"', '$& data-jweixin="1.6.0"'));
    const module = '/__wechat-share/wechat-share-jweixin-1.6.0.mjs';
    expect(await text('/spa/')).toBe(spa.replace('"wechat-share": "/dist/wechat-share.mjs"', `"wechat-share": "${module}"`));
    expect(await text(module)).toBe("import { configure } from '/dist/wechat-share.mjs';\nconfigure({ jweixinVersion: '1.6.0' });\nexport * from '/dist/wechat-share.mjs';\n");
    expect(await text('/open-tags/')).toBe(openTags);
    await expect(startServer({ ...optionsFromEnv({}, []), port: 0, jweixinVersion: '1.5.0' })).rejects.toThrow("jweixinVersion must be '1.4.0' or '1.6.0', not \"1.5.0\".");
  });
});

describe('examples/server hardening', () => {
  it('sends nosniff and a CSP that allows its own scripts, the page\'s inline ones by hash, and jweixin\'s hosts', async () => {
    const base = await start({}, ['--demo']);
    const page = await fetch(`${base}/h5/`);
    const csp = page.headers.get('content-security-policy')!;
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(csp).toMatch(/script-src 'self' https:\/\/res\.wx\.qq\.com https:\/\/res2\.wx\.qq\.com 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const api = await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent('https://h5.example.com/')}`);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  // A page as a client with these headers gets it (node:http: fetch may not set Host).
  const page = (base: string, path: string, headers: Record<string, string>) =>
    new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      get(`${base}${path}`, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ headers: res.headers, body }));
      }).on('error', reject);
    });
  const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
  // The url of the signature embedded in a page, if any.
  const embeddedUrl = (body: string) => {
    const json = /<script type="application\/json" id="wechat-share-signature">(.*?)<\/script>/.exec(body)?.[1];
    return json && (JSON.parse(json) as { url: string }).url;
  };

  it('with inlineSimulator (the benchmark), carries the simulator in the page, allowed by its hash, and requests none', async () => {
    running = (await startServer({ ...optionsFromEnv({}, ['--demo']), port: 0, inlineSimulator: true })) as Running;
    const { headers, body } = await page(`http://127.0.0.1:${running.port}`, '/h5/', { 'User-Agent': WECHAT_UA });
    const code = /<script data-verify="\/__wechat-share\/verify">([\s\S]*?)<\/script>/.exec(body)?.[1];
    expect(code).toBe(readFileSync(join(root, 'dist', 'wechat-simulator.iife.js'), 'utf8'));
    expect(body).not.toContain('src="/dist/wechat-simulator.iife.js"');
    expect(headers['content-security-policy']).toContain(`'sha256-${createHash('sha256').update(code!).digest('base64')}'`);
  });

  it('sends Vary: User-Agent with the pages that differ by user agent, to WeChat and to browsers alike', async () => {
    const base = await start({ ALLOWED_HOSTS: 'h5.example.com' });
    for (const ua of [WECHAT_UA, 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0']) {
      const { headers } = await page(base, '/h5/', { 'user-agent': ua, host: 'h5.example.com' });
      expect(headers.vary).toMatch(/User-Agent/i);
    }
    expect((await page(base, '/h5/', { 'user-agent': WECHAT_UA, host: 'h5.example.com' })).body).toContain('wechat-share-signature');
  });

  it('normalises the Host header and takes the first X-Forwarded-Proto value before embedding the signature', async () => {
    const base = await start({ ALLOWED_HOSTS: 'h5.example.com' });
    for (const [host, proto, url] of [
      ['h5.example.com:443', 'https', 'https://h5.example.com/h5/?a=1'],
      ['H5.Example.COM', 'https', 'https://h5.example.com/h5/?a=1'],
      ['h5.example.com', 'https, http', 'https://h5.example.com/h5/?a=1'],
      ['h5.example.com:80', 'http', 'http://h5.example.com/h5/?a=1'],
    ]) {
      const { body } = await page(base, '/h5/?a=1', { 'user-agent': WECHAT_UA, host, 'x-forwarded-proto': proto });
      expect(embeddedUrl(body), `${host} ${proto}`).toBe(url);
    }
    // A host outside ALLOWED_HOSTS still gets none, and the page is served.
    const other = await page(base, '/h5/', { 'user-agent': WECHAT_UA, host: 'evil.example.net' });
    expect(other.body).toContain('<html');
    expect(other.body).not.toContain('wechat-share-signature');
  });

  it('refuses a symlink that leads out of its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    try {
      writeFileSync(join(dir, 'inside.html'), '<p>ok</p>');
      symlinkSync(join(process.cwd(), 'package.json'), join(dir, 'escape.json'));
      running = (await startServer({ ...optionsFromEnv({}, []), port: 0, fixturesDir: dir })) as Running;
      const base = `http://127.0.0.1:${running.port}`;
      expect((await fetch(`${base}/fixtures/inside.html`)).status).toBe(200);
      const escaped = await fetch(`${base}/fixtures/escape.json`);
      expect(escaped.status).toBe(404);
      expect(await escaped.text()).not.toContain('"name"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cuts off a client that sends its body too slowly', async () => {
    running = (await startServer({ ...optionsFromEnv({}, []), port: 0, requestTimeout: 500 })) as Running;
    const socket = connect(running.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /api/wechat/signature HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nurl=');
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    // Node's own request timer (requestTimeout, checked on its connectionsCheckingInterval) cuts it:
    // the 408 says which limit did. (With Node's default of 300 s the test would time out instead.)
    await once(socket, 'close');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('examples/server as a process', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  // Starts server.mjs; resolves with its base URL once it prints it, and everything it printed.
  async function run(env: Record<string, string>) {
    child = spawn(process.execPath, ['examples/server/server.mjs'], { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    child.stdout!.on('data', (chunk) => (output.text += chunk));
    child.stderr!.on('data', (chunk) => (output.text += chunk));
    const exited = once(child, 'exit').then(() => undefined);
    await Promise.race([exited, new Promise<void>((resolve) => {
      const check = () => (/Open http/.test(output.text) ? resolve() : setTimeout(check, 20));
      check();
    })]);
    const port = /localhost:(\d+)\//.exec(output.text)?.[1];
    return { base: port && `http://127.0.0.1:${port}`, output, exited };
  }

  it('warns when ALLOWED_HOSTS is unset, and names PORT when the port is taken', async () => {
    const { output } = await run({});
    expect(output.text).toMatch(/ALLOWED_HOSTS is not set/);
    child!.kill('SIGKILL');
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      const taken = await run({ PORT: String(port), ALLOWED_HOSTS: 'h5.example.com' });
      await taken.exited;
      expect(taken.output.text).toMatch(new RegExp(`port ${port} is in use\\. Set another one, such as PORT=`));
      expect(taken.output.text).not.toMatch(/ALLOWED_HOSTS is not set/);
    } finally {
      blocker.close();
    }
  });

  it('keeps running and signing when Redis drops, and says so in its log', async () => {
    const redis = await startRedis();
    try {
      const { base, output } = await run({ REDIS_URL: redis.url, ALLOWED_HOSTS: 'h5.example.com' });
      const sign = () => fetch(`${base}/api/wechat/signature?url=${encodeURIComponent('https://h5.example.com/')}`);
      expect((await sign()).status).toBe(200);
      await redis.stop();
      await expect.poll(() => output.text, { timeout: 5000 }).toMatch(/\[redis\].*signing goes on from memory/);
      for (let i = 0; i < 5; i++) expect((await sign()).status).toBe(200);
      expect(child!.exitCode).toBeNull();
    } finally {
      await redis.stop();
    }
  });
});

describe('npm run demo', () => {
  it('builds only when dist/ is missing or older than a source', async () => {
    // @ts-expect-error plain JS script, typed by use
    const { staleReason } = await import('../../scripts/demo.mjs');
    const { mkdirSync, utimesSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'demo-'));
    try {
      const bundles = ['wechat-share.iife.js', 'wechat-share.mjs', 'server.mjs', 'wechat-simulator.iife.js', 'wechat-simulator.mjs'];
      mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
      mkdirSync(join(dir, 'dist'));
      for (const file of ['rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json', 'src/index.ts', 'src/lib/a.ts']) writeFileSync(join(dir, file), '');
      expect(staleReason(dir)).toBe('dist/wechat-share.iife.js is missing');
      const old = new Date(Date.now() - 60_000);
      for (const file of ['rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json', 'src/index.ts', 'src/lib/a.ts']) utimesSync(join(dir, file), old, old);
      // Built 30 s ago, after the sources: up to date. (Set explicitly: files written within the
      // same millisecond would share an mtime.)
      const built = new Date(Date.now() - 30_000);
      for (const bundle of bundles) {
        writeFileSync(join(dir, 'dist', bundle), '');
        utimesSync(join(dir, 'dist', bundle), built, built);
      }
      expect(staleReason(dir)).toBeUndefined();
      writeFileSync(join(dir, 'src', 'lib', 'a.ts'), 'changed');
      expect(staleReason(dir)).toBe('src changed since the last build');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('judges by content once dist/ is stamped: npm install rewriting package-lock.json as it was triggers no build', async () => {
    // @ts-expect-error plain JS script, typed by use
    const { staleReason, writeStamp } = await import('../../scripts/demo.mjs');
    const { mkdirSync, utimesSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'demo-'));
    try {
      mkdirSync(join(dir, 'src'), { recursive: true });
      mkdirSync(join(dir, 'dist'));
      for (const file of ['rollup.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json', 'src/index.ts']) writeFileSync(join(dir, file), `${file} v1`);
      const built = new Date(Date.now() - 30_000);
      for (const bundle of ['wechat-share.iife.js', 'wechat-share.mjs', 'server.mjs', 'wechat-simulator.iife.js', 'wechat-simulator.mjs']) {
        writeFileSync(join(dir, 'dist', bundle), '');
        utimesSync(join(dir, 'dist', bundle), built, built);
      }
      writeStamp(dir);
      // npm install: the same lockfile written again, newer than every bundle.
      writeFileSync(join(dir, 'package-lock.json'), 'package-lock.json v1');
      expect(staleReason(dir)).toBeUndefined();
      writeFileSync(join(dir, 'package-lock.json'), 'package-lock.json v2');
      expect(staleReason(dir)).toBe('package-lock.json changed since the last build');
      writeFileSync(join(dir, 'package-lock.json'), 'package-lock.json v1');
      writeFileSync(join(dir, 'src', 'new.ts'), '');
      expect(staleReason(dir)).toBe('src changed since the last build');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers /favicon.ico without a 404, and the index page explains the panel', async () => {
    const base = await start({}, ['--demo']);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(204);
    const index = await (await fetch(`${base}/`)).text();
    expect(index).toContain('simulated WeChat client');
    expect(index).toContain('This page sets no card. The examples do');
  });
});
