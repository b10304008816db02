import { defineConfig } from 'vitest/config';

/** The browser test: Debian's chromium driven by playwright-core (`npm run test:browser`). */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
