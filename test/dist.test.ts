// The built bundles, as users get them: the IIFE from a <script> tag with data-endpoint, and the
// ESM and CJS builds. `npm test` builds first.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { ENDPOINT, JWEIXIN_VERSIONS, ORIGIN, openPage, openTagConfigs, scriptRequests, server, signatureFor, signed, signingEndpoint, useJweixin } from './helpers/wechat';
import { jweixinUrl } from '../scripts/jweixin.mjs';
import { signatureScript } from '../src/server/signatureScript';

const iife = readFileSync('dist/wechat-share.iife.js', 'utf8');
type Sdk = typeof import('../src/index');

// Runs the IIFE as <script src=… {data-*}> would: in global scope, with document.currentScript
// naming the tag. (The end-to-end tests load it from a real tag in Chromium.)
function runScriptTag(dataset: Record<string, string>): Sdk {
  const tag = document.createElement('script');
  Object.assign(tag.dataset, dataset);
  document.body.appendChild(tag);
  Object.defineProperty(document, 'currentScript', { get: () => tag, configurable: true });
  try {
    (0, eval)(iife);
  } finally {
    delete (document as { currentScript?: unknown }).currentScript;
  }
  return (window as unknown as { WechatShare: Sdk }).WechatShare;
}

// For an absence, instead of a sleep: after the tag ran and its microtasks settled (one
// setImmediate), no request, no <script> added and no timer was started, so none can come later.
function nothingStarted() {
  const spies = [vi.spyOn(globalThis, 'fetch'), vi.spyOn(document.head, 'appendChild'), vi.spyOn(globalThis, 'setTimeout'), vi.spyOn(globalThis, 'setInterval')];
  return {
    async check() {
      await new Promise((resolve) => setImmediate(resolve));
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
      for (const spy of spies) spy.mockRestore();
    },
  };
}

