// msw for every unit test: a request that no handler answers fails the test instead of reaching
// a network (mswjs/msw's own recommendation). Only loopback servers that a test starts itself
// are reached for real.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const server = setupServer();

beforeAll(() =>
  server.listen({
    onUnhandledRequest(request, print) {
      if (new URL(request.url).hostname !== '127.0.0.1') print.error();
    },
  }),
);
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
