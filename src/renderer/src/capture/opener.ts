/**
 * Opens a camera's source on the element the tile shows: a webcam (found again by device id or
 * label, retried while it is unplugged), a video file played in a loop, or a still image. It says
 * what it is doing as a CaptureState, and when a picture is there (or gone) so the grabber can
 * start (or stop) handing it to the capture worker.
 */
import type { CameraSource } from '../../../shared/contracts/config';
import type { CaptureState } from '../state/store';
import { listVideoInputs, matchDevice, PermissionDeniedError, toCaptureError } from './devices';
import { videoErrorMessage } from './video-formats';

const RETRY_MS = 3000;

let mediaUrl: (ref: string) => Promise<string> = async (ref) => ref;
/** How `media:` references (files of the engine's media folder) become URLs this page loads; set from the bridge. */
export function setMediaUrls(resolve: (ref: string) => Promise<string>): void {
  mediaUrl = resolve;
}
const loadable = async (url: string): Promise<string> => (url.startsWith('media:') ? mediaUrl(url) : url);

export type LivePicture = { kind: 'track'; track: MediaStreamTrack; video: HTMLVideoElement } | { kind: 'video'; video: HTMLVideoElement } | { kind: 'image'; image: HTMLImageElement };

export interface OpenerEvents {
  state(state: CaptureState, message?: string): void;
  live(picture: LivePicture): void;
  lost(): void;
}

export class SourceOpener {
  readonly element: HTMLVideoElement | HTMLImageElement;
  private active = false;
  private disposed = false;
  private opening = false;
  private live = false;
  private stream: MediaStream | null = null;
  /** Counts starts and stops: a media link that arrives after a stop (or a later start) is not used. */
  private generation = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly source: CameraSource,
    private readonly events: OpenerEvents,
  ) {
    if (source.kind === 'image') {
      const img = document.createElement('img');
      img.decoding = 'async';
      this.element = img;
    } else {
      const video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      video.autoplay = true;
      video.loop = source.kind === 'video';
      this.element = video;
    }
    this.element.dataset.testid = 'camera-video';
    this.element.className = 'tile-media';
  }

  get running(): boolean {
    return this.active;
  }

  start(): void {
    if (this.active || this.disposed) return;
    this.active = true;
    const source = this.source;
    if (source.kind === 'webcam') void this.openWebcam();
    else if (source.kind === 'video' || source.kind === 'image') void this.openFile(source.kind, source.url);
  }

  stop(): void {
    this.active = false;
    this.generation++;
    this.setLost();
    this.releaseStream();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.element instanceof HTMLVideoElement) this.element.srcObject = null;
    this.element.removeAttribute('src');
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
    this.element.remove();
  }

  /** The device list changed: a webcam that was gone may be back. */
  onDeviceChange(): void {
    if (this.active && this.source.kind === 'webcam' && !this.live) void this.openWebcam();
  }

  private setLive(picture: LivePicture): void {
    this.live = true;
    this.events.state('live');
    this.events.live(picture);
  }

  private setLost(): void {
    if (!this.live) return;
    this.live = false;
    this.events.lost();
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
    const source = this.source;
    if (source.kind !== 'webcam' || this.opening || this.disposed) return;
    const video = this.element as HTMLVideoElement;
    const name = source.label ?? source.deviceId ?? 'default';
    this.opening = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    try {
      const devices = await listVideoInputs();
      const device = matchDevice(devices, source);
      if (!device) {
        this.events.state('disconnected', `camera "${name}" is not connected; waiting for it to come back`);
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
      const track = stream.getVideoTracks()[0];
      if (track) {
        track.onended = () => {
          if (this.stream !== stream) return;
          this.setLost();
          this.releaseStream();
          video.srcObject = null;
          this.events.state('disconnected', `camera "${device.label || name}" was disconnected; waiting for it to come back`);
          this.scheduleRetry();
        };
      }
      video.srcObject = stream;
      await video.play().catch(() => undefined);
      if (track) this.setLive({ kind: 'track', track, video });
    } catch (err) {
      const error = toCaptureError(err);
      if (error instanceof PermissionDeniedError) {
        this.events.state('permission-denied', error.message);
      } else if (error.name === 'NotFoundError' || error.name === 'OverconstrainedError') {
        this.events.state('disconnected', `camera "${name}" is not connected; waiting for it to come back`);
        this.scheduleRetry();
      } else {
        this.events.state('error', `could not open the camera: ${error.message}`);
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
      if (this.active && !this.live) void this.openWebcam();
    }, RETRY_MS);
  }

  private openVideo(url: string): void {
    const video = this.element as HTMLVideoElement;
    this.events.state('opening');
    video.onerror = () => {
      if (!this.active) return;
      this.setLost();
      this.events.state('source-missing', videoErrorMessage(video, url));
    };
    video.onloadeddata = () => {
      if (this.active && !this.live) this.setLive({ kind: 'video', video });
    };
    video.src = url;
    void video.play().catch(() => undefined);
  }

  /** A video or picture, once its URL is known (a `media:` file's link comes from the engine). */
  private async openFile(kind: 'video' | 'image', source: string): Promise<void> {
    const generation = ++this.generation;
    this.events.state('opening');
    let url: string;
    try {
      url = await loadable(source);
    } catch (err) {
      if (this.active && generation === this.generation) this.events.state('source-missing', (err as Error).message);
      return;
    }
    if (!this.active || generation !== this.generation) return;
    if (kind === 'video') this.openVideo(url);
    else this.openImage(url);
  }

  private openImage(url: string): void {
    const img = this.element as HTMLImageElement;
    this.events.state('opening');
    img.onerror = () => {
      if (this.active) this.events.state('source-missing', 'the image could not be loaded');
    };
    img.onload = () => {
      if (this.active) this.setLive({ kind: 'image', image: img });
    };
    img.src = url;
  }
}
