// Two service processes on one real redis-server (node-redis 6, the service's own client): one
// token and one ticket between them; Redis killed under load costs no request.
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

  it('Redis killed under load: no failed request while the ticket is valid, both processes live, degraded then ok', async () => {
    let stop = false;
    const statuses: Record<string, number> = {};
    const ok = () => statuses[200] ?? 0;
    const load = async (instance: ServiceProcess) => {
      while (!stop) {
        const status = await sign(instance).then(
          async (response) => (await response.arrayBuffer(), response.status),
          () => 0,
        );
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    };
    const readyz = async () => (await (await fetch(`${setup.instances[0].publicUrl}/readyz`)).json()) as { status: string };
    const workers = setup.instances.flatMap((instance) => Array.from({ length: 10 }, () => load(instance)));
    // Each step waits for what it is about, not for a time: the load under way, ...
    await expect.poll(ok, { timeout: 10_000 }).toBeGreaterThan(50);
    await setup.redis.stop();
    // ... both processes seeing Redis gone, and saying so on /readyz, ...
    for (const instance of setup.instances) await instance.waitForLog((line) => line.level === 'warn' && line.msg.startsWith('redis connection lost'));
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000 }).toBe('degraded');
    const degraded = await readyz();
    // ... 200 more requests answered while it is down, ...
    const during = ok();
    await expect.poll(ok, { timeout: 20_000 }).toBeGreaterThan(during + 200);
    expect(await readyz()).toMatchObject({ status: 'degraded' });
    setup.redis = await startRedis(setup.redis.port);
    // ... and back: the client reconnects by itself.
    await expect.poll(async () => (await readyz()).status, { timeout: 10_000, interval: 100 }).toBe('ok');
    stop = true;
    await Promise.all(workers);

    expect(Object.keys(statuses)).toEqual(['200']);
    expect(degraded).toMatchObject({ status: 'degraded', store: { up: false }, accounts: [{ appId: A.appId, ready: true }] });
    for (const instance of setup.instances) expect(instance.child.exitCode).toBeNull();
    expect(setup.wechat.fakes[A.appId].calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});
