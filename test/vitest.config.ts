import { defineConfig } from 'vitest/config';

// Whole-stack tests start real processes: one file at a time, generous timeouts.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
