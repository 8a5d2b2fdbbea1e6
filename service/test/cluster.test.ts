// REDIS_CLUSTER_NODES: the service on a real three-master Redis Cluster (node-redis 6 createCluster),
// its keys of one appId on one slot.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster } from '../../scripts/system.mjs';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_cluster_a', appSecret: 'SECRET_cluster_a_2b4d' };
let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let wechat: FakeWechatServer;
let service: ServiceProcess;

beforeAll(async () => {
  cluster = await startRedisCluster();
  wechat = await startFakeWechat([A]);
  service = await startServiceProcess({
    ...accountEnv(A, wechat),
    REDIS_CLUSTER_NODES: cluster.ports.map((port) => `127.0.0.1:${port}`).join(','),
  });
});
afterAll(async () => {
  await service?.stop();
  await wechat?.close();
  await cluster?.stop();
});

describe('REDIS_CLUSTER_NODES', () => {
  it('signs, keeps the ticket in the cluster, and is ready', async () => {
    const response = await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`);
    expect(response.status).toBe(200);
    expect(service.logs.find((line) => line.msg === 'wechat-share-service listening')).toMatchObject({ store: 'redis-cluster' });
    expect((await (await fetch(`${service.publicUrl}/readyz`)).json()).status).toBe('ok');
    const stored = execFileSync('redis-cli', ['-c', '-p', String(cluster.ports[0]), 'get', `wechat-share:{${A.appId}}:jsapi_ticket`], { encoding: 'utf8' });
    expect(stored).toContain(wechat.fakes[A.appId].currentTicket());
  });
});
