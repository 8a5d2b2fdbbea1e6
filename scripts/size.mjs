// Prints the min+gzip size of every bundle in dist/ and fails when the script-tag build passes
// its budget. The closest existing libraries ship 1.1–1.6 KB; ours does more, in about 4.3 KB. Issue 15
// asks for 3,700 B: not reached without dropping features (README, "Figures", says which).
// Issue 23 measured, 3,969 B before it: the boot snippet's hand-over (src/lib/loadJweixin.ts,
// requestSignature.ts) +62 B; a card never lost to an open tag, signatures healed from the client's
// realAuthUrl and HarmonyOS WeChat's own versions for open tags about +270 B; issue 22.9 (auto mode
// silent unless debug or its onError, setupShare's null options) +27 B; the unused openTags check
// of loadJweixin removed -4 B: 4,324 B measured, budget 4,330. Issue 21's WeCom client (src/wecom:
// loading @wecom/jssdk, ww.register, WeCom's three menus, its errors and hints) +724 B: 5,048 B; issue 23's fixes (the snippet's hanging jweixin counted once, realAuthUrl kept
// only once accepted) and the snippet's WeCom hand-over (ww) +35 B; the WeCom state moved into
// pageState (its names mangled) -18 B; the WeCom card read when applied (an early start's takes the
// page's card), a hanging ww counted once, no WeCom path in a Mini Program +23 B: 5,088 B; one script
// loader (loadFirst) for jweixin and ww -16 B; one signature cache (cachedSignature) for both -6 B:
// 5,066 B, budget 5,080.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGETS = { 'wechat-share.iife.js': 5080 };
let over = false;
for (const file of readdirSync('dist').filter((f) => /\.(mjs|cjs|js)$/.test(f)).sort()) {
  const source = readFileSync(`dist/${file}`);
  const gzip = gzipSync(source, { level: 9 }).length;
  const budget = BUDGETS[file];
  const verdict = budget ? (gzip > budget ? `  OVER BUDGET (${budget})` : `  budget ${budget}`) : '';
  if (budget && gzip > budget) over = true;
  console.log(`${file.padEnd(28)} ${String(source.length).padStart(7)} B   ${String(gzip).padStart(6)} B gzip${verdict}`);
}
if (over) {
  console.error('A bundle is over its size budget.');
  process.exit(1);
}
