/**
 * The app's own path: CameraSupervisor + NodeLauncher + camera-worker, one process per stream,
 * frames through pushFrame (credit gate, child_process IPC with advanced serialization, zod on
 * both ends), results through the supervisor's 'result' event. Three settings:
 *
 *  - process-per-camera: threadsPerInterpreter 'auto' (the thread budget). The budget reads the
 *    calibration measured at the start of this run (seeded into a temporary calibration file), as
 *    the app reads the one it made itself; calibrate: false so nothing is measured mid-run.
 *  - process-xnnpack-4-threads: 4 threads per interpreter, XNNPACK.
 *  - process-out-of-box: 4 threads per interpreter, no delegate (tfjs-tflite-node's defaults).
 */
import { silentLogger } from '../../src/engine/logger';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeLauncher } from '../../src/engine/node-launcher';
import { CameraSupervisor } from '../../src/engine/supervisor';
import { CalibrationCache } from '../../src/engine/thread-budget';
import type { EngineSettings } from '../../src/shared/contracts/config';
import type { ResultMessage, FrameDroppedMessage } from '../../src/shared/contracts/frames';
import { drive, type DriveResult, type StreamAnswer, measuredFields } from '../lib/driver';
import type { BenchContext, RowDraft, StrategyName } from '../lib/types';

export type ProcessStrategy = Extract<StrategyName, 'process-per-camera' | 'process-xnnpack-4-threads' | 'process-out-of-box'>;

const SETTINGS: Record<ProcessStrategy, Partial<EngineSettings>> = {
  'process-per-camera': { threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 },
  'process-xnnpack-4-threads': { threadsPerInterpreter: 4, delegate: 'xnnpack', maxInFlight: 1 },
  'process-out-of-box': { threadsPerInterpreter: 4, delegate: 'none', maxInFlight: 1 },
};

/** The model as the supervisor is told it: a manifest name, else the file. */
function modelChoice(ctx: BenchContext): string {
  return ctx.model.known ? ctx.model.name : ctx.model.path;
}

/**
 * A calibration file holding this run's measurement. The supervisor keys calibrations by the
 * model as chosen (before the worker starts) and by its resolved path (after): seed both.
 */
function seedCalibration(ctx: BenchContext, dir: string): string {
  const file = path.join(dir, 'calibration.json');
  const cache = new CalibrationCache(file);
  for (const model of new Set([modelChoice(ctx), ctx.model.path])) {
    cache.set(CalibrationCache.key(model, 'xnnpack', ctx.cores), 'xnnpack', ctx.cores, ctx.calibration);
  }
  return file;
}

export async function runProcess(
  ctx: BenchContext,
  strategy: ProcessStrategy,
  n: number,
  onRow: (r: RowDraft) => void,
): Promise<DriveResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'multicam-bench-'));
  // The app's own path takes the run's frames-in-flight; the two settings beside it stay at 1.
  const depth = strategy === 'process-per-camera' ? ctx.inFlight : 1;
  const supervisor = new CameraSupervisor({
    launcher: new NodeLauncher(),
    log: silentLogger(),
    settings: { ...SETTINGS[strategy], maxInFlight: depth },
    cores: ctx.cores,
    delegatePath: ctx.delegatePath,
    calibrationFile: seedCalibration(ctx, dir),
    calibrate: false,
  });
  // Frames waiting for an answer, per camera, by frame id.
  const waiting = new Map<string, Map<number, (a: StreamAnswer) => void>>();
  const settle = (cameraId: string, frameId: number, answer: StreamAnswer) => {
    const own = waiting.get(cameraId);
    const resolve = own?.get(frameId);
    if (!resolve) return;
    own!.delete(frameId);
    resolve(answer);
  };
  supervisor.on('result', (m: ResultMessage) => settle(m.cameraId, m.frameId, { detections: m.detections, inferMs: m.inferMs, extra: { workerEndToEndMs: m.endToEndMs } }));
  supervisor.on('dropped', (m: FrameDroppedMessage) => settle(m.cameraId, m.frameId, { detections: [], dropped: true }));
  // A worker that dies (or is restarted by the watchdog) never answers its frames: hand the stream
  // its turns back so it sends again, to the restarted worker.
  supervisor.on('change', (status) => {
    if (status.state === 'running') return;
    const own = waiting.get(status.id);
    if (!own) return;
    for (const frameId of [...own.keys()]) settle(status.id, frameId, { detections: [], dropped: true });
  });
  try {
    ctx.progress(`${strategy} N=${n}: starting ${n} worker process${n > 1 ? 'es' : ''}`);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(supervisor.addCamera({ id: `bench-${i}`, name: `bench stream ${i}`, source: { kind: 'external' }, model: modelChoice(ctx) }));
    }
    await Promise.all(ids.map((id) => supervisor.waitForState(id, 'running', 60_000)));
    for (const id of ids) waiting.set(id, new Map());
    const submit = (stream: number): Promise<StreamAnswer> => {
      const id = ids[stream];
      const f = ctx.frames[stream];
      return new Promise((resolve) => {
        const frameId = supervisor.pushFrame(id, {
          data: f.data,
          width: f.width,
          height: f.height,
          letterbox: f.letterbox,
          sourceWidth: f.width,
          sourceHeight: f.height,
        });
        waiting.get(id)!.set(frameId, resolve);
      });
    };
    const r = await drive(submit, {
      streams: n,
      depth,
      seconds: ctx.seconds,
      warmupSeconds: ctx.warmupSeconds,
      attribution: ctx.attribution,
      cores: ctx.cores,
      onProgress: (done, t) => ctx.progress(`${strategy} N=${n}: ${(done / Math.max(t, 0.01)).toFixed(0)} ips`),
    });
    const statuses = ids.map((id) => supervisor.status(id)!);
    const perWorker = statuses.map((s) => s.threads);
    const threads = Math.max(...perWorker);
    const restarts = statuses.reduce((a, s) => a + s.restarts, 0);
    const notes: string[] = [];
    if (restarts > 0) notes.push(`${restarts} worker restart(s) during the run`);
    if (new Set(perWorker).size > 1) notes.push(`threads per worker differ: ${perWorker.join(',')}`);
    onRow({
      strategy,
      streams: n,
      threads,
      delegate: statuses[0].delegate,
      interpreters: n,
      ...measuredFields(r),
      note: notes.length > 0 ? notes.join('; ') : undefined,
    });
    return r;
  } finally {
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
