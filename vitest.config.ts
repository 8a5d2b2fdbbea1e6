import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'jsdom',
    environmentOptions: { jsdom: { url: 'https://h5.example.com/' } },
    include: ['test/**/*.test.ts'],
    setupFiles: ["test/helpers/msw.ts"],
    testTimeout: 15000,
  },
});
