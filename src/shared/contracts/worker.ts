/**
 * The supervisor <-> camera worker contract: init, control and calibration in; hello, ready,
 * errors, stats (the heartbeat), results and calibration out. Validated on arrival on both sides.
 */
import { z } from 'zod';
import { DelegateName } from './config';
import {
  CameraId,
  FrameDroppedMessage,
  FrameMessage,
  MAX_FRAME_BYTES,
  MAX_FRAME_HEADER_BYTES,
  MAX_TRACK_SNAPSHOT_BYTES,
  ResultMessage,
  SnapshotRequestMessage,
  TensorSummary,
  TrackSnapshotMessage,
} from './frames';
import { EngineSourceConfig, PreviewMessage, SourceState, SourceStats, StreamUrl } from './sources';
import { SegmentMessage } from './recording';
import { EventFilters, LabelThresholds, Polygon, TrackMessage } from './events';
import { LiveInitMessage, LiveMediaMessage, LiveResultMessage } from './live';


/** How detections are read from a model's outputs: 'postprocess' is TF Lite's four standard detection outputs. */
export const ModelDecoder = z.enum(['blazeface', 'ssd', 'postprocess', 'raw']);

export const ModelInfo = z.object({
  name: z.string().max(256),
  path: z.string().max(4096),
  decoder: ModelDecoder,
  /** Frame size the worker takes (a two-stage model's detector may take less). */
  inputWidth: z.number().int().positive(),
  inputHeight: z.number().int().positive(),
  inputs: z.array(TensorSummary).max(64),
  outputs: z.array(TensorSummary).max(64),
  /** The second stage of a two-stage model. */
  landmarks: z.enum(['face-mesh', 'pose-landmarks']).optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** What the worker's ffmpeg records (in WorkerConfig.source). */
export const WorkerRecordConfig = z.object({
  /** The camera's recordings folder (DATA/recordings/CAMERA), made by main. */
  dir: z.string().min(1).max(4096),
  segmentSeconds: z.number().int().min(2).max(600),
  /** A second stream recorded instead of the decoded one (the stream's recordUrl). */
  url: StreamUrl.optional(),
});
export type WorkerRecordConfig = z.infer<typeof WorkerRecordConfig>;

/** Counters a worker keeps itself: frames may reach it without passing through main. */
export const WorkerStats = z.object({
  pid: z.number().int(),
  threads: z.number().int(),
  delegate: DelegateName,
  framesReceived: z.number().int().nonnegative(),
  framesInferred: z.number().int().nonnegative(),
  framesSkipped: z.number().int().nonnegative(),
  framesRejected: z.number().int().nonnegative(),
  messagesRejected: z.number().int().nonnegative(),
  ips1s: z.number().nonnegative(),
  ips5s: z.number().nonnegative(),
  inferP50Ms: z.number().nonnegative(),
  inferP95Ms: z.number().nonnegative(),
  endToEndP50Ms: z.number(),
  endToEndP95Ms: z.number(),
  rssBytes: z.number().nonnegative(),
  cpuPercent: z.number().nonnegative(),
  /** Two-stage models: median time of the detector and of the landmark stage (all crops) per frame. */
  stageP50Ms: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).optional(),
  /** Present when the worker opens its camera itself (ffmpeg). */
  source: SourceStats.optional(),
  /** Engine-side cameras in detect mode 'motion': motion now, frames looked at, with motion, and not inferred for lack of it. */
  motion: z
    .object({
      motion: z.boolean(),
      frames: z.number().int().nonnegative(),
      framesWithMotion: z.number().int().nonnegative(),
      skippedNoMotion: z.number().int().nonnegative(),
    })
    .optional(),
  /** Pictures asked of the page for its tracks, and what became of the answers (events on, page-captured). */
  pageSnapshots: z
    .object({
      requested: z.number().int().nonnegative(),
      stored: z.number().int().nonnegative(),
      /** The track had ended (or never was) when the picture came. */
      unknownTrack: z.number().int().nonnegative(),
      /** No request was outstanding for that track. */
      unrequested: z.number().int().nonnegative(),
      /** Not a JPEG that decodes within the limits. */
      invalid: z.number().int().nonnegative(),
    })
    .optional(),
});
export type WorkerStats = z.infer<typeof WorkerStats>;

// ---------------------------------------------------------------- supervisor -> worker

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const WorkerConfig = z.object({
  cameraId: CameraId,
  modelPath: z.string().min(1).max(4096),
  modelName: z.string().max(256),
  threads: z.number().int().min(1).max(64),
  delegate: DelegateName,
  /** Path of the XNNPACK plugin; required when delegate is 'xnnpack'. */
  delegatePath: z.string().max(4096).optional(),
  scoreThreshold: z.number().min(0).max(1),
  /** sha256 the manifest pins for the model file; the worker checks the bytes it reads. */
  modelSha256: Sha256.optional(),
  /** Two-stage models: the landmark model and its sha256. */
  landmarkModelPath: z.string().min(1).max(4096).optional(),
  landmarkSha256: Sha256.optional(),
  /** Class n's label, from the model's label map or NAME.txt beside a user's model. */
  labels: z.array(z.string().max(128)).max(1000).optional(),
  /** Only detections with these labels are reported; absent keeps all. */
  allowedLabels: z.array(z.string().max(128)).max(1000).optional(),
  labelThresholds: LabelThresholds.optional(),
  statsIntervalMs: z.number().int().min(50).max(60_000).default(1000),
  /** An engine-side camera: the worker starts this ffmpeg and runs its frames itself. */
  source: z
    .object({
      config: EngineSourceConfig,
      ffmpegPath: z.string().min(1).max(4096),
      maxFps: z.number().positive().max(240).optional(),
      previewFps: z.number().positive().max(60),
      noFrameTimeoutMs: z.number().int().min(1000).max(600_000),
      /** Which frames are inferred; absent: every frame, at the stream's rate (capped by maxFps). */
      detect: z
        .object({ mode: z.enum(['always', 'motion']), fps: z.number().positive().max(240), refreshMs: z.number().int().min(100).max(3_600_000) })
        .optional(),
      motion: z
        .object({ threshold: z.number().int().min(1).max(255), minArea: z.number().min(0).max(1), masks: z.array(Polygon).max(16) })
        .optional(),
      /** Record the stream (copied into segments); absent: not recorded. */
      record: WorkerRecordConfig.optional(),
    })
    .optional(),
  /** Track detections into events (src/workers/events.ts): the camera's filters and the label of unlabelled detections. */
  /** `threshold`: the model's default for the score a track must reach to make an event (filters.threshold overrides it). */
  events: z.object({ filters: EventFilters, defaultLabel: z.string().min(1).max(64), threshold: z.number().min(0).max(1).optional() }).optional(),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

/** Bytes in a binary form (frames.ts): a 4-byte length, a JSON header, then a payload of at most `maxPayload` bytes. */
function binaryForm(what: string, maxPayload: number) {
  return z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, `${what} bytes must be a Uint8Array`)
    .refine((d) => d.byteLength <= maxPayload + MAX_FRAME_HEADER_BYTES + 4, `${what} too large`);
}

export const WorkerInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), config: WorkerConfig }),
  z.object({ type: z.literal('set-threshold'), scoreThreshold: z.number().min(0).max(1), labelThresholds: LabelThresholds.optional() }),
  FrameMessage,
  /**
   * A frame in its binary form (frames.ts, encodeFrame) exactly as the page, the CLI or the bench
   * sent it: main forwards it untouched and the worker decodes and validates it.
   */
  z.object({ type: z.literal('frame-bytes'), data: binaryForm('frame', MAX_FRAME_BYTES) }),
  /** A page's picture for a track (desktop: on the camera's MessagePort, structured-cloned). */
  TrackSnapshotMessage,
  /** The same in its binary form (frames.ts, encodeTrackSnapshot), forwarded untouched by main (serve mode). */
  z.object({ type: z.literal('track-snapshot-bytes'), data: binaryForm('track snapshot', MAX_TRACK_SNAPSHOT_BYTES) }),
  /**
   * A frame in its binary form, like 'frame-bytes', whose bytes main wrote into slot `slot` of the
   * worker's frame-slot file (src/engine/frame-slots.ts) instead of into this message.
   */
  z.object({
    type: z.literal('frame-slot'),
    slot: z.number().int().min(0).max(63),
    length: z.number().int().min(1).max(MAX_FRAME_BYTES + MAX_FRAME_HEADER_BYTES + 4),
  }),
  /** Measure this model's invoke rate at each thread count, answer 'calibration', then exit. */
  z.object({
    type: z.literal('calibrate'),
    modelPath: z.string().min(1).max(4096),
    modelName: z.string().max(256),
    modelSha256: Sha256.optional(),
    landmarkModelPath: z.string().min(1).max(4096).optional(),
    landmarkSha256: Sha256.optional(),
    delegate: DelegateName,
    delegatePath: z.string().max(4096).optional(),
    threadCounts: z.array(z.number().int().min(1).max(64)).min(1).max(16),
    durationMs: z.number().int().min(50).max(10_000),
  }),
  /** Whether anyone watches this camera's live view; the worker sends previews only while someone does. */
  z.object({ type: z.literal('preview-subscribe'), on: z.boolean() }),
  z.object({ type: z.literal('set-event-filters'), filters: EventFilters }),
  /**
   * Desktop: the camera's frame port changes hands (a page reloaded, another window captures the
   * camera). With one transferred port the worker takes it in place of the one it had; with none it
   * closes its port, and sends previews on the control channel while someone watches. More than one
   * port is refused.
   */
  z.object({ type: z.literal('data-port') }),
  z.object({ type: z.literal('stop') }),
]);
export type WorkerInbound = z.infer<typeof WorkerInbound>;

