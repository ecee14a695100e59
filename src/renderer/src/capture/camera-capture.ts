/**
 * One camera's capture in this page: opens its source (webcam, looping video file or still image)
 * on an element the tile shows, and on each new video frame letterboxes it to the model's input
 * size, turns it into RGB bytes and offers it to the camera's credit gate. The gate lets at most
 * maxInFlight frames out at once and keeps only the newest waiting one, so a slow interpreter
 * never builds a queue. A new FrameChannel (the worker restarted) resets the gate.
 */
import type { FrameChannel } from '../../../shared/contracts/engine-api';
import type { FrameChannelInbound } from '../../../shared/contracts/frames';
import { CreditGate } from '../../../shared/credit';
import { planLetterbox } from '../../../shared/letterbox';
import type { CameraSource } from '../../../shared/contracts/config';
import type { CameraStatus } from '../../../shared/contracts/engine-api';
import type { FrameMessage } from '../../../shared/contracts/frames';
import { pushNotice, setCaptureStatus, type CaptureState, type LatestResult } from '../state/store';
import { listVideoInputs, matchDevice, PermissionDeniedError, toCaptureError } from './devices';

/** A still image has no frame clock: offer it at this rate unless the camera says less. */
const IMAGE_FPS = 10;
/** An answer this overdue is not coming (worker gone without a new channel yet): take the credit back. */
const CREDIT_TIMEOUT_MS = 5000;
const RETRY_MS = 3000;
const REJECT_NOTICE_EVERY_MS = 10_000;

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

export interface CaptureTarget {
  status: CameraStatus;
  assigned: boolean;
  maxInFlight: number;
}

export class CameraCapture {
  readonly element: HTMLVideoElement | HTMLImageElement;
  readonly sourceKey: string;
  private target: CaptureTarget;
  private channel: FrameChannel | null = null;
  private offChannel: (() => void) | null = null;
  private readonly gate: CreditGate<FrameMessage>;
  private active = false;
  private disposed = false;
  private stream: MediaStream | null = null;
  private canvas: OffscreenCanvas | HTMLCanvasElement | null = null;
  private context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null = null;
  private frameId = 0;
  private lastCaptureAt = 0;
  private lastAnswerAt = 0;
  private offered: number[] = [];
  private frameHandle: number | null = null;
  private imageTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly statsTimer: ReturnType<typeof setInterval>;
  private state: CaptureState = 'idle';
  private opening = false;
  private lastRejectNoticeAt = 0;
  private rejectedInRow = 0;

  constructor(
    target: CaptureTarget,
    private readonly onResult: (cameraId: string, latest: LatestResult) => void,
  ) {
    this.target = target;
    this.sourceKey = sourceKey(target.status.source);
    this.gate = new CreditGate<FrameMessage>((frame) => this.sendNow(frame), target.maxInFlight);
    if (target.status.source.kind === 'image') {
      const img = document.createElement('img');
      img.decoding = 'async';
      this.element = img;
    } else {
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      video.loop = target.status.source.kind === 'video';
      this.element = video;
    }
    this.element.dataset.testid = 'camera-video';
    this.element.className = 'tile-media';
    this.statsTimer = setInterval(() => this.reportStats(), 1000);
    this.update(target);
  }

  get id(): string {
    return this.target.status.id;
  }

  update(target: CaptureTarget): void {
    this.target = target;
    this.gate.setMaxInFlight(target.maxInFlight);
    const shouldRun = target.assigned && target.status.source.kind !== 'external';
    if (shouldRun && !this.active) this.start();
    else if (!shouldRun && this.active) this.stop(target.status.source.kind === 'external' ? 'idle' : 'not-assigned');
    else if (!shouldRun) this.setState(target.status.source.kind === 'external' ? 'idle' : 'not-assigned');
  }

  setChannel(channel: FrameChannel): void {
    this.offChannel?.();
    this.channel = channel;
    this.offChannel = channel.onMessage((message) => this.onChannelMessage(message));
    // Nothing sent on the old channel will be answered.
    this.lastAnswerAt = Date.now();
    this.gate.reset();
  }

  /** The device list changed: a webcam that was gone may be back. */
  onDeviceChange(): void {
    if (this.active && this.target.status.source.kind === 'webcam' && this.state !== 'live') void this.openWebcam();
  }

  dispose(): void {
    this.disposed = true;
    this.stop('idle');
    clearInterval(this.statsTimer);
    this.offChannel?.();
    this.element.remove();
  }

  // ---------------------------------------------------------------- sources

