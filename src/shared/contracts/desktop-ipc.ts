/**
 * The desktop app's IPC: the channels the preload may use, and the one surface the preload exposes
 * as `window.multicam`. The preload, the renderer's Electron bridge and the E2E mock preload all
 * import this type, so the surface is declared once.
 */
import type { ApiEvent, ApiMethod, ApiRequest, ApiResponse } from './engine-api';

/** The channel's name in ipcMain/ipcRenderer: the app accepts only channels with this prefix. */
export const IPC_PREFIX = 'multicam:';
export const IPC_CHANNELS = {
  request: `${IPC_PREFIX}request`,
  event: `${IPC_PREFIX}event`,
  port: `${IPC_PREFIX}port`,
} as const;

/** What the preload exposes as `window.multicam`. Only these two functions cross the context bridge. */
export interface MulticamPreloadApi {
  /** One ApiRequest, validated again in main; resolves with its ApiResponse (validate it too). */
  request<M extends ApiMethod>(request: Extract<ApiRequest, { method: M }>): Promise<ApiResponse>;
  /** ApiEvent pushes from the engine, as received (validate them). Returns the unsubscribe. */
  onEvent(listener: (event: ApiEvent | unknown) => void): () => void;
}
