// Loaded with `node --import` into every process a README snippet runs in (test/e2e/snippets.test.ts),
// so that the snippet runs exactly as written:
// - WeChat's API (https://api.weixin.qq.com) is answered by the test's fake, at WECHAT_API_FAKE;
//   any other host but loopback is refused, so nothing leaves the machine;
// - a snippet that makes its own fake (`createFakeWechatApi`) has it recorded, and the test asks
//   for its jsapi_ticket over the IPC channel ('tickets'), to check signatures against it;
// - a snippet that listens on a fixed port (SNIPPET_FIXED_PORT, such as 8080) listens on PORT instead,
//   a free one, so that it cannot meet another server on this machine.
import { register } from 'node:module';
import { Server } from 'node:net';

const fake = process.env.WECHAT_API_FAKE;
const realFetch = globalThis.fetch;
const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);

globalThis.fetch = async (input, init) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  if (url.hostname === 'api.weixin.qq.com' && fake) {
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.text();
    return realFetch(new URL(url.pathname + url.search, fake), { method: request.method, headers: request.headers, body, signal: request.signal });
  }
  if (!loopback.has(url.hostname)) throw new TypeError(`snippet test: no request leaves the machine (${url.host})`);
  return realFetch(request);
};

register('./snippetHooks.mjs', import.meta.url);

const fixedPort = process.env.SNIPPET_FIXED_PORT;
if (fixedPort && process.env.PORT) {
  const listen = Server.prototype.listen;
  Server.prototype.listen = function (...args) {
    if (String(args[0]) === fixedPort) args[0] = Number(process.env.PORT);
    return listen.apply(this, args);
  };
}

// Only in the process the test opened the channel to: the processes a snippet forks (`next dev`
// runs its server in one) have channels of their own, to their parent, and do not inherit the flag.
const answersTickets = process.env.SNIPPET_IPC === '1';
delete process.env.SNIPPET_IPC;
if (answersTickets && process.send) {
  process.on('message', (message) => {
    if (message === 'tickets') process.send({ tickets: (globalThis.__snippetFakes ?? []).map((f) => f.currentTicket() ?? null) });
  });
}
