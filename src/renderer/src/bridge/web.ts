/**
 * Serve mode's bridge: the renderer API over one WebSocket to /ws (see
 * src/shared/contracts/ws.ts).
 *
 * The access token comes in the address serve mode printed (?token=). The page keeps it in
 * sessionStorage (this origin only, this tab only), takes it out of the address bar at once (so it
 * is not in the history), and sends it as `Authorization: Bearer` on its fetches and as a
 * WebSocket subprotocol. Serve mode sets no cookie: a cookie for 127.0.0.1 would go to every other
 * port of it. Media files load by per-file signed links the server hands out (mediaUrl), event
 * pictures as blobs fetched with the header. Requests are JSON envelopes answered by id; frames go out as binary
 * messages; results and drop notices come back as JSON envelopes, and engine-side cameras' live
 * view as binary messages (live.ts: video fragments, results, JPEG previews). Everything received is validated. The socket reconnects by itself; pending requests fail when it drops.
 *
 * There are no ports here, so the bridge makes a FrameChannel per camera itself: a new one whenever
 * the engine reports that camera running under a new worker (pid), and again after a reconnect, so
 * the sender's credit gate starts fresh exactly when frames in flight can no longer come back.
 */
import { checkResult, type ApiEvent, type ApiMethod, type ApiRequest, type ApiResults, type EngineBridge, type FrameChannel } from '../../../shared/contracts/engine-api';
import type { FrameChannelInbound } from '../../../shared/contracts/frames';
import { parseMessage, type FrameMessage } from '../../../shared/contracts/frames';
import { type EngineSnapshot } from '../../../shared/contracts/engine-api';
import { encodeFrame, encodeTrackSnapshot, type SnapshotRequestMessage, type TrackSnapshotMessage } from '../../../shared/contracts/frames';
import { decodeLiveView, type LiveViewMessage } from '../../../shared/contracts/live';
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX, WsServerMessage, type WsClientMessage } from '../../../shared/contracts/ws';
import { Listeners } from './events';

export type ConnectionState = 'connecting' | 'open' | 'closed';

const REQUEST_TIMEOUT_MS = 30_000;
/** Where the page keeps its access token (sessionStorage: this origin, this tab). */
export const TOKEN_STORAGE_KEY = 'multicam.token';
/** Frames queued in the socket beyond this are not worth sending: the credit gate keeps this low anyway. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

class SocketFrameChannel implements FrameChannel {
  readonly listeners = new Listeners<FrameChannelInbound>();
  readonly snapshotRequests = new Listeners<SnapshotRequestMessage>();
  closed = false;

  constructor(
    readonly cameraId: string,
    private readonly sendBytes: (bytes: Uint8Array) => boolean,
  ) {}

  send(frame: FrameMessage): void {
    if (!this.closed) this.sendBytes(encodeFrame(frame));
  }

  onMessage(listener: (message: FrameChannelInbound) => void): () => void {
    return this.listeners.add(listener);
  }

  onSnapshotRequest(listener: (request: SnapshotRequestMessage) => void): () => void {
    return this.snapshotRequests.add(listener);
  }

  /** A binary message, like a frame; the engine forwards it untouched to the camera's worker. */
  sendSnapshot(message: TrackSnapshotMessage): void {
    if (!this.closed) this.sendBytes(encodeTrackSnapshot(message));
  }

  close(): void {
    this.closed = true;
  }
}

export class WebBridge implements EngineBridge {
  readonly kind = 'web' as const;
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events = new Listeners<ApiEvent>();
  private readonly channelListeners = new Listeners<FrameChannel>();
  private readonly previews = new Listeners<LiveViewMessage>();
  private readonly connectionListeners = new Listeners<ConnectionState>();
  /** Connection attempts that failed in a row (0 while connected). */
  failures = 0;
  private readonly channels = new Map<string, { channel: SocketFrameChannel; pid: number | null }>();
  private retryMs = 500;
  private state: ConnectionState = 'connecting';
  /** Messages from the server that failed validation (dropped). */
  rejected = 0;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {
    this.connect();
  }

