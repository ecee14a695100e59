/**
 * A snapshot is the picture of the frame that was detected: a real camera worker plays a clip made
 * here that cuts between the face (2 s) and a picture without one (the rocket, 4 s), with
 * previews only twice a second, so "the latest preview" is often the other scene. Every face
 * event's snapshot (at its start and at each better score) is run through the real face detector:
 * each one must hold a face.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { WorkerProcess } from '../../src/engine/launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { letterboxRgb } from '../../src/shared/letterbox';
import { DEFAULT_EVENT_FILTERS } from '../../src/shared/contracts/events';
import { WorkerOutbound, type WorkerConfig } from '../../src/shared/contracts/worker';
import { Detector } from '../../src/workers/detector';
import { TEST_FIXTURES } from '../support/clips';
import { untilValue } from '../support/process';
import { tempDir } from './helpers';

const ffmpeg = resolveFfmpeg().path;
const dir = tempDir('multicam-snapshot-frame-');
const workers: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of workers) {
    w.kill('SIGKILL');
    await w.waitForExit(5000);
  }
  dir.remove();
});

/** 640x480 H.264 at 15 fps: rocket 4 s (longer than a track outlives its last sighting), face 2 s, four times over. */
function cutClip(): string {
  const run = (args: string[]) => execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const encode = ['-vf', 'scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p', '-r', '15', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-bf', '0', '-an'];
  const rocket = path.join(dir.dir, 'rocket.mp4');
  const face = path.join(dir.dir, 'face.mp4');
  run(['-loop', '1', '-framerate', '15', '-i', path.join(TEST_FIXTURES, 'rocket.jpg'), ...encode, '-t', '4', rocket]);
  run(['-loop', '1', '-framerate', '15', '-i', path.join(TEST_FIXTURES, 'astronaut.png'), ...encode, '-t', '2', face]);
  const list = path.join(dir.dir, 'cuts.txt');
  writeFileSync(list, Array.from({ length: 4 }, () => `file '${rocket}'\nfile '${face}'\n`).join(''));
  const out = path.join(dir.dir, 'cuts.mp4');
  run(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', out]);
  return out;
}

describe('event snapshots on a clip with cuts', () => {
  it("every face event's snapshot holds a face", async () => {
    const clip = cutClip();
    const model = resolveModel('face-short');
    const plugin = xnnpackPluginPath();
    const delegate = plugin ? ('xnnpack' as const) : ('none' as const);
    const config: WorkerConfig = {
      cameraId: 'cuts',
      modelPath: model.path,
      modelName: model.name,
      threads: 1,
      delegate,
      delegatePath: plugin,
      scoreThreshold: 0.5,
      statsIntervalMs: 250,
      events: { filters: DEFAULT_EVENT_FILTERS, defaultLabel: 'face' },
      source: { config: { kind: 'file', path: clip, loop: false }, ffmpegPath: ffmpeg, maxFps: 15, previewFps: 2, noFrameTimeoutMs: 20_000 },
    };
    const worker = new NodeLauncher().launch({ cameraId: 'cuts', serviceName: 'camera-cuts' });
    workers.push(worker);
    const snapshots: Array<{ trackId: number; kind: string; jpeg: Uint8Array }> = [];
    const starts = new Set<number>();
    worker.on('message', (data) => {
      const m = WorkerOutbound.parse(data);
      if (m.type !== 'track' || m.track.label !== 'face') return;
      if (m.kind === 'start') starts.add(m.track.trackId);
      if (m.snapshot) snapshots.push({ trackId: m.track.trackId, kind: m.kind, jpeg: m.snapshot });
    });
    worker.postMessage({ type: 'init', config });
    // Four face scenes: at least three of them make an event (the last may not have ended yet).
    await untilValue('three face events', () => starts.size >= 3, 120_000);

    const detector = new Detector({ modelPath: model.path, modelName: model.name, threads: 1, delegate, delegatePath: plugin });
    const faces = snapshots.map((s) => {
      const picture = jpeg.decode(s.jpeg, { useTArray: true, formatAsRGBA: true });
      const frame = letterboxRgb(picture.data, picture.width, picture.height, 4, detector.inputWidth, detector.inputHeight);
      const best = Math.max(0, ...detector.run(frame.data, frame.letterbox).detections.map((d) => d.score));
      return { track: s.trackId, kind: s.kind, size: `${picture.width}x${picture.height}`, face: best >= 0.5 };
    });
    // Each started event sent its snapshot, every one of them a picture of a face (at full size).
    expect(new Set(faces.filter((f) => f.kind === 'start').map((f) => f.track))).toEqual(starts);
    expect(faces.filter((f) => !f.face)).toEqual([]);
    expect(faces.every((f) => f.size === '640x480')).toBe(true);
  }, 180_000);
});

