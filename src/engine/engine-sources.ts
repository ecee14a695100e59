/**
 * Main's side of cameras the engine opens itself (stream, file, device): which ffmpeg to hand the
 * workers, what each worker is told about its source, how a worker's source state shows in the
 * camera's status, and the credential rules. A stream URL's password is stored in the config and
 * sent to the worker, and nowhere else: everything that leaves main (status, snapshots, config
 * events, /api/stats, /metrics, logs) carries the masked URL, and an edit that sends the masked
 * URL back keeps the stored password.
 */
import type { CameraConfig, CameraSource, EngineSettings } from '../shared/contracts/config';
import type { CameraState, CameraStatus } from '../shared/contracts/engine-api';
import { isEngineSource, type FfmpegInfo, type SourceState, type SourceStats } from '../shared/contracts/sources';
import type { WorkerConfig, WorkerStats } from '../shared/contracts/worker';
import { keepStoredUrlSecret } from '../shared/redact';
import { resolveFfmpeg } from '../node/ffmpeg-binary';
import path from 'node:path';

export const DEFAULT_PREVIEW_FPS = 10;
export const DEFAULT_SOURCE_TIMEOUT_MS = 20_000;
/** Engine-side cameras, as in Frigate: the model gets 5 frames a second, those with motion. */
export const DEFAULT_DETECT = { mode: 'motion', fps: 5, refreshSeconds: 5 } as const;
export const DEFAULT_MOTION = { threshold: 30, minArea: 0.0005 } as const;
/** Engine-side cameras record the footage around events unless told otherwise (docs/cameras.md#recording). */
export const DEFAULT_RECORD = { mode: 'events', preSeconds: 5, postSeconds: 5 } as const;
export const SEGMENT_SECONDS = 10;

/** A camera's recordings folder: DATA/recordings/CAMERA (the id is letters, digits, - and _). */
export function cameraRecordingsDir(recordingsDir: string, cameraId: string): string {
  return path.join(recordingsDir, cameraId);
}

/** Resolves ffmpeg once per `ffmpegPath` setting (running `ffmpeg -version` costs a process). */
export class FfmpegLocator {
  private cached: { setting: string; info: FfmpegInfo } | null = null;

  info(setting: string | undefined): FfmpegInfo {
    const key = setting?.trim() ?? '';
    if (this.cached?.setting === key) return this.cached.info;
    let info: FfmpegInfo;
    try {
      const found = resolveFfmpeg({ setting: key || undefined });
      info = { path: found.path, origin: found.origin, version: found.version };
    } catch (err) {
      info = { path: null, origin: 'none', version: null, error: err instanceof Error ? err.message : String(err) };
    }
    this.cached = { setting: key, info };
    return info;
  }
}

const locator = new FfmpegLocator();
/** The ffmpeg for this setting, resolved once per setting for the whole process. */
export function ffmpegInfo(setting: string | undefined): FfmpegInfo {
  return locator.info(setting);
}

/** A change that an engine-side camera's ffmpeg must restart for (it takes source and fps at start). */
export function engineSourceChanged(config: CameraConfig, patch: Partial<CameraConfig>): boolean {
  if (!isEngineSource(config.source) && !(patch.source && isEngineSource(patch.source))) return false;
  const sourceChanged = patch.source !== undefined && JSON.stringify(patch.source) !== JSON.stringify(config.source);
  const changed = (key: 'maxFps' | 'detect' | 'motion' | 'record') => key in patch && JSON.stringify(patch[key]) !== JSON.stringify(config[key]);
  return sourceChanged || changed('maxFps') || changed('detect') || changed('motion') || changed('record');
}

/** Settings every engine-side camera's ffmpeg must restart for. */
export function sourceSettingsChanged(before: EngineSettings, after: EngineSettings): boolean {
  return before.ffmpegPath !== after.ffmpegPath || before.previewFps !== after.previewFps || before.sourceTimeoutMs !== after.sourceTimeoutMs;
}

