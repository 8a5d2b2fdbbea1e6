// npm run bench:faults: the signer under each fault the README promises to survive, one row per
// fault: requests, errors, p50/p99 latency of sign(), and calls that reached the WeChat API.
// Load is 200 sign() calls a second per instance, in process; Redis is a real redis-server (a
// real 3-master Redis Cluster for the last row); the WeChat API is the library's fake.
// Goal: 0 errors and p99 under 50 ms wherever a valid ticket exists.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createClient } from 'redis';
import { createFakeWechatApi } from 'wechat-share/dev';
import { createSigner, redisStore, toNodeHandler } from 'wechat-share/server';
import { startRedis, startRedisCluster } from '../scripts/system.mjs';
import { percentile } from './stats.mjs';

const APP = { appId: 'wx_bench', appSecret: 'bench_secret' };
const PAGE = 'https://h5.example.com/page';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rows = [];

// The fake WeChat API behind a fetch, with a switchable fault; `upstream` counts every call.
function wechat(options = {}) {
  const api = createFakeWechatApi({ ...APP, latency: 20, ...options });
  const state = { fault: 'ok', upstream: 0 };
  const fetch = async (url, init) => {
    state.upstream++;
    if (state.fault === 'hang') return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    if (state.fault === '45009') return Response.json({ errcode: 45009, errmsg: 'reach max api daily quota limit' });
    return api.handle(new Request(url, init));
  };
  return { state, fetch };
}

async function redisClient(url) {
  const client = createClient({ url, socket: { reconnectStrategy: () => 100 } });
  client.on('error', () => undefined); // as every app must: a drop would end the process
  await client.connect();
  return client;
}

// Calls `signer()`'s sign() 200 times a second for `ms`, with `events` ([at ms, action]) run on
// the way; resolves with every call's latency and outcome once all have settled.
async function load(ms, signerAt, events = []) {
  const results = [];
  const pending = [];
  const start = performance.now();
  const queue = [...events];
  for (let i = 0; performance.now() - start < ms; i++) {
    while (queue.length && performance.now() - start >= queue[0][0]) await queue.shift()[1]();
    const signer = signerAt(i);
    const t0 = performance.now();
    const settle = (ok) => () => results.push({ ms: performance.now() - t0, ok, signer });
    pending.push(signer.sign(PAGE).then(settle(true), settle(false)));
    await sleep(Math.max(0, start + (i + 1) * 5 - performance.now()));
  }
  await Promise.all(pending);
  return results;
}

function row(name, results, upstream, note = '') {
  const latencies = results.map((r) => r.ms);
  rows.push({
    fault: name,
    requests: results.length,
    errors: results.filter((r) => !r.ok).length,
    'p50 ms': percentile(latencies, 50).toFixed(1),
    'p99 ms': percentile(latencies, 99).toFixed(1),
    'upstream calls': upstream,
    note,
  });
}

const options = { ...APP, timeout: 2000, storeTimeout: 200 };

// 1. Redis killed for 5 s under load; a second instance starts cold during the outage.
{
  let redis = await startRedis();
  const { state, fetch } = wechat();
  const clients = [await redisClient(redis.url), await redisClient(redis.url)];
  const [warm, cold] = clients.map((client) => createSigner({ ...options, fetch, store: redisStore(client) }));
  await warm.sign(PAGE);
  state.upstream = 0;
  let coldStarted = false;
  const results = await load(7000, (i) => (coldStarted && i % 2 ? cold : warm), [
    [1000, () => redis.stop()],
    [2000, () => (coldStarted = true)],
    [6000, async () => (redis = await startRedis(redis.port))],
  ]);
  row('Redis killed for 5 s: warm instance', results.filter((r) => r.signer === warm), state.upstream, 'both instances\' upstream calls');
  row('Redis killed for 5 s: instance started cold in it', results.filter((r) => r.signer === cold), '', 'no ticket in its memory yet: storeTimeout 200 ms, then WeChat');
  await Promise.all(clients.map((c) => c.disconnect()));
  await redis.stop();
}

