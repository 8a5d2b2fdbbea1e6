// npm run bench:service: requests per second and p99 of the service's signing endpoint against
// a raw node:http handler answering the same JSON, measured in the same run: autocannon, 50
// connections, 8 s per run, 3 runs of each alternating (so that machine noise hits both alike),
// medians. One service process (the built CLI, memory store) signing with a warm ticket from
// the library's fake WeChat API on loopback. The bar (issue 14): at least 0.5x the raw handler,
// p99 under 20 ms.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createFakeWechatApi } from 'wechat-share/dev';
import { toNodeHandler } from 'wechat-share/server';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = 50;
const APP = { appId: 'wx_bench_service', appSecret: 'bench_service_secret' };
const PAGE = encodeURIComponent('https://h5.example.com/page?id=1');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const fake = createFakeWechatApi(APP);
const wechat = createServer(toNodeHandler((request) => fake.handle(request))).listen(0, '127.0.0.1');
await once(wechat, 'listening');

// Starts `args` with node and resolves with the child once `ready(line)` returns a port. Its
// stdout stays drained (a closed pipe would break its log writes).
function start(args, env, ready) {
  const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const port = buffer.split('\n').map(ready).find(Boolean);
      if (port) resolve({ child, port });
    });
    child.on('exit', () => reject(new Error(`${args[0]} exited before listening:\n${buffer}`)));
  });
}

const raw = await start([fileURLToPath(new URL('raw-server.mjs', import.meta.url))], {}, (line) => /^\d+$/.test(line) && line);
const service = await start(
  [fileURLToPath(new URL('../dist/cli.js', import.meta.url))],
  { WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret, ALLOWED_HOSTS: 'h5.example.com', WECHAT_API_BASE: `http://127.0.0.1:${wechat.address().port}`, HOST: '127.0.0.1', PORT: '0', INTERNAL_PORT: '0' },
  (line) => {
    try {
      const entry = JSON.parse(line);
      return entry.msg === 'wechat-share-service listening' && entry.public.split(':').pop();
    } catch {
      return undefined;
    }
  },
);
const targets = {
  'raw node:http': `http://127.0.0.1:${raw.port}/`,
  'wechat-share-service': `http://127.0.0.1:${service.port}/api/wechat/signature?url=${PAGE}`,
};
// Warm: the ticket fetched, the check that the service signs at all.
const first = await fetch(targets['wechat-share-service']);
if (first.status !== 200) throw new Error(`the service answered ${first.status}: ${await first.text()}`);

const results = Object.fromEntries(Object.keys(targets).map((name) => [name, { rps: [], p99: [], errors: 0 }]));
try {
  for (let run = 0; run < RUNS; run++) {
    for (const [name, url] of Object.entries(targets)) {
      const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION });
      results[name].rps.push(result.requests.average);
      results[name].p99.push(result.latency.p99);
      results[name].errors += result.errors + result.timeouts + result.non2xx;
    }
  }
} finally {
  raw.child.kill('SIGTERM');
  service.child.kill('SIGTERM');
  wechat.close();
}

console.log(`autocannon, ${CONNECTIONS} connections, ${DURATION} s per run, medians of ${RUNS} alternating runs (Node ${process.version})`);
for (const [name, { rps, p99, errors }] of Object.entries(results)) {
  console.log(`${name.padEnd(22)} ${Math.round(median(rps)).toLocaleString('en').padStart(7)} req/s   p99 ${median(p99)} ms   errors ${errors}`);
}
const ratio = median(results['wechat-share-service'].rps) / median(results['raw node:http'].rps);
const p99 = median(results['wechat-share-service'].p99);
console.log(`ratio ${ratio.toFixed(2)}x the raw handler (bar: 0.5x), p99 ${p99} ms (bar: under 20 ms): ${ratio >= 0.5 && p99 < 20 ? 'met' : 'NOT met'}`);
