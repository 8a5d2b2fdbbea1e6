// Signatures that heal themselves (issue 23.2): newer WeChat clients answer an invalid signature
// with the URL they checked (`realAuthUrl`, reported by users, not documented); the SDK signs that
// URL, configures once more, and keeps signing it. The case it fixes: an app that removes OAuth's
// `code` and `state` with history.replaceState before the SDK loads, on iOS, in a WebView where no
// navigation entry tells the entry URL (jsdom has none), so the SDK's guess is the cleaned URL.
import { describe, expect, it, vi } from 'vitest';
import { options, quietPage, rejection } from './common';
import { JWEIXIN_VERSIONS, openPage, ORIGIN, server, signatureFor, signed, signingEndpoint, TICKET, useJweixin } from '../helpers/wechat';

quietPage();

// The URL WeChat opened after the OAuth redirect; the app cleaned it before loading the SDK.
const ENTRY = `${ORIGIN}/?code=061AbcDef&state=login`;
const CLEANED = `${ORIGIN}/`;

describe.each(JWEIXIN_VERSIONS)('jweixin %s', (version) => {
  useJweixin(version);

  it('signs the realAuthUrl the client reported, configures once more, and keeps signing it', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'ios', path: '/', bridge: { entryUrl: ENTRY } });
    expect(performance.getEntriesByType?.('navigation') ?? []).toEqual([]);
    await expect(sdk.setupShare({ title: 'Home' }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: ENTRY });
    expect(signed).toEqual([CLEANED, ENTRY]);
    expect(bridge.state.configs.map((c) => [c.state, c.realAuthUrl])).toEqual([['failed', ENTRY], ['ok', undefined]]);
    // A route later: the config in force is for the URL WeChat checks, so no new signature or config.
    history.pushState(null, '', '/item/7');
    await expect(sdk.setupShare({ title: 'Item 7' }, options)).resolves.toMatchObject({ status: 'ready', signedUrl: ENTRY });
    expect([signed.length, bridge.state.configs.length, bridge.state.appMessage?.title]).toEqual([2, 2, 'Item 7']);
    // Another list needs another config: still for the URL WeChat checks, signed once.
    await expect(sdk.setupShare({}, { ...options, jsApiList: ['chooseImage'] })).resolves.toMatchObject({ signedUrl: ENTRY });
    expect([signed, bridge.state.configs.map((c) => c.state)]).toEqual([[CLEANED, ENTRY], ['failed', 'ok', 'ok']]);
  });

  it('on an older client that reports no realAuthUrl, fails as before: both guesses are the cleaned URL', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ platform: 'ios', path: '/', bridge: { entryUrl: ENTRY, realAuthUrl: false } });
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error).toMatchObject({ code: 'CONFIG_FAILED', errMsg: 'config:invalid signature' });
    expect([error.message, error.realAuthUrl]).toEqual([`wx.config failed for ${CLEANED}: config:invalid signature`, undefined]);
    expect(signed).toEqual([CLEANED, CLEANED]);
  });

  it('rejects CONFIG_FAILED naming both URLs when the signature for the realAuthUrl fails too', async () => {
    // The endpoint signs with another account's ticket: no URL can pass.
    server.use(signingEndpoint({ answer: (url) => signatureFor(url, 'another-ticket') }));
    const { sdk } = await openPage({ platform: 'ios', path: '/', bridge: { entryUrl: ENTRY } });
    const error = await rejection(sdk, sdk.setupShare({}, options));
    expect(error).toMatchObject({ code: 'CONFIG_FAILED', errMsg: 'config:invalid signature', realAuthUrl: ENTRY });
    expect(error.message).toBe(`wx.config failed for ${ENTRY}: config:invalid signature (WeChat checked it; first signed: ${CLEANED})`);
    expect(signed).toEqual([CLEANED, ENTRY]);
  });

  it('keeps the realAuthUrl as the URL to sign only once WeChat accepted a config for it', async () => {
    // First the endpoint signs with another account's ticket, then it is fixed.
    let ticket = 'another-ticket';
    server.use(signingEndpoint({ answer: (url) => signatureFor(url, ticket) }));
    const { sdk } = await openPage({ platform: 'ios', path: '/', bridge: { entryUrl: ENTRY } });
    await rejection(sdk, sdk.setupShare({}, options));
    ticket = TICKET;
    // The failed retry taught nothing: the SDK starts from its own guess again, and heals again.
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready', signedUrl: ENTRY });
    expect(signed).toEqual([CLEANED, ENTRY, CLEANED, ENTRY]);
    // Now it is kept: the next route signs nothing new.
    history.pushState(null, '', '/item/8');
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: ENTRY });
    expect(signed).toHaveLength(4);
  });

  it('learns from a realAuthUrl that is the current URL that this client checks the current URL', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'android', path: '/a', bridge: { checks: 'current' } });
    history.pushState(null, '', '/b');
    // As if this page had learnt (wrongly) that its client checks the entry URL.
    (await import('../../src/lib/pageState')).page.checksOtherUrl = true;
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/b` });
    history.pushState(null, '', '/c');
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/c` });
    expect(signed).toEqual([`${ORIGIN}/a`, `${ORIGIN}/b`, `${ORIGIN}/c`]);
    expect(bridge.state.configs.map((c) => [c.state, c.realAuthUrl])).toEqual([['failed', `${ORIGIN}/b`], ['ok', undefined], ['ok', undefined]]);
  });

  it('does not take a realAuthUrl that is the current URL for the entry URL: a later retry for the entry URL signs the one the page was entered with', async () => {
    server.use(signingEndpoint());
    // A HarmonyOS WeChat reporting 8.0.x: jweixin calls wx.error only from client version 6.0.2.
    const { sdk, bridge } = await openPage({ platform: 'harmony', path: '/a', bridge: { version: '8.0.9.39' } });
    history.pushState(null, '', '/b');
    (await import('../../src/lib/pageState')).page.checksOtherUrl = true;
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ signedUrl: `${ORIGIN}/b` });
    // HarmonyOS WeChat, once an <iframe> is in the page, answers the share calls "invalid
    // signature" (reported by users), with no realAuthUrl: the retry is for the other candidate.
    history.pushState(null, '', '/c');
    document.body.append(document.createElement('iframe'));
    await vi.waitFor(() => expect(bridge.state.iframeAdded).toBe(true));
    await expect(rejection(sdk, sdk.setupShare({}, options))).resolves.toMatchObject({ code: 'CONFIG_FAILED' });
    expect(signed).toEqual([`${ORIGIN}/a`, `${ORIGIN}/b`, `${ORIGIN}/c`, `${ORIGIN}/a`]);
  });
});
