import { describe, expect, it } from 'vitest';
import { hintFor } from '../src/lib/hintFor';

// The official checklist items (JS-SDK Appendix 5), picked by the phrase in WeChat's errMsg.
describe('hintFor', () => {
  it.each([
    ['config:invalid signature', /location\.href\.split\("#"\)\[0\].*entry URL.*nonceStr, timestamp and appId/],
    ['config:invalid url domain', /JS safe domain/],
    ['updateAppMessageShareData:permission denied', /verified account/],
    ['timed out', /WeixinJSBridge did not answer/],
  ])('%s → the matching item', (errMsg, hint) => {
    expect(hintFor(errMsg)).toMatch(hint);
  });

  it('has none for an errMsg it does not know', () => {
    expect(hintFor('config:ok')).toBeUndefined();
  });
});