  static fromLocation(location: Location, history: History = window.history, storage: Storage | null = sessionStorageOrNull()): WebBridge {
    const token = takeToken(location, history, storage);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return new WebBridge(`${scheme}://${location.host}/ws`, token);
  }

  get connection(): ConnectionState {
    return this.state;
  }

  onConnection(listener: (state: ConnectionState) => void): () => void {
    listener(this.state);
    return this.connectionListeners.add(listener);
  }

  request<M extends ApiMethod>(request: Extract<ApiRequest, { method: M }>): Promise<ApiResults[M]> {
    // Pictures are bytes, which a JSON answer cannot carry: serve mode serves them over HTTP.
    if (request.method === 'getEventImage') return this.eventImage(request as Extract<ApiRequest, { method: 'getEventImage' }>) as Promise<ApiResults[M]>;
    return new Promise<ApiResults[M]>((resolve, reject) => {
      const socket = this.socket;
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        reject(new Error('not connected to the engine (reconnecting)'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${request.method}: no answer from the engine within ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      // Every answer is checked against its method's schema before anyone uses it.
      const check = (value: unknown): void => {
        try {
          resolve(checkResult(request.method as M, value));
        } catch (err) {
          reject(err as Error);
        }
      };
      this.pending.set(id, { resolve: check, reject, timer });
      const message: WsClientMessage = { kind: 'request', id, request };
      socket.send(JSON.stringify(message));
    });
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.events.add(listener);
  }

  onPreview(listener: (message: LiveViewMessage) => void): () => void {
    return this.previews.add(listener);
  }

  /** Serve mode takes media over HTTP (PUT /api/media), with the token in the header. */
  async keepMedia(file: Blob, type: string): Promise<{ ref: string; path: string }> {
    const res = await fetch('api/media', { method: 'PUT', body: file, headers: { ...this.authorization(), 'Content-Type': type } });
    if (!res.ok) throw new Error(`the engine did not keep the file: ${(await res.text()).trim() || res.status}`);
    return checkResult('keepMedia', await res.json());
  }

  /** GET /api/events/ID/KIND.jpg, with the token in the header; the engine's error when it has no such picture. */
  private async eventImage({ id, kind }: { id: string; kind: 'snapshot' | 'crop' }): Promise<Uint8Array> {
    const res = await fetch(`api/events/${encodeURIComponent(id)}/${kind}.jpg`, { headers: this.authorization() });
    if (!res.ok) throw new Error(`getEventImage: ${await errorText(res)}`);
    return checkResult('getEventImage', new Uint8Array(await res.arrayBuffer()));
  }

  /** The file's signed link (GET /api/media-link/NAME, with the token): an <img> or <video> sends no header. */
  async mediaUrl(ref: string): Promise<string> {
    const res = await fetch(`api/media-link/${encodeURIComponent(ref.slice('media:'.length))}`, { headers: this.authorization() });
    if (!res.ok) throw new Error(`no link to ${ref}: ${await errorText(res)}`);
    const body = (await res.json()) as { url?: unknown };
    if (typeof body.url !== 'string' || !body.url.startsWith('media/')) throw new Error(`no link to ${ref}: the engine answered something else`);
    return body.url;
  }

  private authorization(): Record<string, string> {
    return this.token ? { Authorization: `Bearer ${this.token}` } : {};
  }

  onFrameChannel(listener: (channel: FrameChannel) => void): () => void {
    for (const { channel } of this.channels.values()) if (!channel.closed) listener(channel);
    return this.channelListeners.add(listener);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.connectionListeners.emit(state);
  }

  private connect(): void {
    this.setState('connecting');
    // The token rides as a second subprotocol; the server echoes only WS_PROTOCOL. A token that
    // cannot be a subprotocol (not one the server writes) is not offered: the server then says 401.
    const protocols = TOKEN_CHARS.test(this.token) ? [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${this.token}`] : [WS_PROTOCOL];
    const socket = new WebSocket(this.url, protocols);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.failures = 0;
      this.setState('open');
    };
    socket.onmessage = (event: MessageEvent) => this.onMessage(event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.failures++;
      this.failPending('connection to the engine lost');
      // Frames in flight on the old socket will never be answered.
      for (const { channel } of this.channels.values()) channel.close();
      this.channels.clear();
      this.setState('closed');
      const delay = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, 5000);
      setTimeout(() => this.connect(), delay);
    };
  }

  private failPending(reason: string): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(reason));
      this.pending.delete(id);
    }
  }

  private onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const decoded = decodeLiveView(new Uint8Array(data));
      if (decoded.ok) this.previews.emit(decoded.message);
      else this.rejected++;
      return;
    }
    if (typeof data !== 'string') {
      this.rejected++;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.rejected++;
      return;
    }
    const parsed = parseMessage(WsServerMessage, json);
    if (!parsed.ok) {
      this.rejected++;
      if (this.rejected <= 5) console.warn(`malformed message from the engine dropped: ${parsed.error}`);
      return;
    }
    const message = parsed.value;
    switch (message.kind) {
      case 'response': {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.response.ok) p.resolve(message.response.value);
        else p.reject(new Error(message.response.error));
        return;
      }
      case 'event':
        if (message.event.type === 'snapshot') this.refreshChannels(message.event.snapshot);
        this.events.emit(message.event);
        return;
      case 'frame':
        this.channels.get(message.message.cameraId)?.channel.listeners.emit(message.message);
        return;
      case 'snapshot-request':
        this.channels.get(message.message.cameraId)?.channel.snapshotRequests.emit(message.message);
        return;
    }
  }

  /** One channel per running worker: a new pid means a new worker, so a new channel. */
  private refreshChannels(snapshot: EngineSnapshot): void {
    const seen = new Set<string>();
    for (const camera of snapshot.cameras) {
      seen.add(camera.id);
      if (camera.state !== 'running') continue;
      const current = this.channels.get(camera.id);
      if (current && current.pid === camera.pid && !current.channel.closed) continue;
      current?.channel.close();
      const channel = new SocketFrameChannel(camera.id, (bytes) => this.sendBinary(bytes));
      this.channels.set(camera.id, { channel, pid: camera.pid });
      this.channelListeners.emit(channel);
    }
    for (const [id, { channel }] of this.channels) {
      if (seen.has(id)) continue;
      channel.close();
      this.channels.delete(id);
    }
  }

  private sendBinary(bytes: Uint8Array): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return false;
    socket.send(bytes);
    return true;
  }
}

const TOKEN_CHARS = /^[A-Za-z0-9_-]{1,1024}$/;

/**
 * The page's access token: from ?token= in its address, which is then removed from the address
 * bar (history.replaceState, so the history keeps no token) and kept in `storage`; else the one
 * kept there before (a reload, or a navigation inside the page); else none.
 */
export function takeToken(location: Location, history: History, storage: Storage | null): string {
  const url = new URL(location.href);
  const given = url.searchParams.get('token');
  if (given === null) return storage?.getItem(TOKEN_STORAGE_KEY) ?? '';
  try {
    storage?.setItem(TOKEN_STORAGE_KEY, given);
  } catch {
    // storage full or off: the token lasts as long as this page
  }
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return given;
}

function sessionStorageOrNull(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    // storage blocked for this origin
    return null;
  }
}

/** The engine's reason from an HTTP error answer ({ error } JSON), else its status. */
async function errorText(res: Response): Promise<string> {
  const text = (await res.text()).trim();
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error;
    if (typeof error === 'string') return error;
  } catch {
    // Not JSON: the text itself says it.
  }
  return text || `HTTP ${res.status}`;
}
