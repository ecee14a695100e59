/**
 * Messages between a camera's capture (page) and its dedicated capture worker. Both ends are this
 * renderer's own code in one process, so these are plain types; what arrives from the engine (the
 * results on a desktop MessagePort) is validated in the worker with the shared schemas.
 */
import type { FrameChannelInbound, FrameMessage, SnapshotRequestMessage, TrackSnapshotMessage } from '../../../shared/contracts/frames';

/** What the worker needs to build and send frames; `null` while the camera takes none. */
export interface SendTarget {
  cameraId: string;
  width: number;
  height: number;
  /** Frames a second at most (the camera's setting); 0 for no limit. */
  maxFps: number;
  maxInFlight: number;
}

export type ToCaptureWorker =
  | { type: 'target'; target: SendTarget | null }
  /** Video frames from MediaStreamTrackProcessor, read in the worker. */
  | { type: 'stream'; readable: ReadableStream<VideoFrame> }
  /** One picture: a video frame where the track processor is missing, or a still image (repeated). */
  | { type: 'picture'; bitmap: ImageBitmap; still: boolean }
  /** The source went away: let go of every held picture. */
  | { type: 'no-source' }
  /** Where frames go: straight over the camera's MessagePort (desktop), or back to the page (serve). */
  | { type: 'channel'; port: MessagePort | null }
  /** Serve mode: a result or drop notice the page received for this camera (returns a credit). */
  | { type: 'inbound'; message: FrameChannelInbound }
  /** Serve mode: the engine wants a full-size picture for a track (desktop: it arrives on the port). */
  | { type: 'snapshot-request'; request: SnapshotRequestMessage }
  | { type: 'stop' };

export type FromCaptureWorker =
  /** Serve mode: a frame for the page to put on the WebSocket. */
  | { type: 'frame'; frame: FrameMessage }
  /** Desktop: a result or drop notice that arrived on the port (already validated). */
  | { type: 'inbound'; message: FrameChannelInbound }
  /** Serve mode: a picture for a track, for the page to put on the WebSocket. */
  | { type: 'track-snapshot'; message: TrackSnapshotMessage }
  | { type: 'stats'; stats: CaptureWorkerStats };

export interface CaptureWorkerStats {
  /** Pictures the source delivered per second, over the last 5 s. */
  sourceFps: number;
  /** Frames sent to the engine per second, over the last 5 s. */
  sentFps: number;
  sent: number;
  /** Pictures replaced by a newer one while waiting for a credit (never built into a frame). */
  replaced: number;
  /** Longest time one frame took to build (letterbox + RGB), in ms, over the last second. */
  buildMsMax: number;
}
