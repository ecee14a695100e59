import { defineConfig } from 'vitest/config';

// Unit and process tests run real interpreters in real child processes: on a 2-core machine they
// run one file at a time so that they do not starve each other.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/cleanup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
