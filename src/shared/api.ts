/**
 * The renderer's API to the engine. The desktop app carries it over the preload bridge
 * (ipcRenderer.invoke + pushes, MessagePorts for frames); serve mode carries the same messages over
 * one WebSocket. Both ends validate with these schemas.
 */
import { z } from 'zod';
import {
  AppConfig,
  CameraConfig,
  CameraId,
  EngineSettings,
  EngineSnapshot,
  FrameDroppedMessage,
  FrameMessage,
  ModelListEntry,
  ResultMessage,
} from './protocol';

export const ApiRequest = z.discriminatedUnion('method', [
  z.object({ method: z.literal('getSnapshot') }),
  z.object({ method: z.literal('getConfig') }),
  z.object({ method: z.literal('listModels') }),
  z.object({ method: z.literal('addCamera'), camera: CameraConfig }),
  z.object({ method: z.literal('removeCamera'), id: CameraId }),
  z.object({ method: z.literal('updateCamera'), id: CameraId, patch: CameraConfig.omit({ id: true }).partial() }),
  z.object({ method: z.literal('setSettings'), settings: EngineSettings.partial() }),
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
}

export const ApiResponse = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: z.string().max(2000) }),
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
]);
export type ApiEvent = z.infer<typeof ApiEvent>;

export const FrameChannelInbound = z.discriminatedUnion('type', [ResultMessage, FrameDroppedMessage]);
export type FrameChannelInbound = z.infer<typeof FrameChannelInbound>;
export { FrameMessage };

/** The channel's name in ipcMain/ipcRenderer: the app accepts only channels with this prefix. */
export const IPC_PREFIX = 'multicam:';
export const IPC_CHANNELS = {
  request: `${IPC_PREFIX}request`,
  event: `${IPC_PREFIX}event`,
  port: `${IPC_PREFIX}port`,
} as const;

/** One camera's frame path: frames out, results and drop notices back. */
export interface FrameChannel {
  readonly cameraId: string;
  send(frame: FrameMessage): void;
  onMessage(listener: (message: FrameChannelInbound) => void): () => void;
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
}
