// Every framework snippet of the README runs as written, from the packed package: node:http, the
// local server with the fake WeChat API, Express, Koa, NestJS, Next.js (App Router, `next dev`),
// createDevMiddleware in webpack-dev-server 5 and Express, and the simulator mounted by hand in Express. Each signs with a signature that jsapiSignature over the WeChat API's
// jsapi_ticket accepts, and where a snippet embeds a signature or mounts the simulator, it does.
// `lib/wechat.js` runs as written too: on a real redis-server, its WeChat API answered by the
// test's fake (test/helpers/snippetPreload.mjs).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jsapiSignature } from '../../src/server/index';
import { startRedis } from '../../scripts/system.mjs';
import { HOST, useChromium } from './browser';
import { installPackedPackage, readmeSnippet, SNIPPETS_DIR, startFakeWechat, startSnippet, writeApp, type RunningSnippet } from '../helpers/snippets';

const APP_ID = 'wx_snippet_app_id';
const APP_SECRET = 'snippet-secret';
const NODE = process.execPath;

let redis: { url: string; stop: () => Promise<void> };
let wechat: Awaited<ReturnType<typeof startFakeWechat>>;
let env: Record<string, string>;
const running: RunningSnippet[] = [];

beforeAll(async () => {
  installPackedPackage();
  redis = await startRedis();
  wechat = await startFakeWechat(APP_ID, APP_SECRET);
  env = { REDIS_URL: redis.url, WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: APP_SECRET, WECHAT_API_FAKE: wechat.url, ALLOWED_HOSTS: 'localhost' };
}, 120_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((snippet) => snippet.stop()));
});
afterAll(async () => {
  await wechat?.close();
  await redis?.stop();
});

async function start(dir: string, args: string[], options: { timeout?: number; ipc?: boolean; env?: Record<string, string> } = {}) {
  const snippet = await startSnippet(dir, NODE, args, { ...env, ...options.env }, options);
  running.push(snippet);
  return snippet;
}

interface Signed {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
  url?: string;
}

/** Whether `signed` is the signature of `url` under `ticket`, as WeChat computes it. */
function expectValid(signed: Signed, url: string, ticket = wechat.api.currentTicket()) {
  expect(ticket).toBeTruthy();
  expect(signed.signature).toBe(jsapiSignature({ jsapi_ticket: ticket!, noncestr: signed.nonceStr, timestamp: signed.timestamp, url }));
}

/** The SDK's GET and form POST to `endpoint` sign `page`; a page on a host not allowed gets 403. */
async function expectSigns(endpoint: string, page: string, ticket?: () => Promise<string | null | undefined>) {
  for (const init of [undefined, { method: 'POST', body: new URLSearchParams({ url: page }) }]) {
    const response = await fetch(init ? endpoint : `${endpoint}?url=${encodeURIComponent(page)}`, init);
    const body = (await response.json()) as Signed;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.appId).toBeTruthy();
    expectValid(body, page, ticket ? ((await ticket()) ?? undefined) : undefined);
  }
  const refused = await fetch(`${endpoint}?url=${encodeURIComponent('https://evil.example/')}`);
  expect(refused.status).toBe(403);
}

/** GET with headers fetch may not set (Host, X-Forwarded-Proto). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    httpRequest(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => done({ status: response.statusCode!, body }));
    })
      .on('error', fail)
      .end();
  });
}

/** The embedded signature of a page's HTML, if any. */
function embedded(html: string): Signed | undefined {
  const json = /<script type="application\/json" id="wechat-share-signature">(.*?)<\/script>/.exec(html)?.[1];
  return json === undefined ? undefined : (JSON.parse(json) as Signed);
}

const lib = () => ({ 'lib/wechat.js': readmeSnippet('// lib/wechat.js') });

