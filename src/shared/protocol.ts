/**
 * The contract every process agrees on: supervisor (main) <-> camera worker, renderer <-> worker
 * (frames and results over a MessagePort or the serve-mode WebSocket), and renderer <-> main.
 *
 * Every message is a discriminated union validated with zod where it arrives. Nothing here imports
 * Electron, Node or the DOM.
 */
import { z } from 'zod';

/** Largest frame accepted anywhere: 1024x1024 RGB. Models here take 128 or 192 px squares. */
export const MAX_FRAME_BYTES = 1024 * 1024 * 3;
export const MAX_ID_LENGTH = 64;

export const CameraId = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(/^[A-Za-z0-9_-]+$/, 'camera ids are letters, digits, - and _');
export type CameraId = z.infer<typeof CameraId>;

export const DelegateName = z.enum(['xnnpack', 'none']);
export type DelegateName = z.infer<typeof DelegateName>;

export const CameraState = z.enum(['starting', 'running', 'error', 'restarting', 'stopped']);
export type CameraState = z.infer<typeof CameraState>;

const Point = z.object({ x: z.number(), y: z.number() });

/** Box in coordinates normalised to the original frame: 0..1, origin top-left. */
export const Box = z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() });
export type Box = z.infer<typeof Box>;

export const Detection = z.object({
  score: z.number(),
  box: Box,
  keypoints: z.array(Point).max(64),
  label: z.string().max(64).optional(),
});
export type Detection = z.infer<typeof Detection>;

export const TensorSummary = z.object({
  name: z.string().max(256),
  shape: z.array(z.number().int()).max(8),
  dataType: z.string().max(32),
});
export type TensorSummary = z.infer<typeof TensorSummary>;

/**
 * Where the picture sits inside the model-sized frame after letterboxing, as fractions of the
 * frame: the worker uses it to map detections back to the original picture.
 */
export const Letterbox = z.object({
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1),
  w: z.number().gt(0).max(1),
  h: z.number().gt(0).max(1),
});
export type Letterbox = z.infer<typeof Letterbox>;

/** A frame already letterboxed to the model's input size, RGB, 3 bytes a pixel. */
export const FrameMessage = z.object({
  type: z.literal('frame'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  width: z.number().int().positive().max(1024),
  height: z.number().int().positive().max(1024),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, 'frame data must be bytes (Uint8Array)')
    .refine((d) => d.byteLength <= MAX_FRAME_BYTES, 'frame too large'),
  letterbox: Letterbox,
  /** Width and height of the picture before letterboxing, for the overlay. */
  sourceWidth: z.number().int().positive().max(16384),
  sourceHeight: z.number().int().positive().max(16384),
  /** Date.now() when the sender accepted the frame: the start of end-to-end latency. */
  acceptedAt: z.number(),
});
export type FrameMessage = z.infer<typeof FrameMessage>;

export const ResultMessage = z.object({
  type: z.literal('result'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  detections: z.array(Detection).max(1000),
  /** Output tensors of a model with the raw decoder. */
  outputs: z.array(TensorSummary).max(64).optional(),
  inferMs: z.number().nonnegative(),
  /** Frame accepted (sender clock) to result out (worker clock); same machine, so comparable. */
  endToEndMs: z.number(),
  sourceWidth: z.number().int().positive(),
  sourceHeight: z.number().int().positive(),
});
export type ResultMessage = z.infer<typeof ResultMessage>;

/**
 * Tells the sender a frame will not be answered (rejected or replaced by a newer one), so it gets
 * its credit back.
 */
export const FrameDroppedMessage = z.object({
  type: z.literal('frame-dropped'),
  cameraId: CameraId,
  frameId: z.number().int().nonnegative(),
  reason: z.enum(['replaced', 'rejected', 'not-ready']),
  message: z.string().max(500).optional(),
});
export type FrameDroppedMessage = z.infer<typeof FrameDroppedMessage>;

export const ModelInfo = z.object({
  name: z.string().max(256),
  path: z.string().max(4096),
  decoder: z.enum(['blazeface', 'raw']),
  inputWidth: z.number().int().positive(),
  inputHeight: z.number().int().positive(),
  inputs: z.array(TensorSummary).max(64),
  outputs: z.array(TensorSummary).max(64),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

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
});
export type WorkerStats = z.infer<typeof WorkerStats>;

// ---------------------------------------------------------------- supervisor -> worker

export const WorkerConfig = z.object({
  cameraId: CameraId,
  modelPath: z.string().min(1).max(4096),
  modelName: z.string().max(256),
  threads: z.number().int().min(1).max(64),
  delegate: DelegateName,
  /** Path of the XNNPACK plugin; required when delegate is 'xnnpack'. */
  delegatePath: z.string().max(4096).optional(),
  scoreThreshold: z.number().min(0).max(1),
  statsIntervalMs: z.number().int().min(50).max(60_000).default(1000),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;

export const WorkerInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), config: WorkerConfig }),
  z.object({ type: z.literal('set-threshold'), scoreThreshold: z.number().min(0).max(1) }),
  FrameMessage,
  /** Measure this model's invoke rate at each thread count, answer 'calibration', then exit. */
  z.object({
    type: z.literal('calibrate'),
    modelPath: z.string().min(1).max(4096),
    modelName: z.string().max(256),
    delegate: DelegateName,
    delegatePath: z.string().max(4096).optional(),
    threadCounts: z.array(z.number().int().min(1).max(64)).min(1).max(16),
    durationMs: z.number().int().min(50).max(10_000),
  }),
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
  z.object({
    type: z.literal('calibration'),
    modelName: z.string(),
    delegate: DelegateName,
    results: z.array(z.object({ threads: z.number().int(), ips: z.number().nonnegative() })),
  }),
]);
export type WorkerOutbound = z.infer<typeof WorkerOutbound>;