// ---------------------------------------------------------------- worker -> supervisor

export const WorkerErrorCode = z.enum([
  'model-missing',
  'model-invalid',
  'model-unsupported',
  'delegate-failed',
  'bad-config',
  'inference-failed',
]);
export type WorkerErrorCode = z.infer<typeof WorkerErrorCode>;

export const WorkerOutbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), pid: z.number().int() }),
  z.object({
    type: z.literal('ready'),
    cameraId: CameraId,
    pid: z.number().int(),
    model: ModelInfo,
    threads: z.number().int(),
    delegate: DelegateName,
    loadMs: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('error'),
    cameraId: CameraId,
    code: WorkerErrorCode,
    message: z.string().max(2000),
    /** A fatal error means the worker cannot run this configuration: restarting will not help. */
    fatal: z.boolean(),
  }),
  /** Sent every statsIntervalMs; it is also the heartbeat the watchdog listens for. */
  z.object({ type: z.literal('stats'), cameraId: CameraId, stats: WorkerStats }),
  ResultMessage,
  FrameDroppedMessage,
  /**
   * An engine-side camera's results while nobody watches it, several at once (at most 100 ms
   * apart): one message instead of one per frame (src/workers/result-batch.ts).
   */
  z.object({ type: z.literal('results'), cameraId: CameraId, results: z.array(ResultMessage).min(1).max(64) }),
  /** The engine-side source changed state (connecting, running, no-signal, error), with ffmpeg's reason. */
  z.object({ type: z.literal('source-state'), cameraId: CameraId, state: SourceState, reason: z.string().max(2000).nullable() }),
  PreviewMessage,
  /** ffmpeg closed a recording segment: main catalogues it. */
  SegmentMessage,
  /** The live view's video and results, while someone watches (live.ts). */
  LiveInitMessage,
  LiveMediaMessage,
  LiveResultMessage,
  /** A track started, improved or ended (events). */
  TrackMessage,
  /** Page-captured cameras: ask the page that sent the frame for a full-size picture (routed like results). */
  SnapshotRequestMessage,
  z.object({
    type: z.literal('calibration'),
    modelName: z.string(),
    delegate: DelegateName,
    results: z.array(z.object({ threads: z.number().int(), ips: z.number().nonnegative() })),
  }),
]);
export type WorkerOutbound = z.infer<typeof WorkerOutbound>;

