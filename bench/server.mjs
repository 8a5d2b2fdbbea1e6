// npm run bench:server: signatures per second from a warm cache with memoryStore and with
// redisStore (on a real redis-server: warm signing touches no store, so the two should match),
// and the WeChat API calls that cold-start bursts make: 1 process × 500 concurrent sign() calls
// (memoryStore), and 4 processes × 100 (redisStore on one real redis-server). The WeChat API is
// the library's fake, answering after 50 ms, in process or on loopback.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { createFakeWechatApi } from 'wechat-share/dev';
import { createSigner, memoryStore, redisStore, toNodeHandler } from 'wechat-share/server';
import { startRedis } from '../scripts/system.mjs';
import { median } from './stats.mjs';

const APP = { appId: 'wx_bench', appSecret: 'bench_secret' };
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const inProcess = (fake) => (url, init) => fake.handle(new Request(url, init));

// 1. Warm cache: how many signatures a second one process makes once the ticket is cached, with
// each store. Runs alternate between the stores so that machine noise hits both alike.
{
  const redis = await startRedis();
  const client = createClient({ url: redis.url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const fake = createFakeWechatApi({ ...APP });
    const signers = {
      memoryStore: createSigner({ ...APP, fetch: inProcess(fake), store: memoryStore() }),
      redisStore: createSigner({ ...APP, fetch: inProcess(fake), store: redisStore(client, { prefix: 'bench-warm:' }) }),
    };
    const rates = { memoryStore: [], redisStore: [] };
    for (const signer of Object.values(signers)) await signer.sign('https://h5.example.com/');
    for (let run = 0; run < RUNS; run++) {
      for (const [name, signer] of Object.entries(signers)) {
        let count = 0;
        const start = performance.now();
        while (performance.now() - start < 1000) {
          await Promise.all(Array.from({ length: 100 }, (_, i) => signer.sign(`https://h5.example.com/p?i=${i}`)));
          count += 100;
        }
        rates[name].push(count / ((performance.now() - start) / 1000));
      }
    }
    const memory = median(rates.memoryStore);
    const shared = median(rates.redisStore);
    console.log(`warm cache, memoryStore: ${Math.round(memory).toLocaleString('en')} signatures/s (median of ${RUNS} one-second runs, one process)`);
    console.log(`warm cache, redisStore:  ${Math.round(shared).toLocaleString('en')} signatures/s (${(shared / memory).toFixed(2)}x memoryStore)`);
  } finally {
    await client.quit();
    await redis.stop();
  }
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
    // Listened for from the start: a worker can exit before its last message is read.
    const exited = workers.map((w) => once(w, 'exit'));
    await Promise.all(workers.map((w) => once(w, 'message'))); // each connected to Redis
    workers.forEach((w) => w.send('go'));
    const done = await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m)));
    await Promise.all(exited);
    const signed = done.reduce((sum, m) => sum + m.signed, 0);
    console.log(`cold burst, 4 processes × 100 sign() on one Redis: ${signed} signatures, ${fake.calls.stableToken} token call(s), ${fake.calls.ticket} ticket call(s)`);
  } finally {
    api.close();
    await redis.stop();
  }
}
