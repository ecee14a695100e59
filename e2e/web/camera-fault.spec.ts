/**
 * A camera that falls into error after it ran: its tile hides the last picture of the old stream
 * and shows the reason over a dimmed box. The file camera is moved to a file that does not exist,
 * which the engine reports as a permanent fault.
 */
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test, tile } from '../support/fixtures';

const clip = path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
test.use({ serveOptions: { config: { cameras: [{ id: 'gate', name: 'Gate', source: { kind: 'file', path: clip, loop: true } }] } } });

test('a camera in error shows its reason, not its last picture', async ({ dashboard: page }) => {
  const gate = tile(page, 'Gate');
  const picture = gate.locator('.tile-media-holder > *');
  await expect(gate.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  await expect(picture).toBeVisible({ timeout: SLOW });
  await expect(gate.getByTestId('tile-fault')).toHaveCount(0);

  await gate.getByTestId('edit-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('source-path-input').fill(path.join(REPO_ROOT, 'e2e', 'fixtures', 'no-such-clip.mjpeg'));
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });

  await expect(gate.getByTestId('camera-state')).toHaveAttribute('data-state', 'error', { timeout: SLOW });
  const fault = gate.getByTestId('tile-fault');
  await expect(fault).toBeVisible();
  await expect(fault).toContainText('error:');
  await expect(fault).toHaveText((await gate.getByTestId('camera-state').textContent())!);
  // The old stream's last picture is gone from sight (the element stays, for when the camera comes back).
  await expect(picture).toBeHidden();
});
