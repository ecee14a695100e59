/**
 * The engine's API as a renderer sees it: requests and their results, the events the engine
 * pushes (snapshots, config, notices, capture assignments), and the per-camera status. The desktop
 * app carries it over the preload bridge (src/shared/contracts/desktop-ipc.ts), serve mode over one
 * WebSocket (src/shared/contracts/ws.ts). Both ends validate with these schemas.
 */
import { z } from 'zod';
import { RecordingStatus } from './recording';
import { AppConfig, CameraConfig, CameraGroups, DelegateName, EngineSettings, type CameraGroup } from './config';
import { CameraId, type FrameChannelInbound, type FrameMessage, type SnapshotRequestMessage, type TrackSnapshotMessage } from './frames';
import { ModelDecoder, ModelInfo, WorkerStats } from './worker';
import { FfmpegInfo } from './sources';
import type { LiveViewMessage } from './live';
import { EventChange, EventId, EventPage, EventQuery, EventSettings, EventsStatus, SnapshotKind } from './events';

/** connecting and no-signal: an engine-side camera's worker runs, its ffmpeg has no picture (yet, or any more). */
export const CameraState = z.enum(['starting', 'running', 'connecting', 'no-signal', 'error', 'restarting', 'stopped']);
export type CameraState = z.infer<typeof CameraState>;

export const SourceKind = z.enum(['webcam', 'video', 'image', 'external', 'stream', 'file', 'device']);
export type SourceKind = z.infer<typeof SourceKind>;

/**
 * What a snapshot says about a camera's source: its kind and a label for people (a device's name,
 * a file's name, a stream's host), never its URL, credentials, path or data. Whoever needs the
 * source itself (editing a camera, a page opening it) reads it from the config.
 */
export const SourceSummary = z.strictObject({ kind: SourceKind, label: z.string().max(200) });
export type SourceSummary = z.infer<typeof SourceSummary>;

/** Per-camera view combining what the supervisor knows with the worker's own counters. */
export const CameraStatus = z.object({
  id: CameraId,
  name: z.string(),
  state: CameraState,
  error: z.string().optional(),
  source: SourceSummary,
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
  /** Two-stage models: median detector and landmark-stage time per frame. */
  stageP50Ms: z.tuple([z.number(), z.number()]).optional(),
  /** Page-captured cameras with events: pictures asked of the page for tracks, and what became of them (this worker life). */
  pageSnapshots: WorkerStats.shape.pageSnapshots,
  /** The labels this camera reports, when it chose (absent: the model's default choice). */
  labels: z.array(z.string()).optional(),
  nextRestartAt: z.number().optional(),
  /** Engine-side cameras (ffmpeg): decoded frames a second, ffmpeg restarts, its pid, CPU and memory. */
  fps: z.number().nonnegative().optional(),
  reconnects: z.number().int().nonnegative().optional(),
  ffmpegPid: z.number().int().nullable().optional(),
  ffmpegCpuPercent: z.number().nonnegative().nullable().optional(),
  ffmpegRssBytes: z.number().nonnegative().nullable().optional(),
  /** Engine-side cameras that record: recording or paused (disk full), the audio kept or dropped and why. */
  recording: RecordingStatus.optional(),
  /** Engine-side cameras in detect mode 'motion' (this worker life): motion now, share of frames with motion, inferences skipped for none. */
  motion: z.boolean().optional(),
  motionShare: z.number().min(0).max(1).optional(),
  skippedNoMotion: z.number().int().nonnegative().optional(),
});
export type CameraStatus = z.infer<typeof CameraStatus>;

/**
 * The capacity line (src/engine/admission.ts): each camera's share of a core from its own model's
 * measured cost, what they need together against what the cores give cameras, and the models being
 * measured in the background (progress 0..1).
 */
export const CapacityLine = z.object({
  /** Cores the cameras may take together (the cores less a margin). */
  budgetCores: z.number().nonnegative(),
  /** Cores the measured cameras need at their rates. */
  neededCores: z.number().nonnegative(),
  /** Cameras whose model is not measured on this machine yet. */
  unmeasured: z.array(z.string()).max(256),
  /** Per measured camera: its share of a core, and how many more like it still fit. */
  cameras: z.record(z.string(), z.object({ cores: z.number().nonnegative(), more: z.number().int().nonnegative() })),
  calibrating: z.array(z.object({ model: z.string(), progress: z.number().min(0).max(1) })).max(64),
});
export type CapacityLine = z.infer<typeof CapacityLine>;

