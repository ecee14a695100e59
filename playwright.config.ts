/**
 * E2E tests. `web` drives the renderer in Chromium against serve mode (started by the tests
 * themselves, see e2e/support/serve.ts); `electron` drives the desktop app and skips itself when the
 * Electron runtime is not installed. Two workers, each running whole spec files one after another
 * (every spec file starts its own serve mode on a free port and its own temporary folders).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './e2e',
  // The web project runs serve mode's build: brought up to date once before the tests. Then one
  // line says which Chromium the web tests drive (e2e/support/chromium.ts).
  globalSetup: ['./test/support/serve-build-setup.ts', './e2e/support/chromium-setup.ts'],
  outputDir: './test-results',
  workers: 2,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  // A safety net for a hung run, not a speed bound: the whole web suite takes minutes, more on a busy machine.
  globalTimeout: 30 * 60_000,
  expect: { timeout: 30_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 30_000,
  },
  projects: [
    { name: 'web', testMatch: /web\/.*\.spec\.ts$/ },
    { name: 'electron', testMatch: /electron\/.*\.spec\.ts$/ },
  ],
});