// Every case runs on jweixin 1.4.0 (the default) and 1.6.0 (data-jweixin="1.6.0") alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  const { SDK_URL } = useJweixin(version);
  const tagVersion: Record<string, string> = version === '1.4.0' ? {} : { jweixin: version };

  describe('dist/wechat-share.iife.js', () => {
    it('defines WechatShare and takes the endpoint from data-endpoint', async () => {
      server.use(signingEndpoint());
      const { bridge } = await openPage();
      const global = runScriptTag({ endpoint: ENDPOINT, ...tagVersion });
      expect(Object.keys(global).sort()).toEqual(['WechatShareError', 'autoShare', 'configure', 'preloadShare', 'setupShare']);
      await expect(global.setupShare({ title: 'From the tag' })).resolves.toMatchObject({ status: 'ready' });
      expect(signed).toEqual(['https://h5.example.com/']);
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(bridge.state.appMessage?.title).toBe('From the tag');
    });
  });

  describe('dist/wechat-share.iife.js: early start and auto mode', () => {
    it('with data-endpoint, loads jweixin, signs and configures when evaluated, before any setupShare', async () => {
      server.use(signingEndpoint());
      const { bridge } = await openPage({ path: '/early' });
      const sdk = runScriptTag({ endpoint: ENDPOINT, ...tagVersion });
      await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(signed).toEqual([`${ORIGIN}/early`]);
      await expect(sdk.setupShare({ title: 'Later' })).resolves.toMatchObject({ status: 'ready' });
      expect(bridge.state.configs).toHaveLength(1);
    });

    it('with data-preload="false", waits for setupShare', async () => {
      server.use(signingEndpoint());
      const { bridge } = await openPage();
      const started = nothingStarted();
      runScriptTag({ endpoint: ENDPOINT, preload: 'false', ...tagVersion });
      await started.check();
      expect([scriptRequests, signed, bridge.state.configs]).toEqual([[], [], []]);
    });

    it('with only an embedded signature, configures with no signing request at all', async () => {
      const { bridge } = await openPage({ path: '/ssr', html: signatureScript({ ...signatureFor(`${ORIGIN}/ssr`), url: `${ORIGIN}/ssr` }) });
      runScriptTag({ ...tagVersion });
      await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
      expect(scriptRequests).toEqual([SDK_URL]);
      expect(signed).toEqual([]);
    });

    it('with data-debug, turns on jweixin\'s debug mode (its alerts); data-debug="false" leaves it off', async () => {
      const alerts = vi.spyOn(window, 'alert').mockImplementation(() => undefined);
      try {
        server.use(signingEndpoint());
        let { bridge } = await openPage();
        runScriptTag({ endpoint: ENDPOINT, debug: 'false', ...tagVersion });
        await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
        await vi.waitFor(() => expect(bridge.state.appMessage).toBeDefined());
        expect(alerts).not.toHaveBeenCalled();
        ({ bridge } = await openPage());
        runScriptTag({ endpoint: ENDPOINT, debug: '', ...tagVersion });
        await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
        // jweixin alerts each share call's result in debug mode.
        await vi.waitFor(() => expect(alerts.mock.calls.map(([text]) => String(text))).toContainEqual(expect.stringContaining('updateAppMessageShareData:ok')));
      } finally {
        alerts.mockRestore();
      }
    });

    it('outside WeChat, requests nothing', async () => {
      server.use(signingEndpoint());
      await openPage({ platform: null });
      const started = nothingStarted();
      runScriptTag({ endpoint: ENDPOINT, ...tagVersion });
      await started.check();
      expect([scriptRequests, signed]).toEqual([[], []]);
    });

    it('with data-auto, applies the Open Graph card and follows the page', async () => {
      server.use(signingEndpoint());
      const { bridge } = await openPage({ html: '<meta property="og:title" content="From OG">' });
      runScriptTag({ endpoint: ENDPOINT, auto: '', ...tagVersion });
      await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('From OG'));
      expect(scriptRequests).toEqual([SDK_URL]);
      document.querySelector('meta')!.setAttribute('content', 'Changed');
      await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Changed'));
      (window as unknown as { WechatShare: Sdk }).WechatShare.setupShare({ title: 'Taken over' });
      await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Taken over'));
    });
  });
});

describe('dist/wechat-share.iife.js: jweixin 1.6.0 for open tags', () => {
  it('with data-jweixin="1.6.0", loads jweixin 1.6.0 early, and a later call with open tags configures them with the same signature', async () => {
    server.use(signingEndpoint());
    const { bridge } = await openPage({ openTagsError: 'no open tags here' });
    const sdk = runScriptTag({ endpoint: ENDPOINT, jweixin: '1.6.0' });
    await vi.waitFor(() => expect(bridge.state.configs[0]?.state).toBe('ok'));
    expect(scriptRequests).toEqual([jweixinUrl('1.6.0')]);
    const onOpenTagsError = vi.fn();
    await expect(sdk.setupShare({ title: 'Tags' }, { openTagList: ['wx-open-launch-weapp'], onOpenTagsError })).resolves.toMatchObject({
      status: 'ready',
      openTagList: ['wx-open-launch-weapp'],
    });
    expect([openTagConfigs, signed.length, onOpenTagsError.mock.calls]).toEqual([[[], ['wx-open-launch-weapp']], 1, [['no open tags here']]]);
  });
});

