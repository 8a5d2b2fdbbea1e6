import { describe, expect, it } from 'vitest';
import { signatureScript } from '../../src/server/index';

const result = { appId: 'wx1234567890abcdef', timestamp: 1700000000, nonceStr: 'Wm3WZYTPz0wzccnW', signature: '0f9de62fce790f9a083d5c99e95740ceb90c27ed', url: 'https://h5.example.com/p?a=1' };

describe('signatureScript', () => {
  it('writes the signature and its URL as JSON in a script tag the SDK reads', () => {
    expect(signatureScript(result)).toBe(
      `<script type="application/json" id="wechat-share-signature">${JSON.stringify(result)}</script>`,
    );
  });

  it('escapes every < so that no value can close the tag, and the JSON still reads back the same', () => {
    const hostile = { ...result, url: 'https://h5.example.com/p?q=</script><script>alert(1)</script>' };
    const tag = signatureScript(hostile);
    const body = tag.slice(tag.indexOf('>') + 1, tag.lastIndexOf('</script>'));
    expect(body).not.toContain('<');
    expect(JSON.parse(body)).toEqual(hostile);
    // In a page, the element holds exactly that JSON.
    document.head.innerHTML = tag;
    expect(JSON.parse(document.getElementById('wechat-share-signature')!.textContent!)).toEqual(hostile);
  });

  it('leaves out anything but the five fields', () => {
    expect(JSON.parse(signatureScript({ ...result, jsapi_ticket: 'secret' } as never).replace(/^<[^>]*>|<\/script>$/g, ''))).toEqual(result);
  });

  it.each([
    ['nothing', undefined],
    ['no url', { ...result, url: undefined }],
    ['a string timestamp', { ...result, timestamp: '1700000000' }],
    ['no signature', { ...result, signature: undefined }],
  ])('throws a TypeError for %s, naming what to pass', (_, bad) => {
    expect(() => signatureScript(bad as never)).toThrow(/pass what signer.sign\(url\) resolved with/);
  });
});
