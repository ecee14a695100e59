/**
 * The page side of a camera's frame path, one per camera id (it outlives a change of source): it
 * owns the camera's capture worker, hands it the camera's FrameChannel (desktop: the MessagePort
 * itself, so frames go from the worker straight to the engine; serve mode: frames come back here
 * and go on the WebSocket), tells it what to build (model size, max fps, frames in flight), and
 * turns what comes back into results for the overlay, notices and the capture figures. In serve
 * mode it also passes the engine's snapshot requests to the worker and the worker's pictures back
 * to the channel (on the desktop both stay on the worker's port).
 */
import type { CameraStatus, FrameChannel } from '../../../shared/contracts/engine-api';
import type { FrameChannelInbound } from '../../../shared/contracts/frames';
import { pushNotice, setCaptureStatus, type LatestResult } from '../state/store';
import type { FromCaptureWorker, SendTarget, ToCaptureWorker } from './worker-protocol';

const REJECT_NOTICE_EVERY_MS = 10_000;

export class CaptureSender {
  /** Started with the first picture: a camera the page never captures costs no worker. */
  private worker: Worker | null = null;
  /** The latest target and channel, for a worker that is not started yet. */
  private early: { target?: ToCaptureWorker; channel?: { message: ToCaptureWorker; transfer: Transferable[] } } = {};
  private channel: FrameChannel | null = null;
  private offChannel: (() => void) | null = null;
  private lastTarget = '';
  private name: string;
  private lastRejectNoticeAt = 0;
  private rejectedInRow = 0;
  private closed = false;

  constructor(
    readonly cameraId: string,
    private readonly onResult: (cameraId: string, latest: LatestResult) => void,
  ) {
    this.name = cameraId;
  }

  post(message: ToCaptureWorker, transfer: Transferable[] = []): void {
    if (this.closed) return;
    if (!this.worker) {
      if (message.type === 'target') this.early.target = message;
      else if (message.type === 'channel') this.early.channel = { message, transfer };
      if (message.type !== 'stream' && message.type !== 'picture') return;
      this.startWorker();
    }
    this.worker!.postMessage(message, transfer);
  }

  private startWorker(): void {
    const worker = new Worker(new URL('./capture-worker.ts', import.meta.url), { type: 'module', name: `capture-${this.cameraId}` });
    worker.onmessage = (event: MessageEvent<FromCaptureWorker>) => this.onWorkerMessage(event.data);
    this.worker = worker;
    if (this.early.target) worker.postMessage(this.early.target);
    if (this.early.channel) worker.postMessage(this.early.channel.message, this.early.channel.transfer);
    this.early = {};
  }

  /** What the worker builds, from the engine's view of the camera; null: send nothing. */
  setTarget(status: CameraStatus, assigned: boolean, maxInFlight: number): void {
    this.name = status.name;
    const target: SendTarget | null =
      assigned && status.state === 'running' && status.modelInfo
        ? {
            cameraId: status.id,
            width: status.modelInfo.inputWidth,
            height: status.modelInfo.inputHeight,
            maxFps: status.maxFps ?? 0,
            maxInFlight,
          }
        : null;
    const key = JSON.stringify(target);
    if (key === this.lastTarget) return;
    this.lastTarget = key;
    this.post({ type: 'target', target });
  }

  /** Send nothing until the next setTarget. */
  pause(): void {
    if (this.lastTarget === 'null') return;
    this.lastTarget = 'null';
    this.post({ type: 'target', target: null });
  }

  /** A new frame path (the engine's worker restarted, or the page reconnected). */
  setChannel(channel: FrameChannel): void {
    this.offChannel?.();
    this.offChannel = null;
    this.channel = channel;
    const port = (channel.takePort?.() as MessagePort | null | undefined) ?? null;
    if (port) {
      this.post({ type: 'channel', port }, [port]);
      return;
    }
    const offMessages = channel.onMessage((message) => {
      this.post({ type: 'inbound', message });
      this.onInbound(message);
    });
    const offRequests = channel.onSnapshotRequest((request) => this.post({ type: 'snapshot-request', request }));
    this.offChannel = () => {
      offMessages();
      offRequests();
    };
    this.post({ type: 'channel', port: null });
  }

  dispose(): void {
    this.closed = true;
    this.offChannel?.();
    this.worker?.terminate();
  }

  private onWorkerMessage(message: FromCaptureWorker): void {
    if (this.closed) return;
    switch (message.type) {
      case 'frame': {
        const channel = this.channel;
        if (channel && !channel.closed) {
          channel.send(message.frame);
        } else {
          // No way to the engine right now: give the credit back at once.
          this.post({ type: 'inbound', message: { type: 'frame-dropped', cameraId: this.cameraId, frameId: message.frame.frameId, reason: 'not-ready' } });
        }
        break;
      }
      case 'inbound':
        this.onInbound(message.message);
        break;
      case 'track-snapshot':
        if (this.channel && !this.channel.closed) this.channel.sendSnapshot(message.message);
        break;
      case 'stats':
        setCaptureStatus(this.cameraId, {
          fps: message.stats.sourceFps,
          sentFps: message.stats.sentFps,
          sent: message.stats.sent,
          replaced: message.stats.replaced,
          buildMsMax: message.stats.buildMsMax,
        });
        break;
    }
  }

  private onInbound(message: FrameChannelInbound): void {
    if (message.type === 'result') {
      this.rejectedInRow = 0;
      this.onResult(message.cameraId, { result: message, receivedAt: Date.now() });
    } else if (message.reason === 'rejected' && ++this.rejectedInRow >= 5 && Date.now() - this.lastRejectNoticeAt > REJECT_NOTICE_EVERY_MS) {
      // Frames rejected again and again are a bug or a bad configuration, not load (one or two go
      // when a camera is removed): say it, but not at frame rate.
      this.lastRejectNoticeAt = Date.now();
      pushNotice({ level: 'warning', message: `${this.name}: a frame was rejected${message.message ? `: ${message.message}` : ''}` });
    }
  }
}
