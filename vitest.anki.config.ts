import { defineConfig } from 'vitest/config';

/** `npm run test:anki`: the suites that import our packages into real Anki (see test/anki). */
export default defineConfig({
  test: {
    include: ['test/anki/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
  },
});
