/**
 * The thread planner: how many threads each camera's interpreter gets (src/engine/thread-budget.ts
 * decides, from the number of cameras, the cores, the user's setting and a calibration), the
 * calibrations themselves (measured once per model, delegate and core count in a short-lived worker
 * at low priority, in the background, and kept in calibration.json in the configuration folder;
 * admission and the capacity line count each camera at its own model's measured cost), and the machine's capacity line (the
 * bench's figure in capacity.json there, else calibration × cores). Calibration workers are tracked so that stop() ends them too.
 */
import os from 'node:os';
import type { Logger } from './logger';
import { parseMessage } from '../shared/contracts/frames';
import { WorkerOutbound } from '../shared/contracts/worker';
import type { DelegateName, EngineSettings } from '../shared/contracts/config';
import type { EngineSnapshot, ModelListEntry } from '../shared/contracts/engine-api';
import { listManifestModels } from '../shared/models';
import type { Camera } from './camera';

/** What the planner reads of a camera. */
export type PlannedCamera = Pick<Camera, 'id' | 'modelChoice' | 'modelPath' | 'landmarkPath' | 'modelName'>;
import { readCapacityFile } from './capacity';
import type { WorkerLauncher, WorkerProcess } from './launcher';
import { resolveModel } from './paths';
import { allocateThreads, CalibrationCache, calibrationThreadCounts } from './thread-budget';

export type Capacity = { ips: number; source: 'bench' | 'calibration' };

export interface ThreadPlannerOptions {
  launcher: WorkerLauncher;
  cores: number;
  /** File for the per-model calibration (EngineHost: calibration.json beside the config); none: memory only. */
  calibrationFile?: string | null;
  /** The bench's capacity figure (EngineHost: capacity.json beside the config); none: calibration × cores. */
  capacityFile?: string | null;
  /** Skip calibration (threads stay at 1 per interpreter unless the user sets them). */
  calibrate?: boolean;
  delegatePath?: string;
  /** How long each thread count is measured (default 400 ms; tests make it longer to watch the progress). */
  calibrationMs?: number;
  /** Where a calibration worker's stderr lines go (with its camera and pid). */
  log?: Logger;
}

/** The capacity file is re-read at most this often (a bench run may write it while the app runs). */
const BENCH_CAPACITY_TTL_MS = 60_000;

/** os.setPriority's lowest: the calibration gets only what the cameras leave. */
export const LOWEST_PRIORITY = 19;

interface QueuedCalibration {
  key: string;
  camera: PlannedCamera;
  delegate: DelegateName;
  threadCounts: number[];
  onMeasured: () => void;
}

interface RunningCalibration {
  worker: WorkerProcess;
  model: string;
  startedAt: number;
  expectedMs: number;
}

/** A camera's model as the capacity line names it: the manifest name, or the file's. */
const modelLabel = (camera: PlannedCamera): string => camera.modelName;

/** A calibration shares the machine with the cameras: it runs at the lowest priority (nice 19). */
function lowerPriority(worker: WorkerProcess, log: Logger | undefined): void {
  const apply = (): void => {
    if (worker.pid === undefined) return;
    try {
      os.setPriority(worker.pid, LOWEST_PRIORITY);
    } catch (err) {
      log?.warn(`cannot lower the calibration's priority: ${(err as Error).message}`);
    }
  };
  if (worker.pid !== undefined) apply();
  else worker.on('spawn', apply);
}

export class ThreadPlanner {
  private readonly calibrations: CalibrationCache;
  private readonly calibrating = new Map<string, RunningCalibration>();
  private queue: QueuedCalibration[] = [];
  private benchCapacity: { at: number; value: Capacity | null } | null = null;
  private stopped = false;

  constructor(private readonly options: ThreadPlannerOptions) {
    this.calibrations = new CalibrationCache(options.calibrationFile ?? null);
  }

  /** Threads each camera should have now, by camera id. */
  plan(cameras: Iterable<PlannedCamera>, settings: EngineSettings, delegate: DelegateName): Map<string, number> {
    // A two-stage camera has two interpreters; each camera weighs by its model's calibrated cost.
    const loads = [...cameras].map((camera) => ({ id: camera.id, interpreters: camera.landmarkPath ? 2 : 1, calibration: this.calibrations.get(this.key(camera, delegate)) }));
    return allocateThreads(loads, this.options.cores, settings.threadsPerInterpreter);
  }

  /** Inferences/s of one interpreter with one thread for this model file, if it was calibrated. */
  measuredIps(modelPath: string, delegate: DelegateName): number | undefined {
    return this.calibrations.get(CalibrationCache.key(modelPath, delegate, this.options.cores))?.find((p) => p.threads === 1)?.ips;
  }

