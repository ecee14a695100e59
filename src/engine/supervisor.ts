/**
 * CameraSupervisor: one worker process per camera, added and removed at run time without touching
 * the others. It restarts crashed workers with capped exponential backoff, restarts a worker whose
 * heartbeat stops (stuck inside inference), parks a camera with a bad model in the error state,
 * applies the thread budget as cameras come and go, and merges each worker's counters into one
 * status per camera.
 *
 * It has no Electron in it: the desktop app passes the utilityProcess launcher and a factory for
 * the MessagePort that carries the renderer's frames straight to the worker.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { CreditGate } from '../shared/credit';
import { DEFAULT_MODEL, findManifestModel, listManifestModels } from '../shared/models';
import { EngineSettings, type CameraConfig } from '../shared/contracts/config';
import { parseMessage, type FrameDroppedMessage, type FrameMessage, type ResultMessage } from '../shared/contracts/frames';
import { WorkerOutbound, type ModelInfo, type WorkerConfig, type WorkerStats } from '../shared/contracts/worker';
import { type CameraState, type CameraStatus, type EngineSnapshot, type ModelListEntry } from '../shared/contracts/engine-api';
import type { WorkerLauncher, WorkerProcess } from './launcher';
import { ModelNotFoundError, resolveModel, workerModelFields, xnnpackPluginPath, type ResolvedModel } from './paths';
import { CalibrationCache, calibrationThreadCounts, threadsPerInterpreter } from './thread-budget';

export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Consecutive failed starts after which the camera stays in the error state. */
  maxConsecutiveFailures: number;
  /** A worker that ran this long resets the failure count. */
  stableAfterMs: number;
}

export interface SupervisorOptions {
  launcher: WorkerLauncher;
  settings?: Partial<EngineSettings>;
  cores?: number;
  /** XNNPACK plugin; defaults to the one built at install. */
  delegatePath?: string;
  restart?: Partial<RestartPolicy>;
  /** A running worker silent for this long (no stats heartbeat) is stuck: kill and restart it. */
  watchdogMs?: number;
  /** A starting worker must be ready within this time (model load included). */
  startTimeoutMs?: number;
  statsIntervalMs?: number;
  /** File for the per-model thread calibration; null keeps it in memory only. */
  calibrationFile?: string | null;
  /** Skip calibration (threads stay at 1 per interpreter unless the user sets them). */
  calibrate?: boolean;
  /** Where the capacity line comes from (the bench result), if known. */
  capacity?: () => { ips: number; source: 'bench' | 'calibration' } | null;
  /**
   * Desktop app: makes the port that carries one camera's frames from the renderer to its worker.
   * The returned port is handed to the worker with 'init'.
   */
  createDataPort?: (cameraId: string) => unknown;
  /** Called when a camera's worker is gone for good (removed): close its renderer port. */
  releaseDataPort?: (cameraId: string) => void;
}

export interface SupervisorEvents {
  result: [ResultMessage];
  dropped: [FrameDroppedMessage];
  /** A camera changed state or configuration. */
  change: [CameraStatus];
  removed: [string];
  snapshot: [EngineSnapshot];
  /** Something the operator should know that is not one camera's state. */
  notice: [{ level: 'info' | 'warning' | 'error'; message: string }];
}

export interface AddCameraOptions {
  /** Extra environment for this camera's worker (fault injection in tests). */
  env?: Record<string, string>;
}

const DEFAULT_RESTART: RestartPolicy = {
  initialDelayMs: 250,
  maxDelayMs: 15_000,
  factor: 2,
  maxConsecutiveFailures: 6,
  stableAfterMs: 10_000,
};

const ZERO_STATS: Omit<WorkerStats, 'pid' | 'threads' | 'delegate'> = {
  framesReceived: 0,
  framesInferred: 0,
  framesSkipped: 0,
  framesRejected: 0,
  messagesRejected: 0,
  ips1s: 0,
  ips5s: 0,
  inferP50Ms: 0,
  inferP95Ms: 0,
  endToEndP50Ms: 0,
  endToEndP95Ms: 0,
  rssBytes: 0,
  cpuPercent: 0,
};

type FramePayload = Omit<FrameMessage, 'type' | 'cameraId' | 'frameId' | 'acceptedAt'> & { acceptedAt?: number };

