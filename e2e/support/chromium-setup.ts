/**
 * Playwright's global set-up: finds the Chromium the web tests drive once, before any worker starts
 * (unpacking the bundled one here, not in several workers at once), and prints one line saying
 * which it is. A run without one goes on: the web tests then fail saying why, the electron project
 * does not need it.
 */
import { describeChromium, findChromium } from './chromium';

export default async function globalSetup(): Promise<void> {
  try {
    process.stdout.write(`${describeChromium(await findChromium())}\n`);
  } catch (err) {
    process.stdout.write(`Chromium for the browser tests: none (${(err as Error).message})\n`);
  }
}
