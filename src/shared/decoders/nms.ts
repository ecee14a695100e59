/**
 * Hard non-maximum suppression per class, as MediaPipe's NonMaxSuppressionCalculator does with its
 * default algorithm and IoU overlap, run once for each label: a box suppresses only boxes of its
 * own class.
 */
export interface LabelledBox {
  score: number;
  classId: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export function iou(a: LabelledBox, b: LabelledBox): number {
  const ix = Math.max(0, Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin));
  const iy = Math.max(0, Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin));
  const inter = ix * iy;
  const union = (a.xmax - a.xmin) * (a.ymax - a.ymin) + (b.xmax - b.xmin) * (b.ymax - b.ymin) - inter;
  return union > 0 ? inter / union : 0;
}

export function perClassNms<T extends LabelledBox>(boxes: T[], iouThreshold: number, maxDetections: number): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === box.classId && iou(k, box) > iouThreshold)) continue;
    kept.push(box);
  }
  return kept;
}
