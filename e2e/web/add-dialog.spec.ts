/**
 * The Add-camera dialog fits the window (the source box does not overflow, on a desktop window or a
 * phone), and on a machine without a webcam it starts on a source the machine has instead of on
 * "Camera" with an error. "No webcam" is the page's media devices answering as Chromium does
 * without one: no video input listed, and getUserMedia refused with NotFoundError.
 */
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures';

const NO_WEBCAM = `(() => {
  const devices = navigator.mediaDevices;
  const enumerate = devices.enumerateDevices.bind(devices);
  devices.enumerateDevices = async () => (await enumerate()).filter((d) => d.kind !== 'videoinput');
  devices.getUserMedia = async () => { throw new DOMException('Requested device not found', 'NotFoundError'); };
})();`;

/** How far the dialog and its source box reach past their room: 0 when everything fits. */
async function overflow(page: Page): Promise<{ window: number; source: number; below: number }> {
  return page.getByTestId('camera-dialog').evaluate((element) => {
    const dialog = element as unknown as { getBoundingClientRect(): { left: number; right: number; bottom: number }; querySelector(s: string): { scrollWidth: number; clientWidth: number } };
    const g = globalThis as unknown as { innerWidth: number; innerHeight: number };
    const box = dialog.getBoundingClientRect();
    const fieldset = dialog.querySelector('fieldset');
    return {
      window: Math.max(0, -box.left, box.right - g.innerWidth),
      source: Math.max(0, fieldset.scrollWidth - fieldset.clientWidth),
      below: Math.max(0, box.bottom - g.innerHeight),
    };
  });
}

for (const viewport of [{ width: 1280, height: 900 }, { width: 360, height: 740 }]) {
  test(`the dialog fits a ${viewport.width} × ${viewport.height} window, whatever source is picked`, async ({ openDashboard }) => {
    const page = await openDashboard({ viewport });
    await page.getByTestId('add-camera').click();
    const dialog = page.getByTestId('camera-dialog');
    await expect(dialog).toBeVisible();
    for (const kind of ['webcam', 'video', 'image', 'stream', 'file', 'device']) {
      await dialog.getByTestId(`source-${kind}`).check();
      expect(await overflow(page), kind).toEqual({ window: 0, source: 0, below: 0 });
    }
    await expect(dialog.getByTestId('camera-dialog-submit')).toBeInViewport();
  });
}

test('without a webcam the dialog opens on a stream URL, with no error', async ({ openDashboard }) => {
  const page = await openDashboard({ initScript: NO_WEBCAM });
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await expect(dialog.getByTestId('source-stream')).toBeChecked();
  await expect(dialog.getByTestId('stream-url-input')).toBeVisible();
  await expect(dialog.getByTestId('device-error')).toHaveCount(0);
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  // Asked for by hand, "Camera" still says why there is none.
  await dialog.getByTestId('source-webcam').check();
  await expect(dialog.getByTestId('device-error')).toBeVisible();
});

test('with a webcam the dialog still opens on it', async ({ dashboard: page }) => {
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await expect(dialog.getByTestId('device-select').locator('option').first()).not.toHaveText(/Looking for cameras/, { timeout: 30_000 });
  await expect(dialog.getByTestId('source-webcam')).toBeChecked();
  await expect(dialog.getByTestId('device-error')).toHaveCount(0);
});
