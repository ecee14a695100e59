/**
 * The status view of a camera: what the supervisor knows merged with the worker's own counters.
 * Totals include earlier worker lives; rates are zero while the camera is not running.
 */
import { findManifestModel } from '../shared/models';
import type { CameraStatus, SourceSummary } from '../shared/contracts/engine-api';
import type { CameraSource } from '../shared/contracts/config';
import type { WorkerStats } from '../shared/contracts/worker';
import type { CameraView } from './camera';
import { cameraStateWithSource, motionStatusFields, sourceStatusFields } from './engine-sources';
import { redactUrl } from '../shared/redact';

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
export function scoreThresholdOf(camera: Pick<CameraView, 'config' | 'modelInfo' | 'modelChoice'>): number {
  return camera.config.scoreThreshold ?? findManifestModel(camera.modelInfo?.name ?? camera.modelChoice)?.decoder.scoreThreshold ?? 0.5;
}

/** The model's default for the score a track must reach to make an event; 0 when it has none. */
export function eventThresholdOf(camera: Pick<CameraView, 'modelInfo' | 'modelChoice'>): number {
  return findManifestModel(camera.modelInfo?.name ?? camera.modelChoice)?.eventThreshold ?? 0;
}

/** A camera's status: its view (Camera.view) with its current worker's pid, if it has a worker. */
export function describeCamera(camera: CameraView, pid: number | undefined): CameraStatus {
  const s = camera.stats ?? { ...ZERO_STATS, pid: pid ?? 0, threads: camera.threads, delegate: camera.delegate };
  const live = camera.state === 'running';
  // An engine-side camera whose ffmpeg has no picture shows the source's state and reason.
  const view = cameraStateWithSource(camera.state, camera.error, camera.source);
  return {
    id: camera.id,
    name: camera.config.name,
    state: view.state,
    error: view.error === undefined ? undefined : tellable(view.error, camera.config.source),
    source: summarizeSource(camera.config.source),
    model: camera.modelChoice,
    modelInfo: camera.modelInfo,
    scoreThreshold: scoreThresholdOf(camera),
    maxFps: camera.config.maxFps,
    pid: pid ?? null,
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
    pageSnapshots: s.pageSnapshots,
    labels: camera.config.labels,
    nextRestartAt: camera.nextRestartAt,
    ...sourceStatusFields(camera.stats?.source),
    ...motionStatusFields(camera.stats?.motion),
  };
}

const MAX_LABEL = 200;

/** The last part of a path, either separator ('C:\\clips\\door.mp4' and '/srv/door.mp4' give door.mp4). */
function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** A page's video or picture by URL: kept files and inline data have no name worth showing; else the URL's file name or host. */
function urlLabel(url: string, what: string): string {
  if (url.startsWith('media:')) return `${what} (kept by the engine)`;
  if (url.startsWith('data:')) return `${what} (inline)`;
  if (url.startsWith('blob:')) return `${what} (in the page that added it)`;
  try {
    const parsed = new URL(url);
    const name = baseName(decodeURIComponent(parsed.pathname));
    return name && name !== parsed.pathname ? name : parsed.host || what;
  } catch {
    return what;
  }
}

/** A stream's host and port: no user, password, path or query. */
function streamLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol.replace(/:$/, '')} ${parsed.host}`;
  } catch {
    return 'stream';
  }
}

/** A source as snapshots show it (SourceSummary): kind and label, never its URL, credentials, path or data. */
export function summarizeSource(source: CameraSource): SourceSummary {
  const label = ((): string => {
    switch (source.kind) {
      case 'webcam':
        return source.label || (source.deviceId ? 'camera' : 'default camera');
      case 'video':
        return urlLabel(source.url, 'video');
      case 'image':
        return urlLabel(source.url, 'picture');
      case 'external':
        return 'frames pushed by code';
      case 'stream':
        return streamLabel(source.url);
      case 'file':
      case 'device':
        return baseName(source.path);
    }
  })();
  return { kind: source.kind, label: label.slice(0, MAX_LABEL) };
}

/**
 * A reason as snapshots may show it (ffmpeg's words quote the source): every URL in it shortened
 * to its scheme and host, a file camera's path to its file name.
 */
export function tellable(text: string, source: CameraSource): string {
  let out = text;
  // The camera's own URL first, whole, as typed and as the worker masked it: a quote or a space in
  // its user or password would cut the general pattern below short.
  if (source.kind === 'stream') for (const form of new Set([source.url, redactUrl(source.url)])) out = out.split(form).join(streamLabel(source.url));
  out = out.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (url) => streamLabel(url));
  if ((source.kind === 'file' || source.kind === 'device') && source.path) out = out.split(source.path).join(baseName(source.path));
  return out;
}
