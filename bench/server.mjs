// npm run bench:server: signatures per second from a warm cache, and the WeChat API calls that
// cold-start bursts make: 1 process × 500 concurrent sign() calls (memoryStore), and 4 processes
// × 100 (redisStore on one real redis-server). The WeChat API is the library's fake, answering
// after 50 ms, in process or on loopback.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createFakeWechatApi, createSigner, toNodeHandler } from 'wechat-share/server';
import { startRedis } from '../scripts/system.mjs';

const APP = { appId: 'wx_bench', appSecret: 'bench_secret' };
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const inProcess = (fake) => (url, init) => fake.handle(new Request(url, init));

// 1. Warm cache: how many signatures a second one process makes once the ticket is cached.
{
  const fake = createFakeWechatApi({ ...APP });
  const signer = createSigner({ ...APP, fetch: inProcess(fake) });
  await signer.sign('https://h5.example.com/');
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => signer.sign(`https://h5.example.com/p?i=${i}`)));
      count += 100;
    }
    rates.push(count / ((performance.now() - start) / 1000));
  }
  console.log(`warm cache: ${Math.round(median(rates)).toLocaleString('en')} signatures/s (median of ${RUNS} one-second runs, one process)`);
}

// 2. One process, 500 concurrent cold sign() calls.
{
  const fake = createFakeWechatApi({ ...APP, latency: 50 });
  const signer = createSigner({ ...APP, fetch: inProcess(fake) });
  await Promise.all(Array.from({ length: 500 }, (_, i) => signer.sign(`https://h5.example.com/${i}`)));
  console.log(`cold burst, 1 process × 500 sign(): ${fake.calls.stableToken} token call(s), ${fake.calls.ticket} ticket call(s)`);
}

// 3. Four processes on one Redis, 100 concurrent cold sign() calls each, started together.
{
  const redis = await startRedis();
  const fake = createFakeWechatApi({ ...APP, latency: 50 });
  const api = createServer(toNodeHandler(fake.handle)).listen(0, '127.0.0.1');
  await once(api, 'listening');
  const env = { ...process.env, REDIS_URL: redis.url, API_BASE: `http://127.0.0.1:${api.address().port}`, APP_ID: APP.appId, APP_SECRET: APP.appSecret };
  try {
    const workers = Array.from({ length: 4 }, () => fork(new URL('./server-worker.mjs', import.meta.url), { env }));
    await Promise.all(workers.map((w) => once(w, 'message'))); // each connected to Redis
    workers.forEach((w) => w.send('go'));
    const done = await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m)));
    await Promise.all(workers.map((w) => once(w, 'exit')));
    const signed = done.reduce((sum, m) => sum + m.signed, 0);
    console.log(`cold burst, 4 processes × 100 sign() on one Redis: ${signed} signatures, ${fake.calls.stableToken} token call(s), ${fake.calls.ticket} ticket call(s)`);
  } finally {
    api.close();
    await redis.stop();
  }
}
