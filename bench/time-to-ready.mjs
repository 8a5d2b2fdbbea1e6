// npm run bench: time-to-ready in Chromium (the simulated client, the real jweixin-1.4.0.js), each
// comparison in one run, interleaved:
// 1. wechat-share (parallel start) against the serial approach of existing libraries, jweixin and
//    signing each delayed 400 ms;
// 2. a signature embedded in the page against the signing endpoint, signing 800 ms, jweixin 200 ms
//    (target: at most 0.5×);
// 3. an app that calls setupShare 600 ms after load, with the script tag's early start and without
//    (target: at most 1.1× max(600 ms, the time-to-ready of a page that calls it at once));
// 4. the ideal hand-written page (both requests from the first line of <head>, no library) against
//    wechat-share with the embedded signature, 400/400 (target: at most 1.0×);
// 5. the SDK with the boot snippet (bootScript() first in <head>) against the ideal page, paired per
//    round (the same round's two pages, in alternating order), at 400/400, 100/100 and 800/200 ms
//    (signing/jweixin), BENCH_PAIRED_RUNS (21: the issue asks for at least 11; more rounds make the median steadier) rounds each: the card applied, in ms since
//    navigation (target: at most 1.03×, the median of the per-round ratios); the SDK without the
//    snippet alongside; then once more at 100/100 with the SDK's own file delayed 100 ms, outside
//    the bar: the case the snippet is for;
// then the signing requests of a 10-route SPA session on iOS and on Android.
// BENCH_ONLY=boot runs case 5 alone.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootScript } from 'wechat-share/server';
import { startServer } from '../examples/server/server.mjs';
import { launchChromium } from '../scripts/chromium.mjs';
import { HOST, openSession } from '../scripts/session.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const PAIRED_RUNS = Number(process.env.BENCH_PAIRED_RUNS ?? 21);
const ONLY_BOOT = process.env.BENCH_ONLY === 'boot';
const DELAY = 400;

// The fixtures, with boot.html given the very snippet bootScript() writes.
const fixturesDir = mkdtempSync(join(tmpdir(), 'wechat-share-bench-'));
cpSync(fileURLToPath(new URL('./fixtures/', import.meta.url)), fixturesDir, { recursive: true });
const bootPage = join(fixturesDir, 'boot.html');
writeFileSync(bootPage, readFileSync(bootPage, 'utf8').replace(/<!-- BOOT:[^>]*-->/, bootScript({ endpoint: '/api/wechat/signature' })));
// Two servers: pages that carry their signature, and pages that ask the endpoint for it.
// The simulator comes inline in the page: a WeChat client's bridge is native, there before the
// page's first script, and costs no request; as a <script src> it held every page's first script
// behind its download, which the SDK's own file competed with.
const server = await startServer({ port: 0, host: '127.0.0.1', simulator: true, inlineSimulator: true, localJweixin: false, fakeLatency: 0, fixturesDir, embedSignature: false });
const embedding = await startServer({ port: 0, host: '127.0.0.1', simulator: true, inlineSimulator: true, localJweixin: false, fakeLatency: 0, fixturesDir });
const base = `http://${HOST}:${server.port}`;
const embeddingBase = `http://${HOST}:${embedding.port}`;
const browser = await launchChromium(HOST);

// The e2e harness's session: simulated client, jweixin from the npm copy, signing recorded.
const session = (platform, { delay = 0, jweixin = delay, signing = delay, sdk = 0 } = {}) => openSession(browser, { platform, jweixin, signingDelay: signing, sdkDelay: sdk });

// One page load: its benchResult (`ms` since its own start, `at` since navigation), and the
// jweixin and signing requests it made.
async function load(fixture, { origin = base, jweixin = DELAY, signing = DELAY, sdk = 0 } = {}) {
  const { context, page, requests, signing: signed } = await session('ios', { jweixin, signing, sdk });
  await page.goto(`${origin}/fixtures/${fixture}`);
  const result = await (await page.waitForFunction(() => window.benchResult, undefined, { timeout: 20_000 })).jsonValue();
  await context.close();
  if (result.status !== 'ready') throw new Error(`${fixture}: ${result.status}`);
  return { ...result, jweixinRequests: requests.filter((r) => r.includes('jweixin-')).length, signingRequests: signed.length };
}

const timeToReady = async (fixture, options) => (await load(fixture, options)).ms;

/**
 * Case 5: per round, the ideal page, the SDK with the boot snippet and the SDK alone, in an order
 * that turns each round; each page's `at` (card applied, ms since navigation). Returns the medians
 * and the median of the per-round ratios to the ideal page.
 */
async function pairedWithIdeal({ signing, jweixin, sdk = 0 }) {
  const pages = ['ideal.html', 'boot.html', 'parallel.html'];
  const options = { signing, jweixin, sdk };
  for (const fixture of pages) await load(fixture, options);
  const at = pages.map(() => []);
  const requests = new Set();
  for (let round = 0; round < PAIRED_RUNS; round++) {
    for (let k = 0; k < pages.length; k++) {
      const n = (round + k) % pages.length;
      const result = await load(pages[n], options);
      at[n].push(result.at);
      if (pages[n] === 'boot.html') requests.add(`${result.jweixinRequests} jweixin, ${result.signingRequests} signing`);
    }
  }
  const ratios = (n) => median(at[n].map((value, round) => value / at[0][round]));
  return { ideal: median(at[0]), boot: median(at[1]), plain: median(at[2]), bootRatio: ratios(1), plainRatio: ratios(2), requests: [...requests].join(' / ') };
}

