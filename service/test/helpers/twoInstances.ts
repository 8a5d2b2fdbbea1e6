// Two service processes sharing one real redis-server and the fake WeChat API of one account.
import { startRedis } from '../../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './serviceProcess';

export interface TwoInstances {
  /** The redis-server; replace it when a test restarts it, so that `stop()` stops the new one. */
  redis: Awaited<ReturnType<typeof startRedis>>;
  wechat: FakeWechatServer;
  instances: ServiceProcess[];
  stop(): Promise<void>;
}

/**
 * Starts redis-server, the fake WeChat API for `account` (its `latency` in ms while the two
 * start, so that both ask for the token while the first fetch is out), and two instances
 * configured for it with `env` added.
 */
export async function startTwoInstances(account: { appId: string; appSecret: string }, env: Record<string, string> = {}, latency = 0): Promise<TwoInstances> {
  const redis = await startRedis();
  const wechat = await startFakeWechat([account]);
  wechat.controls.latency = latency;
  const config = { ...accountEnv(account, wechat), REDIS_URL: redis.url, ...env };
  const instances = await Promise.all([startServiceProcess(config), startServiceProcess(config)]);
  wechat.controls.latency = 0;
  const started: TwoInstances = {
    redis,
    wechat,
    instances,
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await wechat.close();
      await started.redis.stop();
    },
  };
  return started;
}
