// One instance of the Redis Cluster row of bench/faults.mjs: connects (ioredis Cluster), waits for
// "go", signs 100 URLs at once, reports each call's latency and outcome, exits.
import { Cluster } from 'ioredis';
import { createSigner, redisStore } from 'wechat-share/server';

const client = new Cluster(process.env.CLUSTER_PORTS.split(',').map((port) => ({ host: '127.0.0.1', port: Number(port) })), { lazyConnect: true });
client.on('error', () => undefined);
await client.connect();
const signer = createSigner({ appId: process.env.APP_ID, appSecret: process.env.APP_SECRET, apiBase: process.env.API_BASE, store: redisStore(client, { prefix: 'bench-faults:' }) });
process.send('connected');
process.once('message', async () => {
  const results = await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      const start = performance.now();
      const ok = await signer.sign(`https://h5.example.com/${process.pid}/${i}`).then(() => true, () => false);
      return { ms: performance.now() - start, ok };
    }),
  );
  process.send({ results });
  await client.quit();
  process.disconnect();
});
