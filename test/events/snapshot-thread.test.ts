/**
 * The inference thread does only inference and tracking: a real camera worker (the real model, the
 * real interpreter) is sent the face over and over, closed loop, and answers a snapshot request with
 * a 1920x1440 JPEG. Decoding, drawing and encoding that picture runs on the camera's snapshot
 * thread, so inferences of frames sent after the picture come back before the picture's update.
 * Counters only: no duration is measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { WorkerProcess } from '../../src/engine/launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { decodeImage, toModelFrame } from '../../src/node/images';
import { DEFAULT_EVENT_FILTERS } from '../../src/shared/contracts/events';
import { WorkerOutbound, type WorkerConfig } from '../../src/shared/contracts/worker';
import { untilValue } from '../support/process';
import { ROOT } from '../serve/helpers';
import { tempDir } from './helpers';

const launcher = new NodeLauncher();
const workers: WorkerProcess[] = [];
afterAll(async () => {
  for (const w of workers) {
    w.kill('SIGKILL');
    await w.waitForExit(5000);
  }
});

describe('a camera making a large snapshot', () => {
  it('keeps inferring while the 1920x1440 picture is made', async () => {
    const astronaut = path.join(ROOT, 'test', 'fixtures', 'astronaut.png');
    const face = toModelFrame(decodeImage(astronaut), 128, 128);
    const dir = tempDir('multicam-snapshot-thread-');
    const file = path.join(dir.dir, 'large.jpg');
    execFileSync(resolveFfmpeg().path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', astronaut, '-vf', 'scale=1920:1440', '-q:v', '3', file]);
    const large = new Uint8Array(readFileSync(file));
    dir.remove();

    const model = resolveModel('face-short');
    const plugin = xnnpackPluginPath();
    const config: WorkerConfig = {
      cameraId: 'cam',
      modelPath: model.path,
      modelName: model.name,
      threads: 1,
      delegate: plugin ? 'xnnpack' : 'none',
      delegatePath: plugin,
      scoreThreshold: 0.5,
      statsIntervalMs: 250,
      events: { filters: DEFAULT_EVENT_FILTERS, defaultLabel: 'face' },
    };
    const worker = launcher.launch({ cameraId: 'cam', serviceName: 'camera-cam' });
    workers.push(worker);

    let nextFrameId = 1;
    let running = true;
    const send = () => worker.postMessage({ ...face, type: 'frame', cameraId: 'cam', frameId: nextFrameId++, acceptedAt: Date.now() });
    /** Frames sent before the picture went; results of later frames, and the update with the picture. */
    let pictureAfterFrame: number | null = null;
    let resultsAfterPicture = 0;
    let resultsBeforeUpdate: number | null = null;
    let update: { width: number; height: number } | null = null;
    worker.on('message', (data) => {
      const m = WorkerOutbound.parse(data);
      if (m.type === 'ready') {
        send();
        send();
      } else if (m.type === 'result' || m.type === 'frame-dropped') {
        if (m.type === 'result' && pictureAfterFrame !== null && m.frameId > pictureAfterFrame) resultsAfterPicture++;
        if (running) send(); // closed loop: two frames in flight
      } else if (m.type === 'snapshot-request' && pictureAfterFrame === null) {
        pictureAfterFrame = nextFrameId - 1;
        worker.postMessage({ type: 'track-snapshot', cameraId: 'cam', trackId: m.trackId, jpeg: large });
      } else if (m.type === 'track' && m.kind === 'update' && m.snapshot && update === null) {
        resultsBeforeUpdate = resultsAfterPicture;
        const picture = jpeg.decode(m.snapshot, { useTArray: true });
        update = { width: picture.width, height: picture.height };
      }
    });
    worker.postMessage({ type: 'init', config });

    const made = await untilValue('the update with the large picture', () => update, 120_000);
    running = false;
    expect(made).toEqual({ width: 1920, height: 1440 });
    // Frames sent after the picture were inferred, and answered, before the picture was done.
    expect(resultsBeforeUpdate).toBeGreaterThanOrEqual(3);
  });
});
