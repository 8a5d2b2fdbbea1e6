// @vitest-environment node
// wechat-share/miniprogram in a fake Mini Program runtime: Page(config) makes page instances whose
// methods run with `this` bound, the web-view's bindmessage gets { detail: { data: [...] } } with
// every message posted so far, and the share menu calls onShareAppMessage({ from, webViewUrl }).
import { readFileSync } from 'node:fs';
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import { webViewShare } from '../src/miniprogram/index';

type PageConfig = Record<string, (...args: never[]) => unknown>;
/** A minimal Mini Program: registers pages, opens instances, delivers messages, shares. */
function fakeMiniProgram() {
  const pages: PageConfig[] = [];
  return {
    Page: (config: PageConfig) => void pages.push(config),
    open(webViewUrl: string) {
      const instance = Object.create(pages[pages.length - 1]) as PageConfig & { posted: unknown[] };
      instance.posted = [];
      return {
        // What the H5 page sends with wx.miniProgram.postMessage({ data }).
        post: (data: unknown) => instance.posted.push(data),
        // The user taps share: bindmessage first (users report), then onShareAppMessage.
        share: () => {
          if (instance.posted.length) (instance.onMessage as (e: unknown) => void).call(instance, { detail: { data: instance.posted.slice() } });
          return (instance.onShareAppMessage as (o: unknown) => unknown).call(instance, { from: 'menu', webViewUrl });
        },
      };
    },
  };
}

const card = (title: string, link: string) => ({ type: 'wechat-share', title, desc: `${title} desc`, link, imgUrl: `https://h5.example.com/${title}.png` });

describe('webViewShare', () => {
  it('shares the latest card the H5 page posted, with the link in the page path', () => {
    const mp = fakeMiniProgram();
    const share = webViewShare({ page: '/pages/web/web', param: 'src' });
    mp.Page({ onMessage: share.onMessage, onShareAppMessage: share.onShareAppMessage });
    const view = mp.open('https://h5.example.com/');
    view.post({ type: 'other', title: 'not a card' });
    view.post(card('First', 'https://h5.example.com/a?x=1&y=2'));
    view.post(card('Second', 'https://h5.example.com/b#top'));
    view.post('a string message');
    expect(view.share()).toEqual({
      title: 'Second',
      imageUrl: 'https://h5.example.com/Second.png',
      path: `/pages/web/web?src=${encodeURIComponent('https://h5.example.com/b#top')}`,
    });
  });

  it('falls back to the web-view URL, with the Mini Program\'s own title and image, before any card', () => {
    const mp = fakeMiniProgram();
    const share = webViewShare({ page: '/pages/web/web' });
    mp.Page({ onMessage: share.onMessage, onShareAppMessage: share.onShareAppMessage });
    expect(mp.open('https://h5.example.com/start').share()).toEqual({
      title: undefined,
      imageUrl: undefined,
      path: `/pages/web/web?url=${encodeURIComponent('https://h5.example.com/start')}`,
    });
    expect(share.onShareAppMessage.call({}, {})).toEqual({ title: undefined, imageUrl: undefined, path: '/pages/web/web' });
  });

  it('keeps each page instance\'s card apart', () => {
    const mp = fakeMiniProgram();
    const share = webViewShare({ page: '/pages/web/web' });
    mp.Page({ onMessage: share.onMessage, onShareAppMessage: share.onShareAppMessage });
    const one = mp.open('https://h5.example.com/one');
    const two = mp.open('https://h5.example.com/two');
    one.post(card('One', 'https://h5.example.com/one'));
    expect(one.share()).toMatchObject({ title: 'One' });
    expect(two.share()).toMatchObject({ title: undefined, path: `/pages/web/web?url=${encodeURIComponent('https://h5.example.com/two')}` });
  });

  it('ignores events without data, and leaves an empty image to the default', () => {
    const share = webViewShare({ page: '/p/w' });
    const self = {};
    share.onMessage.call(self, { detail: {} } as never);
    share.onMessage.call(self, { detail: { data: [{ ...card('T', 'https://h5.example.com/'), imgUrl: '' }] } });
    expect(share.onShareAppMessage.call(self, {})).toEqual({ title: 'T', imageUrl: undefined, path: `/p/w?url=${encodeURIComponent('https://h5.example.com/')}` });
  });

  it('never throws on a hostile message: only string fields count, and a card without a link shares the web-view URL', () => {
    const mp = fakeMiniProgram();
    const share = webViewShare({ page: '/pages/web/web' });
    mp.Page({ onMessage: share.onMessage, onShareAppMessage: share.onShareAppMessage });
    const fallback = { title: undefined, imageUrl: undefined, path: `/pages/web/web?url=${encodeURIComponent('https://h5.example.com/start')}` };
    // As the issue reproduced it: a link that cannot be turned into a string.
    const hostile = mp.open('https://h5.example.com/start');
    hostile.post(JSON.parse('{ "type": "wechat-share", "link": { "toString": null } }'));
    expect(hostile.share()).toEqual(fallback);
    for (const message of [
      { type: 'wechat-share', title: 'No link' },
      { type: 'wechat-share', title: ['T'], link: 42, imgUrl: { href: 'https://evil.example/' } },
      // A lone surrogate: encodeURIComponent throws URIError on it.
      { type: 'wechat-share', title: 'Bad link', link: 'https://h5.example.com/\ud800' },
    ]) {
      const view = mp.open('https://h5.example.com/start');
      view.post(message);
      expect(view.share()).toEqual({ ...fallback, title: typeof message.title === 'string' ? message.title : undefined });
    }
    // With neither a usable link nor a usable web-view URL: the hosting page itself.
    const self = {};
    share.onMessage.call(self, { detail: { data: [{ type: 'wechat-share', link: { toString: null } }] } });
    expect(share.onShareAppMessage.call(self, { webViewUrl: { toString: null } } as never)).toEqual({ title: undefined, imageUrl: undefined, path: '/pages/web/web' });
  });

  it.each([undefined, '', 'pages/web/web', 42])('refuses page %j, naming what to pass', (page) => {
    expect(() => webViewShare({ page } as never)).toThrow(/page must be the absolute path .* such as '\/pages\/web\/web'/);
  });

  it('is built as plain ES2015, for the Mini Program runtime', () => {
    expect(() => parse(readFileSync('dist/miniprogram.cjs', 'utf8'), { ecmaVersion: 2015, sourceType: 'script' })).not.toThrow();
    expect(() => parse(readFileSync('dist/miniprogram.mjs', 'utf8'), { ecmaVersion: 2015, sourceType: 'module' })).not.toThrow();
  });
});
