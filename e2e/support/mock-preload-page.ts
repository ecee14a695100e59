/**
 * MOCK of the desktop app's preload script, for the one thing Electron's absence hides here: the
 * renderer's Electron bridge (src/renderer/src/bridge/electron.ts). It runs in the page, before
 * the page's own scripts (mock-preload.ts bundles it for page.addInitScript), and exposes
 * `window.multicam`, typed against the one declaration of the preload's surface
 * (MulticamPreloadApi), and hands the page one MessagePort per running camera with
 * window.postMessage({ type: 'multicam:port', cameraId }, '*', [port]), as main and the preload do.
 *
 * Behind it, instead of Electron IPC and a worker's port, it talks to serve mode's WebSocket (the
 * same engine), frames in the wire's binary form (the real encodeFrame); snapshot requests come
 * to the page over the camera's port and the pictures that answer them go back as binary messages
 * (the real encodeTrackSnapshot); keepMedia and getEventImage, whose bytes main carries over IPC,
 * go to serve mode's HTTP routes (a JSON socket cannot carry bytes). Requests are answered with
 * ApiResponse envelopes ({ ok, value } / { ok, error }), which the bridge unwraps and validates;
 * it refuses the page's first three requests, to see the page retry a refused request. Like the
 * real preload it passes events and results on as they come: the bridge validates them. Like
 * the desktop app's engine, serve mode's outlives the page: a reloaded page gets new ports to the
 * same workers.
 *
 * Type-checked with the DOM by tsconfig.e2e.json (the rest of e2e/ is Node code).
 */
import type { MulticamPreloadApi } from '../../src/shared/contracts/desktop-ipc';
import type { ApiEvent, ApiRequest, ApiResponse, EngineSnapshot } from '../../src/shared/contracts/engine-api';
import { encodeFrame, encodeTrackSnapshot, type FrameMessage, type TrackSnapshotMessage } from '../../src/shared/contracts/frames';
import type { WsClientMessage, WsServerMessage } from '../../src/shared/contracts/ws';
import type { MockPreloadCounters } from './mock-preload-counters';

declare global {
  interface Window {
    multicam?: MulticamPreloadApi;
    __mockPreload?: MockPreloadCounters;
  }
}

/** Requests refused before the "engine" is up. Counted, not timed, so a slow page load on a busy machine still meets them. */
const REFUSED_REQUESTS = 3;

const counters: MockPreloadCounters = { framesOverPorts: 0, resultsOverPorts: 0, snapshotsOverPorts: 0, portsSent: 0, refusedEarly: 0 };
window.__mockPreload = counters;

const token = new URLSearchParams(location.search).get('token') ?? '';
const socket = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
socket.binaryType = 'arraybuffer';
const open = new Promise<void>((resolve) => socket.addEventListener('open', () => resolve(), { once: true }));
const pending = new Map<number, (response: ApiResponse) => void>();
const listeners = new Set<(event: ApiEvent | unknown) => void>();
/** Each running camera's port, and the worker pid it was made for (a new worker gets a new port). */
const ports = new Map<string, { port: MessagePort; pid: number | null }>();
let nextId = 1;
/**
 * Events that came before the page listened. Main connects a page only once it has loaded, when it
 * listens; this socket opens before the page's scripts run, so the mock holds them until then.
 */
const early: ApiEvent[] = [];
const MAX_EARLY_EVENTS = 100;

function refreshPorts(snapshot: EngineSnapshot): void {
  for (const camera of snapshot.cameras) {
    if (camera.state !== 'running') continue;
    const current = ports.get(camera.id);
    if (current && current.pid === camera.pid) continue;
    current?.port.close();
    const channel = new MessageChannel();
    channel.port1.onmessage = (event: MessageEvent<FrameMessage | TrackSnapshotMessage>) => {
      if (event.data.type === 'track-snapshot') {
        counters.snapshotsOverPorts++;
        socket.send(encodeTrackSnapshot(event.data));
        return;
      }
      counters.framesOverPorts++;
      socket.send(encodeFrame(event.data));
    };
    ports.set(camera.id, { port: channel.port1, pid: camera.pid });
    counters.portsSent++;
    window.postMessage({ type: 'multicam:port', cameraId: camera.id }, '*', [channel.port2]);
  }
}

socket.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (typeof event.data !== 'string') return;
  const message = JSON.parse(event.data) as WsServerMessage;
  if (message.kind === 'response') {
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve?.(message.response);
  } else if (message.kind === 'event') {
    // Held in order until the page listens and they are handed over.
    if (listeners.size === 0 || early.length > 0) {
      if (early.length < MAX_EARLY_EVENTS) early.push(message.event);
      return;
    }
    deliver(message.event);
  } else if (message.kind === 'snapshot-request') {
    ports.get(message.message.cameraId)?.port.postMessage(message.message);
  } else if (message.kind === 'frame') {
    const entry = ports.get(message.message.cameraId);
    if (entry) {
      counters.resultsOverPorts++;
      entry.port.postMessage(message.message);
    }
  }
});

/** An event for the page; a snapshot first gives the page a port for each camera that has a new worker. */
function deliver(event: ApiEvent): void {
  if (event.type === 'snapshot') refreshPorts(event.snapshot);
  for (const listener of listeners) listener(event);
}

/** One HTTP request to serve mode with the token, as an ApiResponse: the value read by `read`, or the engine's error. */
async function overHttp(url: string, init: RequestInit, read: (res: Response) => Promise<unknown>): Promise<ApiResponse> {
  const res = await fetch(url, { ...init, headers: { ...init.headers, Authorization: `Bearer ${token}` } });
  if (res.ok) return { ok: true, value: await read(res) };
  const body = (await res.json().catch(() => null)) as { error?: unknown } | null;
  return { ok: false, error: typeof body?.error === 'string' ? body.error : `HTTP ${res.status}` };
}

window.multicam = {
  async request(request) {
    if (counters.refusedEarly < REFUSED_REQUESTS) {
      counters.refusedEarly++;
      return { ok: false, error: 'refused by the mock preload (the page must retry)' };
    }
    // Main answers these with bytes over IPC; a JSON socket cannot carry bytes, so the mock uses serve mode's HTTP routes.
    if (request.method === 'keepMedia') {
      const { type, data } = request as Extract<ApiRequest, { method: 'keepMedia' }>;
      return overHttp('api/media', { method: 'PUT', body: data as BufferSource, headers: { 'Content-Type': type } }, (res) => res.json());
    }
    if (request.method === 'getEventImage') {
      const { id, kind } = request as Extract<ApiRequest, { method: 'getEventImage' }>;
      return overHttp(`api/events/${encodeURIComponent(id)}/${kind}.jpg`, {}, async (res) => new Uint8Array(await res.arrayBuffer()));
    }
    await open;
    const id = nextId++;
    return new Promise<ApiResponse>((resolve) => {
      pending.set(id, resolve);
      socket.send(JSON.stringify({ kind: 'request', id, request } satisfies WsClientMessage));
    });
  },
  onEvent(listener) {
    listeners.add(listener);
    // The events (and ports) that came before the page listened, as main sends them once the page has
    // loaded: after this task, so every listener the page adds now gets them, none in the middle of onEvent.
    if (early.length > 0 && listeners.size === 1) setTimeout(() => early.splice(0).forEach(deliver), 0);
    return () => {
      listeners.delete(listener);
    };
  },
} satisfies MulticamPreloadApi;
