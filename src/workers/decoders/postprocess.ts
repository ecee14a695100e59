/**
 * Models exported with TF Lite's detection post-processing (TFLite_Detection_PostProcess: SSD
 * MobileNet, EfficientDet-Lite and most exports of the TF object detection API) end in four
 * tensors: boxes [1, N, 4] (ymin, xmin, ymax, xmax, 0..1), classes [1, N], scores [1, N] and a
 * count [1]. They need no anchors or options: the model has decoded and suppressed already.
 */
import type { Detection, Letterbox } from '../../shared/contracts/frames';
import { toDetection } from './ssd';

export interface ShapedTensor {
  shape: number[];
}

/** Indices of boxes, classes, scores and count among the outputs, or null if they are not these four. */
export function findPostProcessOutputs(outputs: ShapedTensor[]): { boxes: number; classes: number; scores: number; count: number } | null {
  if (outputs.length !== 4) return null;
  const boxes = outputs.findIndex((t) => t.shape.length === 3 && t.shape[0] === 1 && t.shape[2] === 4);
  const count = outputs.findIndex((t) => t.shape.length === 1 && t.shape[0] === 1);
  if (boxes < 0 || count < 0) return null;
  const n = outputs[boxes].shape[1];
  const pair = outputs.map((t, i) => i).filter((i) => i !== boxes && i !== count && outputs[i].shape.length === 2 && outputs[i].shape[0] === 1 && outputs[i].shape[1] === n);
  if (pair.length !== 2) return null;
  // The exporter's order is boxes, classes, scores, count.
  const [classes, scores] = pair[0] < pair[1] ? pair : [pair[1], pair[0]];
  return { boxes, classes, scores, count };
}

/** Class n is label n of the labels file; a file whose first line is "???" counts the background as class 0. */
export function decodePostProcess(
  boxes: Float32Array,
  classes: Float32Array,
  scores: Float32Array,
  count: number,
  labels: string[],
  letterbox: Letterbox,
  threshold: number,
  allowed?: ReadonlySet<string>,
): Detection[] {
  const offset = labels[0] === '???' ? 1 : 0;
  const n = Math.min(Math.max(0, Math.floor(count)), scores.length, classes.length, Math.floor(boxes.length / 4));
  const out: Detection[] = [];
  for (let i = 0; i < n; i++) {
    if (!(scores[i] >= threshold)) continue;
    const classId = Math.round(classes[i]);
    const label = labels[classId + offset] ?? `class ${classId}`;
    if (allowed && !allowed.has(label)) continue;
    const r = i * 4;
    out.push(toDetection({ score: scores[i], ymin: boxes[r], xmin: boxes[r + 1], ymax: boxes[r + 2], xmax: boxes[r + 3] }, label, letterbox));
  }
  return out;
}