/** What the worker needs to open the camera itself, an error saying why it cannot, or undefined for page-fed cameras. */
export function workerSourceConfig(
  camera: CameraConfig,
  settings: EngineSettings,
  ffmpeg: () => FfmpegInfo,
  /** DATA/recordings; undefined: nothing is recorded (no data folder). */
  recordingsDir?: string,
): WorkerConfig['source'] | { error: string } | undefined {
  if (!isEngineSource(camera.source)) return undefined;
  const info = ffmpeg();
  if (!info.path) return { error: info.error ?? 'no ffmpeg found' };
  return {
    config: camera.source,
    ffmpegPath: info.path,
    maxFps: camera.maxFps,
    previewFps: settings.previewFps ?? DEFAULT_PREVIEW_FPS,
    noFrameTimeoutMs: settings.sourceTimeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
    detect: {
      mode: camera.detect?.mode ?? DEFAULT_DETECT.mode,
      fps: camera.detect?.fps ?? DEFAULT_DETECT.fps,
      refreshMs: Math.round(1000 * (camera.detect?.refreshSeconds ?? DEFAULT_DETECT.refreshSeconds)),
    },
    motion: {
      threshold: camera.motion?.threshold ?? DEFAULT_MOTION.threshold,
      minArea: camera.motion?.minArea ?? DEFAULT_MOTION.minArea,
      masks: camera.motion?.masks ?? [],
    },
    // A file read flat out (realtime: false, the bench) has no wall-clock time to name segments by: not recorded.
    ...(recordingsDir && camera.id && (camera.record?.mode ?? DEFAULT_RECORD.mode) !== 'off' && !(camera.source.kind === 'file' && camera.source.realtime === false)
      ? {
          record: {
            dir: cameraRecordingsDir(recordingsDir, camera.id),
            segmentSeconds: SEGMENT_SECONDS,
            ...(camera.source.kind === 'stream' && camera.source.recordUrl ? { url: camera.source.recordUrl } : {}),
          },
        }
      : {}),
  };
}

/**
 * A running worker whose ffmpeg has no picture is not a running camera: its source's state
 * (connecting, no-signal, error with ffmpeg's reason) is the camera's.
 */
export function cameraStateWithSource(
  state: CameraState,
  error: string | undefined,
  source: { state: SourceState; reason: string | null } | null,
): { state: CameraState; error: string | undefined } {
  if (state !== 'running' || !source || source.state === 'running' || source.state === 'stopped') return { state, error };
  return { state: source.state, error: source.reason ?? error };
}

/** The status fields only engine-side cameras have. */
export function sourceStatusFields(stats: SourceStats | undefined): Partial<CameraStatus> {
  if (!stats) return {};
  return {
    fps: stats.fps,
    reconnects: stats.reconnects,
    ffmpegPid: stats.ffmpegPid,
    ffmpegCpuPercent: stats.ffmpegCpuPercent,
    ffmpegRssBytes: stats.ffmpegRssBytes,
    ...(stats.recording ? { recording: stats.recording } : {}),
  };
}

/** Motion fields of an engine-side camera's status (detect mode 'motion'). */
export function motionStatusFields(stats: WorkerStats['motion']): Partial<CameraStatus> {
  if (!stats) return {};
  return {
    motion: stats.motion,
    motionShare: stats.frames > 0 ? stats.framesWithMotion / stats.frames : 0,
    skippedNoMotion: stats.skippedNoMotion,
  };
}

/**
 * An edit that sends back the masked URL (the dialog shows nothing else) means "keep the
 * password" (keepStoredUrlSecret says exactly when); throws when the mask would go to a new host.
 */
export function keepStoredSecret(stored: CameraSource, incoming: CameraSource): CameraSource {
  if (incoming.kind !== 'stream') return incoming;
  const url = keepStoredUrlSecret(stored.kind === 'stream' ? stored.url : undefined, incoming.url);
  // The recording URL's password is kept the same way, against the stored recording URL.
  const recordUrl = incoming.recordUrl && keepStoredUrlSecret(stored.kind === 'stream' ? stored.recordUrl : undefined, incoming.recordUrl);
  if (stored.kind === 'stream' && url === stored.url && recordUrl === stored.recordUrl) return stored;
  if (url === incoming.url && recordUrl === incoming.recordUrl) return incoming;
  return { ...incoming, url, ...(recordUrl ? { recordUrl } : {}) };
}
