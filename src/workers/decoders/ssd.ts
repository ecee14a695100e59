/**
 * Raw SSD outputs (box encodings [numBoxes, 4] and class scores [numBoxes, numClasses]) to labelled
 * detections, as MediaPipe's object detection graph does it: TensorsToDetectionsCalculator (box
 * encodings y, x, h, w relative to each anchor, divided by the x/y/h/w scales, sizes through exp;
 * each box takes its best class that is not ignored, sigmoid scores), DetectionLabelIdToText,
 * FilterDetection (allowed labels), then non-maximum suppression, here per class.
 */
import type { SsdDecoderSpec } from '../../shared/models';
import type { Detection, Letterbox } from '../../shared/contracts/frames';
import { perClassNms, type LabelledBox } from './nms';
import { generateSsdAnchors, type SsdAnchor } from './ssd-anchors';

export class SsdDecoder {
  readonly anchors: SsdAnchor[];
  private readonly ignored: Set<number>;

  constructor(
    readonly spec: SsdDecoderSpec,
    inputWidth: number,
    inputHeight: number,
    /** Line n of the label map names class n. */
    readonly labels: string[],
  ) {
    this.anchors = generateSsdAnchors(spec.anchors, inputWidth, inputHeight);
    if (this.anchors.length !== spec.numBoxes) throw new Error(`anchor count ${this.anchors.length} does not match the model's ${spec.numBoxes} boxes`);
    this.ignored = new Set(spec.ignoreClasses);
  }

  labelOf(classId: number): string {
    return this.labels[classId] ?? `class ${classId}`;
  }

  /**
   * @param boxes [numBoxes, 4] raw box encodings
   * @param scores [numBoxes, numClasses] raw class scores (logits when sigmoidScore)
   * @param allowed labels to keep; undefined keeps every label
   */
  decode(boxes: Float32Array, scores: Float32Array, letterbox: Letterbox, threshold = this.spec.scoreThreshold, allowed?: ReadonlySet<string>): Detection[] {
    const s = this.spec;
    const candidates: LabelledBox[] = [];
    for (let i = 0; i < s.numBoxes; i++) {
      let best = -Infinity;
      let bestClass = -1;
      const row = i * s.numClasses;
      for (let c = 0; c < s.numClasses; c++) {
        if (this.ignored.has(c)) continue;
        if (scores[row + c] > best) {
          best = scores[row + c];
          bestClass = c;
        }
      }
      if (bestClass < 0) continue;
      const score = s.sigmoidScore ? 1 / (1 + Math.exp(-best)) : best;
      if (score < threshold) continue;
      if (allowed && !allowed.has(this.labelOf(bestClass))) continue;
      const a = this.anchors[i];
      const r = i * 4;
      const cy = (boxes[r] / s.yScale) * a.h + a.y;
      const cx = (boxes[r + 1] / s.xScale) * a.w + a.x;
      const h = s.applyExponentialOnBoxSize ? Math.exp(boxes[r + 2] / s.hScale) * a.h : (boxes[r + 2] / s.hScale) * a.h;
      const w = s.applyExponentialOnBoxSize ? Math.exp(boxes[r + 3] / s.wScale) * a.w : (boxes[r + 3] / s.wScale) * a.w;
      candidates.push({ score, classId: bestClass, xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2 });
    }
    return perClassNms(candidates, s.nmsIou, s.maxDetections).map((b) => toDetection(b, this.labelOf(b.classId), letterbox));
  }
}

/** A box in input coordinates (0..1) as a detection in picture coordinates, the letterbox removed. */
export function toDetection(b: Omit<LabelledBox, 'classId'>, label: string, lb: Letterbox): Detection {
  const x = (b.xmin - lb.x) / lb.w;
  const y = (b.ymin - lb.y) / lb.h;
  return { score: b.score, label, box: { x, y, w: (b.xmax - lb.x) / lb.w - x, h: (b.ymax - lb.y) / lb.h - y }, keypoints: [] };
}
