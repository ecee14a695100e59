/**
 * vitest's and Playwright's global setup: tests that start serve mode run its build
 * (out/serve/cli.js), so it is brought up to date once before any test runs (a no-op when fresh,
 * a few seconds after a change to the sources), outside every test's time limit.
 */
import { serveBuilt } from './serve-process';

export default async function setup(): Promise<void> {
  await serveBuilt();
}
