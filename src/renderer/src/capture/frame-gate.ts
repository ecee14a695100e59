/**
 * Capture worker: flow control by credit, on pictures rather than built frames. At most
 * maxInFlight frames are out at once; a picture that arrives while none is free waits, and a newer
 * one replaces it (the older is let go unbuilt), so only pictures that will be sent are ever
 * letterboxed. Each result or drop notice returns one credit; a new channel (the engine's worker
 * restarted) and an answer more than 5 s overdue reset them. Frames leave over the camera's
 * MessagePort (desktop) or through the page (serve mode's WebSocket). The engine's snapshot requests
 * come the same way; each is answered with a full-size JPEG of the next picture (snapshot-taker.ts),
 * sent on the same path, and never takes or returns a credit.
 */
import { FrameChannelInbound, parseMessage, SnapshotRequestMessage, type FrameMessage, type TrackSnapshotMessage } from '../../../shared/contracts/frames';
import { RateMeter } from '../../../shared/stats';
import { FrameBuilder, type Picture } from './frame-builder';
import { SnapshotTaker } from './snapshot-taker';
import type { CaptureWorkerStats, FromCaptureWorker, SendTarget } from './worker-protocol';

const CREDIT_TIMEOUT_MS = 5000;

export class FrameGate {
  private readonly builder = new FrameBuilder();
  private target: SendTarget | null = null;
  private port: MessagePort | null = null;
  private hasChannel = false;
  private inFlight = 0;
  private pending: Picture | null = null;
  private frameId = 0;
  private lastAcceptedAt = 0;
  private lastAnswerAt = 0;
  private readonly sourceRate = new RateMeter(5000);
  private readonly sentRate = new RateMeter(5000);
  private sent = 0;
  private replaced = 0;
  private buildMsMax = 0;
  private rejectedMessages = 0;
  private readonly snapshots = new SnapshotTaker((message) => this.sendSnapshot(message));

  constructor(private readonly toPage: (message: FromCaptureWorker, transfer?: Transferable[]) => void) {}

  /** A track of this camera wants a full-size picture: the next one the source delivers. */
  requestSnapshot(request: SnapshotRequestMessage): void {
    if (request.cameraId === this.target?.cameraId) this.snapshots.request(request);
  }

  setTarget(target: SendTarget | null): void {
    if (target?.cameraId !== this.target?.cameraId) this.snapshots.clear();
    this.target = target;
    if (!target) this.dropPending();
    else this.flush();
  }

  /** A new frame path: nothing sent on the old one will be answered. */
  setChannel(port: MessagePort | null): void {
    if (this.port) {
      this.port.onmessage = null;
      this.port.close();
    }
    this.port = port;
    this.hasChannel = true;
    if (port) {
      port.onmessage = (event: MessageEvent) => this.onPortMessage(event.data);
      port.start();
    }
    this.inFlight = 0;
    this.lastAnswerAt = Date.now();
    this.flush();
  }

  offer(picture: Picture): void {
    this.sourceRate.mark();
    this.snapshots.offer(picture);
    const target = this.target;
    if (!target || !this.hasChannel) return picture.release();
    const now = performance.now();
    if (target.maxFps > 0 && now - this.lastAcceptedAt < 1000 / target.maxFps - 2) return picture.release();
    this.lastAcceptedAt = now;
    if (this.inFlight > 0 && Date.now() - this.lastAnswerAt > CREDIT_TIMEOUT_MS) this.inFlight = 0;
    if (this.inFlight < target.maxInFlight) {
      this.dispatch(picture, target);
      return;
    }
    if (this.pending) {
      this.pending.release();
      this.replaced++;
    }
    this.pending = picture;
  }

  /** A frame came back (result or drop): free its credit and send the waiting picture. */
  release(): void {
    this.lastAnswerAt = Date.now();
    if (this.inFlight > 0) this.inFlight--;
    this.flush();
  }

  dropPending(): void {
    this.pending?.release();
    this.pending = null;
  }

  stats(): CaptureWorkerStats {
    const stats = {
      sourceFps: this.sourceRate.rate(5000),
      sentFps: this.sentRate.rate(5000),
      sent: this.sent,
      replaced: this.replaced,
      buildMsMax: this.buildMsMax,
    };
    this.buildMsMax = 0;
    return stats;
  }

  close(): void {
    this.dropPending();
    this.port?.close();
    this.port = null;
  }

  private flush(): void {
    const target = this.target;
    if (!this.pending || !target || this.inFlight >= target.maxInFlight) return;
    const next = this.pending;
    this.pending = null;
    this.dispatch(next, target);
  }

  private dispatch(picture: Picture, target: SendTarget): void {
    const started = performance.now();
    let frame: FrameMessage | null;
    try {
      frame = this.builder.build(picture, target.cameraId, this.frameId++, target.width, target.height);
    } finally {
      picture.release();
    }
    this.buildMsMax = Math.max(this.buildMsMax, performance.now() - started);
    if (!frame) return;
    if (this.inFlight === 0) this.lastAnswerAt = Date.now();
    this.inFlight++;
    this.sent++;
    this.sentRate.mark();
    const transfer = [frame.data.buffer as ArrayBuffer];
    if (this.port) this.port.postMessage(frame, transfer);
    else this.toPage({ type: 'frame', frame }, transfer);
  }

  private sendSnapshot(message: TrackSnapshotMessage): void {
    const transfer = [message.jpeg.buffer as ArrayBuffer];
    if (this.port) this.port.postMessage(message, transfer);
    else this.toPage({ type: 'track-snapshot', message }, transfer);
  }

  private onPortMessage(data: unknown): void {
    if ((data as { type?: unknown } | null)?.type === 'snapshot-request') {
      const request = parseMessage(SnapshotRequestMessage, data);
      if (request.ok) this.requestSnapshot(request.value);
      else if (++this.rejectedMessages <= 5) console.warn(`malformed snapshot request on the frame port dropped: ${request.error}`);
      return;
    }
    const parsed = parseMessage(FrameChannelInbound, data);
    if (!parsed.ok) {
      if (++this.rejectedMessages <= 5) console.warn(`malformed message on the frame port dropped: ${parsed.error}`);
      return;
    }
    this.release();
    this.toPage({ type: 'inbound', message: parsed.value });
  }
}
