/**
 * Events from an engine-side file camera (ffmpeg inside the camera's worker), with the real model:
 * the face clip played once makes exactly one face event, which ends once the face is gone, with a
 * snapshot of the display frame whose box is where the face was found; a still with no face makes
 * none.
 */
import fs from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterEach, describe, expect, it } from 'vitest';
import { BOX_COLOUR, pixelRect } from '../../src/node/snapshot';
import { iou } from '../../src/workers/geometry';
import type { EventChange } from '../../src/shared/contracts/events';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { quietPeriod, until } from '../support/process';
import { fileCameraHost } from './file-camera';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FACE_CLIP = path.join(ROOT, 'e2e', 'fixtures', 'face-640x480.mjpeg');
const ROCKET = path.join(ROOT, 'test', 'fixtures', 'rocket.jpg');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fileCamera(file: string, loop: boolean, extra: object = {}) {
  const host = fileCameraHost(file, loop, extra, cleanups);
  const changes: EventChange[] = [];
  const results: ResultMessage[] = [];
  host.on('event', (e) => e.type === 'event' && changes.push(e.change));
  host.supervisor.on('result', (r) => results.push(r));
  host.start();
  return { host, changes, results };
}

describe('events from a file camera', () => {
  it('the face clip played once makes exactly one face event: start, end after the face is gone, snapshot box on the face', async () => {
    const { host, changes, results } = await fileCamera(FACE_CLIP, false);
    await until(() => changes.some((c) => c.type === 'end'), 90_000, 'the event to end');
    const lastFaceAt = Date.now();
    await quietPeriod(3000); // nothing more comes
    expect(changes.filter((c) => c.type === 'new')).toHaveLength(1);
    expect(changes.filter((c) => c.type === 'end')).toHaveLength(1);
    const ended = changes.find((c) => c.type === 'end')!.event;
    expect(ended).toMatchObject({ camera: 'clip', cameraName: 'Clip', label: 'face' });
    expect(ended.end).toBeGreaterThan(ended.start);
    expect(ended.end!).toBeLessThanOrEqual(lastFaceAt);
    // The event's box is one the model found on a frame of the clip.
    const boxes = results.flatMap((r) => r.detections.map((d) => d.box));
    expect(boxes.length).toBeGreaterThanOrEqual(3); // minFrames
    expect(Math.max(...boxes.map((b) => iou(b, ended.box)))).toBeGreaterThan(0.9);
    // The snapshot is the 640x480 display frame with that box drawn on it.
    const file = host.events!.imageFile(ended.id, 'snapshot')!;
    const snap = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: true });
    expect([snap.width, snap.height]).toEqual([640, 480]);
    const r = pixelRect(ended.box, 640, 480);
    const px = (x: number, y: number) => Array.from(snap.data.subarray((y * 640 + x) * 4, (y * 640 + x) * 4 + 3));
    const mid = Math.floor((r.y0 + r.y1) / 2);
    for (const p of [px(r.x0, mid), px(r.x1 - 1, mid)]) p.forEach((v, i) => expect(Math.abs(v - BOX_COLOUR[i])).toBeLessThan(60));
    expect(host.events!.list({ limit: 10 }).events.map((e) => e.id)).toEqual([ended.id]);
  }, 120_000);

  it('a still with no face makes no event', async () => {
    // Every frame inferred: in detect mode 'motion' a still is looked at only every refreshSeconds.
    const { host, changes, results } = await fileCamera(ROCKET, true, { detect: { mode: 'always' } });
    await until(() => results.length >= 10, 60_000, '10 results from the still');
    await quietPeriod(2500);
    expect(changes).toEqual([]);
    expect(host.events!.list({ limit: 10 }).events).toEqual([]);
  }, 90_000);
});
