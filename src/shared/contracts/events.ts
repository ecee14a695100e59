/**
 * Events: what a camera recognised, tracked over frames. These schemas cross every boundary an
 * event crosses (worker -> engine, engine -> renderer, HTTP, MQTT), so they live with the other
 * contracts and import nothing from Node, Electron or the DOM.
 */
import { z } from 'zod';
import { Box, CameraId } from './frames';

/** Event ids are `<start ms>-<6 hex>`: never anything path-like. */
export const EventId = z.string().regex(/^[0-9]{1,15}-[0-9a-f]{6}$/, 'not an event id');
export type EventId = z.infer<typeof EventId>;

export const ZoneName = z.string().min(1).max(40).regex(/^[\w -]+$/, 'zone names are letters, digits, space, - and _');

/** A polygon on the frame, points 0..1 of the frame, origin top-left (zones, motion masks). */
export const Polygon = z.array(z.object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1) })).min(3).max(64);

export const Zone = z.object({
  name: ZoneName,
  points: Polygon,
  /** Only tracks that enter a required zone make events. */
  required: z.boolean().default(false),
});
export type Zone = z.infer<typeof Zone>;

/** A score threshold per label (`{"person": 0.3}`); keys are matched lowercase. */
export const LabelThresholds = z.record(z.string().min(1).max(128), z.number().min(0).max(1)).refine((r) => Object.keys(r).length <= 100, 'at most 100 labels');
export type LabelThresholds = z.infer<typeof LabelThresholds>;

/** Per-camera event settings, saved with the camera. */
export const EventFilters = z.object({
  enabled: z.boolean().default(true),
  minScore: z.number().min(0).max(1).default(0),
  /**
   * The score a track must reach before it becomes an event (Frigate's `threshold`, beside
   * `min_score`): the median of its last scores, or the best such median so far. A box that
   * flickers near the detection threshold does not make an event; a steady one does. Absent: the
   * model's default (docs/models.md).
   */
  threshold: z.number().min(0).max(1).optional(),
  /** Smallest box area, as a fraction of the frame (0..1). */
  minArea: z.number().min(0).max(1).default(0),
  zones: z.array(Zone).max(16).default([]),
});
export type EventFilters = z.infer<typeof EventFilters>;
export const DEFAULT_EVENT_FILTERS: EventFilters = { enabled: true, minScore: 0, minArea: 0, zones: [] };

export const TrackerOptions = z.object({
  /** Frames in a row a track must be seen in before it is an event. */
  minFrames: z.number().int().min(1).max(100).default(3),
  /** Seconds unseen after which a track ends. */
  maxMissingMs: z.number().int().min(50).max(600_000).default(2000),
  /** Smallest overlap (IoU) that continues a track. */
  minIou: z.number().min(0).max(1).default(0.3),
  /**
   * Or: centres at most this many box sizes apart (a camera that skips frames, or a fast object,
   * moves a box further than overlap can follow).
   */
  maxJump: z.number().min(0).max(10).default(1),
});
export type TrackerOptions = z.infer<typeof TrackerOptions>;
export const DEFAULT_TRACKER_OPTIONS: TrackerOptions = { minFrames: 3, maxMissingMs: 2000, minIou: 0.3, maxJump: 1 };

