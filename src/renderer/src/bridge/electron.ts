/**
 * The desktop app's bridge: requests and events go through `window.multicam` (exposed by the
 * preload script); each camera's frames go over a MessagePort that main forwards to the page with
 * window.postMessage({ type: 'multicam:port', cameraId }, '*', [port]).
 */
import { ApiEvent, ApiResponse, checkResult, type ApiMethod, type ApiRequest, type ApiResults, type EngineBridge, type FrameChannel } from '../../../shared/contracts/engine-api';
import { IPC_CHANNELS, type MulticamPreloadApi } from '../../../shared/contracts/desktop-ipc';
import { CameraId, FrameChannelInbound, parseMessage, SnapshotRequestMessage, type FrameMessage, type TrackSnapshotMessage } from '../../../shared/contracts/frames';
import { LiveViewMessage } from '../../../shared/contracts/live';
import { Listeners } from './events';

declare global {
  interface Window {
    multicam?: MulticamPreloadApi;
  }
}

/** A camera's MessagePort as a FrameChannel. */
class PortFrameChannel implements FrameChannel {
  private readonly listeners = new Listeners<FrameChannelInbound>();
  private readonly snapshotRequests = new Listeners<SnapshotRequestMessage>();
  closed = false;
  rejected = 0;

  constructor(
    readonly cameraId: string,
    private readonly port: MessagePort,
    onPreview: (message: LiveViewMessage) => void,
  ) {
    port.onmessage = (event: MessageEvent) => {
      // An engine-side camera's worker sends its live view on the same port: video, results, JPEG previews.
      const type = (event.data as { type?: unknown } | null)?.type;
      if (type === 'preview' || type === 'live-init' || type === 'live-media' || type === 'live-result') {
        const preview = LiveViewMessage.safeParse(event.data);
        if (preview.success && preview.data.cameraId === cameraId) onPreview(preview.data);
        else this.rejected++;
        return;
      }
      if ((event.data as { type?: unknown } | null)?.type === 'snapshot-request') {
        const request = SnapshotRequestMessage.safeParse(event.data);
        if (request.success && request.data.cameraId === cameraId) this.snapshotRequests.emit(request.data);
        else this.rejected++;
        return;
      }
      const parsed = parseMessage(FrameChannelInbound, event.data);
      if (!parsed.ok) {
        this.rejected++;
        if (this.rejected <= 5) console.warn(`[camera ${cameraId}] malformed message on frame port: ${parsed.error}`);
        return;
      }
      this.listeners.emit(parsed.value);
    };
    port.start();
  }

  send(frame: FrameMessage): void {
    if (this.closed) return;
    // The frame's bytes were made for this message alone: transfer them instead of copying.
    const buffer = frame.data.buffer;
    if (buffer instanceof ArrayBuffer && frame.data.byteOffset === 0 && frame.data.byteLength === buffer.byteLength) {
      this.port.postMessage(frame, [buffer]);
    } else {
      this.port.postMessage(frame);
    }
  }

  onMessage(listener: (message: FrameChannelInbound) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Only until the port is taken: from then on the capture worker that holds it answers requests itself. */
  onSnapshotRequest(listener: (request: SnapshotRequestMessage) => void): () => void {
    return this.snapshotRequests.add(listener);
  }

  sendSnapshot(message: TrackSnapshotMessage): void {
    if (!this.closed) this.port.postMessage(message);
  }

  takePort(): MessagePort | null {
    if (this.closed) return null;
    this.closed = true;
    this.port.onmessage = null;
    return this.port;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.onmessage = null;
    this.port.close();
  }
}

/** Unwraps what the preload answers: an ApiResponse envelope, or the value itself. */
function unwrap(raw: unknown): unknown {
  const envelope = ApiResponse.safeParse(raw);
  if (!envelope.success) return raw;
  if (envelope.data.ok) return envelope.data.value;
  throw new Error(envelope.data.error);
}

export function createElectronBridge(api: MulticamPreloadApi): EngineBridge {
  const channelListeners = new Listeners<FrameChannel>();
  const channels = new Map<string, PortFrameChannel>();
  const previews = new Listeners<LiveViewMessage>();

  window.addEventListener('message', (event: MessageEvent) => {
    // Only main (through the preload, same window) posts ports; pages from elsewhere cannot.
    if (event.source !== window) return;
    const data = event.data as { type?: unknown; cameraId?: unknown } | null;
    if (!data || data.type !== IPC_CHANNELS.port) return;
    const id = CameraId.safeParse(data.cameraId);
    const port = event.ports[0];
    if (!id.success || !port) return;
    channels.get(id.data)?.close();
    const channel = new PortFrameChannel(id.data, port, (p) => previews.emit(p));
    channels.set(id.data, channel);
    channelListeners.emit(channel);
  });

  return {
    kind: 'electron',
    async request<M extends ApiMethod>(request: Extract<ApiRequest, { method: M }>): Promise<ApiResults[M]> {
      return checkResult(request.method as M, unwrap(await api.request(request)));
    },
    async keepMedia(file, type) {
      const data = new Uint8Array(await file.arrayBuffer());
      return checkResult('keepMedia', unwrap(await api.request({ method: 'keepMedia', type, data })));
    },
    async mediaUrl(ref) {
      return `multicam-media://media/${encodeURIComponent(ref.slice('media:'.length))}`;
    },
    onEvent(listener) {
      return api.onEvent((raw) => {
        const parsed = parseMessage(ApiEvent, raw);
        if (parsed.ok) listener(parsed.value);
        else console.warn(`malformed engine event dropped: ${parsed.error}`);
      });
    },
    onPreview(listener) {
      return previews.add(listener);
    },
    onFrameChannel(listener) {
      // A channel that arrived before anyone listened is still live: hand it over.
      for (const channel of channels.values()) listener(channel);
      return channelListeners.add(listener);
    },
  };
}
