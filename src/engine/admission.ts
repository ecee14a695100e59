/**
 * Admission control and the capacity line: what share of this machine each camera takes, and
 * whether it can run one more. Each camera's load is the share of a core its model needs at its
 * frame rate: frames a second over the inferences a second one thread of that model was measured
 * to reach here (the calibration, per model). A 1 ms face model and a 45 ms objects model therefore
 * cost what each costs, never one average. When the cameras already added and the new one would
 * need more than the cores give (less a margin for ffmpeg, the server and the system), the new one
 * is refused with the numbers, unless the caller forces it. A camera whose model was never measured
 * here costs what cannot be said, so it is not refused (and its model is being measured).
 */
import { isEngineSource } from '../shared/contracts/sources';
import type { CameraConfig } from '../shared/contracts/config';
import type { CapacityLine } from '../shared/contracts/engine-api';
import { DEFAULT_DETECT } from './engine-sources';

export interface CameraLoadEstimate {
  /** Frames a second the camera's model is given. */
  fps: number;
  /** Measured inferences a second of its model on one thread here; undefined when not measured. */
  ips?: number;
}

/** A page-fed camera without maxFps counts at this rate (the frame rate most cameras and files have). */
export const ASSUMED_CAMERA_FPS = 30;

/** Share of the cores cameras may take together. */
export const ADMISSION_HEADROOM = 0.9;

/**
 * Frames a second a camera's model is given: an engine-side camera's detect.fps (5 by default,
 * never above maxFps), a page-fed camera's maxFps (30 when unset).
 */
export function modelFps(config: Pick<CameraConfig, 'source' | 'maxFps' | 'detect'>): number {
  if (isEngineSource(config.source)) return Math.min(config.maxFps ?? Infinity, config.detect?.fps ?? DEFAULT_DETECT.fps);
  return config.maxFps ?? ASSUMED_CAMERA_FPS;
}

/** Share of one core the camera needs; 0 when its model was not measured. */
export const coresNeeded = (load: CameraLoadEstimate): number => (load.ips && load.ips > 0 ? load.fps / load.ips : 0);

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

/**
 * The capacity line: what the cameras need together against what the cores give them, and for each
 * camera whose model was measured, how many more cameras like it (same model, same rate) admission
 * would still let in beside all of them.
 */
export function capacityLine(cameras: Array<{ id: string } & CameraLoadEstimate>, cores: number): Omit<CapacityLine, 'calibrating'> {
  const budgetCores = cores * ADMISSION_HEADROOM;
  const neededCores = cameras.reduce((sum, c) => sum + coresNeeded(c), 0);
  const perCamera: CapacityLine['cameras'] = {};
  for (const c of cameras) {
    const own = coresNeeded(c);
    if (own === 0) continue;
    // Admission lets a camera in while the sum stays within the budget; a little slack keeps a sum that lands exactly on it counted as fitting.
    perCamera[c.id] = { cores: own, more: Math.max(0, Math.floor((budgetCores - neededCores) / own + 1e-9)) };
  }
  return { budgetCores, neededCores, unmeasured: cameras.filter((c) => coresNeeded(c) === 0).map((c) => c.id), cameras: perCamera };
}
