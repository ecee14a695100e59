/**
 * Intersection over union, the one overlap measure the decoders' non-maximum suppression and the
 * tracker use. Boxes by corners (the decoders' form) or by corner and size (a Detection's box).
 */
import type { Box } from '../shared/contracts/frames';

export interface Corners {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export function iouCorners(a: Corners, b: Corners): number {
  const ix = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = ix * iy;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

export function iou(a: Box, b: Box): number {
  return iouCorners({ xmin: a.x, ymin: a.y, xmax: a.x + a.w, ymax: a.y + a.h }, { xmin: b.x, ymin: b.y, xmax: b.x + b.w, ymax: b.y + b.h });
}
