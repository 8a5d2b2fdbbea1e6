import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** The jweixin of the installed `weixin-js-sdk` package, ready to be served to a page. */
export interface LocalJweixin {
  /** The name it is installed under: `weixin-js-sdk`, or an alias of it such as `jweixin-1.6.0`. */
  packageName: string;
  /** The package's version, such as `1.6.5`. */
  version: string;
  /** The file name it is served as, after the official one: `jweixin-1.6.0.js` for every 1.6.x package. */
  fileName: string;
  /** The script a page runs: it sets `window.wx` and `window.jWeixin` as the official file does. */
  script(): Promise<string>;
}

/** What {@link findJweixin} found: the local jweixin, or why pages still load it from res.wx.qq.com. */
export type JweixinLookup = { found: LocalJweixin } | { missing: string };

/**
 * Finds the `weixin-js-sdk` package that `root` would import (an optional peer dependency), or the
 * alias `packageName` of it, so that a dev server can hand pages jweixin without the internet. (A
 * project that keeps `weixin-js-sdk` at 1.4 for its own code can install 1.6 beside it under
 * another name: `npm install -D jweixin-1.6.0@npm:weixin-js-sdk@1.6.0`.)
 *
 * Only 1.6 and later is used: a page that asks for open tags (`openTagList`) needs jweixin 1.6.0
 * (official open-tag doc), and jweixin refuses to start a second copy once `window.jWeixin` exists,
 * so a 1.4.0 put on the page first would leave such a page without open tags. With 1.4.x the pages
 * keep loading jweixin from res.wx.qq.com, as the SDK chooses.
 *
 * The package ships the official file as `index.original.js` (1.4.0-test, 1.6.0) or only a
 * CommonJS copy as `index.js` (1.6.2 to 1.6.5, which never sets `window.wx`): the first is served as
 * it is, with AMD's `define` hidden so that it always sets `window.wx`; the second inside a
 * `module` shim that then sets `window.wx` and `window.jWeixin`.
 *
 * @param root - the folder whose packages count (the dev server's project)
 * @param packageName - the name `weixin-js-sdk` is installed under; @default 'weixin-js-sdk'
 */
export function findJweixin(root: string, packageName = 'weixin-js-sdk'): JweixinLookup {
  let packageFile: string;
  try {
    packageFile = createRequire(join(resolve(root), 'package.json')).resolve(`${packageName}/package.json`);
  } catch {
    return { missing: `${packageName} is not installed` };
  }
  let version: unknown;
  try {
    version = (JSON.parse(readFileSync(packageFile, 'utf8')) as { version?: unknown }).version;
  } catch {
    return { missing: `${packageFile} cannot be read` };
  }
  const [major, minor] = String(version).split('.').map(Number);
  if (!(major > 1 || (major === 1 && minor >= 6))) {
    return { missing: `${packageName} ${String(version)} is installed, without open tags` };
  }
  const folder = dirname(packageFile);
  let cached: Promise<string> | undefined;
  const script = () => {
    cached ??= readFile(join(folder, 'index.original.js'), 'utf8').then(
      (original) => `(function (define) {\n${original}\n}).call(window);\n`,
      () =>
        readFile(join(folder, 'index.js'), 'utf8').then(
          (commonJs) =>
            `(function () {\nvar module = { exports: {} }, exports = module.exports;\n${commonJs}\n;if (module.exports && !window.jWeixin) window.wx = window.jWeixin = module.exports;\n})();\n`,
        ),
    );
    cached.catch(() => (cached = undefined));
    return cached;
  };
  return { found: { packageName, version: String(version), fileName: `jweixin-${major}.${minor}.0.js`, script } };
}
