/**
 * The live view of an engine-side camera without re-encoding, in Chromium against serve mode: an
 * RTSP camera (the test's RTSP server publishing an H.264 clip) plays in the tile's <video> through
 * Media Source Extensions, fed with the fragments ffmpeg copies from the camera; its time advances
 * and frames are decoded; the tile says "H.264 live" with the stream's size; a second page that
 * joins later shows a picture too (it starts at the latest keyframe). An MJPEG-over-HTTP camera,
 * whose video MSE cannot play (copied into MP4 as mp4v), shows the JPEG previews, and says so.
 */
import type { Locator, Page } from '@playwright/test';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FACE_MJPEG, makeClipFolder, type ClipFolder } from '../../test/support/clips';
import { MjpegTestServer } from '../../test/support/mjpeg-server';
import { RtspTestServer } from '../../test/support/rtsp-server';
import { findChromium } from '../support/chromium';
import { addEngineCamera } from '../support/engine-cameras';
import { expect, SLOW, test, tile } from '../support/fixtures';

const ffmpeg = resolveFfmpeg();
let clips: ClipFolder;
let rtsp: RtspTestServer;
let mjpeg: MjpegTestServer;

test.use({ serveOptions: { config: { cameras: [], settings: { previewFps: 5 } } } });

test.beforeAll(async () => {
  clips = makeClipFolder(ffmpeg.path);
  rtsp = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip: clips.faceMp4 });
  await rtsp.start();
  mjpeg = new MjpegTestServer({ clip: FACE_MJPEG, fps: 10 });
  await mjpeg.start();
});

test.afterAll(async ({ perFile }) => {
  await perFile.release();
  await rtsp?.stop();
  await mjpeg?.stop();
  clips?.remove();
});

interface Playback {
  currentTime: number;
  totalVideoFrames: number;
  readyState: number;
  videoWidth: number;
  videoHeight: number;
  src: boolean;
  paused: boolean;
  buffered: Array<[number, number]>;
  error: string | null;
  /** Spread of the grey levels of the picture drawn from the video: a black or blank frame has none. */
  spread: number;
}

async function playback(video: Locator): Promise<Playback> {
  return video.evaluate((element) => {
    const v = element as unknown as {
      currentTime: number;
      readyState: number;
      videoWidth: number;
      videoHeight: number;
      src: string;
      paused: boolean;
      error: { code: number; message: string } | null;
      buffered: { length: number; start(i: number): number; end(i: number): number };
      getVideoPlaybackQuality(): { totalVideoFrames: number };
    };
    const doc = (globalThis as unknown as { document: { createElement(tag: 'canvas'): { width: number; height: number; getContext(kind: '2d'): { drawImage(i: unknown, x: number, y: number, w: number, h: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null } } }).document;
    let spread = 0;
    if (v.readyState >= 2) {
      const canvas = doc.createElement('canvas');
      canvas.width = 64;
      canvas.height = 48;
      const context = canvas.getContext('2d');
      context?.drawImage(v, 0, 0, 64, 48);
      const data = context?.getImageData(0, 0, 64, 48).data;
      if (data) {
        let min = 255;
        let max = 0;
        for (let i = 0; i < data.length; i += 4) {
          const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
          min = Math.min(min, grey);
          max = Math.max(max, grey);
        }
        spread = max - min;
      }
    }
    return {
      currentTime: v.currentTime,
      totalVideoFrames: v.getVideoPlaybackQuality().totalVideoFrames,
      readyState: v.readyState,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      src: v.src.startsWith('blob:'),
      paused: v.paused,
      buffered: Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)] as [number, number]),
      error: v.error ? `${v.error.code} ${v.error.message}` : null,
      spread,
    };
  });
}

