/**
 * BlazeFace post-processing, as MediaPipe's face detection graph does it:
 * SsdAnchorsCalculator -> TensorsToDetectionsCalculator -> NonMaxSuppressionCalculator (weighted)
 * -> DetectionLetterboxRemovalCalculator. The pose detector's graph is the same with other options.
 */
import type { Detection, Letterbox } from '../../shared/contracts/frames';
import type { BlazeFaceOptions } from '../../shared/models';
import { iouCorners } from '../geometry';

export type { BlazeFaceOptions };

export interface Anchor {
  x: number;
  y: number;
}

/** Anchor centres in [0,1]; with a fixed anchor size every anchor is 1x1. */
export function generateAnchors(o: Pick<BlazeFaceOptions, 'inputWidth' | 'inputHeight' | 'strides' | 'anchorsPerLayer' | 'anchorOffset'>): Anchor[] {
  const anchors: Anchor[] = [];
  let layer = 0;
  while (layer < o.strides.length) {
    const stride = o.strides[layer];
    let perCell = 0;
    // Merge the run of layers that share this stride.
    while (layer < o.strides.length && o.strides[layer] === stride) {
      perCell += o.anchorsPerLayer;
      layer++;
    }
    const rows = Math.ceil(o.inputHeight / stride);
    const cols = Math.ceil(o.inputWidth / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const cx = (x + o.anchorOffset) / cols;
        const cy = (y + o.anchorOffset) / rows;
        for (let a = 0; a < perCell; a++) anchors.push({ x: cx, y: cy });
      }
    }
  }
  return anchors;
}

interface Candidate {
  score: number;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  keypoints: number[];
}

function sigmoid(v: number, clip: number): number {
  const c = Math.max(-clip, Math.min(clip, v));
  return 1 / (1 + Math.exp(-c));
}

/**
 * Weighted non-maximum suppression: the best candidate absorbs every candidate overlapping it by
 * more than the threshold, and the kept box is their score-weighted average (its score is the best's).
 */
export function weightedNms(candidates: Candidate[], threshold: number): Candidate[] {
  let remaining = [...candidates].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  while (remaining.length > 0) {
    const top = remaining[0];
    const cluster: Candidate[] = [];
    const rest: Candidate[] = [];
    for (const c of remaining) (iouCorners(top, c) > threshold ? cluster : rest).push(c);
    if (cluster.length === 0) cluster.push(top);
    let total = 0;
    const merged: Candidate = { score: top.score, xmin: 0, ymin: 0, xmax: 0, ymax: 0, keypoints: new Array(top.keypoints.length).fill(0) };
    for (const c of cluster) {
      total += c.score;
      merged.xmin += c.xmin * c.score;
      merged.ymin += c.ymin * c.score;
      merged.xmax += c.xmax * c.score;
      merged.ymax += c.ymax * c.score;
      for (let k = 0; k < c.keypoints.length; k++) merged.keypoints[k] += c.keypoints[k] * c.score;
    }
    merged.xmin /= total;
    merged.ymin /= total;
    merged.xmax /= total;
    merged.ymax /= total;
    for (let k = 0; k < merged.keypoints.length; k++) merged.keypoints[k] /= total;
    kept.push(merged);
    remaining = rest.filter((c) => c !== top);
  }
  return kept;
}

export class BlazeFaceDecoder {
  readonly anchors: Anchor[];

  constructor(readonly options: BlazeFaceOptions) {
    this.anchors = generateAnchors(options);
    if (this.anchors.length !== options.numBoxes) {
      throw new Error(`anchor count ${this.anchors.length} does not match the model's ${options.numBoxes} boxes`);
    }
  }

  /**
   * @param regressors [numBoxes, numCoords]: dx, dy, w, h, then x, y per keypoint, in input pixels
   * @param scores [numBoxes] raw logits
   * @param letterbox where the picture sat inside the input, to map back to the picture
   */
  decode(regressors: Float32Array, scores: Float32Array, letterbox: Letterbox, scoreThreshold = this.options.scoreThreshold): Detection[] {
    const o = this.options;
    const candidates: Candidate[] = [];
    // sigmoid is monotonic: compare logits first and take exp() only for boxes that can pass.
    const minLogit = scoreThreshold <= 0 ? -Infinity : scoreThreshold >= 1 ? Infinity : Math.log(scoreThreshold / (1 - scoreThreshold));
    for (let i = 0; i < o.numBoxes; i++) {
      if (Math.min(scores[i], o.scoreClip) < minLogit - 1e-9) continue;
      const score = sigmoid(scores[i], o.scoreClip);
      if (score < scoreThreshold) continue;
      const a = this.anchors[i];
      const r = i * o.numCoords;
      const cx = regressors[r] / o.scale + a.x;
      const cy = regressors[r + 1] / o.scale + a.y;
      const w = regressors[r + 2] / o.scale;
      const h = regressors[r + 3] / o.scale;
      const keypoints: number[] = [];
      for (let k = 0; k < o.numKeypoints; k++) {
        keypoints.push(regressors[r + 4 + 2 * k] / o.scale + a.x, regressors[r + 5 + 2 * k] / o.scale + a.y);
      }
      candidates.push({ score, xmin: cx - w / 2, ymin: cy - h / 2, xmax: cx + w / 2, ymax: cy + h / 2, keypoints });
    }
    return weightedNms(candidates, o.nmsIou).map((c) => removeLetterbox(c, letterbox, o.label ?? 'face'));
  }
}

function removeLetterbox(c: Candidate, lb: Letterbox, label: string): Detection {
  const mx = (v: number) => (v - lb.x) / lb.w;
  const my = (v: number) => (v - lb.y) / lb.h;
  const xmin = mx(c.xmin);
  const ymin = my(c.ymin);
  const keypoints = [];
  for (let k = 0; k < c.keypoints.length; k += 2) keypoints.push({ x: mx(c.keypoints[k]), y: my(c.keypoints[k + 1]) });
  return { score: c.score, box: { x: xmin, y: ymin, w: mx(c.xmax) - xmin, h: my(c.ymax) - ymin }, keypoints, label };
}
