/**
 * One worker life of one camera: start it with its configuration, read what it says, and decide
 * what its end means (restart after a backoff, fall back from a crashing delegate, or stay in
 * error). The supervisor provides the context; this module holds no state of its own.
 */
import type { SegmentMessage } from '../shared/contracts/recording';
import type { DelegateName } from '../shared/contracts/config';
import { parseMessage, type FrameDroppedMessage, type ResultMessage, type SnapshotRequestMessage } from '../shared/contracts/frames';
import { WorkerOutbound, type WorkerConfig } from '../shared/contracts/worker';
import type { LiveViewMessage } from '../shared/contracts/live';
import { DEFAULT_EVENT_FILTERS, type TrackMessage } from '../shared/contracts/events';
import type { Camera } from './camera';
import type { WorkerLauncher, WorkerProcess } from './launcher';
import type { Logger } from './logger';
import { ModelNotFoundError, resolveModel, workerModelFields, type ResolvedModel } from './paths';
import { decideAfterExit, type RestartPolicy } from './restart-policy';
import type { StartGate } from './start-gate';
import { eventThresholdOf, scoreThresholdOf } from './status';
import { labelKey } from '../shared/labels';

export interface WorkerLifeContext {
  readonly launcher: WorkerLauncher;
  /** The supervisor's logger; each camera gets a child of it (cameraLog). */
  readonly log: Logger;
  readonly restart: RestartPolicy;
  readonly statsIntervalMs: number;
  readonly delegatePath: string | undefined;
  /** How many workers may load at once; a start past it waits its turn. */
  readonly gate: StartGate;
  /** Workers track detections into events. */
  readonly events: boolean;
  /** The engine is stopping: start nothing more. */
  stopped(): boolean;
  delegate(): DelegateName;
  createDataPort?(cameraId: string): unknown;
  /** The worker is ready and running. */
  ready(camera: Camera): void;
  /** A result or drop notice from the worker, already validated. */
  frameReply(camera: Camera, message: ResultMessage | FrameDroppedMessage): void;
  /** A track message from the worker, already validated. */
  track(camera: Camera, message: TrackMessage): void;
  /** A closed recording segment from the worker (already validated). */
  segment(camera: Camera, message: SegmentMessage): void;
  /** The worker asks the page that sent its frames for a picture (already validated). */
  snapshotRequest(camera: Camera, message: SnapshotRequestMessage): void;
  /** The worker is gone (its frames in flight will not come back). */
  gone(camera: Camera): void;
  /** A worker crashed in native code before it was ready; true if the context handled it. */
  crashedWhileLoading(camera: Camera): boolean;
  changed(camera: Camera): void;
  /** An engine-side camera's source for its worker, or why it cannot have one (no ffmpeg). */
  sourceConfig(camera: Camera): WorkerConfig['source'] | { error: string };
  /** Whether anyone watches the live view (the worker sends previews only then). */
  previewsWatched(): boolean;
  preview(camera: Camera, message: LiveViewMessage): void;
}

/** Exit signals (and Electron's 'crashed' reason) that mean native code crashed. */
const NATIVE_CRASH = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGABRT', 'crashed']);

/** The logger for records about this camera: its id and, while it has one, its worker's pid. */
export function cameraLog(ctx: WorkerLifeContext, camera: Camera): Logger {
  const pid = camera.worker?.pid;
  return ctx.log.child(pid === undefined ? { camera: camera.id } : { camera: camera.id, pid });
}

/** Starts the camera's worker when the start gate has a slot (at once, or when another's load ends). */
export function startWorker(ctx: WorkerLifeContext, camera: Camera): void {
  if (ctx.stopped() || camera.removing) return;
  ctx.gate.request(camera.id, () => launchWorker(ctx, camera));
}

function launchWorker(ctx: WorkerLifeContext, camera: Camera): void {
  if (ctx.stopped() || camera.removing || camera.state === 'error' || camera.worker) return ctx.gate.release(camera.id);
  camera.resetForStart(Date.now());
  let resolved: ResolvedModel;
  try {
    resolved = resolveModel(camera.modelChoice);
  } catch (err) {
    failCamera(ctx, camera, err instanceof ModelNotFoundError ? err.message : String(err));
    return;
  }
  const source = ctx.sourceConfig(camera);
  if (source && 'error' in source) return failCamera(ctx, camera, source.error);
  camera.source = source ? { state: 'connecting', reason: null } : null;
  camera.modelPath = resolved.path;
  camera.landmarkPath = resolved.landmarkPath;
  camera.state = camera.restarts > 0 && camera.state !== 'starting' ? 'restarting' : 'starting';
  // A restart keeps saying why until the worker is running again (or fails for good).
  if (camera.state !== 'restarting') camera.error = undefined;
  const worker = ctx.launcher.launch({ cameraId: camera.id, serviceName: `camera-${camera.id}`, env: camera.env });
  camera.worker = worker;
  // The worker's stderr (its own lines and its ffmpeg's) is logged as the camera's; the camera
  // prefix the worker writes is in the record's fields instead.
  const log = cameraLog(ctx, camera);
  const own = `[camera ${camera.id}] `;
  const ffmpeg = `[camera ${camera.id} ffmpeg] `;
  worker.on('stderr', (line) => {
    if (line.startsWith(ffmpeg)) log.info({ from: 'ffmpeg' }, line.slice(ffmpeg.length));
    else log.info(line.startsWith(own) ? line.slice(own.length) : line);
  });
  worker.on('message', (data) => onMessage(ctx, camera, worker, data));
  worker.on('exit', (code, signal) => onExit(ctx, camera, worker, code, signal));
  const config: WorkerConfig = {
    cameraId: camera.id,
    modelPath: resolved.path,
    modelName: resolved.name,
    threads: camera.threads,
    delegate: ctx.delegate(),
    delegatePath: ctx.delegatePath,
    scoreThreshold: scoreThresholdOf(camera),
    statsIntervalMs: ctx.statsIntervalMs,
    ...workerModelFields(resolved),
    allowedLabels: camera.config.labels ?? resolved.defaultLabels,
    ...(camera.config.labelThresholds ? { labelThresholds: camera.config.labelThresholds } : {}),
    source,
    ...(ctx.events ? { events: { filters: camera.config.events ?? DEFAULT_EVENT_FILTERS, defaultLabel: labelKey(resolved.defaultLabels?.[0] ?? 'object'), threshold: eventThresholdOf(camera) } } : {}),
  };
  const port = ctx.createDataPort?.(camera.id);
  worker.postMessage({ type: 'init', config }, port ? [port] : undefined);
  ctx.changed(camera);
}

