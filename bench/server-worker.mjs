// One instance of the 4-process burst in bench/server.mjs: connects to Redis, waits for "go",
// signs 100 URLs at once, reports, exits.
import { createClient } from 'redis';
import { createSigner, redisStore } from 'wechat-share/server';

const client = await createClient({ url: process.env.REDIS_URL }).connect();
const signer = createSigner({ appId: process.env.APP_ID, appSecret: process.env.APP_SECRET, apiBase: process.env.API_BASE, store: redisStore(client, { prefix: 'bench:' }) });
process.send('connected');
process.once('message', async () => {
  const results = await Promise.all(Array.from({ length: 100 }, (_, i) => signer.sign(`https://h5.example.com/${process.pid}/${i}`)));
  process.send({ signed: results.length });
  await client.quit();
  process.disconnect();
});
