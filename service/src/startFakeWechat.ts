import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFakeWechatApi } from 'wechat-share/server';

/** The appId of `--fake-wechat`'s one account: `wx` and 16 hex digits, as a real one, yet plainly fake. */
export const FAKE_APP_ID = 'wxfa4efa4efa4efa4e';

/** The fake WeChat API of `--fake-wechat`, running in this process. */
export interface FakeWechat {
  /** Its base URL, `http://127.0.0.1:<port>`: what `WECHAT_API_BASE` is set to. */
  url: string;
  appId: string;
  /** A random appSecret, made at each start: no real credential is ever involved. */
  appSecret: string;
}

/**
 * Starts the library's fake WeChat API (`createFakeWechatApi`: stable_token, token and getticket
 * as the official docs describe them) on 127.0.0.1 and a free port, for the local mode: the
 * service then runs with no credentials at all. Its signatures are accepted by the WeChat client
 * simulator, never by WeChat. The server is unref'd: it never keeps the process alive.
 */
export async function startFakeWechat(): Promise<FakeWechat> {
  const appSecret = randomBytes(16).toString('hex');
  const fake = createFakeWechatApi({ appId: FAKE_APP_ID, appSecret });
  const server = createServer((req, res) => {
    void (async () => {
      let body = '';
      for await (const chunk of req) body += chunk;
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const answer = await fake.handle(new Request(url, { method: req.method, body: req.method === 'POST' ? body : undefined }));
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(await answer.text());
    })().catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, appId: FAKE_APP_ID, appSecret };
}
