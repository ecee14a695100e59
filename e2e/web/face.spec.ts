/**
 * A camera that sees a face (Chromium plays e2e/fixtures/face-640x480.mjpeg as its fake camera):
 * the engine detects it and the tile's overlay draws a box over it, and the face's event keeps the
 * page's own full-size picture (640x480) as its snapshot. (The clip is re-encoded for Chromium
 * first: see e2e/support/fake-camera.ts.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { makeClipFolder } from '../../test/support/clips';
import { FACE_VIDEO, REPO_ROOT } from '../support/chromium';
import { addWebcam, expect, expectLive, SLOW, test, tile } from '../support/fixtures';
import { newestSnapshotSize } from '../support/serve';

test.use({ browserOptions: { fakeVideo: FACE_VIDEO } });

test('the overlay draws a box over the face', async ({ dashboard: page }, testInfo) => {
  await addWebcam(page, 'Face', null);
  await expectLive(page, 'Face');
  const overlay = tile(page, 'Face').getByTestId('overlay');
  await expect
    .poll(async () => Number(await overlay.getAttribute('data-detections')), { timeout: SLOW, message: 'the face is detected' })
    .toBeGreaterThan(0);

  // The drawn box, in canvas CSS pixels, and what is painted inside it.
  const drawn = await overlay.evaluate((element) => {
    type Canvas = {
      width: number;
      clientWidth: number;
      clientHeight: number;
      dataset: Record<string, string | undefined>;
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
    };
    const canvas = element as unknown as Canvas;
    const boxes = JSON.parse(canvas.dataset.boxes ?? '[]') as Array<[number, number, number, number]>;
    const [x, y, w, h] = boxes[0] ?? [0, 0, 0, 0];
    const scale = canvas.width / canvas.clientWidth;
    const context = canvas.getContext('2d');
    let painted = 0;
    let total = 0;
    if (context && w > 0 && h > 0) {
      const data = context.getImageData(Math.round(x * scale), Math.round(y * scale), Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))).data;
      total = data.length / 4;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
    }
    return { box: [x, y, w, h], painted, total, width: canvas.clientWidth, height: canvas.clientHeight };
  });
  testInfo.annotations.push({ type: 'face box', description: JSON.stringify(drawn) });
  const [x, y, w, h] = drawn.box;
  // A face-sized box inside the picture...
  expect(w).toBeGreaterThan(drawn.width * 0.05);
  expect(w).toBeLessThan(drawn.width * 0.9);
  expect(h).toBeGreaterThan(drawn.height * 0.05);
  expect(x + w / 2).toBeGreaterThan(0);
  expect(x + w / 2).toBeLessThan(drawn.width);
  expect(y + h / 2).toBeGreaterThan(0);
  expect(y + h / 2).toBeLessThan(drawn.height);
  // ...and actually painted on the canvas.
  expect(drawn.painted).toBeGreaterThan(drawn.total * 0.5);

  await testInfo.attach('face-overlay.png', { body: await tile(page, 'Face').screenshot(), contentType: 'image/png' });
});

test("the webcam's face event keeps the page's full-size picture as its snapshot", async ({ dashboard: page, serve }) => {
  const id = serve.config().cameras.find((c) => c.name === 'Face')?.id;
  expect(id).toBeTruthy();
  // The event starts with the model's cut (128x96); the page's 640x480 JPEG replaces it moments later.
  await expect.poll(() => newestSnapshotSize(serve, id!), { timeout: SLOW, message: "the event's snapshot is the page's picture" }).toBe('640x480');
});

test('an image source shows the picture and its detections', async ({ dashboard: page, serve }, testInfo) => {
  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('camera-name-input').fill('Still');
  await dialog.getByTestId('source-image').check();
  await dialog.getByTestId('file-input').setInputFiles(path.join(REPO_ROOT, 'test', 'fixtures', 'astronaut.png'));
  await dialog.getByTestId('max-fps-input').fill('5');
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const still = tile(page, 'Still');
  await expect(still.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  await expect.poll(async () => Number(await still.getByTestId('overlay').getAttribute('data-detections')), { timeout: SLOW }).toBeGreaterThan(0);
  await expect(still.locator('img')).toHaveJSProperty('complete', true);

  // The square picture sits pillarboxed in the 4:3 tile (object-fit: contain); the box must land on
  // the face there: BlazeFace finds it at about (0.35, 0.16) size 0.18 of the picture
  // (npm run detect -- test/fixtures/astronaut.png).
  const overlay = still.getByTestId('overlay');
  const geometry = await overlay.evaluate((element) => {
    const canvas = element as unknown as { clientWidth: number; clientHeight: number; dataset: Record<string, string | undefined> };
    return { w: canvas.clientWidth, h: canvas.clientHeight, boxes: JSON.parse(canvas.dataset.boxes ?? '[]') as number[][] };
  });
  const side = Math.min(geometry.w, geometry.h);
  const left = (geometry.w - side) / 2;
  const top = (geometry.h - side) / 2;
  const [bx, by, bw, bh] = geometry.boxes[0];
  const near = (actual: number, expected: number): void => expect(Math.abs(actual - expected)).toBeLessThan(side * 0.05);
  near(bx, left + 0.35 * side);
  near(by, top + 0.16 * side);
  near(bw, 0.18 * side);
  near(bh, 0.18 * side);
  const stats = await serve.stats();
  const entry = stats.cameras.find((c) => c.name === 'Still');
  expect(entry?.state).toBe('running');
  await testInfo.attach('image-overlay.png', { body: await still.screenshot(), contentType: 'image/png' });
});

test('a video file source plays in a loop and is inferred', async ({ dashboard: page }, testInfo) => {
  test.setTimeout(180_000);
  // The face clip as a WebM made with the engine's ffmpeg. (A clip recorded in the page with
  // MediaRecorder, paced by the page's timers, was once never seen playing on a busy machine.)
  const clips = makeClipFolder(resolveFfmpeg().path);
  let clipBytes: Buffer;
  try {
    clipBytes = readFileSync(clips.faceWebm());
  } finally {
    clips.remove();
  }
  expect(clipBytes.length).toBeGreaterThan(1000);

  await page.getByTestId('add-camera').click();
  const dialog = page.getByTestId('camera-dialog');
  await dialog.getByTestId('camera-name-input').fill('Clip');
  await dialog.getByTestId('source-video').check();
  await dialog.getByTestId('file-input').setInputFiles({ name: 'clip.webm', mimeType: 'video/webm', buffer: clipBytes });
  await dialog.getByTestId('camera-dialog-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const clip = tile(page, 'Clip');
  await expectLive(page, 'Clip');
  await expect.poll(async () => Number(await clip.getByTestId('overlay').getAttribute('data-detections')), { timeout: SLOW }).toBeGreaterThan(0);
  await expect(clip.locator('video')).toHaveJSProperty('loop', true);
  await testInfo.attach('video-overlay.png', { body: await clip.screenshot(), contentType: 'image/png' });
});
