/**
 * One camera's capture in this page, for one source: the opener puts the source on an element the
 * tile shows, the grabber hands its pictures to the camera's capture worker (through the camera's
 * CaptureSender, which outlives a change of source), and the worker builds and sends the frames.
 * Nothing per frame runs here on the main thread.
 */
import type { CameraSource } from '../../../shared/contracts/config';
import type { CameraStatus } from '../../../shared/contracts/engine-api';
import { setCaptureStatus, type CaptureState } from '../state/store';
import { Grabber } from './grabber';
import { SourceOpener } from './opener';
import type { CaptureSender } from './sender';

const PAGE_KINDS = new Set(['webcam', 'video', 'image']);

export interface CaptureTarget {
  status: CameraStatus;
  /** The source itself, from the config (a snapshot carries only its kind and label). */
  source: CameraSource;
  assigned: boolean;
  maxInFlight: number;
}

export class CameraCapture {
  readonly sourceKey: string;
  readonly source: CameraSource;
  private readonly opener: SourceOpener;
  private readonly grabber: Grabber;
  private state: CaptureState = 'idle';
  private disposed = false;

  constructor(
    target: CaptureTarget,
    private readonly sender: CaptureSender,
  ) {
    this.source = target.source;
    this.sourceKey = sourceKey(target.source);
    this.grabber = new Grabber(sender);
    this.opener = new SourceOpener(target.source, {
      state: (state, message) => this.setState(state, message),
      live: (picture) => {
        if (picture.kind === 'track') this.grabber.fromTrack(picture.track, picture.video);
        else if (picture.kind === 'video') this.grabber.fromVideo(picture.video);
        else this.grabber.fromImage(picture.image);
      },
      lost: () => this.grabber.detach(),
    });
    this.update(target);
  }

  get element(): HTMLVideoElement | HTMLImageElement {
    return this.opener.element;
  }

  update(target: Omit<CaptureTarget, 'source'>): void {
    this.sender.setTarget(target.status, target.assigned, target.maxInFlight);
    // Only these are opened by the page; the engine opens the others (external, stream, file, device).
    const external = !PAGE_KINDS.has(this.source.kind);
    const shouldRun = target.assigned && !external;
    if (shouldRun && !this.opener.running) {
      this.opener.start();
    } else if (!shouldRun) {
      if (this.opener.running) this.opener.stop();
      this.setState(external ? 'idle' : 'not-assigned');
    }
  }

  onDeviceChange(): void {
    this.opener.onDeviceChange();
  }

  dispose(): void {
    this.disposed = true;
    this.opener.dispose();
    this.grabber.detach();
  }

  private setState(state: CaptureState, message?: string): void {
    // Retrying an unplugged camera stays "disconnected" until it is back.
    if (state === 'opening' && this.state === 'disconnected') return;
    this.state = state;
    if (!this.disposed) setCaptureStatus(this.sender.cameraId, { state, message });
  }
}

/** Two configurations with the same key can share one capture. */
export function sourceKey(source: CameraSource): string {
  return JSON.stringify(source);
}
