/**
 * CameraSupervisor: the registry of cameras, added and removed at run time without touching the
 * others, and the thread plan across them (thread-planner.ts), re-applied as cameras come and go.
 * Each camera's life is its own: its state machine is a Camera (camera.ts), its worker processes
 * are run by a CameraRunner (camera-runner.ts) whose events the supervisor passes on; what a
 * worker's end means is restart-policy.ts's decision, and status.ts makes each camera's status.
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
import { CameraRunner, type RunnerDeps } from './camera-runner';
import { FrameFeeder, type FramePayload } from './frame-feeder';
import { resolveModel, xnnpackPluginPath } from './paths';
import { DEFAULT_RESTART } from './restart-policy';
import type { AddCameraOptions, SupervisorEvents, SupervisorOptions } from './supervisor-options';
import { admissionRefusal, capacityLine, modelFps, type CameraLoadEstimate } from './admission';
import { StartGate } from './start-gate';
import { ThreadPlanner } from './thread-planner';
import { waitForCameraState } from './wait-state';
import { sourceSettingsChanged } from './engine-sources';
import { defaultLogger } from './logger';

export type { RestartPolicy } from './restart-policy';
export type { AddCameraOptions, SupervisorEvents, SupervisorOptions } from './supervisor-options';

export class CameraSupervisor extends EventEmitter<SupervisorEvents> {
  readonly cores: number;
  private settings: EngineSettings;
  private readonly cameras = new Map<string, CameraRunner>();
  private readonly deps: RunnerDeps;
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
    this.deps = this.runnerDeps(options);
    this.planner = new ThreadPlanner({ ...options, cores: this.cores, delegatePath: this.deps.delegatePath, log: this.deps.log });
    this.feeder = new FrameFeeder((id, bytes) => this.forwardFrame(id, bytes), this.settings.maxInFlight);
    this.timer = setInterval(() => this.tick(), this.deps.statsIntervalMs);
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
    const camera = new Camera({ ...config, id }, options.env);
    camera.noteModel();
    const runner = this.runnerFor(camera);
    this.cameras.set(id, runner);
    this.rebalanceThreads(id);
    runner.start();
    return id;
  }

  async removeCamera(id: string): Promise<boolean> {
    const runner = this.cameras.get(id);
    if (!runner) return false;
    this.cameras.delete(id);
    this.feeder.remove(id);
    await runner.remove();
    runner.removeAllListeners();
    this.emit('worker-gone', id);
    this.options.releaseDataPort?.(id);
    this.emit('removed', id);
    this.notifyWaiters();
    this.rebalanceThreads();
    return true;
  }

  /** Name and threshold change in place; a new model restarts only this worker. */
  updateCamera(id: string, patch: Partial<Omit<CameraConfig, 'id'>>): boolean {
    const runner = this.cameras.get(id);
    if (!runner) return false;
    const change = runner.reconfigure(patch);
    if (change === 'model') this.rebalanceThreads(id);
    if (change !== 'none') runner.restartPlanned();
    this.emitChange(runner);
    return true;
  }

  setSettings(patch: Partial<EngineSettings>): EngineSettings {
    const next = EngineSettings.parse({ ...this.settings, ...patch });
    const [restartAll, sourcesChanged] = [next.delegate !== this.settings.delegate, sourceSettingsChanged(this.settings, next)];
    if (restartAll) this.xnnpackBroken = null;
    this.settings = next;
    this.feeder.setMaxInFlight(next.maxInFlight);
    for (const runner of this.cameras.values()) if (restartAll || (sourcesChanged && runner.camera.hasSource)) runner.restartPlanned();
    this.rebalanceThreads();
    return this.getSettings();
  }

  /**
   * Hands bytes a page sent, untouched, to the camera's worker, which validates them: a frame in
   * its binary form (encodeFrame), or with `track-snapshot-bytes` a picture for one of its tracks
   * (encodeTrackSnapshot). False when the camera has no running worker.
   */
  forwardFrame(id: string, bytes: Uint8Array, type: 'frame-bytes' | 'track-snapshot-bytes' = 'frame-bytes'): boolean {
    return this.cameras.get(id)?.forward(bytes, type) ?? false;
  }

  /** Desktop: gives a camera's running worker a new frame port, or takes its port away (null). False when it has no worker now. */
  handDataPort(id: string, port: unknown): boolean {
    return this.cameras.get(id)?.handDataPort(port) ?? false;
  }

  /** Frames from code (CLI, bench, tests), on the serve path; see FrameFeeder. */
  pushFrame(id: string, payload: FramePayload): number {
    if (!this.cameras.has(id)) throw new Error(`no camera ${id}`);
    return this.feeder.push(id, payload);
  }

  watchPreviews(on: boolean): void {
    this.previewsWatched = on;
    for (const runner of this.cameras.values()) runner.watchPreviews(on);
  }

  status(id: string): CameraStatus | undefined {
    const runner = this.cameras.get(id);
    return runner ? this.describe(runner) : undefined;
  }

  snapshot(): EngineSnapshot {
    return {
      at: Date.now(),
      cores: this.cores,
      ...this.planner.snapshotFields(this.cameraList(), this.effectiveDelegate()),
      capacityLine: {
        ...capacityLine(this.runnableCameras().map((c) => ({ id: c.id, ...this.loadEstimate(c.config, c.modelPath || undefined) })), this.cores),
        calibrating: this.planner.calibrationProgress(),
      },
      cameras: [...this.cameras.values()].map((r) => this.describe(r)),
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

  // ------------------------------------------------------------------ cameras

  /** What every camera's runner is given (camera-runner.ts). */
  private runnerDeps(options: SupervisorOptions): RunnerDeps {
    return {
      launcher: options.launcher,
      log: options.log ?? defaultLogger(),
      restart: { ...DEFAULT_RESTART, ...options.restart },
      statsIntervalMs: options.statsIntervalMs ?? 1000,
      watchdogMs: options.watchdogMs ?? 10_000,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      delegatePath: options.delegatePath ?? xnnpackPluginPath(),
      gate: new StartGate(Math.max(1, this.cores)),
      events: options.events ?? false,
      createDataPort: options.createDataPort,
      settings: () => this.settings,
      delegate: () => this.effectiveDelegate(),
      recordingsDir: () => options.recordingsDir?.(),
      previewsWatched: () => this.previewsWatched,
    };
  }

  /** A camera's runner, its events passed on as the supervisor's. */
  private runnerFor(camera: Camera): CameraRunner {
    const runner = new CameraRunner(camera, this.deps);
    const id = camera.id;
    runner.on('change', () => this.emitChange(runner));
    runner.on('ready', () => {
      this.feeder.reset(id);
      this.planner.maybeCalibrate(camera, this.cameras.size, this.settings, this.effectiveDelegate(), () => this.rebalanceThreads());
    });
    runner.on('reply', (message) => {
      this.feeder.settle(id);
      if (message.type === 'result') this.emit('result', message);
      else this.emit('dropped', message);
    });
    runner.on('track', (message) => this.emit('track', message));
    runner.on('snapshot-request', (message) => this.emit('snapshot-request', message));
    runner.on('segment', (message) => this.emit('segment', message));
    runner.on('preview', (message) => this.emit('preview', message));
    runner.on('gone', () => {
      this.feeder.reset(id);
      this.emit('worker-gone', id);
    });
    runner.on('delegate-crashed', () => {
      // tfjs-tflite-node crashes (rather than throwing) when an external delegate cannot be
      // loaded. Fall back to the plain interpreter for every camera and say so.
      this.xnnpackBroken = `the XNNPACK plugin ${this.deps.delegatePath} crashed a worker while loading; running without a delegate`;
      this.emit('notice', { level: 'warning', message: this.xnnpackBroken });
      runner.log().warn(this.xnnpackBroken);
    });
    return runner;
  }

  private cameraList(): Camera[] {
    return [...this.cameras.values()].map((r) => r.camera);
  }

  /** A camera's rate and its model's measured speed on one thread here (admission.ts). */
  private loadEstimate(config: CameraConfig, modelPath: string | undefined): CameraLoadEstimate {
    return { fps: modelFps(config), ips: modelPath ? this.planner.measuredIps(modelPath, this.effectiveDelegate()) : undefined };
  }

  /** The cameras that take a share of the machine: a camera in error runs nothing. */
  private runnableCameras(): Camera[] {
    return this.cameraList().filter((c) => c.state !== 'error');
  }

  private effectiveDelegate(): DelegateName {
    return this.settings.delegate === 'xnnpack' && !this.xnnpackBroken ? 'xnnpack' : 'none';
  }

  /** Re-applies the thread plan; workers whose share changed restart with the new count. */
  private rebalanceThreads(justAdded?: string): void {
    const plan = this.planner.plan(this.cameraList(), this.settings, this.effectiveDelegate());
    for (const runner of this.cameras.values()) {
      const { camera } = runner;
      if (!camera.setThreads(plan.get(camera.id) ?? 1)) continue;
      if (camera.id !== justAdded && (runner.hasWorker || camera.state === 'starting')) runner.restartPlanned();
    }
  }

  // ------------------------------------------------------------------ status

  private tick(): void {
    const now = Date.now();
    for (const runner of this.cameras.values()) runner.watchdog(now);
    if (this.cameras.size > 0 || this.listenerCount('snapshot') > 0) this.emit('snapshot', this.snapshot());
  }

  private describe(runner: CameraRunner): CameraStatus {
    const status = runner.status();
    return { ...status, framesSkipped: status.framesSkipped + this.feeder.skipped(runner.id) };
  }

  private emitChange(runner: CameraRunner): void {
    this.emit('change', this.describe(runner));
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
