/**
 * One set of numbers per camera, with one definition each, for the tile and the panel alike (the
 * README's "What the numbers mean" lists them):
 * - inf/s: inferences the camera's worker completed per second over its last 5 s (`ips5s`).
 * - fps: pictures the source delivered to this page per second over the last 5 s (only on the page
 *   that captures the camera); for a camera the engine opens, the frames its ffmpeg decoded a second. A frame is sent only when the worker has a credit, so inferences
 *   never outnumber frames.
 * - latency: end-to-end median, frame accepted to result (inference alone until known); stale when
 *   the camera had no inference in the last 5 s (the value is the last one seen).
 * - skipped: frames the engine replaced by a newer one before inference, since the camera started.
 */
import type { CameraStatus } from '../../../shared/contracts/engine-api';
import type { CaptureStatus } from '../state/store';

export interface CameraFigures {
  ips: number;
  fps: number | null;
  latencyMs: number;
  inferP50Ms: number;
  inferP95Ms: number;
  endToEndP50Ms: number;
  endToEndP95Ms: number;
  skipped: number;
  /** The latency figures are from before the last 5 s (no inference since). */
  stale: boolean;
}

export function cameraFigures(status: CameraStatus, capture: CaptureStatus | undefined): CameraFigures {
  const ips = status.state === 'running' ? status.ips5s : 0;
  const captured = capture !== undefined && (capture.state === 'live' || capture.state === 'opening');
  return {
    ips,
    // Engine-side cameras (ffmpeg): the frames their ffmpeg decoded; else this page's source.
    fps: status.fps !== undefined ? status.fps : captured ? capture.fps : null,
    latencyMs: status.endToEndP50Ms > 0 ? status.endToEndP50Ms : status.inferP50Ms,
    inferP50Ms: status.inferP50Ms,
    inferP95Ms: status.inferP95Ms,
    endToEndP50Ms: status.endToEndP50Ms,
    endToEndP95Ms: status.endToEndP95Ms,
    skipped: status.framesSkipped,
    stale: ips === 0,
  };
}

export const STALE_TITLE = 'no inference in the last 5 s: the last value seen';
