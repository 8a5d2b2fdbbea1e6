// The real jweixin-1.4.0.js, from the npm package weixin-js-sdk@1.4.0-test (index.original.js):
// what the unit tests run in jsdom, and what Chromium gets at https://res.wx.qq.com/open/js/jweixin-1.4.0.js.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The jweixin-1.4.0.js source. */
export const JWEIXIN = readFileSync(createRequire(import.meta.url).resolve('weixin-js-sdk/index.original.js'), 'utf8');