/** Where events are published, if anywhere (MQTT). */
export const MqttConfig = z.object({
  url: z.string().max(2048).regex(/^(mqtts?|wss?):\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL'),
  username: z.string().max(256).optional(),
  password: z.string().max(256).optional(),
  prefix: z.string().min(1).max(100).regex(/^[^#+]+$/, 'no # or + in the prefix').default('multicam'),
  /** Home Assistant MQTT discovery: one device per camera appears in Home Assistant by itself. */
  homeAssistant: z.boolean().default(true),
  /** Home Assistant's discovery prefix (its default is homeassistant). */
  discoveryPrefix: z.string().min(1).max(100).regex(/^[^#+]+$/, 'no # or + in the discovery prefix').default('homeassistant'),
});
export type MqttConfig = z.infer<typeof MqttConfig>;

export const EventSettings = z.object({
  /** Days to keep events; null keeps them. */
  retentionDays: z.number().positive().max(36_500).nullable().default(30),
  /** Megabytes of snapshots to keep; null for no cap. */
  retentionMB: z.number().positive().max(10_000_000).nullable().default(2000),
  mqtt: MqttConfig.optional(),
});
export type EventSettings = z.infer<typeof EventSettings>;

/** The largest snapshot accepted from a worker or a page: 8 MB. */
export const MAX_SNAPSHOT_BYTES = 8 * 1024 * 1024;
const Jpeg = z
  .custom<Uint8Array>((v) => v instanceof Uint8Array, 'snapshot must be bytes (Uint8Array)')
  .refine((d) => d.byteLength <= MAX_SNAPSHOT_BYTES, 'snapshot too large')
  .refine((d) => d.byteLength >= 4 && d[0] === 0xff && d[1] === 0xd8, 'snapshot is not a JPEG');

/** What the tracker reports about one track. `trackId` is unique within one camera worker's life. */
export const TrackInfo = z.object({
  cameraId: CameraId,
  trackId: z.number().int().nonnegative(),
  label: z.string().min(1).max(64),
  start: z.number().int().nonnegative(),
  lastSeen: z.number().int().nonnegative(),
  score: z.number().min(0).max(1),
  box: Box,
  zones: z.array(ZoneName).max(16),
});
export type TrackInfo = z.infer<typeof TrackInfo>;

/**
 * Worker (or page) -> engine: a track started, improved (better score or a new zone) or ended.
 * Snapshots ride along when the sender has pixels: the full frame with the box drawn, and a crop.
 */
export const TrackMessage = z.object({
  type: z.literal('track'),
  kind: z.enum(['start', 'update', 'end']),
  track: TrackInfo,
  snapshot: Jpeg.optional(),
  crop: Jpeg.optional(),
});
export type TrackMessage = z.infer<typeof TrackMessage>;

/** An event as stored and served. */
export const EventRecord = z.object({
  id: EventId,
  camera: CameraId,
  cameraName: z.string().max(100),
  label: z.string().max(64),
  start: z.number().int(),
  end: z.number().int().nullable(),
  score: z.number(),
  box: Box,
  zones: z.array(z.string()),
  /** URL of the snapshot, or null while none has been written. */
  snapshot: z.string().nullable(),
  /**
   * URL path of the event's clip (recorded footage overlaps it; in a live message: its camera
   * records), or null. Absent from older engines.
   */
  clip: z.string().nullable().optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;

export const EventQuery = z.object({
  camera: CameraId.optional(),
  /**
   * Any of these cameras (a camera group); in a URL, comma-separated (`cameras=cam-1,cam-2`). An
   * empty list matches nothing: a group without cameras has no events.
   */
  cameras: z.preprocess((v) => (typeof v === 'string' ? (v === '' ? [] : v.split(',')) : v), z.array(CameraId).max(64)).optional(),
  /** Matched lowercase, as labels are stored. */
  label: z.string().min(1).max(64).transform((l) => l.trim().toLowerCase()).optional(),
  zone: ZoneName.optional(),
  after: z.coerce.number().int().nonnegative().optional(),
  before: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type EventQuery = z.infer<typeof EventQuery>;

/** `total`: the events matching the query's filters in all pages (the cursor aside). */
export const EventPage = z.object({ events: z.array(EventRecord), next: z.string().nullable(), total: z.number().int().nonnegative().optional() });
export type EventPage = z.infer<typeof EventPage>;

/** Pushed to renderers and published on MQTT. */
export const EventChange = z.object({ type: z.enum(['new', 'update', 'end']), event: EventRecord });
export type EventChange = z.infer<typeof EventChange>;

export const MqttStatus = z.object({
  state: z.enum(['connecting', 'connected', 'disconnected', 'closed']),
  error: z.string().max(2000).optional(),
  retryAt: z.number().optional(),
  published: z.number().int().nonnegative(),
  dropped: z.number().int().nonnegative(),
});
export type MqttStatus = z.infer<typeof MqttStatus>;

/** Where events are stored and whether MQTT is up: shown in the settings. */
export const EventsStatus = z.object({
  storage: z.object({ available: z.boolean(), dir: z.string().max(4096), error: z.string().max(2000).nullable() }),
  mqtt: MqttStatus.nullable(),
});
export type EventsStatus = z.infer<typeof EventsStatus>;

export const SnapshotKind = z.enum(['snapshot', 'crop']);
export type SnapshotKind = z.infer<typeof SnapshotKind>;
