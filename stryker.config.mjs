// Mutation testing (npm run test:mutation): would a test fail if this code broke? Each surviving
// mutant is a behaviour no test pins down. Stryker 9 runs on Node 20 (10 needs Node 22).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // related: false, because the SDK tests import the SDK through openPage() (a dynamic import per
  // page), which vitest's import graph cannot follow: with related files on, those tests never ran.
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'src/**/*.ts',
    // Re-exports, types and the script-tag entries' side effects only.
    '!src/**/index.ts',
    '!src/types.ts',
    '!src/SignatureData.ts',
    '!src/iife.ts',
    '!src/simulator/iife.ts',
    // The simulator's panel is a view, checked by the end-to-end tests in Chromium.
    '!src/simulator/mountPanel.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
