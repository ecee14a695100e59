/**
 * The status view of a camera: what the supervisor knows merged with the worker's own counters.
 * Totals include earlier worker lives; rates are zero while the camera is not running.
 */
import { findManifestModel } from '../shared/models';
import type { CameraStatus } from '../shared/contracts/engine-api';
import type { WorkerStats } from '../shared/contracts/worker';
import type { Camera } from './camera';
import { cameraStateWithSource, redactSource, sourceStatusFields } from './engine-sources';

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

/** The threshold in force: the camera's own, else the model's default, else 0.5. */
export function scoreThresholdOf(camera: Camera): number {
  return camera.config.scoreThreshold ?? findManifestModel(camera.modelInfo?.name ?? camera.modelChoice)?.decoder.scoreThreshold ?? 0.5;
}

export function describeCamera(camera: Camera): CameraStatus {
  const s = camera.stats ?? { ...ZERO_STATS, pid: camera.worker?.pid ?? 0, threads: camera.threads, delegate: camera.delegate };
  const live = camera.state === 'running';
  // An engine-side camera whose ffmpeg has no picture shows the source's state and reason.
  const view = cameraStateWithSource(camera.state, camera.error, camera.source);
  return {
    id: camera.id,
    name: camera.config.name,
    state: view.state,
    error: view.error,
    source: redactSource(camera.config.source),
    model: camera.modelChoice,
    modelInfo: camera.modelInfo,
    scoreThreshold: scoreThresholdOf(camera),
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
    framesSkipped: camera.carried.framesSkipped + s.framesSkipped,
    framesRejected: camera.carried.framesRejected + s.framesRejected,
    messagesRejected: camera.carried.messagesRejected + s.messagesRejected + camera.rejectedHere,
    rssBytes: s.rssBytes,
    cpuPercent: s.cpuPercent,
    stageP50Ms: s.stageP50Ms,
    labels: camera.config.labels,
    nextRestartAt: camera.nextRestartAt,
    ...sourceStatusFields(camera.stats?.source),
  };
}
