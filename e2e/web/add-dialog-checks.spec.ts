/**
 * What the Add-camera dialog checks and assembles:
 * - a file path is checked by the engine when saved: a missing file or a file that is no video is
 *   refused in the dialog, with the engine's reason, and no tile appears;
 * - a stream's user and password have their own fields and are put into the URL percent-encoded;
 *   the password is stored (the camera connects to a real RTSP server that asks for it), never
 *   shown back (editing shows the URL and the user, and an empty password field), and an edit
 *   that leaves it empty keeps it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, SLOW, test, tile } from '../support/fixtures';
import { useRtspCamera } from '../support/rtsp-camera';

// Characters a URL cannot hold as they are: they must arrive percent-encoded.
const password = `p@ss:w/rd ${Math.random().toString(36).slice(2, 8)}`;
const camera = useRtspCamera({ user: 'cam', pass: password });
const { ffmpeg } = camera;

test.use({ serveOptions: { config: { cameras: [] } } });

test('a file path the engine cannot play is refused in the dialog, not on a tile', async ({ dashboard: page }) => {
  const notVideo = path.join(camera.clips.dir, 'notes.mp4');
  writeFileSync(notVideo, 'not a video\n'.repeat(100));
  for (const [file, reason] of [
    [path.join(camera.clips.dir, 'no-such-clip.mp4'), /there is no file at .*no-such-clip\.mp4/],
    [notVideo, /notes\.mp4 is not a video ffmpeg can read/],
  ] as const) {
    await page.getByTestId('add-camera').click();
    const dialog = page.getByTestId('camera-dialog');
    await dialog.getByTestId('camera-name-input').fill('Typo');
    await dialog.getByTestId('source-file').check();
    await dialog.getByTestId('source-path-input').fill(file);
    await dialog.getByTestId('camera-dialog-submit').click();
    await expect(dialog.getByTestId('dialog-error')).toHaveText(reason, { timeout: 30_000 });
    await expect(dialog).toBeVisible();
    await expect(tile(page, 'Typo')).toHaveCount(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  }
  await expect(page.getByTestId('camera-tile')).toHaveCount(0);
});

test('user and password go into the stream URL encoded, are stored, and the password is never shown', async ({ dashboard: page, serve }) => {
  const urlWithout = camera.rtsp.url(null);
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('camera-name-input').fill('Door');
  await dialog.getByTestId('source-stream').check();
  await dialog.getByTestId('stream-url-input').fill(urlWithout);
  await dialog.getByTestId('stream-user-input').fill('cam');
  await dialog.getByTestId('stream-password-input').fill(password);
  await expect(dialog.getByTestId('stream-password-input')).toHaveAttribute('type', 'password');
  await dialog.getByTestId('max-fps-input').fill('10');
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });

  // The server asks for the password: running means ffmpeg sent it.
  const door = tile(page, 'Door');
  await expect(door.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  const stored = JSON.parse(readFileSync(serve.configFile, 'utf8')) as { cameras: Array<{ source: { url: string } }> };
  expect(stored.cameras[0].source.url).toBe(urlWithout.replace('rtsp://', `rtsp://cam:${encodeURIComponent(password)}@`));

  // Editing: the URL and the user, never the password.
  await door.getByTestId('edit-camera').click();
  await expect(dialog.getByTestId('stream-url-input')).toHaveValue(urlWithout);
  await expect(dialog.getByTestId('stream-user-input')).toHaveValue('cam');
  await expect(dialog.getByTestId('stream-password-input')).toHaveValue('');
  await expect(dialog.getByTestId('stream-password-input')).toHaveAttribute('placeholder', 'stored (unchanged)');
  // Saved with the password left empty (a new frame rate): the stored one is kept.
  await dialog.getByTestId('max-fps-input').fill('8');
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const after = JSON.parse(readFileSync(serve.configFile, 'utf8')) as { cameras: Array<{ source: { url: string }; maxFps: number }> };
  expect(after.cameras[0]).toMatchObject({ maxFps: 8, source: { url: stored.cameras[0].source.url } });
  await expect(door.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });

  for (const secret of [password, encodeURIComponent(password)]) {
    expect(await page.locator('body').innerHTML()).not.toContain(secret);
    expect(serve.log()).not.toContain(secret);
  }
});

test('an RTSP camera offers the transport: saved in the config, shown again on edit', async ({ dashboard: page, serve }) => {
  const dialog = page.getByTestId('camera-dialog');
  await page.getByTestId('add-camera').click();
  await dialog.getByTestId('camera-name-input').fill('Gate');
  await dialog.getByTestId('source-stream').check();
  // Only RTSP has a transport to choose.
  await dialog.getByTestId('stream-url-input').fill('http://127.0.0.1:9/video.mjpg');
  await expect(dialog.getByTestId('rtsp-transport')).toHaveCount(0);
  await dialog.getByTestId('stream-url-input').fill(camera.rtsp.url(null));
  await expect(dialog.getByTestId('rtsp-transport-auto')).toBeChecked();
  await dialog.getByTestId('rtsp-transport-tcp').check();
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const saved = () => (JSON.parse(readFileSync(serve.configFile, 'utf8')) as { cameras: Array<{ name: string; source: { url: string; transport?: string } }> }).cameras;
  expect(saved().find((c) => c.name === 'Gate')?.source).toEqual({ kind: 'stream', url: camera.rtsp.url(null), transport: 'tcp' });
  await tile(page, 'Gate').getByTestId('edit-camera').click();
  await expect(dialog.getByTestId('rtsp-transport-tcp')).toBeChecked();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // With a password the option must travel in ffmpeg's input list: FFmpeg 5 and newer take it there, an older one is refused in the dialog.
  const door = tile(page, 'Door');
  await door.getByTestId('edit-camera').click();
  await dialog.getByTestId('rtsp-transport-udp').check();
  await dialog.getByTestId('camera-dialog-submit').click();
  const major = Number(/^(\d+)\./.exec(ffmpeg.version)?.[1] ?? 0);
  if (major >= 5) {
    await expect(dialog).toBeHidden({ timeout: 30_000 });
    expect(saved().find((c) => c.name === 'Door')?.source.transport).toBe('udp');
  } else {
    await expect(dialog.getByTestId('dialog-error')).toContainText('cannot be told the RTSP transport without the password on its command line', { timeout: 30_000 });
    expect(saved().find((c) => c.name === 'Door')?.source.transport).toBeUndefined();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  }
});
