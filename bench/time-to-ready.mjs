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
// then the signing requests of a 10-route SPA session on iOS and on Android.
import { fileURLToPath } from 'node:url';
import { startServer } from '../examples/server/server.mjs';
import { launchChromium } from '../scripts/chromium.mjs';
import { HOST, openSession } from '../scripts/session.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DELAY = 400;

const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));
// Two servers: pages that carry their signature, and pages that ask the endpoint for it.
const server = await startServer({ port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 0, fixturesDir, embedSignature: false });
const embedding = await startServer({ port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 0, fixturesDir });
const base = `http://${HOST}:${server.port}`;
const embeddingBase = `http://${HOST}:${embedding.port}`;
const browser = await launchChromium(HOST);

// The e2e harness's session: simulated client, jweixin from the npm copy, signing recorded.
const session = (platform, { delay = 0, jweixin = delay, signing = delay } = {}) => openSession(browser, { platform, jweixin, signingDelay: signing });

async function timeToReady(fixture, { origin = base, jweixin = DELAY, signing = DELAY } = {}) {
  const { context, page } = await session('ios', { jweixin, signing });
  await page.goto(`${origin}/fixtures/${fixture}`);
  const result = await (await page.waitForFunction(() => window.benchResult, undefined, { timeout: 20_000 })).jsonValue();
  await context.close();
  if (result.status !== 'ready') throw new Error(`${fixture}: ${result.status}`);
  return result.ms;
}

try {
  // Warm: the bench measures the page, not the first ticket fetch.
  await Promise.all([server.signer.getJsapiTicket(), embedding.signer.getJsapiTicket()]);
  /** Each case in `cases` measured RUNS times, interleaved, after one unmeasured warm-up each: medians. */
  async function compare(cases) {
    const times = cases.map(() => []);
    for (const [fixture, options] of cases) await timeToReady(fixture, options);
    for (let i = 0; i < RUNS; i++) for (const [n, [fixture, options]] of cases.entries()) times[n].push(await timeToReady(fixture, options));
    return times.map(median);
  }
  const ms = (value) => `${value.toFixed(0)} ms`.padStart(8);

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
} finally {
  await browser.close();
  await server.close();
  await embedding.close();
}
