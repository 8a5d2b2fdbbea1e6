// remoteAccessToken follows no redirect: the refresh's body carries the refused token and every
// call the API key, so a 3xx from the configured central server must not reach the origin it names.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenRefreshError } from 'wechat-share/server';
import { remoteAccessToken } from '../src/remoteAccessToken';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('remoteAccessToken', () => {
  it.each([301, 302, 307, 308])('does not follow a %i: the other origin sees no request, and the error says why', async (status) => {
    const seen: string[] = [];
    const other = await listen((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        seen.push(`${request.method} ${request.headers.authorization ?? ''} ${body}`);
        response.end(JSON.stringify({ access_token: 'T_other', expires_in: 7200 }));
      });
    });
    const base = await listen((request, response) => {
      request.resume();
      response.writeHead(status, { Location: `${other}${request.url}` }).end();
    });
    const provider = remoteAccessToken({ base, key: 'KEY_remote_3c9d1e7f2a', appId: 'wx_remote' });
    await expect(provider()).rejects.toThrow(/redirects are not followed/);
    await expect(provider({ stale: 'TOKEN_refused_5b8e' })).rejects.toThrow(/redirects are not followed/);
    expect(seen).toEqual([]);
  });

  it('reads the token from a central server that answers', async () => {
    const base = await listen((request, response) => {
      request.resume();
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ access_token: request.method === 'POST' ? 'T_new' : 'T_held', expires_in: 7000 }));
    });
    const provider = remoteAccessToken({ base, key: 'KEY_remote_3c9d1e7f2a', appId: 'wx_remote' });
    await expect(provider()).resolves.toEqual({ access_token: 'T_held', expires_in: 7000 });
    await expect(provider({ stale: 'T_held' })).resolves.toEqual({ access_token: 'T_new', expires_in: 7000 });
  });

  it("passes a refresh's 503 on as a TokenRefreshError with the central server's code and Retry-After", async () => {
    const base = await listen((request, response) => {
      request.resume();
      response.writeHead(503, { 'Content-Type': 'application/json', 'Retry-After': '30' });
      response.end(JSON.stringify({ error: { code: 'REFRESH_LIMITED', message: 'a forced refresh ran less than 30 s ago', retryAfter: 30 } }));
    });
    const provider = remoteAccessToken({ base, key: 'KEY_remote_3c9d1e7f2a', appId: 'wx_remote' });
    const error = await provider({ stale: 'TOKEN_refused_5b8e' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error).toMatchObject({ code: 'REFRESH_LIMITED', retryAfter: 30 });
    expect(String((error as Error).message)).not.toContain('TOKEN_refused_5b8e');
  });

  it('refuses an answer over 64 KiB without keeping it', async () => {
    const base = await listen((request, response) => {
      request.resume();
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ access_token: 'T', expires_in: 7000, padding: 'x'.repeat(70 * 1024) }));
    });
    const provider = remoteAccessToken({ base, key: 'KEY_remote_3c9d1e7f2a', appId: 'wx_remote' });
    await expect(provider()).rejects.toThrow(/without access_token and expires_in/);
  });
});
