/**
 * Motion gating with the real camera worker, the real face model and real ffmpeg, on a clip made
 * at test time: 3 s of a still picture with no face, 4 s of a picture panning over a face, 20 s of
 * that face standing still, 3 s of the first picture again, played once at its own rate.
 *  - the face still makes exactly one event, which ends once the face is gone;
 *  - far fewer frames are inferred than reach the gate (counters, no time bound);
 *  - the face standing still stays one track: frames were skipped for want of motion while its
 *    event was open, yet it did not end until the face was gone (without the tracker's hold it
 *    would end 2 s into the stillness and start again at the next periodic inference).
 * And the same clip in detect mode 'always' infers every frame it gets (the comparison).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import type { CameraConfig } from '../../src/shared/contracts/config';
import type { CameraStatus } from '../../src/shared/contracts/engine-api';
import type { EventChange } from '../../src/shared/contracts/events';
import { makeStillFaceClip } from '../support/clips';
import { until, untilValue } from '../support/process';
import { tempDir } from '../events/helpers';
import { fileCameraHost } from '../events/file-camera';

let clipDir: { dir: string; remove: () => void };
let clip: string;
beforeAll(() => {
  clipDir = tempDir('multicam-motion-clip-');
  clip = makeStillFaceClip(resolveFfmpeg().path, clipDir.dir, 20);
}, 180_000);
afterAll(() => clipDir?.remove());

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function playOnce(extra: Partial<CameraConfig>) {
  const host = fileCameraHost(clip, false, extra, cleanups);
  const changes: { change: EventChange; status: CameraStatus | undefined }[] = [];
  host.on('event', (e) => e.type === 'event' && changes.push({ change: e.change, status: host.supervisor.status('clip') }));
  host.start();
  // Played once: the camera shows no signal when the clip has ended.
  const ran = await untilValue('the clip to start', () => host.supervisor.status('clip')?.state === 'running', 60_000);
  expect(ran).toBe(true);
  const ended = await untilValue('the clip to end', () => {
    const s = host.supervisor.status('clip');
    return s?.state === 'no-signal' && s;
  }, 150_000);
  return { host, changes, ended };
}

describe('detect mode motion on an engine-side camera', () => {
  it('makes the face event, infers far fewer frames than it gets, and keeps a still face tracked', async () => {
    const { changes, host } = await playOnce({});
    await until(() => changes.some((c) => c.change.type === 'end'), 30_000, 'the face event to end');
    const status = host.supervisor.status('clip')!;
    const news = changes.filter((c) => c.change.type === 'new');
    const ends = changes.filter((c) => c.change.type === 'end');
    expect(news).toHaveLength(1);
    expect(ends).toHaveLength(1);
    expect(news[0].change.event.label).toBe('face');
    // Counters: every frame at detect.fps reached the gate; most were not inferred.
    const skipped = status.skippedNoMotion!;
    const gated = status.framesInferred + skipped;
    expect(status.framesInferred).toBeGreaterThan(0);
    expect(status.framesInferred).toBeLessThan(gated / 2);
    expect(status.motionShare!).toBeGreaterThan(0);
    expect(status.motionShare!).toBeLessThan(0.5);
    // While the event was open, frames were skipped for want of motion, and still it stayed one track.
    const skippedWhileOpen = ends[0].status!.skippedNoMotion! - news[0].status!.skippedNoMotion!;
    expect(skippedWhileOpen).toBeGreaterThan(10);
    // The track was seen again by the periodic inference well into the stillness (the clip's own timeline).
    const event = ends[0].change.event;
    expect(event.end! - event.start).toBeGreaterThan(12_000);
  }, 240_000);

  it("detect mode 'always' infers every frame it gets (no motion counters)", async () => {
    const { ended } = await playOnce({ detect: { mode: 'always' } });
    expect(ended.skippedNoMotion).toBeUndefined();
    expect(ended.motion).toBeUndefined();
    // At detect.fps 5 the 30 s clip gives about 150 frames; each one reached the interpreter or was replaced.
    expect(ended.framesInferred + ended.framesSkipped).toBeGreaterThan(100);
  }, 240_000);
});
