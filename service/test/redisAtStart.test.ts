// Redis unusable when the service starts (here: a password the server does not expect): the
// service starts anyway, /readyz says degraded, and the log names the cause without the password.
// And Redis down when the service starts: used within 5 s of its return.
import { execFileSync } from 'node:child_process';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { singleRedis } from './helpers/redisNodes';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';
import { readyzUntil, storedValue } from './helpers/storeWatch';

const A = { appId: 'wx_redis_start', appSecret: 'SECRET_redis_start_61d0a3' };
const PASSWORD = 'REDIS_PASSWORD_7c41e9b2';
let redis: Awaited<ReturnType<typeof startRedis>>;
let wechat: FakeWechatServer;
let service: ServiceProcess;

beforeAll(async () => {
  redis = await startRedis();
  // The server wants another password than the service's URL gives.
  const admin = createClient({ url: redis.url });
  await admin.connect();
  await admin.configSet('requirepass', 'the_password_redis_wants_0b9d');
  await admin.close();
  wechat = await startFakeWechat([A]);
  service = await startServiceProcess({
    ...accountEnv(A, wechat),
    REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
  });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
  await redis?.stop();
});

describe('Redis refusing the service at start', () => {
  it('starts anyway, degraded, signing, and logs why Redis is not used, without the password', async () => {
    const ready = await fetch(`${service.publicUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'degraded', store: { up: false } });
    const signed = await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`);
    expect(signed.status).toBe(200);
    // Redis answers AUTH with WRONGPASS; that error is the operator's only clue.
    const cause = await service.waitForLog((line) => line.msg.startsWith('redis connection failed'));
    expect(JSON.stringify(cause)).toMatch(/WRONGPASS/);
    expect(service.output()).not.toContain(PASSWORD);
  });
});

describe('Redis down when the service starts', () => {
  it('starts degraded and signing; within 5 s of its return /readyz says ok, and the next renewal lands in Redis', async () => {
    // Tickets live 20 s, so the signer renews one (through the store) about 10 s after its first.
    const B = { appId: 'wx_redis_late', appSecret: 'SECRET_redis_late_2f9e47', expiresIn: 20 };
    const late = await singleRedis();
    const fake = await startFakeWechat([B]);
    let instance: ServiceProcess | undefined;
    try {
      await late.stop();
      instance = await startServiceProcess({ ...accountEnv(B, fake), REDIS_URL: late.url });
      const url = `${instance.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`;
      expect((await fetch(url)).status).toBe(200);
      expect(await (await fetch(`${instance.publicUrl}/readyz`)).json()).toMatchObject({ status: 'degraded', store: { up: false } });

      await late.start();
      // Within 5 s of Redis being back: the bound of this poll of the service (a child process).
      expect(await readyzUntil(instance, 'ok', 5000)).toBe('ok');
      const port = String(late.ports[0]);
      const stored = await storedValue(() => fetch(url), () => execFileSync('redis-cli', ['-p', port, 'get', `wechat-share:{${B.appId}}:jsapi_ticket`], { encoding: 'utf8' }), fake.fakes[B.appId].currentTicket, 20_000);
      expect(stored).toContain(fake.fakes[B.appId].currentTicket());
      // One line for the refused connection while it was down, however many retries.
      expect(instance.logs.filter((line) => line.msg.startsWith('redis connection failed'))).toHaveLength(1);
    } finally {
      await instance?.stop();
      await fake.close();
      await late.remove();
    }
  });
});
