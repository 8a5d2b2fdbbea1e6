// @vitest-environment node
// WeCom signers of two instances sharing a real redis-server: the upstream calls WeCom's hourly
// ticket limits count (400 per corp, 100 per app: official, developer.work.weixin.qq.com 96909).
import { describe, expect, it } from 'vitest';
import { createWecomSigner, jsapiSignature, redisStore, wecomStoreKeys } from '../../src/server/index';
import { server } from '../helpers/msw';
import { AGENT_A, AGENT_B, CORP_ID, SECRET_A, SECRET_B, fakeWecom } from '../helpers/wecomApi';
import { useRedis } from './useRedis';

const redis = useRedis();
const quiet = { onError: () => undefined };

describe('WeCom signers sharing one Redis', () => {
  it('2 instances × 2 agents, 200 concurrent cold requests: 2 gettoken, 1 corp-ticket and 2 agent-ticket calls', async () => {
    const { api, handler } = fakeWecom({ latency: 50 });
    server.use(handler);
    // Each instance: its own Redis client and one signer per agent, as a process serving both apps.
    const instances = await Promise.all(
      [0, 1].map(async () => {
        const store = redisStore(await redis.client(), { prefix: 'burst:' });
        return [
          createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store, ...quiet }),
          createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_B, agentId: AGENT_B, store, ...quiet }),
        ];
      }),
    );
    const signers = instances.flat();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => signers[i % 4].sign(`https://h5.example.com/${i}`)));
    expect(results).toHaveLength(200);
    expect(api.calls).toEqual({ gettoken: 2, corpTicket: 1, agentTicket: 2 });
    const corp = api.currentCorpTicket()!;
    for (const [i, r] of results.entries()) {
      const agentTicket = api.currentAgentTicket(i % 2 === 0 ? AGENT_A : AGENT_B)!;
      expect(r.agentId).toBe(i % 2 === 0 ? AGENT_A : AGENT_B);
      expect(r.signature).toBe(jsapiSignature({ jsapi_ticket: corp, noncestr: r.nonceStr, timestamp: r.timestamp, url: r.url }));
      const agent = r.agentSignature!;
      expect(agent.signature).toBe(jsapiSignature({ jsapi_ticket: agentTicket, noncestr: agent.nonceStr, timestamp: agent.timestamp, url: r.url }));
    }
    // In Redis: one corp ticket, one agent ticket and one token per agent, none overwriting another.
    const c = await redis.client();
    const keysA = wecomStoreKeys(CORP_ID, AGENT_A);
    const keysB = wecomStoreKeys(CORP_ID, AGENT_B);
    const value = async (key: string | undefined) => (JSON.parse((await c.get(`burst:${key}`))!) as { value: string }).value;
    expect(await value(keysA.corpTicket)).toBe(corp);
    expect(await value(keysA.agentTicket)).toBe(api.currentAgentTicket(AGENT_A));
    expect(await value(keysB.agentTicket)).toBe(api.currentAgentTicket(AGENT_B));
    expect(await value(keysA.accessToken)).not.toBe(await value(keysB.accessToken));
    expect((await c.keys('burst:*')).filter((k) => !k.endsWith(':lock')).sort()).toEqual(
      [keysA.accessToken, keysB.accessToken, keysA.corpTicket, keysA.agentTicket, keysB.agentTicket].map((k) => `burst:${k}`).sort(),
    );
  });

  it('a new instance signs with the tickets already in Redis without calling WeCom', async () => {
    const { api, handler } = fakeWecom();
    server.use(handler);
    const first = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store: redisStore(await redis.client(), { prefix: 'warm:' }), ...quiet });
    await first.sign('https://h5.example.com/');
    const second = createWecomSigner({ corpId: CORP_ID, corpSecret: SECRET_A, agentId: AGENT_A, store: redisStore(await redis.client(), { prefix: 'warm:' }), ...quiet });
    const r = await second.sign('https://h5.example.com/');
    expect(api.calls).toEqual({ gettoken: 1, corpTicket: 1, agentTicket: 1 });
    expect(r.agentSignature!.signature).toBe(
      jsapiSignature({ jsapi_ticket: api.currentAgentTicket(AGENT_A)!, noncestr: r.agentSignature!.nonceStr, timestamp: r.timestamp, url: r.url }),
    );
  });
});
