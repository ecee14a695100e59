/**
 * Cameras the engine opens itself, in Chromium against serve mode: an RTSP camera (a real RTSP
 * server on 127.0.0.1, with a password) and a file camera added through the dialog; the live
 * preview shows the face box on the face; with every page closed for 10 s recognition goes on;
 * two pages both show the preview; the password is nowhere on the page or in the log.
 */
import type { Page } from '@playwright/test';
import { addEngineCamera } from '../support/engine-cameras';
import { expect, SLOW, test, tile } from '../support/fixtures';
import { useRtspCamera } from '../support/rtsp-camera';
import type { ServeHandle } from '../support/serve';

const password = `e2e-${Math.random().toString(36).slice(2, 10)}`;
const camera = useRtspCamera({ user: 'cam', pass: password });
const { ffmpeg } = camera;

// The face clip pans a 640x480 window over the astronaut (e2e/fixtures/CREDITS.md); the face's
// centre stays within these fractions of the picture (see test/sources/worker-source.test.ts).
const FACE_CENTRE = { x: [0.33, 0.54], y: [0.1, 0.39] };

test.use({ serveOptions: { config: { cameras: [], settings: { previewFps: 5 } } } });


/** The face box drawn over a tile's live preview, as fractions of the picture, once one is drawn. */
async function faceBox(page: Page, name: string): Promise<{ cx: number; cy: number }> {
  const overlay = tile(page, name).getByTestId('overlay');
  let found: { cx: number; cy: number } | null = null;
  await expect
    .poll(
      async () =>
        (found = await overlay.evaluate((element) => {
          const canvas = element as unknown as { clientWidth: number; clientHeight: number; dataset: Record<string, string | undefined> };
          const box = (JSON.parse(canvas.dataset.boxes ?? '[]') as number[][])[0];
          if (!box || canvas.clientWidth === 0) return null;
          const [x, y, w, h] = box;
          // The tile is 4:3 like the 640x480 picture: the picture fills the canvas.
          return { cx: (x + w / 2) / canvas.clientWidth, cy: (y + h / 2) / canvas.clientHeight };
        })),
      { timeout: SLOW, message: `${name}: a face box on the preview` },
    )
    .not.toBeNull();
  return found!;
}

/** How far a tile's picture has come: frames decoded by its live <video> (H.264 here), or the last JPEG preview's id. */
async function previewFrame(page: Page, name: string): Promise<number> {
  const video = tile(page, name).getByTestId('live-video');
  if ((await video.count()) > 0) return video.evaluate((v) => (v as unknown as { getVideoPlaybackQuality(): { totalVideoFrames: number } }).getVideoPlaybackQuality().totalVideoFrames);
  return Number((await tile(page, name).getByTestId('preview-canvas').getAttribute('data-frame-id')) ?? '0');
}

test('RTSP and file cameras from the dialog: face box on the preview, recognition with no page, two pages watching', async ({ dashboard: page, openDashboard, serve }, testInfo) => {
  // Two workers, two ffmpegs, an RTSP server and up to two pages on a shared 2-core machine.
  test.setTimeout(300_000);
  await page.getByTestId('open-settings').click();
  await expect(page.getByTestId('ffmpeg-info')).toContainText(`ffmpeg ${ffmpeg.version}`);
  await page.getByTestId('open-settings').click();
  await addEngineCamera(page, 'Door', 'stream', camera.rtsp.url());
  await addEngineCamera(page, 'Clip', 'file', camera.clips.faceMp4);
  for (const name of ['Door', 'Clip']) {
    await expect(tile(page, name).getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
    const box = await faceBox(page, name);
    testInfo.annotations.push({ type: `${name} face centre`, description: JSON.stringify(box) });
    expect(box.cx).toBeGreaterThan(FACE_CENTRE.x[0]);
    expect(box.cx).toBeLessThan(FACE_CENTRE.x[1]);
    expect(box.cy).toBeGreaterThan(FACE_CENTRE.y[0]);
    expect(box.cy).toBeLessThan(FACE_CENTRE.y[1]);
  }
  await testInfo.attach('engine-cameras.png', { body: await page.screenshot(), contentType: 'image/png' });
  expect(await page.locator('body').innerText()).not.toContain(password);
  expect(await page.locator('body').innerHTML()).not.toContain(password);

  // Editing reads the source from the config (snapshots name only its kind and label): the URL with its user in a field of its own (never the password), the file's path.
  for (const [name, field, value] of [
    ['Door', 'stream-url-input', camera.rtsp.url(null)],
    ['Door', 'stream-user-input', 'cam'],
    ['Door', 'stream-password-input', ''],
    ['Clip', 'source-path-input', camera.clips.faceMp4],
  ] as const) {
    await tile(page, name).getByTestId('edit-camera').click();
    const dialog = page.getByTestId('camera-dialog');
    await expect(dialog.getByTestId(field)).toHaveValue(value);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  }

  // Every page closed for 10 s: the engine recognises on.
  await page.context().close();
  const before = await serve.stats();
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const after = (await serve.stats()) as Awaited<ReturnType<ServeHandle['stats']>> & { server?: { clients: number } };
  expect(after.server?.clients).toBe(0);
  for (const name of ['Door', 'Clip']) {
    const b = before.cameras.find((c) => c.name === name)!;
    const a = after.cameras.find((c) => c.name === name)!;
    expect(a.state, name).toBe('running');
    expect(a.framesInferred! - b.framesInferred!, `${name}: inferences with no page open`).toBeGreaterThan(10);
  }

  // Two pages: both show the live preview, each frame with its boxes.
  const [first, second] = [await openDashboard(), await openDashboard()];
  for (const p of [first, second]) {
    // Headless Chromium runs animation frames only in the front page; two windows side by side both would.
    await p.bringToFront();
    for (const name of ['Door', 'Clip']) {
      const start = await previewFrame(p, name);
      await expect.poll(() => previewFrame(p, name), { timeout: SLOW, message: `${name}: preview advancing` }).toBeGreaterThan(start + 2);
      await faceBox(p, name);
    }
  }
  expect(serve.log()).not.toContain(password);
});
