/**
 * ffmpeg never waits for the interpreter: a real camera worker reads a real RTSP stream (a real
 * server, a real publishing ffmpeg) with a model made slow on purpose (`objects` on one thread,
 * no delegate), and its ffmpeg still decodes at the source's rate. The source's clock is the
 * publisher's own frame count; the checks compare counters, never durations.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeLauncher } from '../../src/engine/node-launcher';
import type { WorkerProcess } from '../../src/engine/launcher';
import { resolveModel } from '../../src/engine/paths';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { WorkerOutbound, type WorkerConfig, type WorkerStats } from '../../src/shared/contracts/worker';
import { makeClipFolder, type ClipFolder } from '../support/clips';
import { untilValue } from '../support/process';
import { RtspTestServer } from '../support/rtsp-server';

const ffmpeg = resolveFfmpeg();
const launcher = new NodeLauncher();
let clips: ClipFolder;
let server: RtspTestServer;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  clips = makeClipFolder(ffmpeg.path);
  // A light stream (320x240) at 30 fps: decoding it never falls behind, inference on it always does.
  const clip = path.join(clips.dir, 'face-320x240-30fps.mp4');
  execFileSync(ffmpeg.path, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', clips.faceMp4, '-vf', 'scale=320:240', '-r', '30',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30', '-bf', '0', clip]);
  server = new RtspTestServer({ ffmpegPath: ffmpeg.path, clip });
  await server.start();
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill('SIGKILL');
    await w.waitForExit(5000);
  }
});
afterAll(async () => {
  await server?.stop();
  clips?.remove();
});

/** Decode failures ffmpeg reports when it lost stream data (it stalled and RTP packets were dropped). */
const DECODE_ERROR = /concealing|error while decoding|corrupt|missing picture|RTP: PT=|max delay reached|packets? lost/i;

describe('an RTSP camera with a slow model', () => {
  it('decodes at the source rate and skips frames instead of stalling ffmpeg', async () => {
    const model = resolveModel('objects');
    const config: WorkerConfig = {
      cameraId: 'slow',
      modelPath: model.path,
      modelName: model.name,
      threads: 1,
      delegate: 'none',
      scoreThreshold: 0.5,
      statsIntervalMs: 250,
      // No rate cap: every frame of the 30 fps stream goes to the model's pipe.
      source: { config: { kind: 'stream', url: server.url() }, ffmpegPath: ffmpeg.path, previewFps: 5, noFrameTimeoutMs: 30_000 },
    };
    const worker = launcher.launch({ cameraId: 'slow', serviceName: 'camera-slow' });
    workers.push(worker);
    let stats: WorkerStats | null = null;
    const ffmpegLog: string[] = [];
    worker.on('message', (data) => {
      const m = WorkerOutbound.parse(data);
      if (m.type === 'stats') stats = m.stats;
    });
    worker.on('stderr', (line) => {
      if (line.includes('ffmpeg]')) ffmpegLog.push(line);
    });
    worker.postMessage({ type: 'init', config });

    const counters = () => {
      const s = stats as WorkerStats | null;
      return s?.source?.state === 'running' ? { decoded: s.source.framesDecoded, inferred: s.framesInferred, skipped: s.framesSkipped, published: server.publishedFrames } : null;
    };
    // Past the start (connecting, the first keyframe, the interpreter warming up).
    const first = await untilValue('the camera running with a few inferences', () => {
      const c = counters();
      return c && c.inferred >= 3 && c;
    }, 120_000);
    // Then 300 frames of the source's own clock (10 s of the 30 fps stream).
    const last = await untilValue('300 more frames published', () => {
      const c = counters();
      return c && c.published >= first.published + 300 && c;
    }, 120_000);

    const published = last.published - first.published;
    const decoded = last.decoded - first.decoded;
    const inferred = last.inferred - first.inferred;
    const skipped = last.skipped - first.skipped;
    // The figures docs/ffmpeg-plan.md quotes (decoded per published frame, CPU of the worker and its ffmpeg).
    const s = stats as WorkerStats | null;
    console.info(`reader: published ${published}, decoded ${decoded}, inferred ${inferred}, skipped ${skipped}; worker CPU ${s?.cpuPercent?.toFixed(0)} %, ffmpeg CPU ${s?.source?.ffmpegCpuPercent?.toFixed(0)} %`);
    // The model is slower than the stream: many frames are skipped, not waited for.
    expect(inferred).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(0.25 * published);
    // ffmpeg kept up with the source: most of its frames decoded (stalled, it decodes only what the model takes;
    // the margin is for the stats' and the publisher's reporting steps and a busy machine).
    expect(decoded).toBeGreaterThan(0.5 * published);
    expect(ffmpegLog.filter((l) => DECODE_ERROR.test(l)), 'ffmpeg decode errors').toEqual([]);
  });
});
