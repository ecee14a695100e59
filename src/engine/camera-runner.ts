/**
 * Runs one camera: launches its worker processes one after another, reads what each says, kills a
 * stuck one, and tells the camera (camera.ts) what happened; what a worker's end means is the
 * restart policy's decision (restart-policy.ts). It owns the camera's current worker process and
 * its restart timer, and reports to the supervisor through its events.
 */
import { EventEmitter } from 'node:events';
import type { DelegateName, EngineSettings } from '../shared/contracts/config';
import { parseMessage, type FrameDroppedMessage, type ResultMessage, type SnapshotRequestMessage } from '../shared/contracts/frames';
import { WorkerOutbound, type WorkerConfig } from '../shared/contracts/worker';
import type { LiveViewMessage } from '../shared/contracts/live';
import type { SegmentMessage } from '../shared/contracts/recording';
import { DEFAULT_EVENT_FILTERS, type TrackMessage } from '../shared/contracts/events';
import type { CameraStatus } from '../shared/contracts/engine-api';
import type { Camera } from './camera';
import { ffmpegInfo, workerSourceConfig } from './engine-sources';
import type { WorkerLauncher, WorkerProcess } from './launcher';
import type { Logger } from './logger';
import { ModelNotFoundError, resolveModel, workerModelFields, type ResolvedModel } from './paths';
import { decideAfterExit, stuckReason, type RestartPolicy } from './restart-policy';
import type { StartGate } from './start-gate';
import { describeCamera, eventThresholdOf, scoreThresholdOf } from './status';
import { labelKey } from '../shared/labels';

/** What every camera's runner shares: set once by the supervisor, plus three questions about the engine now. */
export interface RunnerDeps {
  readonly launcher: WorkerLauncher;
  /** The supervisor's logger; each camera logs through a child of it. */
  readonly log: Logger;
  readonly restart: RestartPolicy;
  readonly statsIntervalMs: number;
  /** A running worker silent this long is stuck: killed and restarted. */
  readonly watchdogMs: number;
  /** A starting worker not ready after this long is stuck loading. */
  readonly startTimeoutMs: number;
  readonly delegatePath: string | undefined;
  /** How many workers may load at once; a start past it waits its turn. */
  readonly gate: StartGate;
  /** Workers track detections into events. */
  readonly events: boolean;
  /** Desktop app: the port that carries the camera's frames from the renderer to its worker. */
  readonly createDataPort?: (cameraId: string) => unknown;
  settings(): EngineSettings;
  /** The delegate workers start with now. */
  delegate(): DelegateName;
  /** Whether anyone watches the live view (workers send previews only then). */
  previewsWatched(): boolean;
  /** DATA/recordings, where engine-side cameras record; undefined: nothing is recorded. */
  recordingsDir(): string | undefined;
}

export interface RunnerEvents {
  /** The camera's state or configuration changed. */
  change: [];
  /** Its worker is ready and running. */
  ready: [];
  /** A result or drop notice for one of its frames, already validated. */
  reply: [ResultMessage | FrameDroppedMessage];
  track: [TrackMessage];
  /** Its worker asks the page that sent its frames for a picture. */
  'snapshot-request': [SnapshotRequestMessage];
  /** Its ffmpeg closed a recording segment (validated). */
  segment: [SegmentMessage];
  /** A live-view message for watching pages (a JPEG preview, or the copied video's init, fragments and results). */
  preview: [LiveViewMessage];
  /** Its worker is gone (frames in flight will not come back). */
  gone: [];
  /** Its worker crashed in native code while loading with XNNPACK; it is started again once the listeners ran. */
  'delegate-crashed': [];
}

/** Exit signals (and Electron's 'crashed' reason) that mean native code crashed. */
const NATIVE_CRASH = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGABRT', 'crashed']);

/** A worker asked to stop on purpose gets this long before it is killed. */
const STOP_GRACE_MS = 2000;