class Camera {
  config: CameraConfig & { id: string };
  modelChoice: string;
  state: CameraState = 'starting';
  error?: string;
  worker: WorkerProcess | null = null;
  modelInfo?: ModelInfo;
  modelPath = '';
  landmarkPath?: string;
  threads = 1;
  delegate: 'xnnpack' | 'none' = 'none';
  restarts = 0;
  consecutiveFailures = 0;
  readyAt = 0;
  lastHeard = 0;
  startedAt = 0;
  restartTimer: NodeJS.Timeout | null = null;
  nextRestartAt?: number;
  stats: WorkerStats | null = null;
  /** Counters of earlier worker lives, so totals survive restarts. */
  carried = { framesReceived: 0, framesInferred: 0, framesSkipped: 0, framesRejected: 0, messagesRejected: 0 };
  /** Malformed messages this supervisor dropped from the worker. */
  rejectedHere = 0;
  nextFrameId = 1;
  gate: CreditGate<FrameMessage>;
  env?: Record<string, string>;
  removing = false;
  /** The worker was stopped on purpose (reconfiguration): its exit is not a crash. */
  expectedExit = false;
  /** Why the supervisor killed the current worker (watchdog, start timeout), for the restart reason. */
  killReason: string | null = null;
  watchdogKill = false;

  constructor(config: CameraConfig & { id: string }, send: (f: FrameMessage) => boolean, maxInFlight: number) {
    this.config = config;
    this.modelChoice = config.model ?? DEFAULT_MODEL;
    this.gate = new CreditGate(send, maxInFlight);
  }
}

