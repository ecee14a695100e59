/**
 * The configuration file's schema (cameras, models, thresholds, engine settings), as the desktop
 * app saves it and serve mode's --config reads it.
 */
import { z } from 'zod';
import { CameraId } from './frames';
import { DeviceSource, FileSource, StreamSource } from './sources';
import { EventFilters, EventSettings } from './events';

export const DelegateName = z.enum(['xnnpack', 'none']);
export type DelegateName = z.infer<typeof DelegateName>;

export const ModelChoice = z.string().min(1).max(4096);

export const CameraSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webcam'), deviceId: z.string().max(512).optional(), label: z.string().max(512).optional() }),
  z.object({ kind: z.literal('video'), url: z.string().max(8192) }),
  z.object({ kind: z.literal('image'), url: z.string().max(8_000_000) }),
  /** Frames pushed by code (tests, bench, CLI), not captured by a page. */
  z.object({ kind: z.literal('external') }),
  /** Opened by the engine itself: ffmpeg inside the camera's worker (sources.ts). */
  StreamSource,
  FileSource,
  DeviceSource,
]);
export type CameraSource = z.infer<typeof CameraSource>;

/** One camera as saved in the configuration file. Everything but name and source is optional. */
export const CameraConfig = z.object({
  id: CameraId.optional(),
  name: z.string().min(1).max(100),
  source: CameraSource,
  /** A manifest model name (face-short, face-full) or a path to a .tflite file. */
  model: ModelChoice.optional(),
  scoreThreshold: z.number().min(0).max(1).optional(),
  maxFps: z.number().positive().max(240).optional(),
  /** Labels to report; absent keeps the model's default choice (objects: Person, Car, Vehicle, Bicycle, Dog, Cat). */
  labels: z.array(z.string().min(1).max(128)).max(1000).optional(),
  /** Which detections make events on this camera: min score and area, zones, on or off. */
  events: EventFilters.optional(),
});
export type CameraConfig = z.infer<typeof CameraConfig>;

export const EngineSettings = z.object({
  /** Threads per interpreter; 'auto' applies the thread budget. */
  threadsPerInterpreter: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
  delegate: DelegateName.default('xnnpack'),
  /** Frames in flight per camera. */
  maxInFlight: z.number().int().min(1).max(8).default(1),
  /** ffmpeg for engine-side cameras; unset or empty: `ffmpeg` on the PATH, else the npm package's binary. */
  ffmpegPath: z.string().max(4096).optional(),
  /** Live-view frames a second for engine-side cameras (default 10). */
  previewFps: z.number().positive().max(60).optional(),
  /** An engine-side camera with no frame for this long has its ffmpeg restarted (default 20 s). */
  sourceTimeoutMs: z.number().int().min(1000).max(600_000).optional(),
  /** Megabytes the media folder (uploaded pictures, videos, models) may hold in all (default 2048). */
  mediaQuotaMB: z.number().int().min(1).max(1_048_576).optional(),
});
export type EngineSettings = z.infer<typeof EngineSettings>;

/** Cameras a configuration holds (and the engine runs) at most. */
export const MAX_CAMERAS = 64;

export const AppConfig = z.object({
  version: z.literal(1).default(1),
  cameras: z.array(CameraConfig).max(MAX_CAMERAS).default([]),
  settings: EngineSettings.default({ threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 }),
  /** Retention and MQTT (defaults: 30 days, 2000 MB, no MQTT). */
  events: EventSettings.optional(),
});
export type AppConfig = z.infer<typeof AppConfig>;

