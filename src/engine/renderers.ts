/**
 * The renderers connected to the engine (serve mode's pages; the desktop app's windows) and
 * which of them captures which camera. A camera whose frames come from a page must be captured by
 * exactly one page, or two pages would feed it twice: the assignment lives here, once, for every
 * transport.
 *
 * A page's frame reaches its camera's worker untouched: main reads only which camera it is for,
 * checks that this page captures that camera, and forwards the bytes. The worker validates it and
 * answers under the page's own frame id; the answer goes back to the page that captures the camera.
 * Snapshot requests (a track wants a full-size picture) take the same way back, and the page's
 * picture the same way in: only from the page that captures that camera, only for a track it was
 * asked about, untouched.
 */
import type { ApiEvent } from '../shared/contracts/engine-api';
import { peekBinary, peekFrame, type FrameChannelInbound, type FrameDroppedMessage, type SnapshotRequestMessage } from '../shared/contracts/frames';
import type { CameraConfig } from '../shared/contracts/config';
import type { LiveViewMessage } from '../shared/contracts/live';
import { LiveCache } from './live-cache';
import { isEngineSource } from '../shared/contracts/sources';
import { CaptureAssignments, capturedByPage } from './capture';

export interface RendererClient {
  readonly id: number;
  /** An engine event for this renderer; optional ones (snapshots) may be skipped by a slow client. */
  sendEvent(event: ApiEvent, optional: boolean): void;
  /** A result or drop notice for a frame this renderer sent. */
  sendFrameReply(message: FrameChannelInbound): void;
  /** An engine-side camera's live view: video fragments, results, JPEG previews (every renderer shows every camera). */
  sendPreview?(message: LiveViewMessage): void;
  /** A track of a camera this renderer captures wants a full-size picture (absent: the renderer's worker port carries it). */
  sendSnapshotRequest?(request: SnapshotRequestMessage): void;
  /**
   * Present on a client whose frames go straight to the workers (the desktop page, frame-ports.ts):
   * this camera's end of a new channel to its worker. Such a client sends no frames through here.
   */
  takeFramePort?(cameraId: string, port: unknown): void;
  /** False for a renderer that may not feed cameras (serve mode's viewer role): it is given none to capture. */
  readonly captures?: boolean;
}

export interface RendererHubDeps {
  /** What a renderer that just connected needs first: config, snapshot, notices. */
  initialEvents(): ApiEvent[];
  cameras(): CameraConfig[];
  /** Forwards one binary frame to the camera's worker; false when it has no running worker. */
  forwardFrame(cameraId: string, bytes: Uint8Array): boolean;
  /** Forwards a page's picture for a track (binary) to the camera's worker; false when it has no running worker. */
  forwardTrackSnapshot(cameraId: string, bytes: Uint8Array): boolean;
  hasCamera(cameraId: string): boolean;
  /** How many renderers are connected, after each change: previews are made only while any is. */
  watching?(renderers: number): void;
}

/** Outstanding snapshot requests kept at most, and for how long one may be answered. */
const MAX_ASKED = 256;
const ASKED_FOR_MS = 60_000;

export class RendererHub {
  private readonly clients = new Set<RendererClient>();
  private readonly assignments = new CaptureAssignments<RendererClient>();
  /** Cameras no page captures (`external`): the client that last sent each one a frame gets its answers. */
  private readonly pushers = new Map<string, RendererClient>();
  /** Snapshot requests sent to a page and not answered yet (`camera:track` -> when), so a page cannot push pictures unasked. */
  private readonly asked = new Map<string, number>();

  /** Each engine-side camera's init segment and fragments since its last keyframe, for renderers that connect later. */
  private readonly live = new LiveCache();

  constructor(private readonly deps: RendererHubDeps) {}

  get size(): number {
    return this.clients.size;
  }

  /** Connects a renderer: it gets the initial events and its capture assignment. Returns the disconnect. */
  connect(client: RendererClient): () => void {
    this.clients.add(client);
    for (const event of this.deps.initialEvents()) client.sendEvent(event, false);
    this.assignments.setCameras(this.pageCameraIds());
    if (client.captures !== false) this.assignments.addClient(client);
    const changed = this.assignments.rebalance();
    client.sendEvent({ type: 'capture-assignment', cameraIds: this.assignments.camerasOf(client) }, false);
    this.sendAssignments(changed, client);
    // A renderer that joins while others watch starts at each camera's latest keyframe.
    if (client.sendPreview) {
      const engineCameras = this.deps.cameras().flatMap((c) => (c.id && isEngineSource(c.source) ? [c.id] : []));
      for (const id of this.live.cameraIds()) if (!engineCameras.includes(id)) this.live.forget(id);
      for (const message of this.live.start(engineCameras)) client.sendPreview(message);
    }
    this.deps.watching?.(this.clients.size);
    return () => this.disconnect(client);
  }

  /** An engine-side camera's live view, to every renderer. */
  preview(message: LiveViewMessage): void {
    this.live.note(message);
    for (const client of this.clients) client.sendPreview?.(message);
  }

  /** Sends an engine event to every renderer; a config change may move cameras between pages. */
  broadcast(event: ApiEvent): void {
    const optional = event.type === 'snapshot';
    for (const client of this.clients) client.sendEvent(event, optional);
    if (event.type === 'config') {
      this.assignments.setCameras(this.pageCameraIds());
      this.sendAssignments(this.assignments.rebalance());
    }
  }

