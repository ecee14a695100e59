/**
 * Landmark tensors to points, as MediaPipe's TensorsToLandmarksCalculator reads them: per landmark
 * x, y (and z) in input pixels, then for the pose model visibility and presence logits. The
 * model's presence flag gates the result (ThresholdingCalculator), through a sigmoid for the face
 * mesh (TensorsToFloatsCalculator with SIGMOID) and as it is for the pose model.
 */
import type { LandmarkDecoderSpec } from '../../shared/models';

export interface CropLandmark {
  /** Fractions of the crop. */
  x: number;
  y: number;
  /** Sigmoid of the visibility logit, when the model has one. */
  v?: number;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

export function presenceScore(raw: number, spec: Pick<LandmarkDecoderSpec, 'presenceSigmoid'>): number {
  return spec.presenceSigmoid ? sigmoid(raw) : raw;
}

export function decodeLandmarks(tensor: Float32Array, spec: Pick<LandmarkDecoderSpec, 'numLandmarks' | 'valuesPerLandmark'>, inputWidth: number, inputHeight: number): CropLandmark[] {
  const per = spec.valuesPerLandmark;
  if (tensor.length < spec.numLandmarks * per) throw new Error(`landmark tensor has ${tensor.length} values, ${spec.numLandmarks} x ${per} needed`);
  const points: CropLandmark[] = [];
  for (let i = 0; i < spec.numLandmarks; i++) {
    const o = i * per;
    const p: CropLandmark = { x: tensor[o] / inputWidth, y: tensor[o + 1] / inputHeight };
    if (per >= 4) p.v = sigmoid(tensor[o + 3]);
    points.push(p);
  }
  return points;
}
