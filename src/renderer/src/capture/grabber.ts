/**
 * Hands a camera's pictures to its capture worker, doing as little as possible on the page's main
 * thread. A video track (a webcam's, or a video element's captureStream()) goes to the worker as a
 * MediaStreamTrackProcessor's stream of VideoFrames, read there. Where the track processor is
 * missing, each new video frame is copied into an ImageBitmap (requestVideoFrameCallback, one copy
 * at a time) and transferred. A still image is sent once as an ImageBitmap; the worker repeats it.
 */
import type { CaptureSender } from './sender';

interface TrackProcessorConstructor {
  new (init: { track: MediaStreamTrack; maxBufferSize?: number }): { readable: ReadableStream<VideoFrame> };
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
  captureStream?: () => MediaStream;
};

function trackProcessor(): TrackProcessorConstructor | null {
  const ctor = (globalThis as { MediaStreamTrackProcessor?: TrackProcessorConstructor }).MediaStreamTrackProcessor;
  return typeof ctor === 'function' ? ctor : null;
}

export class Grabber {
  private detachCurrent: (() => void) | null = null;

  constructor(private readonly sender: CaptureSender) {}

  /** How pictures reach the worker, for the bench and the docs. */
  static mode(): 'track-processor' | 'bitmaps' {
    return trackProcessor() ? 'track-processor' : 'bitmaps';
  }

  /** A live video track shown in `video` (webcam). */
  fromTrack(track: MediaStreamTrack, video: HTMLVideoElement): void {
    this.detach();
    const Processor = trackProcessor();
    if (!Processor) {
      this.fromVideo(video);
      return;
    }
    // A clone of its own: stopping it ends the worker's stream without touching the picture on screen.
    const clone = track.clone();
    const { readable } = new Processor({ track: clone, maxBufferSize: 1 });
    this.sender.post({ type: 'stream', readable }, [readable as unknown as Transferable]);
    this.detachCurrent = () => clone.stop();
  }

  /** A playing video element (a looping file): its captured track where possible, else its frames. */
  fromVideo(video: HTMLVideoElement): void {
    this.detach();
    const v = video as FrameCallbackVideo;
    const track = trackProcessor() && v.captureStream ? safeCaptureTrack(v) : null;
    if (track) {
      this.fromTrack(track, video);
      const detachTrack = this.detachCurrent;
      this.detachCurrent = () => {
        detachTrack?.();
        track.stop();
      };
      return;
    }
    let handle: number | null = null;
    let copying = false;
    let active = true;
    const next = (): void => {
      if (!active) return;
      handle = v.requestVideoFrameCallback ? v.requestVideoFrameCallback(onFrame) : requestAnimationFrame(onFrame);
    };
    const onFrame = (): void => {
      if (active && !copying && v.readyState >= 2 && v.videoWidth > 0) {
        copying = true;
        createImageBitmap(v)
          .then((bitmap) => {
            if (active) this.sender.post({ type: 'picture', bitmap, still: false }, [bitmap]);
            else bitmap.close();
          })
          .catch(() => undefined)
          .finally(() => {
            copying = false;
          });
      }
      next();
    };
    next();
    this.detachCurrent = () => {
      active = false;
      if (handle === null) return;
      if (v.cancelVideoFrameCallback) v.cancelVideoFrameCallback(handle);
      else cancelAnimationFrame(handle);
    };
  }

  fromImage(image: HTMLImageElement): void {
    this.detach();
    let active = true;
    createImageBitmap(image)
      .then((bitmap) => {
        if (active) this.sender.post({ type: 'picture', bitmap, still: true }, [bitmap]);
        else bitmap.close();
      })
      .catch(() => undefined);
    this.detachCurrent = () => {
      active = false;
    };
  }

  /** The source is gone or changes: the worker lets go of what it holds. */
  detach(): void {
    if (!this.detachCurrent) return;
    this.detachCurrent();
    this.detachCurrent = null;
    this.sender.post({ type: 'no-source' });
  }
}

function safeCaptureTrack(video: FrameCallbackVideo): MediaStreamTrack | null {
  try {
    return video.captureStream?.().getVideoTracks()[0] ?? null;
  } catch {
    return null;
  }
}