/** Puts a camera in the error state: its worker is stopped and not restarted. */
export function failCamera(ctx: WorkerLifeContext, camera: Camera, message: string): void {
  camera.state = 'error';
  camera.error = message;
  camera.clearRestartTimer();
  const worker = camera.worker;
  camera.worker = null;
  if (worker) {
    camera.carry();
    worker.kill('SIGKILL');
  }
  ctx.changed(camera);
  ctx.gate.release(camera.id);
}

/** Stop and start one worker on purpose (new model, thread count or delegate). */
export function restartPlanned(ctx: WorkerLifeContext, camera: Camera): void {
  camera.clearRestartTimer();
  camera.consecutiveFailures = 0;
  camera.state = 'starting';
  const worker = camera.worker;
  if (!worker) return startWorker(ctx, camera);
  camera.expectedExit = true;
  worker.postMessage({ type: 'stop' });
  setTimeout(() => worker.kill('SIGKILL'), 2000).unref();
}

function onMessage(ctx: WorkerLifeContext, camera: Camera, worker: WorkerProcess, data: unknown): void {
  if (camera.worker !== worker) return;
  camera.lastHeard = Date.now();
  const parsed = parseMessage(WorkerOutbound, data);
  // A worker speaks for its own camera only: a message naming another camera is dropped too.
  const about = !parsed.ok ? camera.id : parsed.value.type === 'track' ? parsed.value.track.cameraId : 'cameraId' in parsed.value ? parsed.value.cameraId : camera.id;
  if (!parsed.ok || about !== camera.id) {
    camera.rejectedHere++;
    const why = parsed.ok ? `message for camera ${about} from this worker dropped` : `malformed message from worker dropped: ${parsed.error}`;
    if (camera.rejectedHere <= 5) cameraLog(ctx, camera).warn(why);
    return;
  }
  const msg = parsed.value;
  switch (msg.type) {
    case 'ready':
      // A worker being replaced (new thread count, model or delegate) may still finish loading.
      if (camera.expectedExit) {
        ctx.gate.release(camera.id);
        break;
      }
      camera.state = 'running';
      camera.readyAt = Date.now();
      camera.modelInfo = msg.model;
      camera.delegate = msg.delegate;
      camera.error = undefined;
      ctx.changed(camera);
      // Its load is over: the next camera waiting may start.
      ctx.gate.release(camera.id);
      ctx.ready(camera);
      if (camera.source && ctx.previewsWatched()) worker.postMessage({ type: 'preview-subscribe', on: true });
      break;
    case 'source-state':
      camera.source = { state: msg.state, reason: msg.reason };
      ctx.changed(camera);
      break;
    case 'preview':
    case 'live-init':
    case 'live-media':
    case 'live-result':
      ctx.preview(camera, msg);
      break;
    case 'error':
      if (msg.fatal) failCamera(ctx, camera, msg.message);
      else cameraLog(ctx, camera).warn(msg.message);
      break;
    case 'stats':
      camera.stats = msg.stats;
      break;
    case 'result':
    case 'frame-dropped':
      if (msg.slotsRead !== undefined) {
        worker.frameSlots?.released(msg.slotsRead);
        delete msg.slotsRead;
      }
      ctx.frameReply(camera, msg);
      break;
    case 'results':
      for (const result of msg.results) {
        if (result.cameraId === camera.id) ctx.frameReply(camera, result);
        else camera.rejectedHere++;
      }
      break;
    case 'track':
      ctx.track(camera, msg);
      break;
    case 'snapshot-request':
      ctx.snapshotRequest(camera, msg);
      break;
    case 'segment':
      ctx.segment(camera, msg);
      break;
    default:
      break;
  }
}

function onExit(ctx: WorkerLifeContext, camera: Camera, worker: WorkerProcess, code: number | null, signal: string | null): void {
  if (camera.worker !== worker) return;
  camera.worker = null;
  ctx.gate.release(camera.id);
  camera.carry();
  ctx.gone(camera);
  if (camera.removing || ctx.stopped() || camera.state === 'error') return;
  if (camera.expectedExit) return startWorker(ctx, camera);
  const becameReady = camera.readyAt > camera.startedAt;
  if (!becameReady && signal && NATIVE_CRASH.has(signal) && ctx.delegate() === 'xnnpack' && ctx.crashedWhileLoading(camera)) return;
  const decision = decideAfterExit(ctx.restart, camera, { code, signal, lastLine: worker.recentStderr.at(-1) }, Date.now());
  camera.consecutiveFailures = decision.consecutiveFailures;
  camera.restarts++;
  if (decision.action === 'fail') return failCamera(ctx, camera, decision.message);
  camera.state = 'restarting';
  camera.error = decision.reason;
  camera.nextRestartAt = Date.now() + decision.delayMs;
  camera.restartTimer = setTimeout(() => startWorker(ctx, camera), decision.delayMs);
  ctx.changed(camera);
}
