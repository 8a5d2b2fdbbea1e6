// REDIS_CLUSTER_NODES: the service on a real three-master Redis Cluster (node-redis 6 createCluster),
// its keys of one appId on one slot; and a cluster that is down when the service starts, then
// brought back on the same ports from its nodes.conf.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { accountEnv, startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { redisCluster, type RedisNodes } from './helpers/redisNodes';
import { startServiceProcess, type ServiceProcess } from './helpers/serviceProcess';
import { readyzUntil, storedValue } from './helpers/storeWatch';

let cluster: RedisNodes | undefined;
let wechat: FakeWechatServer | undefined;
let service: ServiceProcess | undefined;

afterEach(async () => {
  await service?.stop();
  await wechat?.close();
  await cluster?.remove();
  service = wechat = cluster = undefined;
});
afterAll(async () => {
  await cluster?.remove();
});

const nodesOf = (ports: number[]) => ports.map((port) => `127.0.0.1:${port}`).join(',');

describe('REDIS_CLUSTER_NODES', () => {
  it('signs, keeps the ticket in the cluster, and is ready', async () => {
    const A = { appId: 'wx_cluster_a', appSecret: 'SECRET_cluster_a_2b4d' };
    cluster = await redisCluster();
    wechat = await startFakeWechat([A]);
    service = await startServiceProcess({ ...accountEnv(A, wechat), REDIS_CLUSTER_NODES: nodesOf(cluster.ports) });
    const response = await fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`);
    expect(response.status).toBe(200);
    expect(service.logs.find((line) => line.msg === 'wechat-share-service listening')).toMatchObject({ store: 'redis-cluster' });
    expect((await (await fetch(`${service.publicUrl}/readyz`)).json()).status).toBe('ok');
    const stored = execFileSync('redis-cli', ['-c', '-p', String(cluster.ports[0]), 'get', `wechat-share:{${A.appId}}:jsapi_ticket`], { encoding: 'utf8' });
    expect(stored).toContain(wechat.fakes[A.appId].currentTicket());
  });

  it('down when the service starts: degraded and signing, then used within 5 s of its return (not "The client is closed" for ever)', async () => {
    // Tickets live 20 s, so the signer renews one (through the store) about 10 s after its first.
    const A = { appId: 'wx_cluster_late', appSecret: 'SECRET_cluster_late_8e1f', expiresIn: 20 };
    cluster = await redisCluster();
    await cluster.stop();
    wechat = await startFakeWechat([A]);
    service = await startServiceProcess({ ...accountEnv(A, wechat), REDIS_CLUSTER_NODES: nodesOf(cluster.ports) });
    const url = `${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent('https://h5.a.com/')}`;
    expect((await fetch(url)).status).toBe(200);
    const down = await fetch(`${service.publicUrl}/readyz`);
    expect(down.status).toBe(200);
    expect(await down.json()).toMatchObject({ status: 'degraded', store: { up: false } });

    await cluster.start();
    // Within 5 s of the cluster being back: the bound of this poll of the service (a child process).
    expect(await readyzUntil(service, 'ok', 5000)).toBe('ok');
    // Used, not only connected: the next renewal of the ticket lands in the cluster.
    const port = cluster.ports[0];
    const stored = await storedValue(() => fetch(url).then((answer) => answer.status), () => execFileSync('redis-cli', ['-c', '-p', String(port), 'get', `wechat-share:{${A.appId}}:jsapi_ticket`], { encoding: 'utf8' }), wechat.fakes[A.appId].currentTicket, 20_000);
    expect(stored).toContain(wechat.fakes[A.appId].currentTicket());
    expect(service.output()).not.toContain('The client is closed');
    expect(service.logs.some((line) => line.msg === 'redis ready')).toBe(true);
  });

  it('lost while the service runs: degraded, then ok within 5 s of its return', async () => {
    const A = { appId: 'wx_cluster_lost', appSecret: 'SECRET_cluster_lost_40c2' };
    cluster = await redisCluster();
    wechat = await startFakeWechat([A]);
    service = await startServiceProcess({ ...accountEnv(A, wechat), REDIS_CLUSTER_NODES: nodesOf(cluster.ports) });
    expect(await readyzUntil(service, 'ok', 5000)).toBe('ok');
    await cluster.stop();
    expect(await readyzUntil(service, 'degraded', 5000)).toBe('degraded');
    await cluster.start();
    // Within 5 s of the cluster being back: the bound of this poll of the service (a child process).
    expect(await readyzUntil(service, 'ok', 5000)).toBe('ok');
    // At most one line for the loss, however long it lasted. (The watcher polls every 250 ms; when
    // node-redis's cluster client is replaced within one poll the loss shows only as the failures
    // that /readyz's `degraded` above came from, and the readiness lines below.)
    expect(service.logs.filter((line) => line.msg.startsWith('redis connection lost')).length).toBeLessThanOrEqual(1);
    // Readiness is logged when it changes, not per poll: about 50 polls above, three lines.
    const readiness = (await service.waitForLog((line) => line.msg === 'readiness: ok' && line.from === 'degraded'), service.logs.filter((line) => line.msg.startsWith('readiness:')));
    expect(readiness.map((line) => line.msg)).toEqual(['readiness: ok', 'readiness: degraded', 'readiness: ok']);
  });
});
