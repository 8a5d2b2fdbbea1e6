import { afterEach, describe, expect, it, vi } from 'vitest';
import { options, quietPage } from './common';
import { ORIGIN, openPage, scriptRequests, server, signed, signingEndpoint } from '../helpers/wechat';

quietPage();

const og = (tags: Record<string, string>) =>
  Object.entries(tags).map(([key, value]) => `<meta property="og:${key}" content="${value}">`).join('');

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('autoShare (Open Graph auto mode)', () => {
  it('applies the card the Open Graph tags describe', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({
      path: '/post/1',
      html: og({ title: 'OG title', description: 'OG description', image: '/og.png', url: 'https://h5.example.com/canonical/1' }) + '<meta name="description" content="plain">',
    });
    stop = sdk.autoShare(options);
    await vi.waitFor(() => expect(bridge.state.appMessage).toEqual({ title: 'OG title', desc: 'OG description', link: `${ORIGIN}/canonical/1`, imgUrl: `${ORIGIN}/og.png` }));
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok']);
  });

  it('falls back to document.title, the description meta tag and the clean page URL', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ path: '/a?id=2#h', html: '<meta name="description" content="From meta">' });
    stop = sdk.autoShare(options);
    await vi.waitFor(() => expect(bridge.state.appMessage).toEqual({ title: 'Test page', desc: 'From meta', link: `${ORIGIN}/a?id=2#h`, imgUrl: '' }));
  });

  it('applies again after a navigation and after the title or an og tag changes, each burst once', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ path: '/list', html: og({ title: 'List' }) });
    stop = sdk.autoShare({ ...options, interval: 50 });
    await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('List'));
    // A router: pushState, then the new title and og tags a moment later.
    history.pushState(null, '', '/item/7');
    document.querySelector('meta[property="og:title"]')!.setAttribute('content', 'Item 7');
    await vi.waitFor(() => expect(bridge.state.appMessage).toMatchObject({ title: 'Item 7', link: `${ORIGIN}/item/7` }));
    document.querySelector('meta[property="og:title"]')!.remove();
    document.title = 'Plain title';
    await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Plain title'));
    history.back();
    await vi.waitFor(() => expect(bridge.state.appMessage?.link).toBe(`${ORIGIN}/list`));
    // Android signs each URL once.
    expect(signed).toEqual([`${ORIGIN}/list`, `${ORIGIN}/item/7`]);
    // Nothing changes: nothing is applied (once the last answers are in).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const calls = bridge.state.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(bridge.state.calls).toHaveLength(calls);
  });

  it('stops when setupShare sets the card, and when stop() is called', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ html: og({ title: 'Auto' }) });
    sdk.autoShare({ ...options, interval: 20 });
    await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Auto'));
    await sdk.setupShare({ title: 'Mine' }, options);
    document.title = 'Changed';
    document.querySelector('meta[property="og:title"]')!.setAttribute('content', 'Changed too');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bridge.state.appMessage?.title).toBe('Mine');

    stop = sdk.autoShare({ ...options, interval: 20 });
    await vi.waitFor(() => expect(bridge.state.appMessage?.title).toBe('Changed too'));
    stop();
    document.querySelector('meta[property="og:title"]')!.setAttribute('content', 'After stop');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(bridge.state.appMessage?.title).toBe('Changed too');
  });

  it('warns on the console when the card cannot be applied, and tries again on the next change', async () => {
    server.use(signingEndpoint());
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { sdk, bridge } = await openPage({ html: og({ url: 'javascript:alert(1)' }) });
    stop = sdk.autoShare({ ...options, interval: 20 });
    await vi.waitFor(() => expect(warn).toHaveBeenCalledWith(expect.objectContaining({ name: 'WechatShareError', code: 'INVALID_OPTIONS', message: expect.stringMatching(/share\.link must be an http\(s\) URL/) })));
    document.querySelector('meta[property="og:url"]')!.setAttribute('content', 'https://h5.example.com/fixed');
    await vi.waitFor(() => expect(bridge.state.appMessage?.link).toBe('https://h5.example.com/fixed'));
  });

  it('loads and requests nothing outside WeChat', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ platform: null, html: og({ title: 'x' }) });
    stop = sdk.autoShare({ ...options, interval: 20 });
    history.pushState(null, '', '/next');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(scriptRequests).toEqual([]);
    expect(signed).toEqual([]);
  });
});
