// The library's fake WeCom API (qyapi), served over node:http through toNodeHandler on a loopback
// port for the service (a child process) to call through WECOM_API_BASE. Several corps: gettoken
// goes to the fake of its corpid, a ticket call to the fake that issued its access_token.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeWecomApi, type FakeWecomApi } from 'wechat-share/dev';
import { toNodeHandler } from 'wechat-share/server';

export interface FakeWecomServer {
  url: string;
  /** The fake of each corp, by corpId. */
  fakes: Record<string, FakeWecomApi>;
  /**
   * Corps whose every gettoken call is refused with errcode 60020, quoting the caller's IP as WeCom
   * does, until removed: an app whose server IP is not among its trusted IPs (企业可信IP).
   */
  ipDenied: Set<string>;
  close(): Promise<void>;
}

/** Starts the fake for `corps` on 127.0.0.1 and a free port. */
export async function startFakeWecom(corps: { corpId: string; apps: { agentId: number; secret: string }[] }[]): Promise<FakeWecomServer> {
  const fakes = Object.fromEntries(corps.map((corp) => [corp.corpId, createFakeWecomApi(corp)]));
  const first = fakes[corps[0].corpId];
  const issuedBy = new Map<string, FakeWecomApi>();
  const ipDenied = new Set<string>();
  const json = (body: object) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  const server = createServer(
    toNodeHandler(async (request) => {
      const url = new URL(request.url);
      const corpId = url.searchParams.get('corpid');
      if (url.pathname === '/cgi-bin/gettoken' && corpId && ipDenied.has(corpId)) {
        return json({ errcode: 60020, errmsg: 'not allow to access from your ip, hint: [1733440000_1_abc], from ip: 10.1.2.3, more info at https://open.work.weixin.qq.com/devtool/query?e=60020' });
      }
      const token = url.searchParams.get('access_token');
      const fake = (corpId && fakes[corpId]) || (token && issuedBy.get(token)) || first;
      const answer = await fake.handle(request);
      const text = await answer.text();
      const issued = (JSON.parse(text) as { access_token?: string }).access_token;
      if (issued) issuedBy.set(issued, fake);
      return new Response(text, { status: answer.status, headers: { 'content-type': 'application/json' } });
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fakes,
    ipDenied,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