export const EngineSnapshot = z.object({
  at: z.number(),
  cores: z.number().int(),
  /** Aggregate inferences/s this machine can reach for the default model, from a bench run or a calibration. */
  capacityIps: z.number().nullable(),
  capacitySource: z.enum(['bench', 'calibration', 'none']),
  /** Per camera, from its own model's measured cost (absent from engines that do not measure). */
  capacityLine: CapacityLine.optional(),
  /** The calibration of the first camera's model on this machine: invokes a second at each thread count. */
  calibration: z.array(z.object({ threads: z.number().int(), ips: z.number() })).max(16).optional(),
  cameras: z.array(CameraStatus),
  settings: EngineSettings,
  /** Which ffmpeg engine-side cameras run (absent where nobody resolved one). */
  ffmpeg: FfmpegInfo.optional(),
});
export type EngineSnapshot = z.infer<typeof EngineSnapshot>;

export const ModelListEntry = z.object({
  name: z.string(),
  title: z.string(),
  inputWidth: z.number().int(),
  inputHeight: z.number().int(),
  decoder: ModelDecoder,
  /** What it recognises, in words. */
  recognises: z.string(),
  /** Labels it can report, and those kept unless a camera chooses. */
  labels: z.array(z.string()),
  defaultLabels: z.array(z.string()).optional(),
  /** 2 for detector + landmark models. */
  stages: z.number().int().min(1).max(2),
  /** Inferences/s of one interpreter with one thread on this machine, from calibration, if made. */
  ips: z.number().nonnegative().optional(),
});
export type ModelListEntry = z.infer<typeof ModelListEntry>;

export const ApiRequest = z.discriminatedUnion('method', [
  z.object({ method: z.literal('getSnapshot') }),
  z.object({ method: z.literal('getConfig') }),
  z.object({ method: z.literal('listModels') }),
  /** force: add it even when admission control says this machine cannot run it. */
  z.object({ method: z.literal('addCamera'), camera: CameraConfig, force: z.boolean().optional() }),
  z.object({ method: z.literal('removeCamera'), id: CameraId }),
  z.object({ method: z.literal('updateCamera'), id: CameraId, patch: CameraConfig.omit({ id: true }).partial() }),
  z.object({ method: z.literal('setSettings'), settings: EngineSettings.partial() }),
  /** The cameras' order on screen, kept in the configuration. */
  z.object({ method: z.literal('reorderCameras'), ids: z.array(CameraId).max(64) }),
  /** Replaces the camera groups (names unique; ids of cameras that do not exist are dropped). */
  z.object({ method: z.literal('setGroups'), groups: CameraGroups }),
  z.object({ method: z.literal('listEvents'), query: EventQuery }),
  z.object({ method: z.literal('deleteEvent'), id: EventId }),
  /** The desktop app's way to a snapshot (serve mode uses GET /api/events/ID/snapshot.jpg). */
  z.object({ method: z.literal('getEventImage'), id: EventId, kind: SnapshotKind }),
  z.object({ method: z.literal('getEventsStatus') }),
  z.object({ method: z.literal('setEventSettings'), settings: EventSettings }),
  /**
   * Keeps a picture or video in the data directory's media folder; answers its `media:` reference.
   * Bytes travel over the desktop app's IPC only: serve mode takes them as PUT /api/media.
   */
  z.object({
    method: z.literal('keepMedia'),
    type: z.string().min(1).max(100),
    data: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'media data must be bytes (Uint8Array)'),
  }),
]);
export type ApiRequest = z.infer<typeof ApiRequest>;
export type ApiMethod = ApiRequest['method'];

/** What each method answers with. */
export interface ApiResults {
  getSnapshot: EngineSnapshot;
  getConfig: AppConfig;
  listModels: ModelListEntry[];
  addCamera: { id: string };
  removeCamera: { removed: boolean };
  updateCamera: { updated: boolean };
  setSettings: EngineSettings;
  reorderCameras: { reordered: boolean };
  setGroups: CameraGroup[];
  listEvents: EventPage;
  deleteEvent: { deleted: boolean };
  getEventImage: Uint8Array;
  getEventsStatus: EventsStatus;
  setEventSettings: EventSettings;
  /** The file's reference, and where it is on the engine's machine (a model is chosen by its path). */
  keepMedia: { ref: string; path: string };
}

/** A `media:` reference to a file of the media folder. */
export const MediaRef = z.string().regex(/^media:[0-9a-f]{64}\.[a-z0-9]{2,6}$/, 'not a media reference');

