/**
 * The thread planner: how many threads each camera's interpreter gets (src/engine/thread-budget.ts
 * decides, from the number of cameras, the cores, the user's setting and a calibration), the
 * calibrations themselves (measured once per model, delegate and core count in a short-lived worker
 * and kept in calibration.json in the configuration folder), and the machine's capacity line (the
 * bench's figure in capacity.json there, else calibration × cores). Calibration workers are tracked so that stop() ends them too.
 */
import type { Logger } from './logger';
import { parseMessage } from '../shared/contracts/frames';
import { WorkerOutbound } from '../shared/contracts/worker';
import type { DelegateName, EngineSettings } from '../shared/contracts/config';
import type { EngineSnapshot, ModelListEntry } from '../shared/contracts/engine-api';
import { listManifestModels } from '../shared/models';
import type { Camera } from './camera';
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
  /** Where the capacity line comes from, in place of capacityFile (tests). */
  capacity?: () => Capacity | null;
  delegatePath?: string;
  /** Where a calibration worker's stderr lines go (with its camera and pid). */
  log?: Logger;
}

/** The capacity file is re-read at most this often (a bench run may write it while the app runs). */
const BENCH_CAPACITY_TTL_MS = 60_000;

export class ThreadPlanner {
  private readonly calibrations: CalibrationCache;
  private readonly calibrating = new Map<string, WorkerProcess>();
  private benchCapacity: { at: number; value: Capacity | null } | null = null;
  private stopped = false;

  constructor(private readonly options: ThreadPlannerOptions) {
    this.calibrations = new CalibrationCache(options.calibrationFile ?? null);
  }

  /** Threads each camera should have now, by camera id. */
  plan(cameras: Iterable<Camera>, settings: EngineSettings, delegate: DelegateName): Map<string, number> {
    // A two-stage camera has two interpreters; each camera weighs by its model's calibrated cost.
    const loads = [...cameras].map((camera) => ({ id: camera.id, interpreters: camera.landmarkPath ? 2 : 1, calibration: this.calibrations.get(this.key(camera, delegate)) }));
    return allocateThreads(loads, this.options.cores, settings.threadsPerInterpreter);
  }

  /** Inferences/s of one interpreter with one thread for this model file, if it was calibrated. */
  measuredIps(modelPath: string, delegate: DelegateName): number | undefined {
    return this.calibrations.get(CalibrationCache.key(modelPath, delegate, this.options.cores))?.find((p) => p.threads === 1)?.ips;
  }

  /**
   * With cores to spare, measure once whether more threads help this camera's model. Calls
   * `onMeasured` when a new calibration arrives, so the caller can re-plan.
   */
  maybeCalibrate(camera: Camera, cameraCount: number, settings: EngineSettings, delegate: DelegateName, onMeasured: () => void): void {
    if (this.stopped || this.options.calibrate === false || settings.threadsPerInterpreter !== 'auto') return;
    if (cameraCount >= this.options.cores) return;
    const key = this.key(camera, delegate);
    if (this.calibrations.get(key) || this.calibrating.has(key)) return;
    const worker = this.options.launcher.launch({ cameraId: camera.id, serviceName: `calibrate-${camera.id}` });
    this.calibrating.set(key, worker);
    const log = this.options.log?.child({ camera: camera.id, pid: worker.pid, calibration: true });
    worker.on('stderr', (line) => log?.info(line));
    worker.on('message', (data) => {
      const parsed = parseMessage(WorkerOutbound, data);
      if (parsed.ok && parsed.value.type === 'calibration' && !this.stopped) {
        this.calibrations.set(key, parsed.value.delegate, this.options.cores, parsed.value.results);
        onMeasured();
      }
    });
    worker.on('exit', () => this.calibrating.delete(key));
    worker.postMessage({
      type: 'calibrate',
      modelPath: camera.modelPath,
      modelName: camera.modelInfo?.name ?? camera.modelChoice,
      landmarkModelPath: camera.landmarkPath,
      delegate,
      delegatePath: this.options.delegatePath,
      threadCounts: calibrationThreadCounts(this.options.cores),
      durationMs: 400,
    });
  }

  /** Aggregate capacity for the capacity line: the bench result, else calibration × cores. */
  capacity(cameras: Iterable<Camera>, delegate: DelegateName): Capacity | null {
    const fromBench = this.options.capacity ? this.options.capacity() : this.readBench();
    if (fromBench) return fromBench;
    for (const camera of cameras) {
      const single = this.calibrations.get(this.key(camera, delegate))?.find((p) => p.threads === 1);
      if (single) return { ips: single.ips * this.options.cores, source: 'calibration' };
    }
    return null;
  }

  /** The snapshot's capacity line and the first calibrated camera's calibration (for the settings dialog). */
  snapshotFields(cameras: Iterable<Camera>, delegate: DelegateName): Pick<EngineSnapshot, 'capacityIps' | 'capacitySource' | 'calibration'> {
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
    const workers = [...this.calibrating.values()];
    this.calibrating.clear();
    await Promise.all(workers.map((w) => w.waitForExit(0)));
  }

  private key(camera: Camera, delegate: DelegateName): string {
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