/** Waits until the tile's video has played on: its time and its decoded frames both past what they were. */
async function expectPlaying(page: Page, name: string): Promise<Playback> {
  const video = tile(page, name).getByTestId('live-video');
  await expect(video).toBeVisible({ timeout: SLOW });
  await expect.poll(async () => (await playback(video)).totalVideoFrames, { timeout: SLOW, message: `${name}: frames decoded` }).toBeGreaterThan(0);
  const first = await playback(video);
  await expect.poll(async () => (await playback(video)).currentTime, { timeout: SLOW, message: `${name}: currentTime advancing from ${JSON.stringify(first)}` }).toBeGreaterThan(first.currentTime);
  await expect.poll(async () => (await playback(video)).totalVideoFrames, { timeout: SLOW, message: `${name}: totalVideoFrames growing` }).toBeGreaterThan(first.totalVideoFrames);
  // A picture: a decoded 640x480 frame that is not blank (after a damaged keyframe the player starts
  // a new MediaSource, which has no picture until the next keyframe: polled, not read once).
  let shown: Playback | null = null;
  await expect
    .poll(async () => ((shown = await playback(video)).readyState >= 2 && shown.videoWidth === 640 && shown.videoHeight === 480 && shown.spread > 20), {
      timeout: SLOW,
      message: `${name}: a 640x480 picture that is not blank`,
    })
    .toBe(true);
  return shown!;
}

test('an RTSP camera plays in the tile through MSE, and a page joining later shows a picture', async ({ dashboard: page, openDashboard, browser }, testInfo) => {
  test.setTimeout(240_000);
  const chromium = await findChromium();
  testInfo.annotations.push({ type: 'chromium', description: `${chromium.source}: ${chromium.executablePath} (${browser.version()})` });
  const mse = await page.evaluate(() => (globalThis as unknown as { MediaSource?: { isTypeSupported(t: string): boolean } }).MediaSource?.isTypeSupported('video/mp4; codecs="avc1.42c01e"') ?? false);
  expect(mse, 'this Chromium plays H.264 through MSE').toBe(true);

  await addEngineCamera(page, 'Door', 'stream', rtsp.url());
  await expect(tile(page, 'Door').getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  const video = tile(page, 'Door').getByTestId('live-video');
  const played = await expectPlaying(page, 'Door');
  testInfo.annotations.push({ type: 'first page', description: JSON.stringify(played) });
  expect(played.src, 'the video plays a MediaSource').toBe(true);
  // The clip is x264's Constrained Baseline, level 3.0 (test/support/clips.ts, ultrafast): the codec string says so.
  await expect(video).toHaveAttribute('data-codec', /^avc1\.42/);
  await expect(video).toHaveAttribute('data-playable', 'true');
  await expect(tile(page, 'Door').getByTestId('live-mode')).toContainText('H.264 live · 640×480');
  // The JPEG fallback is not what this tile shows.
  await expect(tile(page, 'Door').getByTestId('preview-canvas')).toHaveCount(0);
  await testInfo.attach('live-view.png', { body: await page.screenshot(), contentType: 'image/png' });

  // A second page, while the first goes on watching: it gets the init segment and the latest keyframe's fragments.
  const second = await openDashboard();
  await second.bringToFront();
  const joined = await expectPlaying(second, 'Door');
  testInfo.annotations.push({ type: 'second page', description: JSON.stringify(joined) });
  expect(joined.src, 'the second page plays a MediaSource').toBe(true);
  await expect(tile(second, 'Door').getByTestId('live-mode')).toContainText('H.264 live');
});

test('an MJPEG-over-HTTP camera, which MSE cannot play, shows JPEG previews and says so', async ({ dashboard: page }) => {
  test.setTimeout(180_000);
  await addEngineCamera(page, 'Porch', 'stream', mjpeg.url());
  const porch = tile(page, 'Porch');
  await expect(porch.getByTestId('camera-state')).toHaveAttribute('data-state', 'running', { timeout: SLOW });
  const canvas = porch.getByTestId('preview-canvas');
  await expect(canvas).toBeVisible({ timeout: SLOW });
  const frameId = async () => Number((await canvas.getAttribute('data-frame-id')) ?? '0');
  const start = await frameId();
  await expect.poll(frameId, { timeout: SLOW, message: 'Porch: JPEG previews advancing' }).toBeGreaterThan(start + 2);
  await expect(porch.getByTestId('live-mode')).toContainText('JPEG preview · 640×480');
  // Motion-JPEG copied into MP4 (mp4v.6c) is nothing MSE plays: no video element is shown.
  await expect(porch.getByTestId('live-video')).toHaveCount(0);
});
