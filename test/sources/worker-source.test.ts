/**
 * A real camera worker process opening its camera itself: ffmpeg inside the worker, the real
 * model and interpreter on the decoded frames, previews paired with their own detections, and
 * ffmpeg gone when the worker is SIGKILLed. Talks to the worker directly over its IPC channel.
 */
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { WorkerProcess } from '../../src/engine/launcher';
import { resolveModel, xnnpackPluginPath } from '../../src/engine/paths';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { PreviewMessage, type EngineSourceConfig } from '../../src/shared/contracts/sources';
import { WorkerOutbound, type WorkerConfig } from '../../src/shared/contracts/worker';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { makeClipFolder, TEST_FIXTURES, type ClipFolder } from '../support/clips';
import { pidAlive, until } from '../support/process';

const ffmpeg = resolveFfmpeg();
const launcher = new NodeLauncher();
let clips: ClipFolder;
const workers: WorkerProcess[] = [];

beforeAll(() => {
  clips = makeClipFolder(ffmpeg.path);
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill('SIGKILL');
    await w.waitForExit(5000);
  }
});
afterAll(() => clips?.remove());

interface Run {
  worker: WorkerProcess;
  results: ResultMessage[];
  previews: PreviewMessage[];
  states: string[];
  ffmpegPid: number | null;
  sourceFps: number;
}

function startCamera(source: EngineSourceConfig, maxFps = 10): Run {
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
    source: { config: source, ffmpegPath: ffmpeg.path, maxFps, previewFps: 5, noFrameTimeoutMs: 20_000 },
  };
  const worker = launcher.launch({ cameraId: 'cam', serviceName: 'camera-cam' });
  workers.push(worker);
  const run: Run = { worker, results: [], previews: [], states: [], ffmpegPid: null, sourceFps: 0 };
  worker.on('message', (data) => {
    const parsed = WorkerOutbound.safeParse(data);
    if (!parsed.success) throw new Error(`worker sent something outside the contract: ${parsed.error.message}`);
    const m = parsed.data;
    if (m.type === 'result') run.results.push(m);
    else if (m.type === 'preview') run.previews.push(PreviewMessage.parse(m));
    else if (m.type === 'source-state') run.states.push(m.state);
    else if (m.type === 'stats' && m.stats.source) {
      run.ffmpegPid = m.stats.source.ffmpegPid;
      run.sourceFps = m.stats.source.fps;
    }
  });
  worker.postMessage({ type: 'init', config });
  return run;
}

// The face clip pans a 640x480 window over the astronaut scaled to 720x720 (see
// e2e/fixtures/CREDITS.md): window x 0..80 px, y 10..110 px. The face (test/fixtures/CREDITS.md:
// x 0.350, y 0.159, w 0.181, h 0.181 of the still) is 130 px square at (252, 114) in the 720 px
// picture, so in the window its centre is at x 237..317 px, y 69..169 px.
const FACE_CENTRE = { x: [237 / 640, 317 / 640], y: [69 / 480, 169 / 480] };
const FACE_SIZE = { w: 130 / 640, h: 130 / 480 };

describe('a file camera in its own worker', () => {
  it('finds the face on every frame it runs, and previews carry the detections of their own frame', async () => {
    const run = startCamera({ kind: 'file', path: clips.faceMp4, loop: true });
    await until(() => run.results.length >= 15, 60_000, '15 results from the face clip');
    expect(run.states).toContain('running');
    // Nobody watches yet: no previews are sent.
    expect(run.previews).toHaveLength(0);
    const margin = 0.04;
    for (const r of run.results) {
      const best = r.detections.reduce((a, b) => (b.score > a.score ? b : a), r.detections[0]);
      expect(best, `frame ${r.frameId} has a face`).toBeDefined();
      expect(best.score).toBeGreaterThanOrEqual(0.7);
      const cx = best.box.x + best.box.w / 2;
      const cy = best.box.y + best.box.h / 2;
      expect(cx).toBeGreaterThan(FACE_CENTRE.x[0] - margin);
      expect(cx).toBeLessThan(FACE_CENTRE.x[1] + margin);
      expect(cy).toBeGreaterThan(FACE_CENTRE.y[0] - margin);
      expect(cy).toBeLessThan(FACE_CENTRE.y[1] + margin);
      expect(Math.abs(best.box.w - FACE_SIZE.w)).toBeLessThan(0.06);
      expect(Math.abs(best.box.h - FACE_SIZE.h)).toBeLessThan(0.08);
    }

    run.worker.postMessage({ type: 'preview-subscribe', on: true });
    await until(() => run.previews.length >= 4, 30_000, 'previews once someone watches');
    const seen = new Set(run.results.map((r) => JSON.stringify(r.detections)));
    for (const p of run.previews) {
      expect(seen.has(JSON.stringify(p.detections)), `preview ${p.frameId} carries a result's detections`).toBe(true);
      const picture = jpeg.decode(p.jpeg, { useTArray: true });
      expect([picture.width, picture.height]).toEqual([p.width, p.height]);
      expect([p.width, p.height]).toEqual([640, 480]);
    }
    run.worker.postMessage({ type: 'preview-subscribe', on: false });
    await until(() => run.sourceFps > 0, 5000, 'fps in stats');
  });

  it('a still of the rocket finds no face', async () => {
    const run = startCamera({ kind: 'file', path: path.join(TEST_FIXTURES, 'rocket.jpg'), loop: true }, 5);
    await until(() => run.results.length >= 5, 60_000, '5 results from the rocket');
    for (const r of run.results) expect(r.detections).toEqual([]);
  });

  it('SIGKILL of the worker leaves no ffmpeg', async () => {
    const run = startCamera({ kind: 'file', path: clips.faceMp4, loop: true });
    await until(() => run.ffmpegPid !== null && run.results.length > 0, 60_000, 'a running ffmpeg');
    const pid = run.ffmpegPid!;
    expect(pidAlive(pid)).toBe(true);
    run.worker.kill('SIGKILL');
    await run.worker.waitForExit(5000);
    await until(() => !pidAlive(pid), 5000, 'ffmpeg to end with its worker');
  });
});
