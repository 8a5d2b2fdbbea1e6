// @vitest-environment node
// What each errcode tells the person running the server (WechatApiError's hint), one by one.
import { describe, expect, it } from 'vitest';
import { WechatApiError } from '../../src/server/index';

describe('WechatApiError hints', () => {
  it('names what to check for each errcode it knows', () => {
    const hint = (errcode: number) => new WechatApiError('/p', 'x', errcode).hint;
    expect(hint(-1)).toMatch(/busy/);
    expect(hint(40001)).toMatch(/another server may be fetching tokens/);
    expect(hint(40013)).toMatch(/WECHAT_APP_ID/);
    expect(hint(40014)).toMatch(/access_token is not valid/);
    expect(hint(40125)).toMatch(/WECHAT_APP_SECRET/);
    expect(hint(40164)).toMatch(/IP whitelist/);
    expect(hint(42001)).toMatch(/expired/);
    expect(hint(45009)).toMatch(/daily quota/);
    expect(hint(45011)).toMatch(/too frequent/);
    expect(hint(89503)).toMatch(/administrator to confirm/);
    expect(hint(99999)).toBeUndefined();
  });
});