/**
 * What each method's answer must look like: every bridge validates the value it gets back, so a
 * renderer never works on an answer of the wrong shape.
 */
export const ApiResultSchemas: { [M in ApiMethod]: z.ZodType<ApiResults[M]> } = {
  getSnapshot: EngineSnapshot,
  getConfig: AppConfig,
  listModels: z.array(ModelListEntry),
  addCamera: z.object({ id: CameraId }),
  removeCamera: z.object({ removed: z.boolean() }),
  updateCamera: z.object({ updated: z.boolean() }),
  setSettings: EngineSettings,
  reorderCameras: z.object({ reordered: z.boolean() }),
  setGroups: CameraGroups,
  keepMedia: z.object({ ref: MediaRef, path: z.string().min(1).max(4096) }),
  listEvents: EventPage,
  deleteEvent: z.object({ deleted: z.boolean() }),
  getEventImage: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'a JPEG (bytes)'),
  getEventsStatus: EventsStatus,
  setEventSettings: EventSettings,
};

/** Checks an answer against its method's schema; throws with the reason when it does not fit. */
export function checkResult<M extends ApiMethod>(method: M, value: unknown): ApiResults[M] {
  const parsed = ApiResultSchemas[method].safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`${method}: the engine's answer has the wrong shape (${issue?.message ?? 'invalid'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''})`);
}

export const ApiResponse = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  /** status: an HTTP-like code when one says it best (403: the signed-in user's role may not do this). */
  z.object({ ok: z.literal(false), error: z.string().max(2000), status: z.number().int().min(400).max(599).optional() }),
]);
export type ApiResponse = z.infer<typeof ApiResponse>;

export const Notice = z.object({
  level: z.enum(['info', 'warning', 'error']),
  message: z.string().max(2000),
});
export type Notice = z.infer<typeof Notice>;

/** Pushed from the engine to every renderer. */
export const ApiEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('snapshot'), snapshot: EngineSnapshot }),
  z.object({ type: z.literal('config'), config: AppConfig }),
  z.object({ type: z.literal('notice'), notice: Notice }),
  /** The cameras this renderer must capture (serve mode: each camera is captured by one page only). */
  z.object({ type: z.literal('capture-assignment'), cameraIds: z.array(CameraId).max(64) }),
  /** An event began, improved or ended. */
  z.object({ type: z.literal('event'), change: EventChange }),
  z.object({ type: z.literal('events-status'), status: EventsStatus }),
]);
export type ApiEvent = z.infer<typeof ApiEvent>;

/** One camera's frame path: frames out, results and drop notices back. */
export interface FrameChannel {
  readonly cameraId: string;
  /** True once the channel can carry nothing more (socket dropped, port handed on). */
  readonly closed?: boolean;
  /**
   * Desktop: hands the MessagePort itself over (to the page's capture worker; typed unknown here
   * because this file is also built without the DOM); the channel is closed from then on. Absent
   * where there is no port (serve mode).
   */
  takePort?(): unknown;
  send(frame: FrameMessage): void;
  onMessage(listener: (message: FrameChannelInbound) => void): () => void;
  /** The camera's worker wants a full-size picture for a track (on a port it goes to whoever holds the port). */
  onSnapshotRequest(listener: (request: SnapshotRequestMessage) => void): () => void;
  /** The page's picture for a track, the answer to a snapshot request. */
  sendSnapshot(message: TrackSnapshotMessage): void;
  close(): void;
}

/**
 * What the renderer codes against. `window.multicam` in the desktop app (exposed by the preload
 * script), a WebSocket client in serve mode.
 */
export interface EngineBridge {
  readonly kind: 'electron' | 'web';
  request<M extends ApiMethod>(request: Extract<ApiRequest, { method: M }>): Promise<ApiResults[M]>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Called with a ready channel whenever the engine (re)starts a camera's worker. */
  onFrameChannel(listener: (channel: FrameChannel) => void): () => void;
  /** Engine-side cameras' live view: video fragments (MSE), results, and JPEG previews with their frame's detections. */
  onPreview(listener: (message: LiveViewMessage) => void): () => void;
  /** Keeps a picked picture, video or model in the engine's media folder: its `media:` reference and path there. */
  keepMedia(file: Blob, type: string): Promise<{ ref: string; path: string }>;
  /** A loadable URL for a `media:` reference (serve mode asks the server for a signed link). */
  mediaUrl(ref: string): Promise<string>;
}
