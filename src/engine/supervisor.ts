/**
 * CameraSupervisor: one worker process per camera, added and removed at run time without touching
 * the others. It starts each worker with its configuration, restarts crashed or stuck workers
 * (restart-policy.ts), parks a camera with a bad model in the error state, re-plans threads as
 * cameras come and go (thread-planner.ts), and merges each worker's counters into one status per
 * camera (status.ts).
 *
 * Frames do not pass through it: a page's frames reach a worker over the camera's MessagePort
 * (desktop) or as the bytes serve mode received (forwardFrame); pushFrame (frame-feeder.ts) gives
 * code the same path. It has no Electron in it: the desktop app passes the utilityProcess
 * launcher and a factory for each camera's MessagePort.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { EngineSettings, type CameraConfig, type DelegateName } from '../shared/contracts/config';
import type { CameraState, CameraStatus, EngineSnapshot, ModelListEntry } from '../shared/contracts/engine-api';
import { DEFAULT_MODEL } from '../shared/models';
import { Camera } from './camera';
import { FrameFeeder, type FramePayload } from './frame-feeder';
import { resolveModel, xnnpackPluginPath } from './paths';
import { DEFAULT_RESTART, stuckReason } from './restart-policy';
import { describeCamera, scoreThresholdOf } from './status';
import type { AddCameraOptions, SupervisorEvents, SupervisorOptions } from './supervisor-options';
import { admissionRefusal, capacityLine, modelFps, type CameraLoadEstimate } from './admission';
import { StartGate } from './start-gate';
import { ThreadPlanner } from './thread-planner';
import { waitForCameraState } from './wait-state';
import { engineSourceChanged, ffmpegInfo, sourceSettingsChanged, workerSourceConfig } from './engine-sources';
import { cameraLog, restartPlanned, startWorker, type WorkerLifeContext } from './worker-life';
import { defaultLogger } from './logger';

export type { RestartPolicy } from './restart-policy';
export type { AddCameraOptions, SupervisorEvents, SupervisorOptions } from './supervisor-options';

export class CameraSupervisor extends EventEmitter<SupervisorEvents> {
  readonly cores: number;
  private settings: EngineSettings;
  private readonly cameras = new Map<string, Camera>();
  private readonly watchdogMs: number;
  private readonly startTimeoutMs: number;
  private readonly life: WorkerLifeContext;
  private readonly planner: ThreadPlanner;
  private readonly feeder: FrameFeeder;
  /** Callers of waitForState, told of every change (one set, not one listener each). */
  private readonly waiters = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;
  private nextId = 1;
  private stopped = false;
  /** Set when the XNNPACK plugin crashed a worker while being applied: run without it from then on. */
  private xnnpackBroken: string | null = null;
  private previewsWatched = false;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.cores = options.cores ?? os.availableParallelism();
    this.settings = EngineSettings.parse(options.settings ?? {});
    this.watchdogMs = options.watchdogMs ?? 10_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.life = this.lifeContext(options);
    this.planner = new ThreadPlanner({ ...options, cores: this.cores, delegatePath: this.life.delegatePath, log: this.life.log });
    this.feeder = new FrameFeeder((id, bytes) => this.forwardFrame(id, bytes), this.settings.maxInFlight);
    this.timer = setInterval(() => this.tick(), this.life.statsIntervalMs);
    this.timer.unref();
  }

  // ------------------------------------------------------------------ public API

  /** The manifest's models, each with its calibrated speed here (one interpreter, one thread) once measured. */
  listModels(): ModelListEntry[] {
    return this.planner.listModels(this.effectiveDelegate());
  }

  getSettings(): EngineSettings {
    return { ...this.settings };
  }

  /**
   * Why this machine cannot run the camera beside those it has (admission.ts), or null. Each
   * camera counts at the frames its model is given (modelFps) and its own model's measured speed here.
   */
  admissionRefusal(config: CameraConfig): string | null {
    let modelPath: string | undefined;
    try {
      modelPath = resolveModel(config.model ?? DEFAULT_MODEL).path;
    } catch {
      return null; // the camera's start says what is wrong with its model
    }
    const existing = this.runnableCameras().map((c) => this.loadEstimate(c.config, c.modelPath || undefined));
    return admissionRefusal(existing, this.loadEstimate(config, modelPath), this.cores);
  }

  /** Adds a camera and starts its worker; returns its id at once (state 'starting'). */
  addCamera(config: CameraConfig, options: AddCameraOptions = {}): string {
    if (this.stopped) throw new Error('the engine has stopped');
    let id = config.id;
    // Ids are never reused: ids given by the config move the counter past them.
    const numbered = id ? /^cam-(\d+)$/.exec(id) : null;
    if (numbered) this.nextId = Math.max(this.nextId, Number(numbered[1]) + 1);
    if (!id || this.cameras.has(id)) {
      do id = `cam-${this.nextId++}`;
      while (this.cameras.has(id));
    }
    const camera = new Camera({ ...config, id });
    camera.env = options.env;
    this.cameras.set(id, camera);
    camera.noteModel();
    this.rebalanceThreads(id);
    startWorker(this.life, camera);
    return id;
  }

  async removeCamera(id: string): Promise<boolean> {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    camera.removing = true;
    this.cameras.delete(id);
    this.life.gate.release(id);
    this.feeder.remove(id);
    camera.clearRestartTimer();
    const worker = camera.worker;
    camera.worker = null;
    if (worker) {
      worker.postMessage({ type: 'stop' });
      await worker.waitForExit(2000);
    }
    this.emit('worker-gone', id);
    this.options.releaseDataPort?.(id);
    camera.state = 'stopped';
    this.emit('removed', id);
    this.notifyWaiters();
    this.rebalanceThreads();
    return true;
  }

  /** Name and threshold change in place; a new model restarts only this worker. */
  updateCamera(id: string, patch: Partial<Omit<CameraConfig, 'id'>>): boolean {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    const modelChanged = patch.model !== undefined && patch.model !== camera.modelChoice;
    const restart = (patch.labels !== undefined && JSON.stringify(patch.labels) !== JSON.stringify(camera.config.labels)) || engineSourceChanged(camera.config, patch);
    camera.config = { ...camera.config, ...patch, id };
    if (patch.scoreThreshold !== undefined || patch.labelThresholds !== undefined) {
      camera.worker?.postMessage({ type: 'set-threshold', scoreThreshold: scoreThresholdOf(camera), labelThresholds: camera.config.labelThresholds ?? {} });
    }
    if (patch.events !== undefined) camera.worker?.postMessage({ type: 'set-event-filters', filters: patch.events });
    if (modelChanged) {
      camera.modelChoice = patch.model!;
      camera.noteModel();
      this.rebalanceThreads(id);
      restartPlanned(this.life, camera);
    } else if (restart) restartPlanned(this.life, camera);
    this.emitChange(camera);
    return true;
  }

  setSettings(patch: Partial<EngineSettings>): EngineSettings {
    const next = EngineSettings.parse({ ...this.settings, ...patch });
    const [restartAll, sourcesChanged] = [next.delegate !== this.settings.delegate, sourceSettingsChanged(this.settings, next)];
    if (restartAll) this.xnnpackBroken = null;
    this.settings = next;
    this.feeder.setMaxInFlight(next.maxInFlight);
    for (const camera of this.cameras.values()) if (restartAll || (sourcesChanged && camera.source)) restartPlanned(this.life, camera);
    this.rebalanceThreads();
    return this.getSettings();
  }

  /**
   * Hands bytes a page sent, untouched, to the camera's worker, which validates them: a frame in
   * its binary form (encodeFrame), or with `track-snapshot-bytes` a picture for one of its tracks
   * (encodeTrackSnapshot). False when the camera has no running worker.
   */
  forwardFrame(id: string, bytes: Uint8Array, type: 'frame-bytes' | 'track-snapshot-bytes' = 'frame-bytes'): boolean {
    const camera = this.cameras.get(id);
    if (!camera || camera.state !== 'running' || !camera.worker) return false;
    // A frame's pixels go through a frame slot when one is free (frame-slots.ts).
    const slot = type === 'frame-bytes' ? camera.worker.frameSlots?.write(bytes) : null;
    if (slot) return camera.worker.postMessage({ type: 'frame-slot', ...slot });
    return camera.worker.postMessage({ type, data: bytes });
  }

  /** Desktop: gives a camera's running worker a new frame port, or takes its port away (null). False when it has no worker now. */
  handDataPort(id: string, port: unknown): boolean {
    const worker = this.cameras.get(id)?.worker;
    if (!worker?.alive) return false;
    return worker.postMessage({ type: 'data-port' }, port ? [port] : undefined);
  }

  /** Frames from code (CLI, bench, tests), on the serve path; see FrameFeeder. */
  pushFrame(id: string, payload: FramePayload): number {
    if (!this.cameras.has(id)) throw new Error(`no camera ${id}`);
    return this.feeder.push(id, payload);
  }

  watchPreviews(on: boolean): void {
    this.previewsWatched = on;
    for (const c of this.cameras.values()) if (c.source) c.worker?.postMessage({ type: 'preview-subscribe', on });
  }

  status(id: string): CameraStatus | undefined {
    const camera = this.cameras.get(id);
    return camera ? this.describe(camera) : undefined;
  }

  snapshot(): EngineSnapshot {
    return {
      at: Date.now(),
      cores: this.cores,
      ...this.planner.snapshotFields(this.cameras.values(), this.effectiveDelegate()),
      capacityLine: {
        ...capacityLine(this.runnableCameras().map((c) => ({ id: c.id, ...this.loadEstimate(c.config, c.modelPath || undefined) })), this.cores),
        calibrating: this.planner.calibrationProgress(),
      },
      cameras: [...this.cameras.values()].map((c) => this.describe(c)),
      settings: this.getSettings(),
    };
  }

  cameraIds(): string[] {
    return [...this.cameras.keys()];
  }

  /** Resolves when the camera reaches `state`; rejects when it lands in error, goes, or times out. */
  waitForState(id: string, state: CameraState, timeoutMs = 30_000): Promise<CameraStatus> {
    return waitForCameraState({ status: (c) => this.status(c), watch: (check) => this.watch(check) }, id, state, timeoutMs);
  }

  /** Stops every worker, calibration workers included, and waits for each to exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([this.planner.stop(), ...[...this.cameras.keys()].map((id) => this.removeCamera(id))]);
  }

  // ------------------------------------------------------------------ workers

  /** What each worker life (worker-life.ts) needs from the supervisor. */
  private lifeContext(options: SupervisorOptions): WorkerLifeContext {
    return {
      launcher: options.launcher,
      log: options.log ?? defaultLogger(),
      restart: { ...DEFAULT_RESTART, ...options.restart },
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      delegatePath: options.delegatePath ?? xnnpackPluginPath(),
      gate: new StartGate(Math.max(1, this.cores)),
      events: options.events ?? false,
      track: (_camera, message) => this.emit('track', message),
      snapshotRequest: (_camera, message) => this.emit('snapshot-request', message),
      segment: (_camera, message) => this.emit('segment', message),
      stopped: () => this.stopped,
      delegate: () => this.effectiveDelegate(),
      createDataPort: options.createDataPort,
      ready: (camera) => {
        this.feeder.reset(camera.id);
        this.planner.maybeCalibrate(camera, this.cameras.size, this.settings, this.effectiveDelegate(), () => this.rebalanceThreads());
      },
      frameReply: (camera, message) => {
        this.feeder.settle(camera.id);
        if (message.type === 'result') this.emit('result', message);
        else this.emit('dropped', message);
      },
      gone: (camera) => {
        this.feeder.reset(camera.id);
        this.emit('worker-gone', camera.id);
      },
      crashedWhileLoading: (camera) => {
        // tfjs-tflite-node crashes (rather than throwing) when an external delegate cannot be
        // loaded. Fall back to the plain interpreter for every camera and say so.
        this.xnnpackBroken = `the XNNPACK plugin ${this.life.delegatePath} crashed a worker while loading; running without a delegate`;
        this.emit('notice', { level: 'warning', message: this.xnnpackBroken });
        cameraLog(this.life, camera).warn(this.xnnpackBroken);
        startWorker(this.life, camera);
        return true;
      },
      changed: (camera) => this.emitChange(camera),
      sourceConfig: (camera) => workerSourceConfig(camera.config, this.settings, () => ffmpegInfo(this.settings.ffmpegPath), options.recordingsDir?.()),
      previewsWatched: () => this.previewsWatched,
      preview: (_camera, message) => this.emit('preview', message),
    };
  }

  /** A camera's rate and its model's measured speed on one thread here (admission.ts). */
  private loadEstimate(config: CameraConfig, modelPath: string | undefined): CameraLoadEstimate {
    return { fps: modelFps(config), ips: modelPath ? this.planner.measuredIps(modelPath, this.effectiveDelegate()) : undefined };
  }

  /** The cameras that take a share of the machine: a camera in error runs nothing. */
  private runnableCameras(): Camera[] {
    return [...this.cameras.values()].filter((c) => c.state !== 'error');
  }

  private effectiveDelegate(): DelegateName {
    return this.settings.delegate === 'xnnpack' && !this.xnnpackBroken ? 'xnnpack' : 'none';
  }

  /** Re-applies the thread plan; workers whose share changed restart with the new count. */
  private rebalanceThreads(justAdded?: string): void {
    const plan = this.planner.plan(this.cameras.values(), this.settings, this.effectiveDelegate());
    for (const camera of this.cameras.values()) {
      const threads = plan.get(camera.id) ?? 1;
      if (threads === camera.threads) continue;
      camera.threads = threads;
      if (camera.id !== justAdded && (camera.worker || camera.state === 'starting')) restartPlanned(this.life, camera);
    }
  }

  // ------------------------------------------------------------------ status

  private tick(): void {
    const now = Date.now();
    for (const camera of this.cameras.values()) {
      const stuck = stuckReason(camera, now, this.watchdogMs, this.startTimeoutMs);
      if (!stuck || !camera.worker) continue;
      camera.killReason = stuck.reason;
      camera.watchdogKill = stuck.watchdog;
      cameraLog(this.life, camera).warn(`${stuck.reason}; restarting the worker`);
      camera.worker.kill('SIGKILL');
    }
    if (this.cameras.size > 0 || this.listenerCount('snapshot') > 0) this.emit('snapshot', this.snapshot());
  }

  private describe(camera: Camera): CameraStatus {
    const status = describeCamera(camera);
    return { ...status, framesSkipped: status.framesSkipped + this.feeder.skipped(camera.id) };
  }

  private emitChange(camera: Camera): void {
    this.emit('change', this.describe(camera));
    this.notifyWaiters();
  }

  /** Calls `check` after every camera change until the returned function is called. */
  private watch(check: () => void): () => void {
    this.waiters.add(check);
    return () => this.waiters.delete(check);
  }

  private notifyWaiters(): void {
    for (const check of [...this.waiters]) check();
  }
}
