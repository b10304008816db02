import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/browser needs chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/anki/**', 'test/browser/**'],
    testTimeout: 30_000,
  },
});
