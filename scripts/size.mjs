// Prints the min+gzip size of every bundle in dist/ and fails when the script-tag build passes
// its budget. The closest existing libraries ship 1.1–1.6 KB; ours does more, within 4 KB. Issue 15
// asks for 3,700 B: not reached without dropping features (README, "Figures", says which).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// 3,980 B until issue 22.9 (3,969 B then): auto mode silent unless debug or its onError (+24 B), and
// setupShare's null options (+3 B) took it to 3,996 B.
const BUDGETS = { 'wechat-share.iife.js': 4000 };
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
