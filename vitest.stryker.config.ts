// The unit tests that run against src/, for Stryker (npm run test:mutation). The end-to-end tests,
// the built-bundle tests and the example server's run the built dist/, which a mutant of src/ does
// not reach.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'https://h5.example.com/' } },
    include: ['test/**/*.test.ts'],
    // Docs are not code: their check has nothing to kill.
    exclude: ['test/e2e/**', 'test/dist.test.ts', 'test/server/exampleServer.test.ts', 'test/docs.test.ts'],
    setupFiles: ['test/helpers/msw.ts'],
    testTimeout: 15_000,
  },
});
