import { describe, expect, it } from 'vitest';
import { options, quietPage, rejection } from './common';
import { JWEIXIN_VERSIONS, openPage, server, signed, signingEndpoint, useJweixin } from '../helpers/wechat';

quietPage();

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('share data', () => {
    it.each([
      ['link', 'javascript:alert(1)', 'javascript:'],
      ['link', 'data:text/html,<script>alert(1)</script>', 'data:'],
      ['link', 'blob:https://h5.example.com/3f2c', 'blob:'],
      ['imgUrl', 'javascript:alert(1)', 'javascript:'],
      ['imgUrl', 'data:image/png;base64,iVBORw0KGgo=', 'data:'],
      ['imgUrl', 'ftp://h5.example.com/card.png', 'ftp:'],
      ['link', 'xhttps://h5.example.com/', 'xhttps:'],
    ] as const)('rejects INVALID_OPTIONS for a %s that is %s, naming the field and the value, before any request', async (field, value, scheme) => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({ [field]: value }, options));
      expect(error.code).toBe('INVALID_OPTIONS');
      expect(error.message).toContain(`share.${field}`);
      expect(error.message).toContain(value.slice(0, scheme.length));
      expect(signed).toEqual([]);
      expect(bridge.state.configs).toEqual([]);
    });

    it('names only the first 60 characters of a long bad value (a data: image can be megabytes)', async () => {
      const { sdk } = await openPage();
      const image = `data:image/png;base64,${'iVBORw0KGgo'.repeat(1000)}`;
      const error = await rejection(sdk, sdk.setupShare({ imgUrl: image }, options));
      expect(error.message).toBe(`share.imgUrl is not http(s): ${image.slice(0, 60)}`);
    });

    it('rejects INVALID_OPTIONS for a link that is not a URL at all', async () => {
      const { sdk } = await openPage();
      const error = await rejection(sdk, sdk.setupShare({ link: 'http://[::1' }, options));
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/Invalid URL/) });
      expect(signed).toEqual([]);
    });

    it('resolves relative URLs against the page and allows another origin (it may be on the JS safe domain)', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/shop/item?id=1' });
      await sdk.setupShare({ link: '../sale?x=1#top', imgUrl: 'https://cdn.example.net/card.png' }, options);
      expect(bridge.state.appMessage).toMatchObject({ link: 'https://h5.example.com/sale?x=1#top', imgUrl: 'https://cdn.example.net/card.png' });
      await sdk.setupShare({ link: 'https://m.example.org/page', imgUrl: '/img/card.png' }, options);
      expect(bridge.state.appMessage).toMatchObject({ link: 'https://m.example.org/page', imgUrl: 'https://h5.example.com/img/card.png' });
    });

    it('takes an absolute http link as it is, and a relative one resolved, as the link of both cards', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/shop/' });
      await sdk.setupShare({ link: 'http://h5.example.com/plain' }, options);
      expect(bridge.state.appMessage?.link).toBe('http://h5.example.com/plain');
      await sdk.setupShare({ link: 'item?id=2' }, options);
      expect([bridge.state.appMessage?.link, bridge.state.timeline?.link]).toEqual(['https://h5.example.com/shop/item?id=2', 'https://h5.example.com/shop/item?id=2']);
    });

    it('leaves desc empty without a description meta tag', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      await sdk.setupShare({ title: 'T' }, options);
      expect(bridge.state.appMessage?.desc).toBe('');
    });

    it('leaves an absent image empty rather than failing', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage();
      await sdk.setupShare({ title: 'No image' }, options);
      expect(bridge.state.appMessage).toMatchObject({ title: 'No image', imgUrl: '' });
    });
  });
});