describe('the README snippets, from the packed package', () => {
  it('lib/wechat.js and server.js (node:http) sign, with the token and ticket in Redis', async () => {
    const dir = writeApp('node-http', { ...lib(), 'server.js': readmeSnippet('// server.js: node:http') });
    const { origin } = await start(dir, ['server.js']);
    await expectSigns(`${origin}/api/wechat/signature`, `${origin}/page?id=1`);
  });

  it('local.js signs with its own fake WeChat API, no credentials, no network', async () => {
    const dir = writeApp('local', { 'local.js': readmeSnippet('// local.js: node local.js, then open http://localhost:8080/?url=http%3A%2F%2Flocalhost%3A8080%2F') });
    const snippet = await start(dir, ['local.js'], { ipc: true, env: { WECHAT_APP_ID: '', WECHAT_APP_SECRET: '', WECHAT_API_FAKE: '' } });
    // The URL its first line says to open, on the port it listens on.
    await expectSigns(`${snippet.origin}/`, `${snippet.origin}/`, async () => (await snippet.tickets())[0]);
    expect(await snippet.tickets()).toHaveLength(1);
  });

  it('Express: server.js', async () => {
    const dir = writeApp('express', { ...lib(), 'server.js': readmeSnippet('// server.js: Express') });
    const { origin } = await start(dir, ['server.js']);
    await expectSigns(`${origin}/api/wechat/signature`, `${origin}/page?id=1`);
  });

  it('Koa: server.js with @koa/router and @koa/bodyparser', async () => {
    const dir = writeApp('koa', { ...lib(), 'server.js': readmeSnippet('// server.js: Koa, with @koa/router and @koa/bodyparser') });
    const { origin } = await start(dir, ['server.js']);
    await expectSigns(`${origin}/api/wechat/signature`, `${origin}/page?id=1`);
    // A JSON body too, which @koa/bodyparser reads before the handler.
    const page = `${origin}/json`;
    const response = await fetch(`${origin}/api/wechat/signature`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: page }) });
    expectValid((await response.json()) as Signed, page);
  });

  it('NestJS: src/main.ts, compiled as the Nest CLI does', async () => {
    const main = ts.transpileModule(readmeSnippet('// src/main.ts: NestJS (on Express, its default platform)'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true },
    }).outputText;
    // The smallest module, as `nest new` would have it (no controllers needed for the snippet).
    const appModule = "import { Module } from '@nestjs/common';\nexport class AppModule {}\nModule({})(AppModule);\n";
    const dir = writeApp('nest', { ...lib(), 'src/main.js': main, 'src/app.module.js': appModule });
    const { origin } = await start(dir, ['src/main.js']);
    await expectSigns(`${origin}/api/wechat/signature`, `${origin}/page?id=1`);
  });

  it('Express: page.js embeds a signature for the URL the browser has, and none for a forged Host', async () => {
    const dir = writeApp('express-page', { ...lib(), 'lib/signatureTag.js': readmeSnippet('// lib/signatureTag.js'), 'page.js': readmeSnippet('// page.js: Express, a page rendered with its signature') });
    const { origin } = await start(dir, ['page.js']);
    const page = await get(`${origin}/sale?id=1&from=ad`);
    expect(page.status).toBe(200);
    const signed = embedded(page.body);
    expect(signed?.url).toBe(`${origin}/sale?id=1&from=ad`);
    expectValid(signed!, signed!.url!);
    expect(page.body.indexOf('wechat-share-signature')).toBeLessThan(page.body.indexOf('wechat-share.iife.js'));
    // Behind a TLS proxy on loopback: the https URL the browser has.
    expect(embedded((await get(`${origin}/sale`, { 'X-Forwarded-Proto': 'https' })).body)?.url).toBe(`https://localhost:${new URL(origin).port}/sale`);
    const forged = await get(`${origin}/sale`, { Host: 'evil.example' });
    expect(forged.status).toBe(200);
    expect(embedded(forged.body)).toBeUndefined();
  });
});

