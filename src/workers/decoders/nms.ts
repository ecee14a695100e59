/**
 * Hard non-maximum suppression per class, as MediaPipe's NonMaxSuppressionCalculator does with its
 * default algorithm and IoU overlap, run once for each label: a box suppresses only boxes of its
 * own class.
 */
import { iouCorners, type Corners } from '../geometry';

export interface LabelledBox extends Corners {
  score: number;
  classId: number;
}

export function perClassNms<T extends LabelledBox>(boxes: T[], iouThreshold: number, maxDetections: number): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === box.classId && iouCorners(k, box) > iouThreshold)) continue;
    kept.push(box);
  }
  return kept;
}
