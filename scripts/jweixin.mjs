// The real jweixin files from npm, as published: 1.4.0 (weixin-js-sdk@1.4.0-test) and 1.6.0 (the
// alias jweixin-1.6.0 of weixin-js-sdk@1.6.0), both index.original.js. The unit tests run them in
// jsdom; Chromium gets them at their official addresses (res.wx.qq.com and res2.wx.qq.com).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const read = (name) => readFileSync(createRequire(import.meta.url).resolve(`${name}/index.original.js`), 'utf8');

/** The versions the SDK can load. */
export const JWEIXIN_VERSIONS = ['1.4.0', '1.6.0'];

/** Each version's source. */
export const JWEIXIN_SOURCES = { '1.4.0': read('weixin-js-sdk'), '1.6.0': read('jweixin-1.6.0') };

/** The jweixin-1.4.0.js source. */
export const JWEIXIN = JWEIXIN_SOURCES['1.4.0'];

/** The official address of `version` (`res2`: the backup host). */
export const jweixinUrl = (version, host = 'res') => `https://${host}.wx.qq.com/open/js/jweixin-${version}.js`;

/** The version at `url` when it is one of the official addresses of a known version. */
export const versionAt = (url) => /^https:\/\/res2?\.wx\.qq\.com\/open\/js\/jweixin-(1\.4\.0|1\.6\.0)\.js$/.exec(url)?.[1];
