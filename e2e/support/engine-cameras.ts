/** Adding a camera the engine opens itself (an RTSP/HTTP stream or a file) through the dashboard's dialog. */
import type { Page } from '@playwright/test';
import { expect, tile } from './fixtures';

export async function addEngineCamera(page: Page, name: string, kind: 'stream' | 'file', value: string, maxFps = 10): Promise<void> {
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('camera-name-input').fill(name);
  await dialog.getByTestId(`source-${kind}`).check();
  await dialog.getByTestId(kind === 'stream' ? 'stream-url-input' : 'source-path-input').fill(value);
  await dialog.getByTestId('max-fps-input').fill(String(maxFps));
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  await expect(tile(page, name)).toBeVisible({ timeout: 30_000 });
}
