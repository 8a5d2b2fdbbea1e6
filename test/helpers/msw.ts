// msw for every unit test: a request that no handler answers fails the test instead of reaching
// a network (mswjs/msw's own recommendation). msw on its own only fails the request (a network
// error the code under test may well catch and survive), so each such request is recorded here
// and the test that made it fails in afterEach. Only loopback servers that a test starts itself
// are reached for real.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const server = setupServer();

/** Requests no handler answered since the current test began: `METHOD url`. */
export const unhandled: string[] = [];

beforeAll(() => {
  server.listen({
    onUnhandledRequest(request) {
      if (new URL(request.url).hostname === '127.0.0.1') return;
      unhandled.push(`${request.method} ${request.url}`);
      // Also fails the request, as msw's 'error' strategy does.
      throw new Error(`[msw] no handler for ${request.method} ${request.url}`);
    },
  });
  // msw's fetch takes a method that a browser's fetch rejects with a TypeError (such as ''), and
  // sends GET: the method is checked here as the browser would (server.close() restores fetch).
  const intercepted = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    new Request('https://method.check.invalid/', { method: init?.method });
    return intercepted(input, init);
  };
});
afterEach(() => {
  server.resetHandlers();
  const requests = unhandled.splice(0);
  if (requests.length) throw new Error(`The test made requests that no msw handler answers:\n${requests.join('\n')}`);
});
afterAll(() => server.close());
