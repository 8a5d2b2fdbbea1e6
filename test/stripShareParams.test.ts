import { describe, expect, it } from 'vitest';
import { stripShareParams } from '../src/lib/stripShareParams';

describe('stripShareParams', () => {
  it.each([
    ['https://a.com/p?from=singlemessage&isappinstalled=0', 'https://a.com/p'],
    ['https://a.com/p?x=1&from=timeline&isappinstalled=0#h', 'https://a.com/p?x=1#h'],
    ['https://a.com/p?from=groupmessage&from=singlemessage&isappinstalled=0&isappinstalled=0&y=2', 'https://a.com/p?y=2'],
    ['https://a.com/p?isappinstalled&x=%20+y', 'https://a.com/p?x=%20+y'],
    ['https://a.com/#/route?from=singlemessage', 'https://a.com/#/route?from=singlemessage'],
  ])('%s → %s', (input, output) => {
    expect(stripShareParams(input)).toBe(output);
  });

  it.each([
    'https://a.com/p?from=newsletter',
    'https://a.com/p?fromx=singlemessage',
    'https://a.com/p?xfrom=timeline&xisappinstalled=0',
    'https://a.com/p?from=timelines&from=singlemessage2',
    'https://a.com/p',
    'https://a.com/p?q=%E4%B8%AD&b=a+b#x',
  ])('leaves %s exactly as it is', (url) => {
    expect(stripShareParams(url)).toBe(url);
  });
});
