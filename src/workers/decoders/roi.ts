/**
 * From a detection to the rotated square the landmark model looks at, and back:
 * - DetectionsToRectsCalculator (box alignment) or AlignmentPointsRectsCalculator (keypoint
 *   alignment), with the rotation that brings the start->end keypoint vector to a target angle;
 * - RectTransformationCalculator with square_long and a scale;
 * - ImageToTensorCalculator's rotated crop (bilinear, zero outside the frame), normalised;
 * - LandmarkProjectionCalculator: crop coordinates back to the frame.
 * Everything is in frame pixels, so non-square frames rotate correctly.
 */
import type { LandmarkDecoderSpec } from '../../shared/models';

export interface Roi {
  /** Centre and size in frame pixels; rotation in radians, clockwise on screen. */
  cx: number;
  cy: number;
  w: number;
  h: number;
  rotation: number;
}

export interface FramePoint {
  x: number;
  y: number;
}

/** Angle into [-pi, pi). */
export function normalizeRadians(a: number): number {
  return a - 2 * Math.PI * Math.floor((a + Math.PI) / (2 * Math.PI));
}

/**
 * @param box detection box in frame fractions
 * @param keypoints detection keypoints in frame fractions
 */
export function roiFromDetection(
  box: { x: number; y: number; w: number; h: number },
  keypoints: FramePoint[],
  spec: Pick<LandmarkDecoderSpec, 'rotation' | 'alignment' | 'scale'>,
  frameWidth: number,
  frameHeight: number,
): Roi {
  const start = keypoints[spec.rotation.startKeypoint];
  const end = keypoints[spec.rotation.endKeypoint];
  if (!start || !end) throw new Error(`detection has ${keypoints.length} keypoints, the landmark stage needs ${Math.max(spec.rotation.startKeypoint, spec.rotation.endKeypoint) + 1}`);
  const dx = (end.x - start.x) * frameWidth;
  const dy = (end.y - start.y) * frameHeight;
  const target = (spec.rotation.targetDegrees * Math.PI) / 180;
  const rotation = normalizeRadians(target - Math.atan2(-dy, dx));
  let cx: number;
  let cy: number;
  let w: number;
  let h: number;
  if (spec.alignment === 'keypoints') {
    cx = start.x * frameWidth;
    cy = start.y * frameHeight;
    w = h = 2 * Math.hypot(dx, dy);
  } else {
    cx = (box.x + box.w / 2) * frameWidth;
    cy = (box.y + box.h / 2) * frameHeight;
    w = box.w * frameWidth;
    h = box.h * frameHeight;
  }
  const side = Math.max(w, h) * spec.scale;
  return { cx, cy, w: side, h: side, rotation };
}

/**
 * Samples the rotated rectangle of an RGB frame into an outW x outH input, each byte mapped
 * through `norm` (byte value -> input value).
 */
export function cropRotated(rgb: Uint8Array, frameWidth: number, frameHeight: number, roi: Roi, out: Float32Array, outW: number, outH: number, norm: Float32Array): void {
  const cos = Math.cos(roi.rotation);
  const sin = Math.sin(roi.rotation);
  const zero = norm[0];
  for (let v = 0; v < outH; v++) {
    const oy = ((v + 0.5) / outH - 0.5) * roi.h;
    for (let u = 0; u < outW; u++) {
      const ox = ((u + 0.5) / outW - 0.5) * roi.w;
      const fx = roi.cx + ox * cos - oy * sin - 0.5;
      const fy = roi.cy + ox * sin + oy * cos - 0.5;
      const o = (v * outW + u) * 3;
      if (fx < -0.5 || fy < -0.5 || fx > frameWidth - 0.5 || fy > frameHeight - 0.5) {
        out[o] = out[o + 1] = out[o + 2] = zero;
        continue;
      }
      const x0 = Math.max(0, Math.min(frameWidth - 1, Math.floor(fx)));
      const y0 = Math.max(0, Math.min(frameHeight - 1, Math.floor(fy)));
      const x1 = Math.min(frameWidth - 1, x0 + 1);
      const y1 = Math.min(frameHeight - 1, y0 + 1);
      const wx = Math.max(0, Math.min(1, fx - x0));
      const wy = Math.max(0, Math.min(1, fy - y0));
      const i00 = (y0 * frameWidth + x0) * 3;
      const i01 = (y0 * frameWidth + x1) * 3;
      const i10 = (y1 * frameWidth + x0) * 3;
      const i11 = (y1 * frameWidth + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const top = rgb[i00 + c] + (rgb[i01 + c] - rgb[i00 + c]) * wx;
        const bottom = rgb[i10 + c] + (rgb[i11 + c] - rgb[i10 + c]) * wx;
        out[o + c] = norm[Math.round(top + (bottom - top) * wy)];
      }
    }
  }
}

/** A point in crop fractions (0..1 across the crop) to frame fractions. */
export function projectToFrame(p: FramePoint, roi: Roi, frameWidth: number, frameHeight: number): FramePoint {
  const x = (p.x - 0.5) * roi.w;
  const y = (p.y - 0.5) * roi.h;
  const cos = Math.cos(roi.rotation);
  const sin = Math.sin(roi.rotation);
  return { x: (roi.cx + x * cos - y * sin) / frameWidth, y: (roi.cy + x * sin + y * cos) / frameHeight };
}
