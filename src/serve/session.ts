/**
 * One page (or script) on serve mode's WebSocket: maps the socket to a RendererClient of the
 * engine. Text messages are API requests (validated here, answered under their id); binary
 * messages are frames, held to their camera's rate (flow-limits.ts) and then handed to the engine
 * untouched, or pictures the page took for its camera's tracks (answers to snapshot requests),
 * handed on untouched too. Events, frame replies and snapshot requests go back as JSON
 * (src/shared/contracts/ws.ts).
 */
import type { Logger } from '../engine/logger';
import { WebSocket, type RawData } from 'ws';
import type { ApiEvent, ApiMethod } from '../shared/contracts/engine-api';
import { peekBinary, type FrameChannelInbound, type SnapshotRequestMessage } from '../shared/contracts/frames';
import { encodeLiveView, type LiveViewMessage } from '../shared/contracts/live';
import { LiveGate } from '../engine/live-cache';
import { MAX_WS_MESSAGE_BYTES, WsClientMessage, type WsServerMessage } from '../shared/contracts/ws';
import type { RendererClient, RendererEngine } from './engine-port';
import { forbiddenText, roleAllows, WS_BINARY_ACCESS, WS_METHOD_ACCESS, type Role } from './access';
import type { LoginSession } from './login-sessions';
import { TurnTaker, type CameraRateLimits } from './flow-limits';

/** A client that stops reading gets no snapshots until it catches up; replies still go out. */
const MAX_BUFFERED_FOR_EVENTS = 4 * 1024 * 1024;
/**
 * A client with more than this waiting to be sent to it does not read its answers (a page that
 * keeps up holds far less: optional messages stop at MAX_BUFFERED_FOR_EVENTS). It is read no more
 * and closed, or its requests would keep growing the server's memory with answers it never takes.
 */
export const MAX_UNREAD_BYTES = 16 * 1024 * 1024;
/** Invalid messages logged per client before only every thousandth is. */
const LOGGED_INVALID = 5;

/** Counters shared by every session of one server. */
export interface SessionCounters {
  invalidMessages: number;
  /** Frames answered as rejected because their camera was over its maxFps. */
  framesOverRate: number;
  /** Turns a client had to wait so the others could go first. */
  clientPauses: number;
}

export interface SessionContext {
  /** The role of whoever opened the socket: each message is checked against access.ts. */
  role: Role;
  /** The sign-in the socket was opened with (none for the token). */
  login?: LoginSession;
  /** Whether that sign-in still holds; a socket whose session ended or expired is closed at its next message. */
  loggedIn: () => boolean;
  engine: RendererEngine;
  limits: CameraRateLimits;
  counters: SessionCounters;
  /** Every frame reply this server sends (for the latency histograms). */
  onFrameReply?: (message: FrameChannelInbound) => void;
  log: Logger;
}