try {
  // Warm: the bench measures the page, not the first ticket fetch.
  await Promise.all([server.signer.getJsapiTicket(), embedding.signer.getJsapiTicket()]);
  const ms = (value) => `${value.toFixed(0)} ms`.padStart(8);

  if (!ONLY_BOOT) {
    /** Each case in `cases` measured RUNS times, interleaved, after one unmeasured warm-up each: medians. */
    async function compare(cases) {
      const times = cases.map(() => []);
      for (const [fixture, options] of cases) await timeToReady(fixture, options);
      for (let i = 0; i < RUNS; i++) for (const [n, [fixture, options]] of cases.entries()) times[n].push(await timeToReady(fixture, options));
      return times.map(median);
    }

    const [parallel, serial] = await compare([['parallel.html'], ['serial.html']]);
    console.log(`1. time-to-ready, jweixin and signing each delayed ${DELAY} ms, median of ${RUNS} runs (Chromium):`);
    console.log(`  wechat-share (parallel)   ${ms(parallel)}`);
    console.log(`  serial (sign, then load)  ${ms(serial)}`);
    console.log(`  ratio serial / parallel   ${(serial / parallel).toFixed(2)}×`);

    const slowSigning = { signing: 800, jweixin: 200 };
    const [embedded, endpoint] = await compare([['parallel.html', { ...slowSigning, origin: embeddingBase }], ['parallel.html', slowSigning]]);
    console.log(`\n2. embedded signature vs signing endpoint, signing 800 ms, jweixin 200 ms (target ≤ 0.50×):`);
    console.log(`  embedded signature        ${ms(embedded)}`);
    console.log(`  signing endpoint          ${ms(endpoint)}`);
    console.log(`  ratio embedded / endpoint ${(embedded / endpoint).toFixed(2)}×`);

    const [early, late] = await compare([['late.html'], ['late-no-preload.html']]);
    const floor = Math.max(600, parallel);
    console.log(`\n3. setupShare called 600 ms after load, ${DELAY}/${DELAY} (target ≤ 1.10× max(600 ms, ${parallel.toFixed(0)} ms) = ${(1.1 * floor).toFixed(0)} ms):`);
    console.log(`  with the early start      ${ms(early)}  (${(early / floor).toFixed(2)}×)`);
    console.log(`  without (data-preload=false) ${ms(late)}  (${(late / floor).toFixed(2)}×)`);

    const [ideal, ours] = await compare([['ideal.html'], ['parallel.html', { origin: embeddingBase }]]);
    console.log(`\n4. against the ideal hand-written page, ${DELAY}/${DELAY} (target ≤ 1.00×):`);
    console.log(`  ideal inline page         ${ms(ideal)}`);
    console.log(`  wechat-share, embedded    ${ms(ours)}`);
    console.log(`  ratio wechat-share / ideal ${(ours / ideal).toFixed(2)}×`);
  }

  console.log(`\n5. the SDK with the boot snippet against the ideal page, card applied in ms since navigation, medians of ${PAIRED_RUNS} paired rounds (target ≤ 1.03×):`);
  // The three cases of the bar, then one where the SDK's own file takes a round trip as jweixin
  // does (a CDN, or the site's server): what the snippet is for.
  for (const delays of [{ signing: 400, jweixin: 400 }, { signing: 100, jweixin: 100 }, { signing: 800, jweixin: 200 }, { signing: 100, jweixin: 100, sdk: 100 }]) {
    const r = await pairedWithIdeal(delays);
    console.log(`  signing ${delays.signing} ms, jweixin ${delays.jweixin} ms${delays.sdk ? `, the SDK's file ${delays.sdk} ms (not part of the bar)` : ''}:`);
    console.log(`    ideal inline page          ${ms(r.ideal)}`);
    console.log(`    SDK + boot snippet         ${ms(r.boot)}  ratio ${r.bootRatio.toFixed(3)}× (${r.requests} request(s) a page)`);
    console.log(`    SDK alone                  ${ms(r.plain)}  ratio ${r.plainRatio.toFixed(3)}×`);
  }

  if (!ONLY_BOOT) {
    console.log('\nsigning requests over a 10-route SPA session (landing + 10 pushState routes):');
    for (const platform of ['ios', 'android']) {
      const { context, page, signing } = await session(platform);
      await page.goto(`${base}/spa/`);
      const ready = () => page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
      await ready();
      for (let i = 1; i <= 10; i++) {
        await page.evaluate((n) => {
          document.getElementById('status').textContent = 'starting…';
          history.pushState(null, '', `/spa/products/${n}`);
          dispatchEvent(new PopStateEvent('popstate'));
        }, i);
        await ready();
      }
      console.log(`  ${platform.padEnd(8)} ${signing.length} signing request(s) for 11 pages`);
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
  await embedding.close();
  rmSync(fixturesDir, { recursive: true, force: true });
}
