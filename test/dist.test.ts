// The built bundles, as users get them: the IIFE from a <script> tag with data-endpoint, and the
// ESM and CJS builds. `npm test` builds first.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ENDPOINT, openPage, server, signed, signingEndpoint } from './helpers/wechat';

const iife = readFileSync('dist/wechat-share.iife.js', 'utf8');
type Sdk = typeof import('../src/index');

describe('dist/wechat-share.iife.js', () => {
  it('defines WechatShare and takes the endpoint from data-endpoint', async () => {
    server.use(signingEndpoint());
    const { bridge } = await openPage();
    // As a browser runs <script data-endpoint src=…>: global scope, with document.currentScript
    // naming the tag. (The end-to-end tests load it from a real tag in Chromium.)
    const tag = document.createElement('script');
    tag.dataset.endpoint = ENDPOINT;
    document.body.appendChild(tag);
    Object.defineProperty(document, 'currentScript', { get: () => tag, configurable: true });
    try {
      (0, eval)(iife);
    } finally {
      delete (document as { currentScript?: unknown }).currentScript;
    }
    const global = (window as unknown as { WechatShare: Sdk }).WechatShare;
    expect(Object.keys(global).sort()).toEqual(['WechatShareError', 'autoShare', 'configure', 'preloadShare', 'setupShare']);
    await expect(global.setupShare({ title: 'From the tag' })).resolves.toMatchObject({ status: 'ready' });
    expect(signed).toEqual(['https://h5.example.com/']);
    expect(bridge.state.appMessage?.title).toBe('From the tag');
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