// 2. Redis paused for 3 s (CLIENT PAUSE ... ALL); a second instance starts cold during it.
{
  const redis = await startRedis();
  const { state, fetch } = wechat();
  const clients = [await redisClient(redis.url), await redisClient(redis.url), await redisClient(redis.url)];
  const [warm, cold] = clients.slice(0, 2).map((client) => createSigner({ ...options, fetch, store: redisStore(client) }));
  await warm.sign(PAGE);
  state.upstream = 0;
  let coldStarted = false;
  const results = await load(5000, (i) => (coldStarted && i % 2 ? cold : warm), [
    [1000, () => void clients[2].sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL'])],
    [1500, () => (coldStarted = true)],
  ]);
  row('Redis paused for 3 s: warm instance', results.filter((r) => r.signer === warm), state.upstream, 'both instances\' upstream calls');
  row('Redis paused for 3 s: instance started cold in it', results.filter((r) => r.signer === cold), '', 'no ticket in its memory yet: storeTimeout 200 ms, then WeChat');
  await Promise.all(clients.map((c) => c.disconnect()));
  await redis.stop();
}

// 3. WeChat hanging during the early-refresh window (expires_in 6 s: due at 3 s, valid to 6 s).
{
  const { state, fetch } = wechat({ expiresIn: 6 });
  const signer = createSigner({ ...options, fetch, refreshMargin: 5 });
  await signer.sign(PAGE);
  state.upstream = 0;
  state.fault = 'hang';
  const results = await load(5000, () => signer);
  row('WeChat hanging in the refresh window', results, state.upstream, 'timeout 2 s; the cached ticket is valid throughout');
}

// 4. WeChat answering 45009: in the refresh window (a valid ticket), then cold (none at all).
{
  const { state, fetch } = wechat({ expiresIn: 8 });
  const signer = createSigner({ ...options, fetch, refreshMargin: 7 });
  await signer.sign(PAGE);
  await sleep(4000);
  state.upstream = 0;
  state.fault = '45009';
  const results = await load(3500, () => signer);
  row('WeChat 45009, ticket still valid', results, state.upstream, 'token and ticket refresh each back off: 1 s, 2 s, ...');
  const cold = wechat();
  cold.state.fault = '45009';
  const coldSigner = createSigner({ ...options, fetch: cold.fetch });
  const coldResults = await load(3500, () => coldSigner);
  row('WeChat 45009, no ticket yet', coldResults, cold.state.upstream, 'every call fails at once; backoff bounds the calls');
}

// 5. Four processes, cold, on a real Redis Cluster (ioredis Cluster), 100 concurrent calls each.
{
  const cluster = await startRedisCluster();
  const fake = createFakeWechatApi({ ...APP, latency: 50 });
  const api = createServer(toNodeHandler(fake.handle)).listen(0, '127.0.0.1');
  await once(api, 'listening');
  const env = { ...process.env, CLUSTER_PORTS: cluster.ports.join(','), API_BASE: `http://127.0.0.1:${api.address().port}`, APP_ID: APP.appId, APP_SECRET: APP.appSecret };
  try {
    const workers = Array.from({ length: 4 }, () => fork(new URL('./faults-worker.mjs', import.meta.url), { env }));
    // Listened for from the start: a worker can exit before its last message is read.
    const exited = workers.map((w) => once(w, 'exit'));
    await Promise.all(workers.map((w) => once(w, 'message')));
    workers.forEach((w) => w.send('go'));
    const done = await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m)));
    await Promise.all(exited);
    row('4 processes cold on a Redis Cluster', done.flatMap((m) => m.results), fake.calls.stableToken + fake.calls.ticket, 'cold: 1 token + 1 ticket call for all four');
  } finally {
    api.close();
    await cluster.stop();
  }
}

console.table(rows);
