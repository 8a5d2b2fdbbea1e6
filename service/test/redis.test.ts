// Two service processes on one real redis-server (node-redis 6, the service's own client): one
// token and one ticket between them; Redis killed for 3 s under load costs no request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import { startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_redis_a', appSecret: 'SECRET_redis_a_5be1c9' };
let redis: Awaited<ReturnType<typeof startRedis>>;
let wechat: FakeWechatServer;
let instances: ServiceProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  wechat = await startFakeWechat([A]);
  // A slow WeChat: both instances start, and ask for the token, while the first fetch is out.
  wechat.controls.latency = 300;
  const env = { WECHAT_APP_ID: A.appId, WECHAT_APP_SECRET: A.appSecret, ALLOWED_HOSTS: 'h5.a.com', WECHAT_API_BASE: wechat.url, REDIS_URL: redis.url };
  instances = await Promise.all([startServiceProcess(env), startServiceProcess(env)]);
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.stop()));
  await wechat?.close();
  await redis?.stop();
});

const page = 'https://h5.a.com/page';
const sign = (instance: ServiceProcess) => fetch(`${instance.publicUrl}/api/wechat/signature?url=${encodeURIComponent(page)}`);

describe('two instances on one Redis', () => {
  it('share one access_token and one jsapi_ticket: one upstream call of each', async () => {
    const answers = await Promise.all(instances.flatMap((instance) => Array.from({ length: 10 }, () => sign(instance))));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(wechat.fakes[A.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    for (const instance of instances) {
      expect(instance.logs.find((line) => line.msg === 'wechat-share-service listening')).toMatchObject({ store: 'redis' });
      expect((await (await fetch(`${instance.publicUrl}/readyz`)).json()).status).toBe('ok');
    }
  });

  it('Redis killed for 3 s under load: no failed request while the ticket is valid, both processes live, degraded then ok', async () => {
    wechat.controls.latency = 0;
    let stop = false;
    const statuses: Record<string, number> = {};
    const load = async (instance: ServiceProcess) => {
      while (!stop) {
        const status = await sign(instance).then(
          async (response) => (await response.arrayBuffer(), response.status),
          () => 0,
        );
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    const workers = instances.flatMap((instance) => Array.from({ length: 10 }, () => load(instance)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const degraded = await (await fetch(`${instances[0].publicUrl}/readyz`)).json();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    redis = await startRedis(redis.port);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stop = true;
    await Promise.all(workers);

    expect(Object.keys(statuses)).toEqual(['200']);
    expect(statuses[200]).toBeGreaterThan(100);
    expect(degraded).toMatchObject({ status: 'degraded', store: { up: false }, accounts: [{ appId: A.appId, ready: true }] });
    for (const instance of instances) {
      expect(instance.child.exitCode).toBeNull();
      expect(instance.logs.some((line) => line.level === 'warn' && line.msg.startsWith('redis connection lost'))).toBe(true);
    }
    // Back: the client reconnects by itself.
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline && status !== 'ok') {
      status = (await (await fetch(`${instances[0].publicUrl}/readyz`)).json()).status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('ok');
    expect(wechat.fakes[A.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});
