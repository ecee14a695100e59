/**
 * The capacity line on a first start: no calibration exists, so the camera's model is measured in
 * the background, and the panel then says what the camera costs and how many more like it fit,
 * without ever sending a browser user to the CLI.
 */
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
test.use({ serveOptions: { config: { cameras: [{ id: 'hall', name: 'Hall', source: { kind: 'file', path: clip, loop: true } }] } } });

test('a first start measures the model and says how many more cameras like this one fit', async ({ dashboard: page }) => {
  const panel = page.getByTestId('throughput-panel');
  const more = panel.locator('[data-testid="panel-row"][data-camera-id="hall"] [data-testid="panel-more"]');
  await expect(more).toHaveText(/^[\d.]+ of a core; (about \d+ more cameras? like this one|no more cameras like this one fit)$/, { timeout: SLOW });
  const k = Number(await more.getAttribute('data-value'));
  expect(Number.isInteger(k)).toBe(true);
  if (k > 0) await expect(more).toContainText(`about ${k} more`);
  const line = panel.getByTestId('capacity');
  await expect(line).toHaveText(/^cameras need [\d.]+ of the [\d.]+ cores they may use \(\d+ %\)$/);
  await expect(panel.getByTestId('calibrating')).toHaveCount(0);
  await expect(panel).not.toContainText('npm run bench');
  await expect(page.locator('body')).not.toContainText('npm run');
});
