import { describe, expect, it } from 'vitest';
import { options, quietPage, rejection } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, server, signatureFor, signed, signingEndpoint, useJweixin } from '../helpers/wechat';
import { signatureScript } from '../../src/server/signatureScript';

quietPage();

// The page as the server renders it: its signature in <head>, for `url`.
const embedded = (url: string, signature = signatureFor(url)) => signatureScript({ ...signature, url });

// Every case runs on jweixin 1.4.0 and 1.6.0 alike.
describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  describe('a signature embedded in the page', () => {
    it('configures WeChat without a signing request when it is for the URL to sign (Android, first page)', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/shop?id=1', html: embedded(`${ORIGIN}/shop?id=1`) });
      await expect(sdk.setupShare({ title: 'Shop' }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/shop?id=1` });
      expect(signed).toEqual([]);
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok']);
      // Android checks the current URL: after a route change the endpoint signs.
      history.pushState(null, '', '/shop/cart');
      await expect(sdk.setupShare({ title: 'Cart' }, options)).resolves.toMatchObject({ status: 'ready' });
      expect(signed).toEqual([`${ORIGIN}/shop/cart`]);
    });

    it('makes no signing request for a whole iOS SPA session that starts on a server-rendered page', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ platform: 'ios', path: '/app', html: embedded(`${ORIGIN}/app`) });
      for (const path of ['/app', '/app/a', '/app/b?x=1', '/app/a']) {
        history.pushState(null, '', path);
        await expect(sdk.setupShare({ title: path }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: `${ORIGIN}/app` });
      }
      expect(signed).toEqual([]);
      expect(bridge.state.appMessage?.title).toBe('/app/a');
    });

    it('needs no endpoint while the embedded signature serves', async () => {
      const { sdk } = await openPage({ path: '/p', html: embedded(`${ORIGIN}/p`) });
      await expect(sdk.setupShare({})).resolves.toMatchObject({ status: 'ready' });
    });

    it('asks the endpoint once when WeChat refuses it (a stale page, a rotated ticket), and never uses it again', async () => {
      server.use(signingEndpoint());
      const { sdk, bridge } = await openPage({ path: '/p', html: embedded(`${ORIGIN}/p`, signatureFor(`${ORIGIN}/p`, 'an-old-ticket')) });
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(signed).toEqual([`${ORIGIN}/p`]);
      expect(bridge.state.configs.map((c) => c.state)).toEqual(['failed', 'ok']);
    });

    it('without an endpoint, rejects a refused one with WeChat\'s own error rather than asking for an endpoint', async () => {
      const { sdk } = await openPage({ path: '/p', html: embedded(`${ORIGIN}/p`, signatureFor(`${ORIGIN}/p`, 'an-old-ticket')) });
      const error = await rejection(sdk, sdk.setupShare({}));
      expect(error).toMatchObject({ code: 'CONFIG_FAILED', errMsg: 'config:invalid signature' });
    });

    it('is ignored when it is for another URL, malformed, or incomplete: the endpoint signs', async () => {
      server.use(signingEndpoint());
      for (const html of [
        embedded(`${ORIGIN}/other`),
        '<script type="application/json" id="wechat-share-signature">{"appId":</script>',
        `<script type="application/json" id="wechat-share-signature">${JSON.stringify({ ...signatureFor(`${ORIGIN}/p`), signature: undefined, url: `${ORIGIN}/p` })}</script>`,
        `<script type="application/json" id="wechat-share-signature">${JSON.stringify(signatureFor(`${ORIGIN}/p`))}</script>`,
      ]) {
        const { sdk } = await openPage({ path: '/p', html });
        await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
        expect(signed).toEqual([`${ORIGIN}/p`]);
      }
    });

    it('is taken only from <script type="application/json">: another element with its id (user content) is ignored', async () => {
      server.use(signingEndpoint());
      const json = JSON.stringify({ ...signatureFor(`${ORIGIN}/p`), url: `${ORIGIN}/p` });
      for (const forged of [`<div id="wechat-share-signature">${json}</div>`, `<script type="text/plain" id="wechat-share-signature">${json}</script>`]) {
        const { sdk } = await openPage({ path: '/p' });
        document.body.innerHTML = forged;
        await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
        expect(signed).toEqual([`${ORIGIN}/p`]);
        // Not the SDK's to remove either.
        expect(document.getElementById('wechat-share-signature')).not.toBeNull();
      }
      // A <div> with the id ahead of the server's script does not hide it.
      const { sdk } = await openPage({ path: '/p', html: embedded(`${ORIGIN}/p`) });
      document.head.insertAdjacentHTML('afterbegin', '<div id="wechat-share-signature">{}</div>');
      await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready' });
      expect(signed).toEqual([]);
    });

    it('rejects INVALID_OPTIONS when a signature is needed and there is neither an embedded one nor an endpoint', async () => {
      const { sdk } = await openPage({ path: '/p' });
      const error = await rejection(sdk, sdk.setupShare({}));
      expect(error).toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringMatching(/No signing endpoint/) });
    });
  });
});
