// npm run bench: time-to-ready in Chromium with jweixin and the signing endpoint each delayed
// 400 ms, wechat-share (parallel start) against the serial approach of existing libraries, in one
// run, interleaved; then the signing requests of a 10-route SPA session on iOS and on Android.
import { fileURLToPath } from 'node:url';
import { startServer } from '../examples/server/server.mjs';
import { launchChromium } from '../scripts/chromium.mjs';
import { HOST, openSession } from '../scripts/session.mjs';
import { median } from './stats.mjs';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DELAY = 400;

const server = await startServer({ port: 0, host: '127.0.0.1', simulator: true, localJweixin: false, fakeLatency: 0, fixturesDir: fileURLToPath(new URL('./fixtures/', import.meta.url)) });
const base = `http://${HOST}:${server.port}`;
const browser = await launchChromium(HOST);

// The e2e harness's session: simulated client, jweixin from the npm copy, signing recorded.
const session = (platform, { delay = 0 } = {}) => openSession(browser, { platform, jweixin: delay, signingDelay: delay });

async function timeToReady(fixture) {
  const { context, page } = await session('ios', { delay: DELAY });
  await page.goto(`${base}/fixtures/${fixture}`);
  const result = await (await page.waitForFunction(() => window.benchResult, undefined, { timeout: 20_000 })).jsonValue();
  await context.close();
  if (result.status !== 'ready') throw new Error(`${fixture}: ${result.status}`);
  return result.ms;
}

try {
  await server.signer.getJsapiTicket(); // warm: the bench measures the page, not the first ticket fetch
  const times = { parallel: [], serial: [] };
  await timeToReady('parallel.html'); // one unmeasured run each warms Chromium
  await timeToReady('serial.html');
  for (let i = 0; i < RUNS; i++) {
    times.parallel.push(await timeToReady('parallel.html'));
    times.serial.push(await timeToReady('serial.html'));
  }
  const parallel = median(times.parallel);
  const serial = median(times.serial);
  console.log(`time-to-ready, jweixin and signing each delayed ${DELAY} ms, median of ${RUNS} runs (Chromium):`);
  console.log(`  wechat-share (parallel)   ${parallel.toFixed(0)} ms`);
  console.log(`  serial (sign, then load)  ${serial.toFixed(0)} ms`);
  console.log(`  ratio serial / parallel   ${(serial / parallel).toFixed(2)}×`);

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
}