export class CameraSupervisor extends EventEmitter<SupervisorEvents> {
  readonly cores: number;
  private settings: EngineSettings;
  private readonly cameras = new Map<string, Camera>();
  private readonly restart: RestartPolicy;
  private readonly watchdogMs: number;
  private readonly startTimeoutMs: number;
  private readonly statsIntervalMs: number;
  private readonly delegatePath: string | undefined;
  private readonly calibrations: CalibrationCache;
  private readonly calibrating = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private nextId = 1;
  private stopped = false;
  /** Set when the XNNPACK plugin crashed a worker while being applied: run without it from then on. */
  private xnnpackBroken: string | null = null;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.cores = options.cores ?? os.availableParallelism();
    this.settings = EngineSettings.parse(options.settings ?? {});
    this.restart = { ...DEFAULT_RESTART, ...options.restart };
    this.watchdogMs = options.watchdogMs ?? 10_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.statsIntervalMs = options.statsIntervalMs ?? 1000;
    this.delegatePath = options.delegatePath ?? xnnpackPluginPath();
    this.calibrations = new CalibrationCache(
      options.calibrationFile === undefined ? path.join(os.homedir(), '.cache', 'multicam-recognition', 'calibration.json') : options.calibrationFile,
    );
    this.timer = setInterval(() => this.tick(), this.statsIntervalMs);
    this.timer.unref();
  }

  // ------------------------------------------------------------------ public API

  listModels(): ModelListEntry[] {
    return listManifestModels();
  }

  getSettings(): EngineSettings {
    return { ...this.settings };
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
    const camera: Camera = new Camera({ ...config, id }, (frame): boolean => this.sendFrame(camera, frame), this.settings.maxInFlight);
    camera.env = options.env;
    this.cameras.set(id, camera);
    this.noteModelPath(camera);
    this.rebalanceThreads(id);
    this.startWorker(camera);
    return id;
  }

  async removeCamera(id: string): Promise<boolean> {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    camera.removing = true;
    this.cameras.delete(id);
    if (camera.restartTimer) clearTimeout(camera.restartTimer);
    const worker = camera.worker;
    camera.worker = null;
    if (worker) {
      worker.postMessage({ type: 'stop' });
      await worker.waitForExit(2000);
    }
    this.options.releaseDataPort?.(id);
    camera.state = 'stopped';
    this.emit('removed', id);
    this.rebalanceThreads();
    return true;
  }

  /** Name and threshold change in place; a new model or fps limit restarts only this worker. */
  updateCamera(id: string, patch: Partial<Omit<CameraConfig, 'id'>>): boolean {
    const camera = this.cameras.get(id);
    if (!camera) return false;
    const modelChanged = patch.model !== undefined && patch.model !== camera.modelChoice;
    const labelsChanged = patch.labels !== undefined && JSON.stringify(patch.labels) !== JSON.stringify(camera.config.labels);
    camera.config = { ...camera.config, ...patch, id };
    if (patch.scoreThreshold !== undefined) camera.worker?.postMessage({ type: 'set-threshold', scoreThreshold: patch.scoreThreshold });
    if (modelChanged) {
      camera.modelChoice = patch.model!;
      this.noteModelPath(camera);
      this.rebalanceThreads(id);
      this.restartPlanned(camera);
    } else if (labelsChanged) this.restartPlanned(camera);
    this.emitChange(camera);
    return true;
  }

  setSettings(patch: Partial<EngineSettings>): EngineSettings {
    const next = EngineSettings.parse({ ...this.settings, ...patch });
    const restartAll = next.delegate !== this.settings.delegate;
    if (restartAll) this.xnnpackBroken = null;
    this.settings = next;
    for (const camera of this.cameras.values()) camera.gate.setMaxInFlight(next.maxInFlight);
    if (restartAll) for (const camera of this.cameras.values()) this.restartPlanned(camera);
    this.rebalanceThreads();
    return this.getSettings();
  }

  /**
   * Offers a frame for a camera (serve mode, tests, bench). It goes out at once if the worker has
   * credit; otherwise it replaces the frame waiting for credit, which counts as skipped.
   * Returns the frame id given to it.
   */
  pushFrame(id: string, payload: FramePayload): number {
    const camera = this.cameras.get(id);
    if (!camera) throw new Error(`no camera ${id}`);
    const frameId = camera.nextFrameId++;
    camera.gate.offer({ ...payload, type: 'frame', cameraId: id, frameId, acceptedAt: payload.acceptedAt ?? Date.now() });
    return frameId;
  }

  status(id: string): CameraStatus | undefined {
    const camera = this.cameras.get(id);
    return camera ? this.describe(camera) : undefined;
  }

  snapshot(): EngineSnapshot {
    const capacity = this.capacity();
    return {
      at: Date.now(),
      cores: this.cores,
      capacityIps: capacity?.ips ?? null,
      capacitySource: capacity?.source ?? 'none',
      cameras: [...this.cameras.values()].map((c) => this.describe(c)),
      settings: this.getSettings(),
    };
  }

  /** The worker process of a camera (tests kill it to prove recovery). */
  workerOf(id: string): WorkerProcess | null {
    return this.cameras.get(id)?.worker ?? null;
  }

  cameraIds(): string[] {
    return [...this.cameras.keys()];
  }

  /** Resolves when the camera is running (or rejects when it lands in error or times out). */
  waitForState(id: string, state: CameraState, timeoutMs = 30_000): Promise<CameraStatus> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const s = this.status(id);
        if (s?.state === state) {
          done();
          resolve(s);
          return true;
        }
        if (!s || (s.state === 'error' && state !== 'error')) {
          done();
          reject(new Error(`camera ${id} is ${s ? `in error: ${s.error}` : 'gone'}`));
          return true;
        }
        return false;
      };
      const onChange = () => void check();
      const timer = setTimeout(() => {
        done();
        reject(new Error(`camera ${id} did not reach ${state} within ${timeoutMs} ms (it is ${this.status(id)?.state})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.off('change', onChange);
        this.off('removed', onChange);
      };
      this.on('change', onChange);
      this.on('removed', onChange);
      check();
    });
  }

  /** Stops every worker and waits for each to exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await Promise.all([...this.cameras.keys()].map((id) => this.removeCamera(id)));
  }

  // ------------------------------------------------------------------ workers

  private startWorker(camera: Camera): void {
    if (this.stopped || camera.removing) return;
    camera.restartTimer = null;
    camera.nextRestartAt = undefined;
    camera.modelInfo = undefined;
    camera.stats = null;
    camera.expectedExit = false;
    camera.killReason = null;
    camera.watchdogKill = false;
    let resolved: ResolvedModel;
    try {
      resolved = resolveModel(camera.modelChoice);
    } catch (err) {
      this.fail(camera, err instanceof ModelNotFoundError ? err.message : String(err));
      return;
    }
    const { path: modelPath, name: modelName } = resolved;
    camera.modelPath = modelPath;
    camera.state = camera.restarts > 0 && camera.state !== 'starting' ? 'restarting' : 'starting';
    // A restart keeps saying why until the worker is running again (or fails for good).
    if (camera.state !== 'restarting') camera.error = undefined;
    camera.startedAt = Date.now();
    camera.lastHeard = Date.now();
    const worker = this.options.launcher.launch({
      cameraId: camera.config.id,
      serviceName: `camera-${camera.config.id}`,
      env: camera.env,
    });
    camera.worker = worker;
    worker.on('message', (data) => this.onWorkerMessage(camera, worker, data));
    worker.on('exit', (code, signal) => this.onWorkerExit(camera, worker, code, signal));

    const config: WorkerConfig = {
      cameraId: camera.config.id,
      modelPath,
      modelName,
      threads: camera.threads,
      delegate: this.effectiveDelegate(),
      delegatePath: this.delegatePath,
      scoreThreshold: camera.config.scoreThreshold ?? findManifestModel(modelName)?.decoder.scoreThreshold ?? 0.5,
      statsIntervalMs: this.statsIntervalMs,
      ...workerModelFields(resolved),
      allowedLabels: camera.config.labels ?? resolved.defaultLabels,
    };
    const port = this.options.createDataPort?.(camera.config.id);
    worker.postMessage({ type: 'init', config }, port ? [port] : undefined);
    this.emitChange(camera);
  }

  private onWorkerMessage(camera: Camera, worker: WorkerProcess, data: unknown): void {
    if (camera.worker !== worker) return;
    camera.lastHeard = Date.now();
    const parsed = parseMessage(WorkerOutbound, data);
    if (!parsed.ok) {
      camera.rejectedHere++;
      if (camera.rejectedHere <= 5) process.stderr.write(`[camera ${camera.config.id}] malformed message from worker dropped: ${parsed.error}\n`);
      return;
    }
    const msg = parsed.value;
    // A worker speaks for its own camera only: a message naming another camera is dropped too.
    if ('cameraId' in msg && msg.cameraId !== camera.config.id) {
      camera.rejectedHere++;
      if (camera.rejectedHere <= 5) process.stderr.write(`[camera ${camera.config.id}] message for camera ${msg.cameraId} from this worker dropped\n`);
      return;
    }
    switch (msg.type) {
      case 'hello':
        break;
      case 'ready':
        // A worker being replaced (new thread count, model or delegate) may still finish loading:
        // its 'ready' describes a configuration that is on its way out.
        if (camera.expectedExit) break;
        camera.state = 'running';
        camera.readyAt = Date.now();
        camera.modelInfo = msg.model;
        camera.delegate = msg.delegate;
        camera.error = undefined;
        camera.gate.reset();
        this.emitChange(camera);
        this.maybeCalibrate(camera);
        break;
      case 'error':
        if (msg.fatal) this.fail(camera, msg.message);
        else process.stderr.write(`[camera ${camera.config.id}] ${msg.message}\n`);
        break;
      case 'stats':
        camera.stats = msg.stats;
        break;
      case 'result':
        camera.gate.release();
        this.emit('result', msg);
        break;
      case 'frame-dropped':
        camera.gate.release();
        this.emit('dropped', msg);
        break;
      case 'calibration':
        break;
    }
  }

  private onWorkerExit(camera: Camera, worker: WorkerProcess, code: number | null, signal: string | null): void {
    if (camera.worker !== worker) return;
    camera.worker = null;
    this.carry(camera);
    if (camera.removing || this.stopped) return;
    if (camera.state === 'error') return;
    if (camera.expectedExit) {
      this.startWorker(camera);
      return;
    }
    const becameReady = camera.readyAt > camera.startedAt;
    if (!becameReady && signal === 'SIGSEGV' && this.effectiveDelegate() === 'xnnpack') {
      // tfjs-tflite-node crashes (rather than throwing) when an external delegate cannot be
      // loaded. Fall back to the plain interpreter for every camera and say so.
      this.xnnpackBroken = `the XNNPACK plugin ${this.delegatePath} crashed a worker while loading; running without a delegate`;
      this.emit('notice', { level: 'warning', message: this.xnnpackBroken });
      process.stderr.write(`${this.xnnpackBroken}\n`);
      this.startWorker(camera);
      return;
    }
    // A worker the watchdog killed was stuck, not running: only the time it was heard counts, and a
    // hang resets the failure count only after a long healthy run, so a watchdog loop ends in error
    // like a crash loop.
    const ranFor = !becameReady ? 0 : camera.watchdogKill ? camera.lastHeard - camera.readyAt : Date.now() - camera.readyAt;
    const stableAfter = camera.watchdogKill ? this.restart.stableAfterMs * this.restart.maxConsecutiveFailures : this.restart.stableAfterMs;
    if (ranFor >= stableAfter) camera.consecutiveFailures = 0;
    camera.consecutiveFailures++;
    camera.restarts++;
    const exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    const why = camera.killReason ? `${camera.killReason} (worker ${exit})` : `worker ${exit}`;
    const lastLine = worker.recentStderr.at(-1);
    if (camera.consecutiveFailures >= this.restart.maxConsecutiveFailures) {
      this.fail(
        camera,
        `${why}; it failed ${camera.consecutiveFailures} times in a row, so it is not restarted again${lastLine ? ` (last output: ${lastLine})` : ''}`,
      );
      return;
    }
    const delay = Math.min(this.restart.maxDelayMs, this.restart.initialDelayMs * Math.pow(this.restart.factor, camera.consecutiveFailures - 1));
    camera.state = 'restarting';
    camera.error = `${why}; restart ${camera.consecutiveFailures} of at most ${this.restart.maxConsecutiveFailures - 1} in a row`;
    camera.nextRestartAt = Date.now() + delay;
    camera.gate.reset();
    camera.restartTimer = setTimeout(() => this.startWorker(camera), delay);
    this.emitChange(camera);
  }

  /** Puts a camera in the error state: its worker is stopped and not restarted. */
  private fail(camera: Camera, message: string): void {
    camera.state = 'error';
    camera.error = message;
    if (camera.restartTimer) clearTimeout(camera.restartTimer);
    camera.restartTimer = null;
    camera.nextRestartAt = undefined;
    const worker = camera.worker;
    camera.worker = null;
    if (worker) {
      this.carry(camera);
      worker.kill('SIGKILL');
    }
    this.emitChange(camera);
  }

  /** Stop and start one worker on purpose (new model, thread count or delegate). */
  private restartPlanned(camera: Camera): void {
    if (camera.restartTimer) {
      clearTimeout(camera.restartTimer);
      camera.restartTimer = null;
    }
    camera.consecutiveFailures = 0;
    if (camera.worker) {
      camera.expectedExit = true;
      camera.state = 'starting';
      camera.worker.postMessage({ type: 'stop' });
      const worker = camera.worker;
      setTimeout(() => worker.kill('SIGKILL'), 2000).unref();
    } else {
      camera.state = 'starting';
      this.startWorker(camera);
    }
  }

  private carry(camera: Camera): void {
    if (!camera.stats) return;
    for (const key of Object.keys(camera.carried) as Array<keyof Camera['carried']>) camera.carried[key] += camera.stats[key];
    camera.stats = null;
  }

  private sendFrame(camera: Camera, frame: FrameMessage): boolean {
    if (camera.state !== 'running' || !camera.worker) return false;
    return camera.worker.postMessage(frame);
  }

  private effectiveDelegate(): 'xnnpack' | 'none' {
    return this.settings.delegate === 'xnnpack' && !this.xnnpackBroken ? 'xnnpack' : 'none';
  }

  // ------------------------------------------------------------------ threads

  /** Re-applies the thread budget; workers whose share changed restart with the new count. */
  private rebalanceThreads(justAdded?: string): void {
    const count = this.cameras.size;
    for (const camera of this.cameras.values()) {
      const calibration = this.calibrations.get(CalibrationCache.key(this.modelKey(camera), this.effectiveDelegate(), this.cores));
      const threads = threadsPerInterpreter({ cameras: count, cores: this.cores, userThreads: this.settings.threadsPerInterpreter, calibration });
      if (threads === camera.threads) continue;
      camera.threads = threads;
      if (camera.config.id !== justAdded && (camera.worker || camera.state === 'starting')) this.restartPlanned(camera);
    }
  }

  /** Resolve the model early, so the thread budget finds its calibration before the first start. */
  private noteModelPath(camera: Camera): void {
    try {
      const resolved = resolveModel(camera.modelChoice);
      camera.modelPath = resolved.path;
      camera.landmarkPath = resolved.landmarkPath;
    } catch {
      camera.modelPath = ''; // startWorker reports the problem
    }
  }

  private modelKey(camera: Camera): string {
    return camera.modelPath || camera.modelChoice;
  }

  /** With cores to spare, measure once whether more threads help this model; cached per model. */
  private maybeCalibrate(camera: Camera): void {
    if (this.options.calibrate === false || this.settings.threadsPerInterpreter !== 'auto') return;
    if (this.cameras.size >= this.cores) return;
    const key = CalibrationCache.key(this.modelKey(camera), this.effectiveDelegate(), this.cores);
    if (this.calibrations.get(key) || this.calibrating.has(key)) return;
    this.calibrating.add(key);
    const worker = this.options.launcher.launch({ cameraId: camera.config.id, serviceName: `calibrate-${camera.config.id}` });
    const finish = () => this.calibrating.delete(key);
    worker.on('message', (data) => {
      const parsed = parseMessage(WorkerOutbound, data);
      if (parsed.ok && parsed.value.type === 'calibration') {
        this.calibrations.set(key, parsed.value.delegate, this.cores, parsed.value.results);
        this.rebalanceThreads();
      }
    });
    worker.on('exit', finish);
    worker.postMessage({
      type: 'calibrate',
      modelPath: camera.modelPath,
      modelName: camera.modelInfo?.name ?? camera.modelChoice,
      landmarkModelPath: camera.landmarkPath,
      delegate: this.effectiveDelegate(),
      delegatePath: this.delegatePath,
      threadCounts: calibrationThreadCounts(this.cores),
      durationMs: 400,
    });
  }

  /** Aggregate capacity for the capacity line: the bench result, else calibration x cores. */
  private capacity(): { ips: number; source: 'bench' | 'calibration' } | null {
    const fromOption = this.options.capacity?.();
    if (fromOption) return fromOption;
    for (const camera of this.cameras.values()) {
      const points = this.calibrations.get(CalibrationCache.key(this.modelKey(camera), this.effectiveDelegate(), this.cores));
      const single = points?.find((p) => p.threads === 1);
      if (single) return { ips: single.ips * this.cores, source: 'calibration' };
    }
    return null;
  }

  // ------------------------------------------------------------------ status

  private tick(): void {
    const now = Date.now();
    for (const camera of this.cameras.values()) {
      const worker = camera.worker;
      if (!worker) continue;
      if (camera.killReason) continue;
      if (camera.state === 'running' && now - camera.lastHeard > this.watchdogMs) {
        camera.killReason = `watchdog: no heartbeat for ${now - camera.lastHeard} ms`;
        camera.watchdogKill = true;
      } else if ((camera.state === 'starting' || camera.state === 'restarting') && now - camera.startedAt > this.startTimeoutMs) {
        camera.killReason = `not ready ${Math.round((now - camera.startedAt) / 1000)} s after start`;
      } else {
        continue;
      }
      process.stderr.write(`[camera ${camera.config.id}] ${camera.killReason}; restarting the worker\n`);
      worker.kill('SIGKILL');
    }
    if (this.cameras.size > 0 || this.listenerCount('snapshot') > 0) this.emit('snapshot', this.snapshot());
  }

  private describe(camera: Camera): CameraStatus {
    const s = camera.stats ?? { ...ZERO_STATS, pid: camera.worker?.pid ?? 0, threads: camera.threads, delegate: camera.delegate };
    const live = camera.state === 'running';
    return {
      id: camera.config.id,
      name: camera.config.name,
      state: camera.state,
      error: camera.error,
      source: camera.config.source,
      model: camera.modelChoice,
      modelInfo: camera.modelInfo,
      scoreThreshold: camera.config.scoreThreshold ?? findManifestModel(camera.modelInfo?.name ?? camera.modelChoice)?.decoder.scoreThreshold ?? 0.5,
      maxFps: camera.config.maxFps,
      pid: camera.worker?.pid ?? null,
      threads: camera.threads,
      delegate: camera.delegate,
      restarts: camera.restarts,
      ips1s: live ? s.ips1s : 0,
      ips5s: live ? s.ips5s : 0,
      inferP50Ms: s.inferP50Ms,
      inferP95Ms: s.inferP95Ms,
      endToEndP50Ms: s.endToEndP50Ms,
      endToEndP95Ms: s.endToEndP95Ms,
      framesReceived: camera.carried.framesReceived + s.framesReceived,
      framesInferred: camera.carried.framesInferred + s.framesInferred,
      framesSkipped: camera.carried.framesSkipped + s.framesSkipped + camera.gate.skipped,
      framesRejected: camera.carried.framesRejected + s.framesRejected,
      messagesRejected: camera.carried.messagesRejected + s.messagesRejected + camera.rejectedHere,
      rssBytes: s.rssBytes,
      cpuPercent: s.cpuPercent,
      stageP50Ms: s.stageP50Ms,
      nextRestartAt: camera.nextRestartAt,
    };
  }

  private emitChange(camera: Camera): void {
    this.emit('change', this.describe(camera));
  }
}
