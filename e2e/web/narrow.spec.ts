/**
 * The dashboard on a phone-sized window (360 × 740): nothing scrolls sideways, with a camera, with
 * the settings open, on the Events view and with the Add-camera dialog; the header's Add camera
 * and Settings are on screen and work.
 */
import type { Page } from '@playwright/test';
import { addWebcam, expect, test, tile } from '../support/fixtures';

test.use({ dashboardOptions: { viewport: { width: 360, height: 740 } } });

/** How far the page reaches past the window's width (0 when it fits). */
async function overflowX(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return g.document.documentElement.scrollWidth - g.innerWidth;
  });
}

async function expectOnScreen(page: Page, testId: string): Promise<void> {
  const box = await page.getByTestId(testId).boundingBox();
  expect(box, testId).not.toBeNull();
  expect(box!.x, `${testId} left edge`).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${testId} right edge`).toBeLessThanOrEqual(360);
}

test('360 px wide: no sideways scroll, and Add camera and Settings are reachable', async ({ dashboard: page }) => {
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await expectOnScreen(page, 'add-camera');
  await expectOnScreen(page, 'open-settings');

  await addWebcam(page, 'Phone', 'fake_device_0');
  await expect(tile(page, 'Phone')).toBeVisible();
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await expectOnScreen(page, 'add-camera');
  await expectOnScreen(page, 'open-settings');

  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('events-settings')).toBeVisible();
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('events-settings')).toHaveCount(0);

  await page.getByTestId('view-events').click();
  await expect(page.getByTestId('events-view')).toBeVisible();
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await page.getByTestId('view-cameras').click();

  await page.getByTestId('add-camera').click();
  await expect(page.getByTestId('camera-dialog')).toBeVisible();
  expect(await overflowX(page)).toBeLessThanOrEqual(0);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('camera-dialog')).toHaveCount(0);
});