export class CameraRunner extends EventEmitter<RunnerEvents> {
  private worker: WorkerProcess | null = null;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly camera: Camera,
    private readonly deps: RunnerDeps,
  ) {
    super();
  }

  get id(): string {
    return this.camera.id;
  }

  get hasWorker(): boolean {
    return this.worker !== null;
  }

  /** The logger for records about this camera: its id and, while it has one, its worker's pid. */
  log(): Logger {
    const pid = this.worker?.pid;
    return this.deps.log.child(pid === undefined ? { camera: this.id } : { camera: this.id, pid });
  }

  status(): CameraStatus {
    return describeCamera(this.camera.view(), this.worker?.pid);
  }

  /** Starts a worker when the start gate has a slot (at once, or when another's load ends). */
  start(): void {
    if (this.camera.ending) return;
    this.deps.gate.request(this.id, () => this.launch());
  }

  /** Stop and start the worker on purpose (new model, thread count or delegate). */
  restartPlanned(): void {
    this.clearRestartTimer();
    const worker = this.worker;
    if (!this.camera.restartPlanned() || !worker) return this.start();
    worker.postMessage({ type: 'stop' });
    setTimeout(() => worker.kill('SIGKILL'), STOP_GRACE_MS).unref();
  }

  /** Applies a configuration change: in place where the worker can take it, else as the camera says (see Camera.update). */
  reconfigure(patch: Parameters<Camera['update']>[0]): 'model' | 'restart' | 'none' {
    const change = this.camera.update(patch);
    if (patch.scoreThreshold !== undefined || patch.labelThresholds !== undefined) {
      const { config } = this.camera;
      this.worker?.postMessage({ type: 'set-threshold', scoreThreshold: scoreThresholdOf(this.camera.view()), labelThresholds: config.labelThresholds ?? {} });
    }
    if (patch.events !== undefined) this.worker?.postMessage({ type: 'set-event-filters', filters: patch.events });
    return change;
  }

  /** Stops the camera for good: its worker is asked to stop and waited for. */
  async remove(): Promise<void> {
    this.camera.stopping();
    this.deps.gate.release(this.id);
    this.clearRestartTimer();
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.postMessage({ type: 'stop' });
      await worker.waitForExit(STOP_GRACE_MS);
    }
    this.camera.stopped();
  }

  /** The watchdog: kills a worker silent while running, or not ready long after its launch. */
  watchdog(now: number): void {
    const stuck = stuckReason(this.camera.watched(), now, this.deps.watchdogMs, this.deps.startTimeoutMs);
    if (!stuck || !this.worker) return;
    this.camera.killing(stuck);
    this.log().warn(`${stuck.reason}; restarting the worker`);
    this.worker.kill('SIGKILL');
  }

  /** Hands bytes to the running worker (see CameraSupervisor.forwardFrame); false without one. */
  forward(bytes: Uint8Array, type: 'frame-bytes' | 'track-snapshot-bytes'): boolean {
    const worker = this.worker;
    if (this.camera.state !== 'running' || !worker) return false;
    // A frame's pixels go through a frame slot when one is free (frame-slots.ts).
    const slot = type === 'frame-bytes' ? worker.frameSlots?.write(bytes) : null;
    if (slot) return worker.postMessage({ type: 'frame-slot', ...slot });
    return worker.postMessage({ type, data: bytes });
  }

  /** Desktop: a new frame port for the running worker, or its port taken away (null). */
  handDataPort(port: unknown): boolean {
    if (!this.worker?.alive) return false;
    return this.worker.postMessage({ type: 'data-port' }, port ? [port] : undefined);
  }

  watchPreviews(on: boolean): void {
    if (this.camera.hasSource) this.worker?.postMessage({ type: 'preview-subscribe', on });
  }

  // ------------------------------------------------------------------ one worker's life

  private launch(): void {
    if (!this.camera.canLaunch || this.worker) return this.deps.gate.release(this.id);
    let resolved: ResolvedModel;
    try {
      resolved = resolveModel(this.camera.modelChoice);
    } catch (err) {
      return this.fail(err instanceof ModelNotFoundError ? err.message : String(err));
    }
    const settings = this.deps.settings();
    const source = workerSourceConfig(this.camera.config, settings, () => ffmpegInfo(settings.ffmpegPath), this.deps.recordingsDir());
    if (source && 'error' in source) return this.fail(source.error);
    this.camera.launched(Date.now(), resolved, Boolean(source));
    const worker = this.deps.launcher.launch({ cameraId: this.id, serviceName: `camera-${this.id}`, env: this.camera.env });
    this.worker = worker;
    this.logStderr(worker);
    worker.on('message', (data) => this.onMessage(worker, data));
    worker.on('exit', (code, signal) => this.onExit(worker, code, signal));
    const port = this.deps.createDataPort?.(this.id);
    worker.postMessage({ type: 'init', config: this.workerConfig(resolved, source) }, port ? [port] : undefined);
    this.emit('change');
  }

  private workerConfig(resolved: ResolvedModel, source: WorkerConfig['source']): WorkerConfig {
    const { camera, deps } = this;
    return {
      cameraId: camera.id,
      modelPath: resolved.path,
      modelName: resolved.name,
      threads: camera.threads,
      delegate: deps.delegate(),
      delegatePath: deps.delegatePath,
      scoreThreshold: scoreThresholdOf(camera.view()),
      statsIntervalMs: deps.statsIntervalMs,
      ...workerModelFields(resolved),
      allowedLabels: camera.config.labels ?? resolved.defaultLabels,
      ...(camera.config.labelThresholds ? { labelThresholds: camera.config.labelThresholds } : {}),
      source,
      ...(deps.events
        ? { events: { filters: camera.config.events ?? DEFAULT_EVENT_FILTERS, defaultLabel: labelKey(resolved.defaultLabels?.[0] ?? 'object'), threshold: eventThresholdOf(camera.view()) } }
        : {}),
    };
  }

  /** The worker's stderr (its own lines and its ffmpeg's) is logged as the camera's; the prefix the worker writes is in the record's fields instead. */
  private logStderr(worker: WorkerProcess): void {
    const log = this.log();
    const own = `[camera ${this.id}] `;
    const ffmpeg = `[camera ${this.id} ffmpeg] `;
    worker.on('stderr', (line) => {
      if (line.startsWith(ffmpeg)) log.info({ from: 'ffmpeg' }, line.slice(ffmpeg.length));
      else log.info(line.startsWith(own) ? line.slice(own.length) : line);
    });
  }

  /** In error for good: the worker is killed and not restarted. */
  private fail(message: string): void {
    this.camera.failed(message);
    this.clearRestartTimer();
    const worker = this.worker;
    this.worker = null;
    worker?.kill('SIGKILL');
    this.emit('change');
    this.deps.gate.release(this.id);
  }

  private onMessage(worker: WorkerProcess, data: unknown): void {
    if (this.worker !== worker) return;
    const { camera } = this;
    camera.heard(Date.now());
    const parsed = parseMessage(WorkerOutbound, data);
    // A worker speaks for its own camera only: a message naming another camera is dropped too.
    const about = !parsed.ok ? camera.id : parsed.value.type === 'track' ? parsed.value.track.cameraId : 'cameraId' in parsed.value ? parsed.value.cameraId : camera.id;
    if (!parsed.ok || about !== camera.id) {
      const why = parsed.ok ? `message for camera ${about} from this worker dropped` : `malformed message from worker dropped: ${parsed.error}`;
      if (camera.rejected() <= 5) this.log().warn(why);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ready':
        // A worker being replaced (new thread count, model or delegate) may still finish loading.
        if (camera.replacing) return this.deps.gate.release(camera.id);
        if (!camera.loading) return; // said twice: it is running already
        camera.ready(Date.now(), msg.model, msg.delegate);
        this.emit('change');
        // Its load is over: the next camera waiting may start.
        this.deps.gate.release(camera.id);
        this.emit('ready');
        if (camera.hasSource && this.deps.previewsWatched()) worker.postMessage({ type: 'preview-subscribe', on: true });
        return;
      case 'source-state':
        camera.sourceReported(msg.state, msg.reason);
        this.emit('change');
        return;
      case 'preview':
      case 'live-init':
      case 'live-media':
      case 'live-result':
        this.emit('preview', msg);
        return;
      case 'error':
        if (msg.fatal) this.fail(msg.message);
        else this.log().warn(msg.message);
        return;
      case 'stats':
        camera.statsReported(msg.stats);
        return;
      case 'result':
      case 'frame-dropped':
        if (msg.slotsRead !== undefined) {
          worker.frameSlots?.released(msg.slotsRead);
          delete msg.slotsRead;
        }
        this.emit('reply', msg);
        return;
      case 'results':
        for (const result of msg.results) {
          if (result.cameraId === camera.id) this.emit('reply', result);
          else camera.rejected();
        }
        return;
      case 'track':
        this.emit('track', msg);
        return;
      case 'snapshot-request':
        this.emit('snapshot-request', msg);
        return;
      case 'segment':
        this.emit('segment', msg);
        return;
      default:
        return;
    }
  }

  private onExit(worker: WorkerProcess, code: number | null, signal: string | null): void {
    if (this.worker !== worker) return;
    const { camera } = this;
    this.worker = null;
    this.deps.gate.release(camera.id);
    if (camera.replacing) {
      camera.replaced();
      this.emit('gone');
      return this.start();
    }
    if (!camera.becameReady && signal && NATIVE_CRASH.has(signal) && this.deps.delegate() === 'xnnpack') {
      camera.lostWhileLoading();
      this.emit('gone');
      this.emit('delegate-crashed');
      return this.start();
    }
    const now = Date.now();
    const decision = decideAfterExit(this.deps.restart, camera.endedLife(), { code, signal, lastLine: worker.recentStderr.at(-1) }, now);
    camera.crashed(decision, now);
    this.emit('gone');
    if (decision.action === 'restart') {
      this.restartTimer = setTimeout(() => {
        this.restartTimer = null;
        this.start();
      }, decision.delayMs);
    }
    this.emit('change');
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }
}
