// An error about one account that quotes another account's access_token and jsapi_ticket (a proxy
// in front of WeChat quoting the last requests it saw) is logged with both redacted: every line is
// redacted of every secret the process knows, not only of the failing account's.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWechat, type FakeWechatServer } from './helpers/fakeWechatServer';
import { startServiceProcess, type LogLine, type ServiceProcess } from './helpers/serviceProcess';

const A = { appId: 'wx_across_a', appSecret: 'SECRET_across_a_4b8e1f2c' };
const B = { appId: 'wx_across_b', appSecret: 'SECRET_across_b_9d3a6c7e' };
let wechat: FakeWechatServer;
let proxy: Server;
let service: ServiceProcess;
// What the proxy saw WeChat issue, by appId.
const tokens: Record<string, string> = {};
let bTicket: string | undefined;

beforeAll(async () => {
  wechat = await startFakeWechat([A, B]);
  // Forwards to the fake, except A's ticket calls: those fail, and once B holds a token and a
  // ticket, the failure quotes them bare (no `access_token=` a pattern could catch).
  proxy = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const url = new URL(req.url!, wechat.url);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (url.pathname === '/cgi-bin/ticket/getticket' && url.searchParams.get('access_token') === tokens[A.appId]) {
        const bToken = tokens[B.appId];
        res.end(JSON.stringify(bToken && bTicket ? { errcode: 40164, errmsg: `invalid ip 10.1.2.3, last requests: ${bToken} ${bTicket}` } : { errcode: -1, errmsg: 'system error' }));
        return;
      }
      const answer = await fetch(url, { method: req.method, body: req.method === 'POST' ? body : undefined });
      const text = await answer.text();
      const parsed = JSON.parse(text) as { access_token?: string; ticket?: string };
      if (parsed.access_token) tokens[(JSON.parse(body) as { appid: string }).appid] = parsed.access_token;
      if (parsed.ticket && url.searchParams.get('access_token') === tokens[B.appId]) bTicket = parsed.ticket;
      res.end(text);
    })();
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  service = await startServiceProcess({
    WECHAT_ACCOUNTS: JSON.stringify([
      { ...A, hosts: ['h5.a.com'] },
      { ...B, hosts: ['h5.b.com'] },
    ]),
    WECHAT_API_BASE: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
  });
});
afterAll(async () => {
  await service?.stop();
  proxy?.closeAllConnections();
  proxy?.close();
  await wechat?.close();
});

describe('secrets across accounts', () => {
  it("account A's error quoting B's access_token and jsapi_ticket is logged with both redacted", async () => {
    const sign = (host: string) => fetch(`${service.publicUrl}/api/wechat/signature?url=${encodeURIComponent(`https://${host}/`)}`);
    expect((await sign('h5.b.com')).status).toBe(200);
    expect(tokens[B.appId] && bTicket).toBeTruthy();
    // A's ticket is retried as its backoff allows (1 s, then 2 s): ask until the quoting failure is logged.
    const quoted = (line: LogLine) => line.errcode === 40164 && line.appId === A.appId;
    for (let i = 0; i < 40 && !service.logs.some(quoted); i++) {
      expect((await sign('h5.a.com')).status).toBe(502);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const line = await service.waitForLog(quoted);
    expect(line.msg).toContain('last requests: [redacted] [redacted]');
    expect(line.errmsg).toBe('invalid ip 10.1.2.3, last requests: [redacted] [redacted]');
    const output = service.output();
    for (const secret of [tokens[B.appId], bTicket!, tokens[A.appId], A.appSecret, B.appSecret]) expect(output).not.toContain(secret);
  });
});
