// Real-browser harness: Debian's Chromium driven by playwright-core, pages served by the example
// server as http://h5.example.com:PORT/ (host-resolver-rules), and jweixin 1.4.0 and 1.6.0 served at
// their real addresses from the npm copies, so the SDK's default sdkUrl is what loads. Any other
// address is refused and recorded.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { HOST, openSession, type Session, type SessionOptions } from '../../scripts/session.mjs';

export { HOST, openSession } from '../../scripts/session.mjs';
export { JWEIXIN_VERSIONS, jweixinUrl } from '../../scripts/jweixin.mjs';

/**
 * The clients and jweixin versions the example suites run on: both platforms with each version,
 * the example server serving its pages for that version (its `jweixinVersion` option).
 */
export const PLATFORMS_AND_VERSIONS = (['1.4.0', '1.6.0'] as const).flatMap((version) =>
  (['ios', 'android'] as const).map((platform) => [platform, version] as const),
);
export type { Session, SessionOptions } from '../../scripts/session.mjs';

/** The base URL (`url`) of the example server `running()` returns, set before the enclosing block's tests run. */
export function useBase(running: () => { port: number }): { url: string } {
  const base = { url: '' };
  beforeAll(() => void (base.url = `http://${HOST}:${running().port}`));
  return base;
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