describe('dist/wechat-share.mjs', () => {
  it('has no bare imports and runs the whole flow', async () => {
    const source = readFileSync('dist/wechat-share.mjs', 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage<Sdk>({ path: '/esm' }, '../../dist/wechat-share.mjs');
    await expect(sdk.setupShare({ title: 'ESM' }, { endpoint: ENDPOINT })).resolves.toMatchObject({
      status: 'ready',
      signedUrl: 'https://h5.example.com/esm',
    });
    expect(bridge.state.appMessage?.title).toBe('ESM');
  });

  it('matches the CJS build export for export', () => {
    const cjs = createRequire(import.meta.url)('../dist/wechat-share.cjs') as Sdk;
    expect(Object.keys(cjs).sort()).toEqual(['WechatShareError', 'autoShare', 'configure', 'preloadShare', 'setupShare']);
  });
});

// wechat-share/dev holds the development tools; wechat-share/server, what a production server runs,
// does not carry their code, and keeps their names for one minor version by calling dist/dev.*.
describe('dist/server.* and dist/dev.*', () => {
  const require = createRequire(import.meta.url);
  const DEV_NAMES = ['createDevMiddleware', 'createFakeWechatApi', 'createVerifyHandler', 'verifyConfig'];
  // Strings only the dev tools' code holds: the simulator's paths, the fake API's tokens, the verifier's verdicts.
  const DEV_CODE = [/__wechat-share\/verify/, /simulator\.js/, /currentTicket/, /invalid url domain/];
  type Bundle = Record<string, unknown>;

  it.each(['mjs', 'cjs'])('server.%s carries none of the dev code, and names dev.%s for the deprecated names', (extension) => {
    const server = readFileSync(`dist/server.${extension}`, 'utf8');
    for (const code of DEV_CODE) expect(server).not.toMatch(code);
    expect(server).toContain(`./dev.${extension}`);
    const dev = readFileSync(`dist/dev.${extension}`, 'utf8');
    for (const code of DEV_CODE) expect(dev).toMatch(code);
    // dev uses the server bundle's signer rather than a copy of it (one WechatApiError class).
    expect(dev).toContain(`./server.${extension}`);
    expect(dev).not.toMatch(/class WechatApiError/);
  });

  it('wechat-share/dev exports the dev tools; wechat-share/server still answers to their names, deprecated, with the same behaviour', async () => {
    const dev = (await import('../dist/dev.mjs' as string)) as Bundle;
    const server = (await import('../dist/server.mjs' as string)) as Bundle;
    // The WeCom fake is new: in wechat-share/dev only, never under the deprecated server names.
    expect(Object.keys(dev).sort()).toEqual([...DEV_NAMES, 'createFakeWecomApi'].sort());
    for (const name of DEV_NAMES) expect(typeof server[name], name).toBe('function');
    expect(server.createFakeWecomApi).toBeUndefined();
    const verify = (bundle: Bundle) =>
      (bundle.verifyConfig as (request: object, options: object) => { ok: boolean; errMsg?: string })(
        { appId: 'wx1', timestamp: 1, nonceStr: 'n', signature: 'wrong', url: 'https://h5.example.com/' },
        { appId: 'wx1', jsapi_ticket: 't' },
      );
    expect(verify(server)).toEqual(verify(dev));
    expect(verify(dev)).toMatchObject({ ok: false, errMsg: 'invalid signature' });
    const declarations = readFileSync('dist/server.d.ts', 'utf8');
    for (const name of DEV_NAMES) expect(declarations).toMatch(new RegExp(`@deprecated Import it from \`wechat-share/dev\`[^\\n]*\\n \\*/\\ndeclare function ${name}\\(`));
    expect(declarations.match(/@deprecated Import it from `wechat-share\/dev`/g)).toHaveLength(14);
  });

  it('the CJS builds load in either order and match their ESM builds export for export', async () => {
    for (const name of ['dev', 'server']) {
      const cjs = require(`../dist/${name}.cjs`) as Bundle;
      const esm = (await import(`../dist/${name}.mjs` as string)) as Bundle;
      expect(Object.keys(cjs).sort(), name).toEqual(Object.keys(esm).sort());
    }
    const server = require('../dist/server.cjs') as Bundle;
    const dev = require('../dist/dev.cjs') as Bundle;
    const fake = (server.createFakeWechatApi as (o: object) => { currentTicket: () => unknown })({ appId: 'wx1', appSecret: 's' });
    expect(typeof fake.currentTicket).toBe('function');
    expect(typeof (dev.createDevMiddleware as (o: object) => unknown)({ log: () => {} })).toBe('function');
  });
});
