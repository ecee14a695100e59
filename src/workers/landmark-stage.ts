/**
 * The second stage of a two-stage model: for each of the first few detections, the rotated
 * region of interest is cropped from the frame, the landmark model runs on it, and its points are
 * projected back to the frame. It runs in the same worker as the detector, on its own interpreter.
 */
import type { LandmarkStage as LandmarkStageSpec } from '../shared/models';
import type { DelegateName } from '../shared/contracts/config';
import type { Detection } from '../shared/contracts/frames';
import { decodeLandmarks, presenceScore } from './decoders/landmarks';
import { cropRotated, projectToFrame, roiFromDetection } from './decoders/roi';
import { createInterpreter, imageInput, InterpreterError, normalizationTable, shapeOf, type ModelRunner, type TensorInfo } from './interpreter';
import { readModelFile } from './model-file';

export class LandmarkStage {
  readonly delegate: DelegateName;
  readonly warning?: string;
  readonly inputWidth: number;
  readonly inputHeight: number;
  private readonly runner: ModelRunner;
  private readonly input: Float32Array;
  private readonly landmarks: TensorInfo;
  private readonly presence: TensorInfo;
  private readonly norm: Float32Array;

  constructor(
    readonly spec: LandmarkStageSpec,
    file: string,
    sha256: string | undefined,
    modelName: string,
    threads: number,
    delegate: DelegateName,
    delegatePath?: string,
  ) {
    const bytes = readModelFile(file, sha256, modelName);
    const interpreter = createInterpreter(bytes, file, threads, delegate, delegatePath);
    this.runner = interpreter.runner;
    this.delegate = interpreter.delegate;
    this.warning = interpreter.warning;
    const input = imageInput(this.runner);
    if (!(input.data instanceof Float32Array)) throw new InterpreterError('model-unsupported', `${file}: the landmark model must take float32 input`);
    if (input.width !== spec.input.width || input.height !== spec.input.height) {
      throw new InterpreterError('model-unsupported', `${file} takes ${input.width}x${input.height}, the manifest says ${spec.input.width}x${spec.input.height}`);
    }
    this.input = input.data;
    this.inputWidth = input.width;
    this.inputHeight = input.height;
    const outputs = this.runner.getOutputs();
    const size = (t: TensorInfo) => shapeOf(t).reduce((a, b) => a * b, 1);
    const needed = spec.decoder.numLandmarks * spec.decoder.valuesPerLandmark;
    const presence = outputs.find((t) => size(t) === 1);
    if (!outputs[0] || size(outputs[0]) < needed || !presence) {
      throw new InterpreterError('model-unsupported', `${file}: outputs [${outputs.map((t) => t.shape).join('; ')}] are not ${spec.decoder.type} landmarks`);
    }
    this.landmarks = outputs[0];
    this.presence = presence;
    this.norm = normalizationTable(spec.normalization);
  }

  /**
   * Adds landmarks to the first maxCrops detections (frame fractions in, frame fractions out).
   * A detection whose crop the model does not recognise keeps the detector's keypoints.
   */
  apply(rgb: Uint8Array, frameWidth: number, frameHeight: number, detections: Detection[]): Detection[] {
    const d = this.spec.decoder;
    return detections.map((det, i) => {
      if (i >= this.spec.maxCrops) return det;
      const roi = roiFromDetection(det.box, det.keypoints, d, frameWidth, frameHeight);
      cropRotated(rgb, frameWidth, frameHeight, roi, this.input, this.inputWidth, this.inputHeight, this.norm);
      this.runner.infer();
      const presence = presenceScore((this.presence.data() as Float32Array)[0], d);
      if (!(presence >= d.presenceThreshold)) return det;
      const points = decodeLandmarks(this.landmarks.data() as Float32Array, d, this.inputWidth, this.inputHeight);
      const keypoints = points.map((p) => {
        const f = projectToFrame(p, roi, frameWidth, frameHeight);
        return p.v === undefined ? f : { ...f, v: p.v };
      });
      return { ...det, keypoints };
    });
  }

  /** One landmark inference on whatever the input holds, for calibration. */
  inferOnly(): void {
    this.runner.infer();
  }
}
