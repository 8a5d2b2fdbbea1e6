// Two service processes on one real redis-server (node-redis 6, the service's own client): one
// token and one ticket between them; Redis killed for 3 s under load costs no request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import type { ServiceProcess } from './helpers/serviceProcess';
import { startTwoInstances, type TwoInstances } from './helpers/twoInstances';

const A = { appId: 'wx_redis_a', appSecret: 'SECRET_redis_a_5be1c9' };
let setup: TwoInstances;

beforeAll(async () => {
  // A slow WeChat while they start: both ask for the token while the first fetch is out.
  setup = await startTwoInstances(A, {}, 300);
});
afterAll(() => setup?.stop());

const page = 'https://h5.a.com/page';
const sign = (instance: ServiceProcess) => fetch(`${instance.publicUrl}/api/wechat/signature?url=${encodeURIComponent(page)}`);

describe('two instances on one Redis', () => {
  it('share one access_token and one jsapi_ticket: one upstream call of each', async () => {
    const answers = await Promise.all(setup.instances.flatMap((instance) => Array.from({ length: 10 }, () => sign(instance))));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    expect(setup.wechat.fakes[A.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    for (const instance of setup.instances) {
      expect(instance.logs.find((line) => line.msg === 'wechat-share-service listening')).toMatchObject({ store: 'redis' });
      expect((await (await fetch(`${instance.publicUrl}/readyz`)).json()).status).toBe('ok');
    }
  });

  it('Redis killed for 3 s under load: no failed request while the ticket is valid, both processes live, degraded then ok', async () => {
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
    const workers = setup.instances.flatMap((instance) => Array.from({ length: 10 }, () => load(instance)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await setup.redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const degraded = await (await fetch(`${setup.instances[0].publicUrl}/readyz`)).json();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    setup.redis = await startRedis(setup.redis.port);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stop = true;
    await Promise.all(workers);

    expect(Object.keys(statuses)).toEqual(['200']);
    expect(statuses[200]).toBeGreaterThan(100);
    expect(degraded).toMatchObject({ status: 'degraded', store: { up: false }, accounts: [{ appId: A.appId, ready: true }] });
    for (const instance of setup.instances) {
      expect(instance.child.exitCode).toBeNull();
      expect(instance.logs.some((line) => line.level === 'warn' && line.msg.startsWith('redis connection lost'))).toBe(true);
    }
    // Back: the client reconnects by itself.
    const deadline = Date.now() + 10_000;
    let status = '';
    while (Date.now() < deadline && status !== 'ok') {
      status = (await (await fetch(`${setup.instances[0].publicUrl}/readyz`)).json()).status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('ok');
    expect(setup.wechat.fakes[A.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});