  /**
   * One frame from a renderer, in its binary form. Returns an error for a message that is not a
   * frame at all (the transport counts it); a frame for a camera this page does not capture, for a
   * camera the engine reads itself, or one whose worker is not running, is answered as dropped.
   *
   * `admit` (the transport's rate limit) is asked only once the frame is known to be this
   * client's to send: a client flooding someone else's camera is refused as such and charges no
   * bucket, so it cannot use up the rate of the page that captures that camera. A non-null answer
   * is the reason the frame is refused.
   */
  submitFrame(client: RendererClient, bytes: Uint8Array, admit?: (cameraId: string) => string | null): string | null {
    const head = peekFrame(bytes);
    if (!head) return 'frame rejected: its header does not name a camera and a frame id';
    const drop = (reason: FrameDroppedMessage['reason'], message?: string): void =>
      client.sendFrameReply({ type: 'frame-dropped', cameraId: head.cameraId, frameId: head.frameId, reason, ...(message ? { message } : {}) });
    const camera = this.deps.hasCamera(head.cameraId) ? this.deps.cameras().find((c) => c.id === head.cameraId) : undefined;
    if (!camera) {
      drop('rejected', `no camera ${head.cameraId}`);
      return null;
    }
    // Its own ffmpeg feeds it: a page's frames would be detections (events, MQTT) of pictures it never saw.
    if (isEngineSource(camera.source)) {
      drop('rejected', `camera ${head.cameraId} reads its own source (${camera.source.kind}) in the engine; it takes no frames from pages`);
      return null;
    }
    const owner = this.assignments.ownerOf(head.cameraId);
    // A page's camera takes frames from its owner only; an `external` one from whoever sends them.
    if (owner !== client && (owner !== undefined || capturedByPage(camera))) {
      drop('rejected', `camera ${head.cameraId} is captured by another page`);
      return null;
    }
    const refusal = admit?.(head.cameraId);
    if (refusal) {
      drop('rejected', refusal);
      return null;
    }
    if (owner === undefined) this.pushers.set(head.cameraId, client);
    if (!this.deps.forwardFrame(head.cameraId, bytes)) drop('not-ready');
    return null;
  }

  /** A worker's answer goes to the page that captures its camera. */
  deliver(message: FrameChannelInbound): void {
    this.senderOf(message.cameraId)?.sendFrameReply(message);
  }

  /** A worker's request for a picture goes the same way as its answers. */
  requestSnapshot(request: SnapshotRequestMessage): void {
    const client = this.senderOf(request.cameraId);
    if (!client?.sendSnapshotRequest) return;
    const now = Date.now();
    if (this.asked.size >= MAX_ASKED) for (const [key, at] of this.asked) if (now - at > ASKED_FOR_MS) this.asked.delete(key);
    if (this.asked.size < MAX_ASKED) this.asked.set(`${request.cameraId}:${request.trackId}`, now);
    client.sendSnapshotRequest(request);
  }

  /**
   * A page's picture for a track, in its binary form: forwarded untouched (the worker validates it)
   * when this page is the one that sends the camera its frames. Otherwise, an error for the transport to count.
   */
  submitTrackSnapshot(client: RendererClient, bytes: Uint8Array): string | null {
    const head = peekBinary(bytes);
    if (head?.kind !== 'track-snapshot') return 'track snapshot rejected: its header does not name a camera and a track id';
    if (!this.deps.hasCamera(head.cameraId)) return `track snapshot rejected: no camera ${head.cameraId}`;
    if (this.senderOf(head.cameraId) !== client) return `track snapshot rejected: camera ${head.cameraId} does not take frames from this page`;
    if (!this.asked.delete(`${head.cameraId}:${head.trackId}`)) return `track snapshot rejected: no picture of track ${head.trackId} of camera ${head.cameraId} was asked for`;
    if (!this.deps.forwardTrackSnapshot(head.cameraId, bytes)) return `track snapshot dropped: camera ${head.cameraId} has no running worker`;
    return null;
  }

  /**
   * The client that should hold a camera's direct frame port: the page that captures it; for a
   * camera no page captures (engine-side, external), the oldest client that takes ports, so its
   * live view and the answers to pushed frames have a way to a page.
   */
  portHolderOf(cameraId: string): (RendererClient & Required<Pick<RendererClient, 'takeFramePort'>>) | undefined {
    const takesPorts = (c: RendererClient | undefined): c is RendererClient & Required<Pick<RendererClient, 'takeFramePort'>> => !!c?.takeFramePort;
    if (this.pageCameraIds().includes(cameraId)) {
      const owner = this.assignments.ownerOf(cameraId);
      return takesPorts(owner) ? owner : undefined;
    }
    for (const client of this.clients) if (takesPorts(client)) return client;
    return undefined;
  }

  /** The renderer whose frames a camera takes: the page that captures it, or the last client that pushed it one. */
  private senderOf(cameraId: string): RendererClient | undefined {
    return this.assignments.ownerOf(cameraId) ?? this.pushers.get(cameraId);
  }

  private disconnect(client: RendererClient): void {
    if (!this.clients.delete(client)) return;
    for (const [cameraId, pusher] of this.pushers) if (pusher === client) this.pushers.delete(cameraId);
    this.assignments.removeClient(client);
    this.sendAssignments(this.assignments.rebalance());
    // Nobody watches: the workers stop sending, so what is kept would only grow stale.
    if (![...this.clients].some((c) => c.sendPreview)) for (const id of this.live.cameraIds()) this.live.forget(id);
    this.deps.watching?.(this.clients.size);
  }

  private sendAssignments(changed: Map<RendererClient, string[]>, except?: RendererClient): void {
    for (const [client, cameraIds] of changed) {
      if (client !== except) client.sendEvent({ type: 'capture-assignment', cameraIds }, false);
    }
  }

  private pageCameraIds(): string[] {
    return this.deps.cameras().filter(capturedByPage).flatMap((c) => (c.id ? [c.id] : []));
  }
}
