// Real-browser harness: Debian's Chromium driven by playwright-core, pages served by the example
// server as http://h5.example.com:PORT/ (host-resolver-rules), and jweixin-1.4.0.js served at its
// real address from the npm copy, so the SDK's default sdkUrl is what loads. Any other address is
// refused and recorded.
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { JWEIXIN } from '../../scripts/jweixin.mjs';
import { PLATFORM_KEY, VERSION_KEY } from '../../src/simulator/mountPanel';

export const HOST = 'h5.example.com';
export const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js';

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Every request the page made, as METHOD URL. */
  requests: string[];
  /** Requests to addresses other than the test host and jweixin's: refused. */
  refused: string[];
  /** Uncaught page errors, dialogs (alert, confirm) and CSP violations: all must stay empty. */
  problems: string[];
}

export interface SessionOptions {
  /** The simulated client; `browser` plays a desktop browser. */
  platform?: 'ios' | 'android' | 'browser';
  /** WeChat version of the simulated client. */
  version?: string;
  /** ms before jweixin arrives; `fail` answers with an error from both hosts. */
  jweixin?: number | 'fail';
  viewport?: { width: number; height: number };
}

export async function openSession(browser: Browser, options: SessionOptions = {}): Promise<Session> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 375, height: 812 } });
  const requests: string[] = [];
  const refused: string[] = [];
  const problems: string[] = [];
  await context.addInitScript(({ keys, platform, version }) => {
    if (platform) sessionStorage.setItem(keys[0], platform);
    if (version) sessionStorage.setItem(keys[1], version);
  }, { keys: [PLATFORM_KEY, VERSION_KEY], platform: options.platform, version: options.version });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === HOST) return route.fallback();
    if (url.href === SDK_URL || url.href === SDK_URL.replace('res.', 'res2.')) {
      if (options.jweixin === 'fail') return route.fulfill({ status: 404, body: 'not found' });
      if (options.jweixin) await new Promise((resolve) => setTimeout(resolve, options.jweixin as number));
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: JWEIXIN });
    }
    refused.push(url.href);
    return route.abort();
  });
  context.on('request', (request: Request) => requests.push(`${request.method()} ${request.url()}`));
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  // The example server sends a Content-Security-Policy: anything it blocks is a problem too.
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return { context, page, requests, refused, problems };
}

/** The text of the example page's status line once it left "starting…". */
export async function statusOf(page: Page): Promise<string> {
  await page.waitForFunction(() => {
    const text = document.getElementById('status')?.textContent ?? '';
    return text && text !== 'starting…';
  }, undefined, { timeout: 15_000 });
  return (await page.textContent('#status')) ?? '';
}

/** Requests whose URL contains `part`. */
export const matching = (requests: string[], part: string) => requests.filter((r) => r.includes(part));

/** Where the end-to-end run writes its screenshots. */
export const SHOTS = 'test-results/screenshots';

/**
 * One Chromium for a test file, and `open(options)` for a new session in it. After each test
 * every session must have had no page error, no dialog and no refused request; then it closes.
 */
export function useChromium(): (options: SessionOptions) => Promise<Session> {
  let browser: Browser | undefined;
  const sessions: Session[] = [];
  beforeAll(async () => {
    browser = await launchChromium(HOST);
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) {
      expect(session.problems).toEqual([]);
      expect(session.refused).toEqual([]);
      await session.context.close();
    }
  });
  return async (options) => {
    const session = await openSession(browser!, options);
    sessions.push(session);
    return session;
  };
}
