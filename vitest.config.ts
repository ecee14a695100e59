import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - `quick`: tests that run in the test's own process (decoders, contracts, the tracker, the store,
 *   the real interpreter in-process): no child process, no port, no broker. They run two files at a
 *   time, first. `npm run test:quick` runs only these, for the inner loop.
 * - `process`: tests on real processes (workers, ffmpeg, serve mode, RTSP, MQTT brokers). Two files
 *   at a time: they share no port (every server listens on port 0), no folder (each makes its own
 *   temporary one) and no process, and none asserts a duration, so a neighbour only slows them.
 */
const QUICK = [
  'test/bench/realtime-counters.test.ts',
  'test/docs/layers.test.ts',
  'test/docs/links.test.ts',
  'test/docs/settings-reference.test.ts',
  'test/engine/backoff.test.ts',
  'test/engine/camera.test.ts',
  'test/engine/decoder.test.ts',
  'test/engine/invoke-rate.test.ts',
  'test/engine/restart-policy.test.ts',
  'test/events/routes.test.ts',
  'test/events/store.test.ts',
  'test/events/tracker.test.ts',
  'test/events/worker-events.test.ts',
  'test/motion/motion-detector.test.ts',
  'test/models/decoders.test.ts',
  'test/models/landmarks-draw.test.ts',
  'test/models/recognition.test.ts',
  'test/serve/accounts-units.test.ts',
  'test/serve/after-pack.test.ts',
  'test/serve/electron-security.test.ts',
  'test/serve/serve-build.test.ts',
  'test/serve/units.test.ts',
  'test/sources/contract.test.ts',
  'test/sources/latest-frame-slot.test.ts',
  'test/sources/live-view.test.ts',
  'test/sources/result-batch.test.ts',
  'test/sources/units.test.ts',
  'test/recording/retention.test.ts',
];

/**
 * Process tests that change the checkout itself (cli.test.ts moves the built web renderer aside to
 * see `npm run serve` build it): they run after the others, alone, so no neighbour sees the change.
 */
const SOLO = ['test/serve/cli.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    setupFiles: ['test/support/cleanup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: { name: 'quick', include: QUICK, fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        // Tests here start serve mode's build (out/serve/cli.js): brought up to date once, first.
        test: { name: 'process', include: ['test/**/*.test.ts'], exclude: [...QUICK, ...SOLO], fileParallelism: true, maxWorkers: 2, sequence: { groupOrder: 1 }, globalSetup: ['test/support/serve-build-setup.ts'] },
      },
      {
        extends: true,
        test: { name: 'solo', include: SOLO, fileParallelism: false, sequence: { groupOrder: 2 }, globalSetup: ['test/support/serve-build-setup.ts'] },
      },
    ],
  },
});
