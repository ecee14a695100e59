/**
 * The configuration file's schema (cameras, models, thresholds, engine settings), as the desktop
 * app saves it and serve mode's --config reads it.
 */
import { z } from 'zod';
import { CameraId } from './frames';
import { DeviceSource, FileSource, StreamSource } from './sources';
import { EventFilters, EventSettings, LabelThresholds, Polygon } from './events';

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

/**
 * When an engine-side camera's frames are inferred (src/workers/motion/detect-gate.ts): 'motion'
 * (the default) infers only frames with motion, frames where a tracked object is still active,
 * and one every refreshSeconds; 'always' infers every frame. fps caps the frames the model gets
 * (default 5), whatever rate the stream has. Page-captured cameras infer every frame they send.
 */
export const DetectConfig = z.object({
  mode: z.enum(['always', 'motion']).optional(),
  fps: z.number().positive().max(240).optional(),
  refreshSeconds: z.number().positive().max(3600).optional(),
});
export type DetectConfig = z.infer<typeof DetectConfig>;

/** How motion is found (src/workers/motion/motion-detector.ts). */
export const MotionConfig = z.object({
  /** Smallest change of a pixel from the background that counts, on 0..255 (default 30). */
  threshold: z.number().int().min(1).max(255).optional(),
  /** Smallest motion box, as a share of the frame (default 0.0005). */
  minArea: z.number().min(0).max(1).optional(),
  /** Polygons (0..1 of the frame, as zones) whose pixels never count as motion. */
  masks: z.array(Polygon).max(16).optional(),
});
export type MotionConfig = z.infer<typeof MotionConfig>;

/**
 * What an engine-side camera's ffmpeg records (`-c copy` segments, docs/cameras.md#recording):
 * 'off', 'events' (segments overlapping an event's [start - pre, end + post] are kept, the rest
 * go when they close) or 'continuous' (all of it, for recording.continuousDays). Absent: 'events'.
 */
export const RecordConfig = z.object({
  mode: z.enum(['off', 'events', 'continuous']).default('events'),
  preSeconds: z.number().min(0).max(60).default(5),
  postSeconds: z.number().min(0).max(60).default(5),
});
export type RecordConfig = z.infer<typeof RecordConfig>;

/** One camera as saved in the configuration file. Everything but name and source is optional. */
export const CameraConfig = z.object({
  id: CameraId.optional(),
  name: z.string().min(1).max(100),
  source: CameraSource,
  /** A manifest model name (face-short, face-full) or a path to a .tflite file. */
  model: ModelChoice.optional(),
  scoreThreshold: z.number().min(0).max(1).optional(),
  /** A threshold per label, over scoreThreshold for that label: `{"person": 0.3}` (keys in any case). */
  labelThresholds: LabelThresholds.optional(),
  maxFps: z.number().positive().max(240).optional(),
  /** Labels to report; absent keeps the model's default choice (objects: Person, Car, Vehicle, Bicycle, Dog, Cat). */
  labels: z.array(z.string().min(1).max(128)).max(1000).optional(),
  /** Which detections make events on this camera: min score and area, zones, on or off. */
  events: EventFilters.optional(),
  /** Engine-side cameras: which frames are inferred and how often. */
  detect: DetectConfig.optional(),
  /** Engine-side cameras in detect mode 'motion': how motion is found. */
  motion: MotionConfig.optional(),
  /** Engine-side cameras: what is recorded; absent: mode 'events', 5 s before and after. */
  record: RecordConfig.optional(),
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

/**
 * How long recordings are kept and how much disk they may take (src/engine/recording). maxGB null:
 * no cap but the free-space floor; minFreePercent: recording stops (detection goes on) rather than
 * fill the disk past this, and the oldest footage goes first to keep it.
 */
export const RecordingSettings = z.object({
  continuousDays: z.number().positive().max(3650).default(3),
  eventDays: z.number().positive().max(3650).default(30),
  maxGB: z.number().positive().max(1_000_000).nullable().default(null),
  minFreePercent: z.number().min(0).max(90).default(5),
});
export type RecordingSettings = z.infer<typeof RecordingSettings>;

/** Cameras a configuration holds (and the engine runs) at most. */
export const MAX_CAMERAS = 64;

/** Camera groups (as Frigate 0.14 has them): a name and the cameras in it, chosen in the grid's header and the Events filter. */
export const GroupName = z.string().trim().min(1).max(40).regex(/^[\p{L}\p{N} _-]+$/u, 'group names are letters, digits, space, - and _');
export const CameraGroup = z.object({
  name: GroupName,
  /** Camera ids, in no particular order; a removed camera leaves its groups. */
  cameras: z.array(CameraId).max(MAX_CAMERAS),
});
export type CameraGroup = z.infer<typeof CameraGroup>;
export const MAX_GROUPS = 32;
export const CameraGroups = z
  .array(CameraGroup)
  .max(MAX_GROUPS)
  .refine((groups) => new Set(groups.map((g) => g.name.toLowerCase())).size === groups.length, 'two groups have the same name');

export const AppConfig = z.object({
  version: z.literal(1).default(1),
  cameras: z.array(CameraConfig).max(MAX_CAMERAS).default([]),
  settings: EngineSettings.default({ threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 }),
  /** Retention and MQTT (defaults: 30 days, 2000 MB, no MQTT). */
  events: EventSettings.optional(),
  /** How long recordings are kept and the disk they may take. */
  recording: RecordingSettings.optional(),
  /** Named camera groups. */
  groups: CameraGroups.optional(),
});
export type AppConfig = z.infer<typeof AppConfig>;