describe('Next.js App Router (next dev) snippets', () => {
  const open = useChromium();

  it('sign, embed a signature for the request’s own scheme, load the simulator, and verify in a browser with no signing request', async () => {
    const dir = writeApp('next', {
      ...lib(),
      'lib/signatureTag.js': readmeSnippet('// lib/signatureTag.js'),
      'app/api/wechat/signature/route.js': readmeSnippet('// app/api/wechat/signature/route.js: Next.js App Router'),
      'app/sale/page.jsx': readmeSnippet('// app/sale/page.jsx: Next.js App Router, a server component renders the tag into the HTML'),
      'app/api/wechat/simulator/route.js': readmeSnippet("// app/api/wechat/simulator/route.js: Next.js, the simulator's script"),
      'app/api/wechat/verify/route.js': readmeSnippet("// app/api/wechat/verify/route.js: Next.js, the simulator's verify endpoint"),
      'app/layout.jsx': readmeSnippet('// app/layout.jsx: Next.js, the simulator before any other script, in development only'),
      'components/ShareCard.jsx': readmeSnippet('// components/ShareCard.jsx: Next.js, the card set in the browser (the SDK uses the embedded signature)'),
      // Pages opened as http://h5.example.com:PORT/ (the browser's host mapping) may load next dev's scripts.
      'next.config.mjs': `export default { allowedDevOrigins: [${JSON.stringify(HOST)}] };\n`,
      // What create-next-app writes: the `@/` import alias.
      'jsconfig.json': JSON.stringify({ compilerOptions: { paths: { '@/*': ['./*'] } } }),
    }, { ownCopy: true });
    const next = join(SNIPPETS_DIR, '..', '..', 'node_modules', 'next', 'dist', 'bin', 'next');
    // `next dev` listens on PORT.
    const snippet = await start(dir, [next, 'dev'], { timeout: 120_000, env: { ALLOWED_HOSTS: `localhost,${HOST}` } });
    const { origin } = snippet;

    await expectSigns(`${origin}/api/wechat/signature`, `${origin}/sale?id=1`);

    const page = await get(`${origin}/sale?id=1`);
    expect(page.status, page.body.slice(0, 2000)).toBe(200);
    const signed = embedded(page.body);
    expect(signed?.url).toBe(`${origin}/sale?id=1`);
    expectValid(signed!, signed!.url!);
    expect(embedded((await get(`${origin}/sale`, { 'X-Forwarded-Proto': 'https, http' })).body)?.url).toBe(`https://localhost:${new URL(origin).port}/sale`);
    expect(embedded((await get(`${origin}/sale`, { Host: 'evil.example' })).body)).toBeUndefined();

    // The simulator: loaded first, its script served, its verifier accepting the embedded signature.
    // next/script's beforeInteractive: Next.js loads it before its own code and before hydration.
    expect(page.body).toContain('(self.__next_s=self.__next_s||[]).push(["/api/wechat/simulator",{"data-verify":"/api/wechat/verify"}])');
    const script = await fetch(`${origin}/api/wechat/simulator`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toBe(readFileSync(join(SNIPPETS_DIR, 'node_modules', 'wechat-share', 'dist', 'wechat-simulator.iife.js'), 'utf8'));
    const verdict = await fetch(`${origin}/api/wechat/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(signed) });
    expect(await verdict.json()).toMatchObject({ ok: true });

    // In Chromium as WeChat on iOS: the simulator verifies the config, signed by the embedded
    // signature alone.
    const session = await open({ platform: 'ios' });
    await session.page.goto(`http://${HOST}:${new URL(origin).port}/sale?id=1`);
    await expect.poll(() => session.page.getAttribute('wechat-share-simulator >> .status', 'data-state'), { timeout: 60_000 }).toBe('ok');
    expect(session.signing).toEqual([]);
  }, 300_000);
});

describe('createDevMiddleware snippets', () => {
  const page = '<!doctype html><html><head><title>dev</title></head><body>page</body></html>';

  /** What createDevMiddleware mounts: printed, signing, the simulator in the page, its verifier. */
  async function expectDevTools(snippet: RunningSnippet) {
    const { origin } = snippet;
    await expect.poll(() => snippet.output(), { timeout: 10_000 }).toContain('wechat-share: signing endpoint /api/wechat/signature');
    expect(snippet.output()).toContain('wechat-share: simulated WeChat client: /__wechat-share/simulator.js');
    const url = `${origin}/`;
    const response = await fetch(`${origin}/api/wechat/signature?url=${encodeURIComponent(url)}`);
    const signed = (await response.json()) as Signed;
    expect(response.status, JSON.stringify(signed)).toBe(200);
    expectValid(signed, url);
    // As a browser asks for a page: the middleware injects into answers to `Accept: text/html`.
    const html = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain('page');
    expect(html).toMatch(/<head>\s*<script src="\/__wechat-share\/simulator\.js"[^>]*><\/script>/);
    expect((await fetch(`${origin}/__wechat-share/simulator.js`)).status).toBe(200);
    const verdict = await fetch(`${origin}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...signed, url }) });
    expect(await verdict.json()).toMatchObject({ ok: true });
  }

  it('webpack-dev-server 5: webpack.config.js, served as `webpack serve` does', async () => {
    // `webpack serve` (webpack-cli) in a few lines: the config's devServer on this port, the default entry.
    const serve = [
      "const webpack = require('webpack');",
      "const WebpackDevServer = require('webpack-dev-server');",
      "const { devServer, ...config } = require('./webpack.config.js');",
      "const compiler = webpack({ mode: 'development', ...config });",
      "new WebpackDevServer({ ...devServer, port: Number(process.env.PORT), hot: false, liveReload: false, client: false }, compiler).start();",
    ].join('\n');
    const dir = writeApp(
      'webpack',
      { 'webpack.config.js': readmeSnippet('// webpack.config.js'), 'serve.js': serve, 'src/index.js': 'document.title;\n', 'public/index.html': page },
      { type: 'commonjs' },
    );
    await expectDevTools(await start(dir, ['serve.js'], { timeout: 60_000 }));
  });

  it('Express: the simulator by hand (Simulator section), its fixed port 8080 mapped to a free one', async () => {
    const withSimulator = page.replace('<head>', '<head><script src="/wechat-simulator.iife.js"></script>');
    const dir = writeApp('express-simulator', { 'server.js': readmeSnippet("import express from 'express';"), 'public/index.html': withSimulator }, { ownCopy: true });
    const { origin } = await start(dir, ['server.js'], { env: { SNIPPET_FIXED_PORT: '8080' } });
    const url = `${origin}/`;
    const response = await fetch(`${origin}/api/wechat/signature?url=${encodeURIComponent(url)}`);
    const signed = (await response.json()) as Signed;
    expect(response.status, JSON.stringify(signed)).toBe(200);
    expectValid(signed, url);
    expect(await (await fetch(url)).text()).toBe(withSimulator);
    const script = await fetch(`${origin}/wechat-simulator.iife.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toBe(readFileSync(join(SNIPPETS_DIR, 'node_modules', 'wechat-share', 'dist', 'wechat-simulator.iife.js'), 'utf8'));
    // Its verifier checks with the signer's ticket, for its JS safe domain h5.example.com only.
    const verify = (body: Signed) =>
      fetch(`${origin}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    expect(await verify({ ...signed, url })).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
    const onDomain = 'https://h5.example.com/sale?id=1';
    const signedOnDomain = (await (await fetch(`${origin}/api/wechat/signature?url=${encodeURIComponent(onDomain)}`)).json()) as Signed;
    expect(await verify({ ...signedOnDomain, url: onDomain })).toMatchObject({ ok: true });
    expect(await verify({ ...signedOnDomain, url: onDomain, signature: signed.signature })).toMatchObject({ ok: false, errMsg: 'invalid signature' });
  });

  it('Express: server.js, in development', async () => {
    const dir = writeApp('express-dev', { 'server.js': readmeSnippet('// server.js: Express, in development'), 'public/index.html': page });
    await expectDevTools(await start(dir, ['server.js']));
  });
});
