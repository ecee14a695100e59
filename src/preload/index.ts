/**
 * The desktop window's preload (sandboxed, so it is bundled as one CommonJS file). It exposes one
 * small API as `window.multicam` and nothing else; ipcRenderer itself never reaches the page.
 *
 *   request(request)  -> Promise<ApiResponse>   (ApiRequest, validated again in main)
 *   onEvent(listener) -> unsubscribe            (ApiEvent pushes from the engine)
 *
 * Each camera's MessagePort arrives from main on the port channel and is handed to the page with
 * window.postMessage({ type: 'multicam:port', cameraId }, '*', [port]).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CHANNELS, IPC_PREFIX, type MulticamPreloadApi } from '../shared/contracts/desktop-ipc';
import type { ApiResponse } from '../shared/contracts/engine-api';

function channel(name: string): string {
  if (!name.startsWith(IPC_PREFIX)) throw new Error(`channel ${name} is not one of the app's`);
  return name;
}

const REQUEST = channel(IPC_CHANNELS.request);
const EVENT = channel(IPC_CHANNELS.event);
const PORT = channel(IPC_CHANNELS.port);

const api: MulticamPreloadApi = {
  request(request) {
    return ipcRenderer.invoke(REQUEST, request) as Promise<ApiResponse>;
  },
  onEvent(listener) {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(EVENT, handler);
    return () => {
      ipcRenderer.removeListener(EVENT, handler);
    };
  },
};

/** The page's window (this project's Node-side types have no DOM). */
const page = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void };

ipcRenderer.on(PORT, (event: IpcRendererEvent, payload: unknown) => {
  const cameraId = (payload as { cameraId?: unknown } | null)?.cameraId;
  if (typeof cameraId !== 'string' || event.ports.length !== 1) return;
  page.postMessage({ type: 'multicam:port', cameraId }, '*', [...event.ports]);
});

contextBridge.exposeInMainWorld('multicam', api);