export class ClientSession implements RendererClient {
  /** Cleared by each ping, set by each pong: a page that stops answering is dropped. */
  alive = true;
  private invalidMessages = 0;
  private disconnect: (() => void) | null = null;
  /** Set once the client was closed for not reading: nothing more is read from it or sent to it. */
  private dropped = false;
  private readonly turns: TurnTaker;
  /** A viewer's page is given no camera to capture: its frames would be refused (access.ts). */
  readonly captures: boolean;
  private readonly live = new LiveGate();

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    private readonly context: SessionContext,
  ) {
    this.captures = roleAllows(context.role, WS_BINARY_ACCESS.frame);
    this.turns = new TurnTaker(
      () => {
        context.counters.clientPauses++;
        socket.pause();
      },
      () => socket.resume(),
    );
  }

  /** Wires the socket's events and connects to the engine; `onClose` runs once when it ends. */
  start(onClose: () => void): void {
    const { socket, context } = this;
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('error', (err) => context.log.warn({ client: this.id }, `serve: client ${this.id}: ${err.message}`));
    socket.on('close', (code) => {
      if (code === 1009) context.log.warn({ client: this.id }, `serve: client ${this.id} sent a message over ${MAX_WS_MESSAGE_BYTES} bytes; its socket was closed`);
      this.disconnect?.();
      this.disconnect = null;
      onClose();
    });
    this.disconnect = context.engine.connect(this);
  }

  get login(): LoginSession | undefined {
    return this.context.login;
  }

  sendEvent(event: ApiEvent, optional: boolean): void {
    this.send({ kind: 'event', event }, optional);
  }

  sendFrameReply(message: FrameChannelInbound): void {
    this.context.onFrameReply?.(message);
    this.send({ kind: 'frame', message });
  }

  sendSnapshotRequest(request: SnapshotRequestMessage): void {
    this.send({ kind: 'snapshot-request', message: request });
  }

  /**
   * An engine-side camera's live view, one binary message each. A client that stops reading misses
   * JPEG previews and results, and video fragments until the next keyframe (LiveGate): past
   * MAX_BUFFERED_FOR_EVENTS waiting to be sent, nothing optional is added.
   */
  sendPreview(message: LiveViewMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (!this.live.admit(message, this.socket.bufferedAmount <= MAX_BUFFERED_FOR_EVENTS)) return;
    this.socket.send(encodeLiveView(message));
    this.checkUnread();
  }

  /** Pings, or ends a client that did not answer the last ping or whose session ended. */
  checkAlive(): void {
    // A socket that only listens sends nothing to be checked at: its session is looked at here too.
    if (!this.context.loggedIn()) {
      this.socket.close(1008, 'the session ended; sign in again');
      return;
    }
    if (!this.alive) {
      this.context.log.info({ client: this.id }, `serve: client ${this.id} stopped answering; dropping it`);
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private send(message: WsServerMessage, optional = false): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (optional && this.socket.bufferedAmount > MAX_BUFFERED_FOR_EVENTS) return;
    this.socket.send(JSON.stringify(message));
    this.checkUnread();
  }

  /** Stops reading a client whose unsent answers passed MAX_UNREAD_BYTES, and closes it. */
  private checkUnread(): boolean {
    if (this.dropped) return true;
    if (this.socket.bufferedAmount <= MAX_UNREAD_BYTES) return false;
    this.dropped = true;
    this.socket.pause();
    this.context.log.warn({ client: this.id }, `serve: client ${this.id} does not read its answers (over ${MAX_UNREAD_BYTES / (1024 * 1024)} MB waiting to be sent to it); closing it`);
    // A close frame would wait behind everything it does not read: end the connection now.
    this.socket.terminate();
    return true;
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    // Messages already read in the same chunk still arrive after the socket is paused.
    if (this.checkUnread()) return;
    if (!this.context.loggedIn()) {
      this.socket.close(1008, 'the session ended; sign in again');
      return;
    }
    this.turns.count();
    const bytes = toBytes(data);
    if (isBinary) this.onFrame(bytes);
    else void this.onText(bytes);
  }

  private async onText(bytes: Uint8Array): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } catch {
      return this.invalid('text message is not JSON');
    }
    // The role first: a request this client may not make is refused whatever else it holds.
    const method = (raw as { request?: { method?: unknown } } | null)?.request?.method;
    if (typeof method === 'string' && Object.hasOwn(WS_METHOD_ACCESS, method) && !roleAllows(this.context.role, WS_METHOD_ACCESS[method as ApiMethod])) {
      const id = (raw as { id?: unknown }).id;
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
        this.send({ kind: 'response', id, response: { ok: false, status: 403, error: forbiddenText(method, this.context.role) } });
      }
      return;
    }
    const parsed = WsClientMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const error = `invalid message: ${issue?.message ?? 'not a request'}${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`;
      this.invalid(error);
      const id = (raw as { id?: unknown } | null)?.id;
      // Only an id the protocol allows can be answered (WsServerMessage ids are safe integers).
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
        this.send({ kind: 'response', id, response: { ok: false, error: error.slice(0, 2000) } });
      }
      return;
    }
    const response = await this.context.engine.handle(parsed.data.request);
    this.send({ kind: 'response', id: parsed.data.id, response });
  }

  /**
   * A frame goes to the engine untouched; the engine checks that this client may feed its camera
   * (it captures it, or the camera is `external`) and only then asks for the camera's rate
   * (flow-limits.ts), so a flood of someone else's camera charges nobody's bucket. The worker
   * validates the frame and answers.
   */
  private onFrame(bytes: Uint8Array): void {
    const head = peekBinary(bytes);
    const kind = head?.kind === 'track-snapshot' ? 'track-snapshot' : 'frame';
    if (!roleAllows(this.context.role, WS_BINARY_ACCESS[kind])) return this.invalid(forbiddenText(`sending a ${kind}`, this.context.role));
    if (head?.kind === 'track-snapshot') {
      const error = this.context.engine.submitTrackSnapshot(this, bytes);
      return error ? this.invalid(error) : undefined;
    }
    if (!head) return this.invalid('frame rejected: its header does not name a camera and a frame id');
    const error = this.context.engine.submitFrame(this, bytes, (cameraId) => {
      if (this.context.limits.allow(cameraId)) return null;
      this.context.counters.framesOverRate++;
      return `camera ${cameraId} takes at most ${this.context.limits.fpsOf(cameraId)} frames a second (its maxFps)`;
    });
    if (error) this.invalid(error);
  }

  private invalid(reason: string): void {
    this.invalidMessages++;
    this.context.counters.invalidMessages++;
    if (this.invalidMessages <= LOGGED_INVALID || this.invalidMessages % 1000 === 0) {
      this.context.log.warn({ client: this.id }, `serve: client ${this.id}: ${reason} (${this.invalidMessages} invalid so far)`);
    }
  }
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}
