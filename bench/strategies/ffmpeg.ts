/**
 * process-per-camera-ffmpeg: the whole path from encoded video to result. N file cameras, each a
 * camera worker whose own ffmpeg decodes the face clip (H.264 640x480 30 fps, re-encoded at run
 * time into a temporary folder) as fast as the interpreter takes frames (a file read with
 * realtime: false is pulled, ffmpeg-source.ts), letterboxes it to the model's input, and hands
 * each frame to the interpreter in the same process. The ffmpeg processes are children of
 * the workers, so the row's CPU includes them.
 *
 * Decoding costs CPU too, so this row has its own limit. measureDecode runs `cores` concurrent
 * ffmpeg decodes of the same clip to raw frames at the model's input size, taken and discarded at
 * once: D frames/s.
 * Decode and inference share the cores, so the combined limit is 1 / (1/D + 1/limit.ips).
 */
import { silentLogger } from '../../src/engine/logger';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { CameraSupervisor } from '../../src/engine/supervisor';
import type { ResultMessage } from '../../src/shared/contracts/frames';
import { resolveFfmpeg } from '../../src/node/ffmpeg-binary';
import { FfmpegSource } from '../../src/workers/sources/ffmpeg-source';
import { makeClipFolder, type ClipFolder } from '../../test/support/clips';
import { CpuMeter } from '../lib/cpu';
import { median, sleep } from '../lib/driver';
import type { BenchContext, RowDraft } from '../lib/types';

export interface DecodeLimit {
  /** Frames/s decoded by `processes` concurrent ffmpegs together. */
  fps: number;
  processes: number;
  ffmpeg: string;
}

/** 1 / (1/D + 1/ips): decode and inference on the same cores, one after the other per frame. */
export function combinedLimit(decodeFps: number, limitIps: number): number {
  return 1 / (1 / decodeFps + 1 / limitIps);
}

export class FfmpegBench {
  private clips: ClipFolder | null = null;
  readonly ffmpegPath: string;

  constructor() {
    this.ffmpegPath = resolveFfmpeg().path;
  }

  private clip(): string {
    this.clips ??= makeClipFolder(this.ffmpegPath);
    return this.clips.faceMp4;
  }

  /** N concurrent decodes of the clip to model-sized raw frames, discarded. */
  async measureDecode(ctx: BenchContext, processes: number): Promise<DecodeLimit> {
    // A file read flat out is pulled (ffmpeg-source.ts): take each frame at once, so ffmpeg decodes flat out.
    const sources: FfmpegSource[] = Array.from({ length: processes }, (_, i) =>
      new FfmpegSource({
        ffmpegPath: this.ffmpegPath,
        source: { kind: 'file', path: this.clip(), loop: true },
        realtime: false,
        width: ctx.model.inputWidth,
        height: ctx.model.inputHeight,
        preview: null,
        onFrame: () => sources[i].next(),
      }),
    );
    try {
      ctx.progress(`ffmpeg decode-only: ${processes} concurrent decodes`);
      for (const s of sources) s.start();
      await sleep(ctx.warmupSeconds * 1000 + 500);
      const before = sources.reduce((a, s) => a + s.stats().framesDecoded, 0);
      const started = performance.now();
      await sleep(ctx.seconds * 1000);
      const after = sources.reduce((a, s) => a + s.stats().framesDecoded, 0);
      return { fps: (after - before) / ((performance.now() - started) / 1000), processes, ffmpeg: this.ffmpegPath };
    } finally {
      await Promise.all(sources.map((s) => s.stop()));
    }
  }

  async run(ctx: BenchContext, n: number, onRow: (r: RowDraft) => void): Promise<void> {
    const supervisor = new CameraSupervisor({
      launcher: new NodeLauncher(),
      log: silentLogger(),
      settings: { threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1, ffmpegPath: this.ffmpegPath },
      cores: ctx.cores,
      delegatePath: ctx.delegatePath,
      calibrationFile: null,
      calibrate: false,
    });
    const counting = { on: false };
    const perCamera = new Map<string, number>();
    const latencies: number[] = [];
    let noFace = 0;
    supervisor.on('result', (m: ResultMessage) => {
      if (!counting.on) return;
      perCamera.set(m.cameraId, (perCamera.get(m.cameraId) ?? 0) + 1);
      if (latencies.length < 200_000) latencies.push(m.endToEndMs);
      if (!m.detections.some((d) => d.score >= 0.5)) noFace++;
    });
    try {
      ctx.progress(`process-per-camera-ffmpeg N=${n}: starting ${n} file camera${n > 1 ? 's' : ''}`);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const source = { kind: 'file' as const, path: this.clip(), loop: true, realtime: false };
        ids.push(supervisor.addCamera({ id: `ffmpeg-${i}`, name: `ffmpeg ${i}`, source, model: ctx.model.known ? ctx.model.name : ctx.model.path }));
      }
      await Promise.all(ids.map((id) => supervisor.waitForState(id, 'running', 60_000)));
      await sleep(ctx.warmupSeconds * 1000 + 500);
      const skippedBefore = ids.reduce((a, id) => a + (supervisor.status(id)?.framesSkipped ?? 0), 0);
      const cpu = new CpuMeter();
      cpu.start();
      counting.on = true;
      const started = performance.now();
      await sleep(ctx.seconds * 1000);
      counting.on = false;
      const wall = (performance.now() - started) / 1000;
      const reading = cpu.stop(ctx.cores);
      const statuses = ids.map((id) => supervisor.status(id)!);
      const rates = ids.map((id) => (perCamera.get(id) ?? 0) / wall);
      const total = rates.reduce((a, b) => a + b, 0);
      const sorted = [...latencies].sort((a, b) => a - b);
      const reconnects = statuses.reduce((a, s) => a + (s.reconnects ?? 0), 0);
      const notes = [`end-to-end = ffmpeg frame read to result in main`];
      if (noFace > 0) notes.push(`${noFace} results without a face`);
      if (reconnects > 0) notes.push(`${reconnects} ffmpeg reconnects`);
      onRow({
        strategy: 'process-per-camera-ffmpeg',
        streams: n,
        threads: Math.max(...statuses.map((s) => s.threads)),
        delegate: statuses[0].delegate,
        interpreters: n,
        ips: total,
        per_stream_ips: total / n,
        min_stream_ips: Math.min(...rates),
        max_stream_ips: Math.max(...rates),
        p50_ms: median(sorted),
        p95_ms: sorted.length > 0 ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] : 0,
        cpu: reading.share,
        misattributed: 0,
        dropped: statuses.reduce((a, s) => a + s.framesSkipped, 0) - skippedBefore,
        frames: [...perCamera.values()].reduce((a, b) => a + b, 0),
        note: notes.join('; '),
      });
    } finally {
      await supervisor.stop();
    }
  }

  dispose(): void {
    this.clips?.remove();
    this.clips = null;
  }
}
