/**
 * A camera that falls into error after it ran: its tile hides the last picture of the old stream
 * and shows the reason over a dimmed box. The file camera plays a copy of the clip; the copy is
 * deleted and the camera restarted (a new frame rate), so its ffmpeg finds no file: a permanent
 * fault. (A missing path typed in the dialog is refused there: add-dialog-checks.spec.ts.)
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../support/chromium';
import { expect, SLOW, test, tile } from '../support/fixtures';

const copyDir = mkdtempSync(path.join(tmpdir(), 'multicam-fault-'));
const clip = path.join(copyDir, 'face-640x480.mjpeg');
copyFileSync(path.join(REPO_ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg'), clip);
test.afterAll(() => rmSync(copyDir, { recursive: true, force: true }));
test.use({ serveOptions: { config: { cameras: [{ id: 'gate', name: 'Gate', source: { kind: 'file', path: clip, loop: true } }] } } });

test('a camera in error shows its reason, not its last picture', async ({ dashboard: page }) => {
  const gate = tile(page, 'Gate');
  const picture = gate.locator('.tile-media-holder > *');
  await expect(gate.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  await expect(picture).toBeVisible({ timeout: SLOW });
  await expect(gate.getByTestId('tile-fault')).toHaveCount(0);

  await gate.getByTestId('edit-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  rmSync(clip);
  await dialog.getByTestId('max-fps-input').fill('12');
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
