/**
 * Admission control: whether this machine can run one more camera. Each camera's load is the
 * share of a core its model needs at its frame rate: frames a second over the inferences a second
 * one thread of that model was measured to reach here (the calibration). When the cameras already
 * added and the new one would need more than the cores give (less a margin for ffmpeg, the server
 * and the system), the new one is refused with the numbers, unless the caller forces it. A camera
 * whose model was never measured here costs what cannot be said, so it is not refused.
 */

export interface CameraLoadEstimate {
  /** Frames a second the camera asks for. */
  fps: number;
  /** Measured inferences a second of its model on one thread here; undefined when not measured. */
  ips?: number;
}

/** A camera without maxFps counts at this rate (the frame rate most cameras and files have). */
export const ASSUMED_CAMERA_FPS = 30;

/** Share of the cores cameras may take together. */
export const ADMISSION_HEADROOM = 0.9;

const coresNeeded = (load: CameraLoadEstimate): number => (load.ips && load.ips > 0 ? load.fps / load.ips : 0);

/** Why the added camera cannot run on `cores` beside the others, or null when it can (or cannot be told). */
export function admissionRefusal(existing: CameraLoadEstimate[], added: CameraLoadEstimate, cores: number): string | null {
  const own = coresNeeded(added);
  if (own === 0) return null;
  const others = existing.reduce((sum, load) => sum + coresNeeded(load), 0);
  const budget = cores * ADMISSION_HEADROOM;
  if (others + own <= budget) return null;
  const fmt = (n: number) => n.toFixed(2);
  return (
    `this machine cannot run this camera: at ${added.fps} frames a second its model needs ${fmt(own)} of a core ` +
    `(${Math.round(added.ips!)} inferences a second measured on one thread here), the ${existing.length} cameras already added need ${fmt(others)}, ` +
    `and ${cores} cores give ${fmt(budget)} to cameras; lower a camera's frame rate, choose a lighter model, remove a camera, or add it anyway`
  );
}
