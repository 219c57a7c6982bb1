import { defineConfig } from 'vitest/config'

// The suite runs on the store named by O2C_TEST_STORE: PGlite (default) or PostgreSQL
// (DATABASE_URL of a server where we may create databases; see test/stores.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Each PGlite store takes ~0.3–0.7 GB; two workers fit the 2-core machines comfortably.
    maxWorkers: 2,
    pool: 'forks',
  },
})