// ---------------------------------------------------------------- what the renderer sees

export const ModelChoice = z.string().min(1).max(4096);

export const CameraSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('webcam'), deviceId: z.string().max(512).optional(), label: z.string().max(512).optional() }),
  z.object({ kind: z.literal('video'), url: z.string().max(8192) }),
  z.object({ kind: z.literal('image'), url: z.string().max(8_000_000) }),
  /** Frames pushed by code (tests, bench, CLI), not captured by a page. */
  z.object({ kind: z.literal('external') }),
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
});
export type CameraConfig = z.infer<typeof CameraConfig>;

export const EngineSettings = z.object({
  /** Threads per interpreter; 'auto' applies the thread budget. */
  threadsPerInterpreter: z.union([z.literal('auto'), z.number().int().min(1).max(64)]).default('auto'),
  delegate: DelegateName.default('xnnpack'),
  /** Frames in flight per camera. */
  maxInFlight: z.number().int().min(1).max(8).default(1),
});
export type EngineSettings = z.infer<typeof EngineSettings>;

export const AppConfig = z.object({
  version: z.literal(1).default(1),
  cameras: z.array(CameraConfig).max(64).default([]),
  settings: EngineSettings.default({ threadsPerInterpreter: 'auto', delegate: 'xnnpack', maxInFlight: 1 }),
});
export type AppConfig = z.infer<typeof AppConfig>;

/** Per-camera view combining what the supervisor knows with the worker's own counters. */
export const CameraStatus = z.object({
  id: CameraId,
  name: z.string(),
  state: CameraState,
  error: z.string().optional(),
  source: CameraSource,
  model: z.string(),
  modelInfo: ModelInfo.optional(),
  scoreThreshold: z.number(),
  maxFps: z.number().optional(),
  pid: z.number().int().nullable(),
  threads: z.number().int(),
  delegate: DelegateName,
  restarts: z.number().int().nonnegative(),
  /** Inferences a second over the last second and the last five. */
  ips1s: z.number(),
  ips5s: z.number(),
  inferP50Ms: z.number(),
  inferP95Ms: z.number(),
  endToEndP50Ms: z.number(),
  endToEndP95Ms: z.number(),
  framesReceived: z.number().int(),
  framesInferred: z.number().int(),
  /** Frames replaced by a newer one, at the sender's credit gate or inside the worker. */
  framesSkipped: z.number().int(),
  framesRejected: z.number().int(),
  messagesRejected: z.number().int(),
  rssBytes: z.number(),
  cpuPercent: z.number(),
  nextRestartAt: z.number().optional(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

export const EngineSnapshot = z.object({
  at: z.number(),
  cores: z.number().int(),
  /** Aggregate inferences/s this machine can reach for the default model, from a bench run or a calibration. */
  capacityIps: z.number().nullable(),
  capacitySource: z.enum(['bench', 'calibration', 'none']),
  cameras: z.array(CameraStatus),
  settings: EngineSettings,
});
export type EngineSnapshot = z.infer<typeof EngineSnapshot>;

export const ModelListEntry = z.object({
  name: z.string(),
  title: z.string(),
  inputWidth: z.number().int(),
  inputHeight: z.number().int(),
  decoder: z.enum(['blazeface', 'raw']),
});
export type ModelListEntry = z.infer<typeof ModelListEntry>;

/** Parses without throwing; the caller counts and drops what fails. */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): { ok: true; value: T } | { ok: false; error: string } {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, error: `${issue?.message ?? 'invalid message'}${where}` };
}
