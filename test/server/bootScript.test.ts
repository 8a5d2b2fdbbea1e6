// bootScript(): the tag's shape, its escaping (no value can end the tag or leave its attribute), and
// the errors that say what to fix. What the snippet does in a page: test/setupShare/boot.test.ts and
// the Chromium run in test/e2e/boot.test.ts.
import { parse } from 'acorn';
import { describe, expect, it } from 'vitest';
import { bootScript } from '../../src/server/bootScript';

// The page a server renders with the tag first in <head>, parsed as a browser parses it.
const render = (tag: string) => new DOMParser().parseFromString(`<!doctype html><html><head>${tag}<title>t</title></head><body></body></html>`, 'text/html');
const hostile = '/sign?a=</script><script>alert(1)</script><!--"\'\u2028\u2029';

describe('bootScript', () => {
  it('is one inline script, JavaScript that parses, about a kilobyte (WeChat and WeCom)', () => {
    const tag = bootScript({ endpoint: '/api/wechat/signature' });
    const doc = render(tag);
    const scripts = doc.head.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(doc.head.firstElementChild).toBe(scripts[0]);
    expect(() => parse(scripts[0].textContent!, { ecmaVersion: 2015 })).not.toThrow();
    expect(scripts[0].textContent).toContain('(window,document,"/api/wechat/signature","1.4.0")');
    expect(tag.length).toBeLessThan(1100);
  });

  it('keeps every value inside the script: a value cannot close the tag or open a comment', () => {
    const doc = render(bootScript({ endpoint: hostile }));
    const scripts = doc.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(doc.querySelector('title')?.textContent).toBe('t');
    // The endpoint arrives in the script as the very string given.
    const text = scripts[0].textContent!;
    const call = /\(window,document,(.*)\)$/s.exec(text)![1];
    expect(call).not.toMatch(/[<\u2028\u2029]/);
    expect(JSON.parse(`[${call}]`)).toEqual([hostile, '1.4.0']);
  });

  it('sets a CSP nonce as an attribute that cannot be left', () => {
    expect(bootScript({ endpoint: '/e', nonce: 'r4nd0m' })).toMatch(/^<script nonce="r4nd0m">/);
    const doc = render(bootScript({ endpoint: '/e', nonce: '"><script>alert(1)</script>&' }));
    const scripts = doc.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(scripts[0].getAttribute('nonce')).toBe('"><script>alert(1)</script>&');
    expect(scripts[0].getAttributeNames()).toEqual(['nonce']);
  });

  it('passes the version and the method the page uses', () => {
    expect(bootScript({ endpoint: '/e', jweixinVersion: '1.6.0' })).toContain('(window,document,"/e","1.6.0")');
    expect(bootScript({ endpoint: '/e', method: 'POST' })).toContain('(window,document,"/e","1.4.0","POST")');
  });

  it.each([
    [{}, /endpoint must be the signing endpoint/],
    [{ endpoint: '' }, /endpoint must be/],
    [{ endpoint: '/e', jweixinVersion: '1.5.0' }, /jweixinVersion must be '1.4.0' or '1.6.0'/],
    [{ endpoint: '/e', method: 'PUT' }, /method must be 'GET', 'POST'/],
    [{ endpoint: '/e', nonce: '' }, /nonce must be/],
  ])('rejects %j with a TypeError saying what to fix', (options, message) => {
    expect(() => bootScript(options as never)).toThrow(TypeError);
    expect(() => bootScript(options as never)).toThrow(message);
  });

  it('throws a TypeError, not a crash, without options', () => {
    expect(() => bootScript(undefined as never)).toThrow(TypeError);
  });
});

describe('the copy-paste snippet of both READMEs', () => {
  it.each(['README.md', 'README.zh-CN.md'])('%s: is what bootScript() writes, with its size stated right', async (file) => {
    const { readFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const readme = readFileSync(file, 'utf8');
    const tag = bootScript({ endpoint: '/api/wechat/signature' });
    const block = /```html\n(<script>\(function\(w,d,e,v,m\)[^\n]*)\n```/.exec(readme)![1];
    expect(block).toBe(tag);
    const [bytes, gzip] = [Buffer.byteLength(tag), gzipSync(tag, { level: 9 }).length];
    expect(readme).toMatch(file === 'README.md' ? `(${bytes} bytes, ${gzip} gzip,` : `（${bytes} 字节，gzip 后 ${gzip} 字节，`);
  });
});