  private start(): void {
    this.active = true;
    const source = this.target.status.source;
    if (source.kind === 'webcam') void this.openWebcam();
    else if (source.kind === 'video') this.openVideo(source.url);
    else if (source.kind === 'image') this.openImage(source.url);
  }

  private stop(state: CaptureState): void {
    this.active = false;
    this.stopLoop();
    this.releaseStream();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.element instanceof HTMLVideoElement) {
      this.element.srcObject = null;
      this.element.removeAttribute('src');
    } else {
      this.element.removeAttribute('src');
    }
    this.setState(state);
  }

  private releaseStream(): void {
    if (!this.stream) return;
    for (const track of this.stream.getTracks()) {
      track.onended = null;
      track.stop();
    }
    this.stream = null;
  }

  private async openWebcam(): Promise<void> {
    const source = this.target.status.source;
    if (source.kind !== 'webcam' || this.opening || this.disposed) return;
    const video = this.element as HTMLVideoElement;
    this.opening = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.state !== 'disconnected') this.setState('opening');
    try {
      const devices = await listVideoInputs();
      const device = matchDevice(devices, source);
      if (!device) {
        this.setState('disconnected', `camera "${source.label ?? source.deviceId ?? 'default'}" is not connected; waiting for it to come back`);
        this.scheduleRetry();
        return;
      }
      const stream = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: device.deviceId } }, audio: false });
      if (!this.active || this.disposed) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      this.releaseStream();
      this.stream = stream;
      for (const track of stream.getVideoTracks()) {
        track.onended = () => {
          if (this.stream !== stream) return;
          this.releaseStream();
          this.stopLoop();
          video.srcObject = null;
          this.setState('disconnected', `camera "${device.label || source.label || 'webcam'}" was disconnected; waiting for it to come back`);
          this.scheduleRetry();
        };
      }
      video.srcObject = stream;
      await video.play().catch(() => undefined);
      this.setState('live');
      this.startLoop();
    } catch (err) {
      const error = toCaptureError(err);
      if (error instanceof PermissionDeniedError) {
        this.setState('permission-denied', error.message);
      } else if (error.name === 'NotFoundError' || error.name === 'OverconstrainedError') {
        this.setState('disconnected', `camera "${source.label ?? 'webcam'}" is not connected; waiting for it to come back`);
        this.scheduleRetry();
      } else {
        this.setState('error', `could not open the camera: ${error.message}`);
        this.scheduleRetry();
      }
    } finally {
      this.opening = false;
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || !this.active || this.disposed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.active && this.state !== 'live') void this.openWebcam();
    }, RETRY_MS);
  }

  private openVideo(url: string): void {
    const video = this.element as HTMLVideoElement;
    this.setState('opening');
    video.onerror = () => {
      if (!this.active) return;
      this.stopLoop();
      this.setState(
        'source-missing',
        url.startsWith('blob:')
          ? 'the video file was opened in another window or before a reload; pick it again (Edit)'
          : 'the video could not be loaded',
      );
    };
    video.onloadeddata = () => {
      if (!this.active) return;
      this.setState('live');
      this.startLoop();
    };
    video.src = url;
    void video.play().catch(() => undefined);
  }

  private openImage(url: string): void {
    const img = this.element as HTMLImageElement;
    this.setState('opening');
    img.onerror = () => {
      if (this.active) this.setState('source-missing', 'the image could not be loaded');
    };
    img.onload = () => {
      if (!this.active) return;
      this.setState('live');
      this.startLoop();
    };
    img.src = url;
  }

  // ---------------------------------------------------------------- the frame loop

  private startLoop(): void {
    this.stopLoop();
    if (this.element instanceof HTMLImageElement) {
      this.imageTimer = setInterval(() => this.tick(), 1000 / Math.min(IMAGE_FPS, this.target.status.maxFps ?? IMAGE_FPS));
      return;
    }
    const video = this.element as FrameCallbackVideo;
    const schedule = (): void => {
      if (!this.active) return;
      if (video.requestVideoFrameCallback) {
        this.frameHandle = video.requestVideoFrameCallback(() => {
          this.tick();
          schedule();
        });
      } else {
        this.frameHandle = requestAnimationFrame(() => {
          this.tick();
          schedule();
        });
      }
    };
    schedule();
  }

  private stopLoop(): void {
    if (this.imageTimer) clearInterval(this.imageTimer);
    this.imageTimer = null;
    if (this.frameHandle !== null) {
      const video = this.element as FrameCallbackVideo;
      if (video.cancelVideoFrameCallback) video.cancelVideoFrameCallback(this.frameHandle);
      else cancelAnimationFrame(this.frameHandle);
      this.frameHandle = null;
    }
  }

  private tick(): void {
    const now = performance.now();
    const { status } = this.target;
    if (status.maxFps && now - this.lastCaptureAt < 1000 / status.maxFps - 2) return;
    if (status.state !== 'running' || !status.modelInfo || !this.channel) return;
    if (this.gate.outstanding > 0 && Date.now() - this.lastAnswerAt > CREDIT_TIMEOUT_MS) {
      this.lastAnswerAt = Date.now();
      this.gate.reset();
    }
    const frame = this.grab(status.modelInfo.inputWidth, status.modelInfo.inputHeight);
    if (!frame) return;
    this.lastCaptureAt = now;
    this.offered.push(now);
    if (this.gate.outstanding === 0) this.lastAnswerAt = Date.now();
    this.gate.offer(frame);
  }

  /** The element's current picture, letterboxed to width x height, as RGB bytes. */
  private grab(width: number, height: number): FrameMessage | null {
    const el = this.element;
    const sourceWidth = el instanceof HTMLVideoElement ? el.videoWidth : el.naturalWidth;
    const sourceHeight = el instanceof HTMLVideoElement ? el.videoHeight : el.naturalHeight;
    if (!sourceWidth || !sourceHeight) return null;
    if (el instanceof HTMLVideoElement && el.readyState < 2) return null;
    const context = this.contextFor(width, height);
    if (!context) return null;
    const plan = planLetterbox(sourceWidth, sourceHeight, width, height);
    context.fillStyle = '#000';
    context.fillRect(0, 0, width, height);
    context.drawImage(el, plan.x, plan.y, plan.w, plan.h);
    const rgba = context.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
      rgb[o] = rgba[i];
      rgb[o + 1] = rgba[i + 1];
      rgb[o + 2] = rgba[i + 2];
    }
    return {
      type: 'frame',
      cameraId: this.id,
      frameId: this.frameId++,
      width,
      height,
      data: rgb,
      letterbox: plan.normalized,
      sourceWidth,
      sourceHeight,
      acceptedAt: Date.now(),
    };
  }

  private contextFor(width: number, height: number): OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null {
    if (this.canvas && this.canvas.width === width && this.canvas.height === height && this.context) return this.context;
    if (typeof OffscreenCanvas !== 'undefined') {
      const canvas = new OffscreenCanvas(width, height);
      this.canvas = canvas;
      this.context = canvas.getContext('2d', { willReadFrequently: true });
    } else {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      this.canvas = canvas;
      this.context = canvas.getContext('2d', { willReadFrequently: true });
    }
    if (this.context) this.context.imageSmoothingQuality = 'medium';
    return this.context;
  }

  private sendNow(frame: FrameMessage): boolean {
    // A channel the bridge closed (socket dropped) cannot carry frames: keep the credit for the next one.
    if (!this.channel || (this.channel as { closed?: boolean }).closed) return false;
    this.channel.send(frame);
    return true;
  }

  private onChannelMessage(message: FrameChannelInbound): void {
    this.lastAnswerAt = Date.now();
    this.gate.release();
    if (message.type === 'result') {
      this.rejectedInRow = 0;
      this.onResult(message.cameraId, { result: message, receivedAt: Date.now() });
    } else if (message.reason === 'rejected' && ++this.rejectedInRow >= 5 && Date.now() - this.lastRejectNoticeAt > REJECT_NOTICE_EVERY_MS) {
      // Frames rejected again and again are a bug or a bad configuration, not load (one or two go
      // when a camera is removed): say it, but not at frame rate.
      this.lastRejectNoticeAt = Date.now();
      pushNotice({ level: 'warning', message: `${this.target.status.name}: a frame was rejected${message.message ? `: ${message.message}` : ''}` });
    }
  }

  // ---------------------------------------------------------------- status

  private setState(state: CaptureState, message?: string): void {
    this.state = state;
    if (!this.disposed) setCaptureStatus(this.id, { state, message });
  }

  private reportStats(): void {
    const now = performance.now();
    this.offered = this.offered.filter((t) => t > now - 1000);
    setCaptureStatus(this.id, { fps: this.offered.length, skipped: this.gate.skipped, sent: this.gate.sent });
  }
}

/** Two configurations with the same key can share one capture. */
export function sourceKey(source: CameraSource): string {
  return JSON.stringify(source);
}
