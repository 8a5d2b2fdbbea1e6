// Redis unusable when the service starts (here: a password the server does not expect): the
// service starts anyway, /readyz says degraded, and the log names the cause without the password.
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis } from '../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

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
