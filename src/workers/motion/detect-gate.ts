/**
 * Which of an engine-side camera's frames are inferred. In 'always' mode every frame is; in
 * 'motion' mode a frame is inferred when it shows motion, when the whole scene changed at once
 * (the motion detector recalibrated: a cut, lights; no motion is counted for it), when a tracked
 * object is still active (moving, or not yet confirmed), or when the last inference is refreshMs old, so that an object
 * standing still is looked at again and not forgotten. Counts what it decided, for the stats.
 */
import type { Box, Letterbox } from '../../shared/contracts/frames';
import type { WorkerStats } from '../../shared/contracts/worker';
import { greyFromModelFrame } from './grey-frame';
import { MotionDetector, type MotionOptions } from './motion-detector';

export type MotionStats = NonNullable<WorkerStats['motion']>;

export interface DetectGateOptions {
  mode: 'always' | 'motion';
  refreshMs: number;
  motion: MotionOptions;
}

export interface GateFrame {
  data: Uint8Array;
  width: number;
  height: number;
  letterbox: Letterbox;
}

export interface GateDecision {
  infer: boolean;
  motion: Box[];
}

export class DetectGate {
  private readonly detector: MotionDetector | null;
  private lastInferAt = -Infinity;
  private motionNow = false;
  private frames = 0;
  private framesWithMotion = 0;
  private skippedNoMotion = 0;

  constructor(private readonly options: DetectGateOptions) {
    this.detector = options.mode === 'motion' ? new MotionDetector(options.motion) : null;
  }

  /** Decides for one frame at `now` (ms); `active`: a tracked object still needs looking at. */
  decide(frame: GateFrame, now: number, active: boolean): GateDecision {
    if (!this.detector) return { infer: true, motion: [] };
    this.frames++;
    const { boxes, calibrated } = this.detector.detect(greyFromModelFrame(frame.data, frame.width, frame.height, frame.letterbox));
    this.motionNow = boxes.length > 0;
    if (this.motionNow) this.framesWithMotion++;
    const infer = this.motionNow || calibrated || active || now - this.lastInferAt >= this.options.refreshMs;
    if (infer) this.lastInferAt = now;
    else this.skippedNoMotion++;
    return { infer, motion: boxes };
  }

  stats(): MotionStats | undefined {
    if (!this.detector) return undefined;
    return { motion: this.motionNow, frames: this.frames, framesWithMotion: this.framesWithMotion, skippedNoMotion: this.skippedNoMotion };
  }
}
