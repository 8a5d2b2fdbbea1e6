// One browser session as the end-to-end tests and the benchmark open it: a Chromium context whose
// page plays the simulated WeChat client (platform and version through the simulator's
// sessionStorage keys), jweixin 1.4.0 and 1.6.0 served at their real addresses (res.wx.qq.com and
// res2.wx.qq.com) from the npm copies, the test
// host served for real, and every other address refused and recorded.
import { PLATFORM_KEY, VERSION_KEY, wechatUserAgent, wecomUserAgent } from 'wechat-share/simulator';
import { JWEIXIN_SOURCES, versionAt } from './jweixin.mjs';

export const HOST = 'h5.example.com';
export const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js';
const SIGNING_PATH = '/api/wechat/signature';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens a session in `browser`; see session.d.mts for the options and what it records. */
export async function openSession(browser, options = {}) {
  // WeChat's WebView sends its user agent with every request too, so the server sees it.
  const platform = options.platform === 'miniprogram' ? 'android' : options.platform;
  const wecom = platform?.startsWith('wecom-') && platform.slice(6);
  const userAgent = wecom
    ? wecomUserAgent(wecom, options.version)
    : platform && platform !== 'browser' ? wechatUserAgent(platform, options.version) + (options.platform === 'miniprogram' ? ' miniProgram' : '') : undefined;
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 375, height: 812 }, ...(userAgent && { userAgent }) });
  const requests = [];
  const refused = [];
  const problems = [];
  const signing = [];
  await context.addInitScript(({ keys, platform, version }) => {
    if (platform) sessionStorage.setItem(keys[0], platform);
    if (version) sessionStorage.setItem(keys[1], version);
  }, { keys: [PLATFORM_KEY, VERSION_KEY], platform: options.platform, version: options.version });
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === HOST) {
      if (url.pathname === SIGNING_PATH) {
        signing.push(url.searchParams.get('url'));
        if (options.signingDelay) await sleep(options.signingDelay);
      }
      if (options.sdkDelay && url.pathname.startsWith('/dist/wechat-share')) await sleep(options.sdkDelay);
      return route.fallback();
    }
    const version = versionAt(url.href);
    if (version) {
      // 'after-dom': once the page's own scripts have run (DOMContentLoaded), whatever the load.
      const hold = (delay) => (delay === 'after-dom' ? route.request().frame().waitForLoadState('domcontentloaded') : delay && sleep(delay));
      if (options.jweixin === 'fail') {
        await hold(options.failAfter);
        return route.fulfill({ status: 404, body: 'not found' });
      }
      await hold(options.jweixin);
      return route.fulfill({ status: 200, contentType: 'application/javascript', body: JWEIXIN_SOURCES[version] });
    }
    refused.push(url.href);
    return route.abort();
  });
  context.on('request', (request) => requests.push(`${request.method()} ${request.url()}`));
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
  return { context, page, requests, refused, problems, signing };
}
