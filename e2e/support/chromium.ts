/**
 * Which Chromium the web tests drive, and how. Never downloads a browser: PLAYWRIGHT_CHROMIUM_EXECUTABLE,
 * else Debian's /usr/bin/chromium, else Playwright's own build if one happens to be installed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const MISSING_CHROMIUM =
  'No Chromium found for the web E2E tests: run `apt-get install chromium` (as root) or set PLAYWRIGHT_CHROMIUM_EXECUTABLE to a Chromium binary.';

export function chromiumExecutable(): string | null {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
  } catch {
    // Playwright's browsers are not installed; that is fine, there is nothing else to try.
  }
  return null;
}

/** Headless, quiet, with four fake cameras (fake_device_0..3) and no permission prompt. */
export function chromiumArgs(extra: string[] = []): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream=device-count=4',
    // Capture must keep its clock even when the window is not in front.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    ...extra,
  ];
}

export const FACE_VIDEO = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