  /**
   * Measures this camera's model once, in the background, when it was never measured here: its
   * cost per frame is what the capacity line and admission count it at. With cores to spare (and
   * threads on 'auto') every useful thread count is measured, so the thread budget can tell
   * whether more threads pay; otherwise one thread only. A model measured at one thread while the
   * cores were full is measured again at every count once cores are spare. One calibration runs at
   * a time, at the lowest CPU priority, so it takes from the cameras as little as it can.
   * Calls `onMeasured` when a new calibration arrives, so the caller can re-plan.
   */
  maybeCalibrate(camera: PlannedCamera, cameraCount: number, settings: EngineSettings, delegate: DelegateName, onMeasured: () => void): void {
    if (this.stopped || this.options.calibrate === false) return;
    const key = this.key(camera, delegate);
    if (this.calibrating.has(key) || this.queue.some((q) => q.key === key)) return;
    const spare = settings.threadsPerInterpreter === 'auto' && cameraCount < this.options.cores;
    const known = this.calibrations.get(key);
    if (known && (!spare || known.some((p) => p.threads > 1) || this.options.cores < 2)) return;
    const threadCounts = spare ? calibrationThreadCounts(this.options.cores) : [1];
    this.queue.push({ key, camera, delegate, threadCounts, onMeasured });
    this.startNextCalibration();
  }

  /** The models being measured now or waiting their turn, with the running one's progress (by time, 0..1). */
  calibrationProgress(): Array<{ model: string; progress: number }> {
    const now = Date.now();
    const running = [...this.calibrating.values()].map((c) => ({ model: c.model, progress: Math.min(0.95, (now - c.startedAt) / c.expectedMs) }));
    return [...running, ...this.queue.map((q) => ({ model: modelLabel(q.camera), progress: 0 }))];
  }

  private startNextCalibration(): void {
    if (this.stopped || this.calibrating.size > 0) return;
    const next = this.queue.shift();
    if (!next) return;
    const { key, camera, delegate, threadCounts, onMeasured } = next;
    const durationMs = this.options.calibrationMs ?? 400;
    const worker = this.options.launcher.launch({ cameraId: camera.id, serviceName: `calibrate-${camera.id}` });
    // Loading each interpreter and its warm-up take about as long again as the measuring itself.
    this.calibrating.set(key, { worker, model: modelLabel(camera), startedAt: Date.now(), expectedMs: threadCounts.length * (durationMs + 400) });
    const log = this.options.log?.child({ camera: camera.id, pid: worker.pid, calibration: true });
    lowerPriority(worker, log);
    worker.on('stderr', (line) => log?.info(line));
    worker.on('message', (data) => {
      const parsed = parseMessage(WorkerOutbound, data);
      if (parsed.ok && parsed.value.type === 'calibration' && !this.stopped) {
        this.calibrations.set(key, parsed.value.delegate, this.options.cores, parsed.value.results);
        onMeasured();
      }
    });
    worker.on('exit', () => {
      this.calibrating.delete(key);
      this.startNextCalibration();
    });
    worker.postMessage({
      type: 'calibrate',
      modelPath: camera.modelPath,
      modelName: camera.modelName,
      landmarkModelPath: camera.landmarkPath,
      delegate,
      delegatePath: this.options.delegatePath,
      threadCounts,
      durationMs,
    });
  }

  /** Aggregate capacity for the capacity line: the bench result, else calibration × cores. */
  capacity(cameras: Iterable<PlannedCamera>, delegate: DelegateName): Capacity | null {
    const fromBench = this.readBench();
    if (fromBench) return fromBench;
    for (const camera of cameras) {
      const single = this.calibrations.get(this.key(camera, delegate))?.find((p) => p.threads === 1);
      if (single) return { ips: single.ips * this.options.cores, source: 'calibration' };
    }
    return null;
  }

  /** The snapshot's capacity line and the first calibrated camera's calibration (for the settings dialog). */
  snapshotFields(cameras: Iterable<PlannedCamera>, delegate: DelegateName): Pick<EngineSnapshot, 'capacityIps' | 'capacitySource' | 'calibration'> {
    const list = [...cameras];
    const capacity = this.capacity(list, delegate);
    const points = list.map((camera) => this.calibrations.get(this.key(camera, delegate))).find((p) => p !== undefined);
    return {
      capacityIps: capacity?.ips ?? null,
      capacitySource: capacity?.source ?? 'none',
      calibration: points?.map((p) => ({ threads: p.threads, ips: p.ips })),
    };
  }

  /** The manifest's models, each with its calibrated speed on this machine once measured. */
  listModels(delegate: DelegateName): ModelListEntry[] {
    return listManifestModels().map((m) => {
      let file: string;
      try {
        file = resolveModel(m.name).path;
      } catch {
        return m;
      }
      const ips = this.measuredIps(file, delegate);
      return ips === undefined ? m : { ...m, ips };
    });
  }

  /** Ends any calibration still running and waits for those workers to exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    const workers = [...this.calibrating.values()].map((c) => c.worker);
    this.calibrating.clear();
    await Promise.all(workers.map((w) => w.waitForExit(0)));
  }

  private key(camera: PlannedCamera, delegate: DelegateName): string {
    return CalibrationCache.key(camera.modelPath || camera.modelChoice, delegate, this.options.cores);
  }

  private readBench(): Capacity | null {
    const now = Date.now();
    const file = this.options.capacityFile;
    if (!file) return null;
    if (!this.benchCapacity || now - this.benchCapacity.at > BENCH_CAPACITY_TTL_MS) this.benchCapacity = { at: now, value: readCapacityFile(file) };
    return this.benchCapacity.value;
  }
}
