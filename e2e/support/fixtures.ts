/**
 * The web project's fixtures: `browser` launches the Chromium found by chromiumExecutable() (never
 * a download) with fake cameras; helpers drive the dashboard through its data-testid attributes.
 */
import { test as base, expect, type Browser, type Locator, type Page } from '@playwright/test';
import { chromiumArgs, chromiumExecutable, MISSING_CHROMIUM } from './chromium';

export const test = base.extend<object, { browser: Browser }>({
  browser: [
    async ({ playwright }, use) => {
      const executablePath = chromiumExecutable();
      if (!executablePath) throw new Error(MISSING_CHROMIUM);
      const browser = await playwright.chromium.launch({ executablePath, args: chromiumArgs() });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
});

export { expect };

/** Generous: four interpreters and a browser share two cores. */
export const SLOW = 90_000;

export function tile(page: Page, name: string): Locator {
  return page.locator(`[data-testid="camera-tile"][data-camera-name="${name}"]`);
}

export async function addWebcam(page: Page, name: string, deviceLabel: string | null): Promise<void> {
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('camera-name-input').fill(name);
  const select = dialog.getByTestId('device-select');
  // The list fills in once the page may use the cameras (labels are hidden before that).
  await expect(select.locator('option').first()).not.toHaveText(/Looking for cameras/, { timeout: 30_000 });
  if (deviceLabel) await select.selectOption({ label: deviceLabel });
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(tile(page, name)).toBeVisible({ timeout: 30_000 });
}

/** Waits for the tile to say running and its <video> to be playing with real frames. */
export async function expectLive(page: Page, name: string, timeout = SLOW): Promise<void> {
  const t = tile(page, name);
  await expect(t.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout });
  await expect
    .poll(
      () =>
        t.locator('video').evaluate((element) => {
          // Runs in the page; this project's types have no DOM, so say what is read.
          const v = element as unknown as { readyState: number; videoWidth: number; paused: boolean; currentTime: number };
          return v.readyState >= 2 && v.videoWidth > 0 && !v.paused && v.currentTime > 0;
        }),
      { timeout, message: `${name}: video playing` },
    )
    .toBe(true);
}

/** The page's document, typed just enough for code passed to page.waitForFunction / evaluate. */
export interface PageDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}

export async function panelPid(page: Page, cameraId: string): Promise<number | null> {
  const text = await page.locator(`[data-testid="panel-row"][data-camera-id="${cameraId}"]`).getAttribute('data-pid');
  return text ? Number(text) : null;
}

export async function panelIps(page: Page, cameraId: string): Promise<number> {
  const value = await page
    .locator(`[data-testid="panel-row"][data-camera-id="${cameraId}"] [data-testid="panel-ips"]`)
    .getAttribute('data-value');
  return Number(value ?? 0);
}
